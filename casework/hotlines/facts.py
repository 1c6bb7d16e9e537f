"""What a hotline is told about a case, as plain values: the escalation package gathers these
from the case, its reports and the audit log; each hotline module turns them into its own
documents. Nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class IpEvent:
    """An address the platform saw an account use."""

    ip: str
    event: Literal["upload", "login", "registration", "purchase", "other", "unknown"] = "unknown"
    at: datetime | None = None
    port: int | None = None


@dataclass(frozen=True)
class Person:
    """A reported account or a victim, as the platform knows them."""

    esp_id: str = ""
    screen_name: str = ""
    email: str = ""
    display_name: str = ""
    profile_url: str = ""
    age: int | None = None
    ip_events: tuple[IpEvent, ...] = ()

    @property
    def identifiers(self) -> tuple[str, ...]:
        """What identifies the account to a hotline; a report naming nobody is incomplete."""
        values = (self.esp_id, self.screen_name, self.email, self.profile_url)
        return tuple(v for v in values if v) + tuple(e.ip for e in self.ip_events)


@dataclass(frozen=True)
class FileFacts:
    """One file of the report: evidence (relevance "reported") or supporting text
    ("supplemental", such as a chat transcript)."""

    key: str  # stable within the escalation: "media:12" or "text:report:7"
    name: str  # the name the hotline is given (no platform file name leaks into it)
    original_name: str
    content_type: str
    relevance: Literal["reported", "supplemental"]
    sha256: str = ""
    md5: str = ""
    pdq: str = ""
    uploaded_at: datetime | None = None
    location: str = ""
    # The truth from the audit log: did a person open the original, or its metadata?
    viewed: bool = False
    metadata_viewed: bool = False
    publicly_available: bool | None = None
    industry: str = ""  # A1, A2, B1, B2
    uk: str = ""  # A, B, C: the UK category the decision stored (its "iwf" label)
    annotations: tuple[str, ...] = ()  # NCMEC file annotations, e.g. generativeAi
    ip_event: IpEvent | None = None
    exif: tuple[tuple[str, str], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CaseFacts:
    """Everything about one case that a hotline report may carry."""

    case_id: int
    service: str  # the platform's name, as the service the content was on
    incident_type: str
    incident_at: datetime
    incident_description: str = ""
    imminent_danger: bool = False
    report_annotations: tuple[str, ...] = ()  # sextortion, csamSolicitation, …
    urls: tuple[str, ...] = ()
    reported_users: tuple[Person, ...] = ()
    victims: tuple[Person, ...] = ()
    prior_reports: tuple[str, ...] = ()  # the hotline's ids of earlier reports on these users
    additional_info: str = ""
    files: tuple[FileFacts, ...] = field(default=())
    jurisdictions: tuple[str, ...] = ()
    # When and how the content was first detected (the reports' sources: user_report,
    # classifier, hash_match, …), for hotlines that ask (the NCA).
    detected_at: datetime | None = None
    detected_by: tuple[str, ...] = ()
