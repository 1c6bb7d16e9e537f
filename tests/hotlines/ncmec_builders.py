"""Builders and readers shared by the NCMEC document tests: small facts, the samples, and
XML helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from casework.hotlines.facts import CaseFacts, FileFacts, IpEvent, Person
from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.documents import (
    Reporter,
    file_details_xml,
    report_xml,
)

SAMPLES = Path(__file__).resolve().parent / "data" / "ncmec"
NOW = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
ENTICEMENT = "Online Enticement of Children for Sexual Acts"
CSAM = "Child Pornography (possession, manufacture, and distribution)"
MD5 = "fafa5efeaf3cbe3b23b2748d13e629a1"
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


# -- builders ----------------------------------------------------------------------------


def reporter(**fields) -> Reporter:
    values = {"first_name": "Case", "last_name": "Reviewer", "email": "trust-safety@example.org"}
    return Reporter(**(values | fields))


def user(n: int = 1, **fields) -> Person:
    values = {
        "esp_id": f"user-{n}",
        "screen_name": f"someone_{n}",
        "ip_events": (IpEvent("203.0.113.7", "login", datetime(2024, 5, 1, 11, 58, tzinfo=UTC)),),
    }
    return Person(**(values | fields))


def media(n: int = 1, **fields) -> FileFacts:
    values = {
        "key": f"media:{n}",
        "name": f"case-3-media-{n}.png",
        "original_name": f"IMG_{n:04}.png",
        "content_type": "image/png",
        "relevance": "reported",
        "md5": MD5,
    }
    return FileFacts(**(values | fields))


def transcript(n: int = 1, **fields) -> FileFacts:
    values = {
        "key": f"text:report:{n}",
        "name": f"case-3-report-{n}-text.txt",
        "original_name": "",
        "content_type": "text/plain",
        "relevance": "supplemental",
    }
    return FileFacts(**(values | fields))


def case(**fields) -> CaseFacts:
    values = {
        "case_id": 3,
        "service": "Example Community Forum",
        "incident_type": CSAM,
        "incident_at": datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        "reported_users": (user(),),
        "files": (media(),),
    }
    return CaseFacts(**(values | fields))


def parse(document: str) -> etree._Element:
    return schema.parse(document)


def tags(element: etree._Element) -> list[str]:
    return [child.tag for child in element if isinstance(child.tag, str)]


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text or "" for element in root.findall(path)]


def valid_report(facts: CaseFacts, who: Reporter | None = None) -> etree._Element:
    document = report_xml(facts, who or reporter(), now=NOW)
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert schema.problems(document) == []
    return parse(document)


def valid_file(file: FileFacts, report_id: str = "4564654") -> etree._Element:
    document = file_details_xml(report_id, "b0754af766b426f2928a02c651ed4b99", file)
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert schema.problems(document) == []
    return parse(document)


def sample(name: str) -> etree._Element:
    return parse((SAMPLES / name).read_bytes())


def in_sample_order(ours: list[str], theirs: list[str]) -> bool:
    """Our children are the sample's, less what we do not send, in the same order."""
    deduplicated = list(dict.fromkeys(ours))
    return deduplicated == [tag for tag in dict.fromkeys(theirs) if tag in deduplicated]


# -- typical documents -------------------------------------------------------------------
