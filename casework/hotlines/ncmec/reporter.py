"""Who reports to NCMEC: the reporting person from the NCMEC_* settings, and the reporter's
phone number in the form the CyberTipline schema takes it.

The schema's ``phone`` carries the number as text, with the country calling code
(``\\+[0-9]{1,3}``) and the extension (``[0-9]+``) as attributes, so a setting such as
"+1 (555) 555-0100 ext. 12" is split into those three parts here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

# E.164 country calling codes are prefix-free: these are all the one- and two-digit codes
# the ITU has assigned, every other code has three digits. That lets "+442079460958" be
# split as +44 2079460958 without separators to go by.
_ONE_DIGIT_CODES = {"1", "7"}
_TWO_DIGIT_CODES = {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44"}
_TWO_DIGIT_CODES |= {"45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58"}
_TWO_DIGIT_CODES |= {"60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91"}
_TWO_DIGIT_CODES |= {"92", "93", "94", "95", "98"}
_EXTENSION = re.compile(r"^(?P<number>.*?)\s*(?:ext\.?|extension|x|#)\s*(?P<ext>[0-9]+)$", re.I)
_NUMBER = re.compile(r"^\+?[0-9 .\-()/]+$")
_MAX_E164_DIGITS = 15
_MIN_NATIONAL_DIGITS = 4


@dataclass(frozen=True)
class Phone:
    """A phone number as the schema's ``phone`` element takes it."""

    number: str  # digits only
    country_calling_code: str = ""  # "+1", or "" when the setting gave none
    extension: str = ""


def parse_phone(text: str) -> Phone | None:
    """The phone number `text` spells, or None when it is not one NCMEC could call."""
    text = text.strip()
    extension = ""
    if match := _EXTENSION.match(text):
        text, extension = match["number"], match["ext"]
    if text.startswith("00"):  # the international prefix most of the world dials
        text = "+" + text[2:]
    if not _NUMBER.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    country = _country_code(digits) if text.startswith("+") else ""
    national = digits[len(country) :]
    if len(national) < _MIN_NATIONAL_DIGITS or len(digits) > _MAX_E164_DIGITS:
        return None
    return Phone(national, f"+{country}" if country else "", extension)


def _country_code(digits: str) -> str:
    if digits[:1] in _ONE_DIGIT_CODES:
        return digits[:1]
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


@dataclass(frozen=True)
class Reporter:
    """The reporting person and the company's standing text, sent with every report."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company_template: str = ""
    terms_of_service: str = ""
    legal_url: str = ""

    @classmethod
    def from_settings(cls) -> Reporter:
        def setting(name: str) -> str:
            return (getattr(settings, name, "") or "").strip()

        return cls(
            first_name=setting("NCMEC_REPORTER_FIRST_NAME"),
            last_name=setting("NCMEC_REPORTER_LAST_NAME"),
            email=setting("NCMEC_REPORTER_EMAIL"),
            phone=setting("NCMEC_REPORTER_PHONE"),
            company_template=setting("NCMEC_COMPANY_TEMPLATE"),
            terms_of_service=setting("NCMEC_TERMS_OF_SERVICE"),
            legal_url=setting("NCMEC_LEGAL_URL"),
        )

    @property
    def parsed_phone(self) -> Phone | None:
        return parse_phone(self.phone) if self.phone else None

    @property
    def phone_is_invalid(self) -> bool:
        return bool(self.phone.strip()) and self.parsed_phone is None
