"""A local server that speaks enough of NCMEC's hash sharing API (v2) for
python-threatexchange's client: GET <base>/v2/status and <base>/v2/entries?from=&to= with
Basic auth, entries not in time order (as NCMEC's are), paged with <paging><next>, and
tombstones (deletedImage) for entries deleted at the source. The base is
http://host:port/hashsharing; point EXCHANGE_<NAME>_URL at it.

Synthetic entries only (sandbox_base): images with an MD5 and a PDQ, every seventh a video
with an MD5. State is in memory.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from reports.exchanges.sandbox_base import (
    Answer,
    SandboxServer,
    synthetic_md5,
    synthetic_pdq,
)

DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
NAMESPACE = "https://hashsharing.ncmec.org/hashsharing/v2"
CLASSIFICATIONS = ("A1", "A2", "B1", "B2")
# The first entries share one second: whatever time windows the client's probing picks, one
# of them holds them all, so they come in exactly --pages pages.
SPAN_SECONDS = 1


@dataclass
class SandboxEntry:
    number: int
    timestamp: int
    member_id: int = 9001
    deleted: bool = False

    @property
    def id(self) -> str:
        return f"sandbox-{self.number}"

    @property
    def is_video(self) -> bool:
        return self.number % 7 == 6

    def fingerprints(self, seed: int) -> dict[str, str]:
        if self.is_video:
            return {"md5": synthetic_md5(seed, self.number)}
        return {"md5": synthetic_md5(seed, self.number), "pdq": synthetic_pdq(seed, self.number)}


def _parse_date(text: str) -> int:
    # python-threatexchange writes local time with a Z (datetime.fromtimestamp): read it back
    # the same way, so the range is the one the client meant in any time zone.
    return int(datetime.strptime(text, DATE_FORMAT).timestamp())


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime(DATE_FORMAT)


class NCMECHashSandbox(SandboxServer):
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pages: int = 3,
        page_size: int = 10,
        username: str = "casework",
        password: str = "sandbox",  # noqa: S107 (a local sandbox's demo credential)
        seed: int = 0,
        start: int | None = None,
    ) -> None:
        super().__init__(host, port)
        self.username, self.password, self.seed, self.page_size = (
            username,
            password,
            seed,
            page_size,
        )
        first = int(time.time()) - 600 if start is None else start
        self.entries: list[SandboxEntry] = []
        self.add(pages * page_size, at=first, spread=SPAN_SECONDS)

    @property
    def url(self) -> str:
        return f"{self.base()}/hashsharing"

    def add(self, count: int, *, at: int | None = None, spread: int = 1) -> list[SandboxEntry]:
        """count new entries, timestamped at `at` (default: now) over `spread` seconds."""
        at = int(time.time()) if at is None else at
        with self.lock:
            number = len(self.entries)
            new = [SandboxEntry(number + i, at + i % max(spread, 1)) for i in range(count)]
            self.entries.extend(new)
        return new

    def delete(self, number: int, *, at: int | None = None) -> None:
        with self.lock:
            entry = self.entries[number]
            entry.deleted, entry.timestamp = True, int(time.time()) if at is None else at

    def hashes(self) -> set[tuple[str, str]]:
        """(kind, value) of every entry not deleted: what a complete fetch holds."""
        with self.lock:
            live = [e for e in self.entries if not e.deleted]
        return {(k, v) for e in live for k, v in e.fingerprints(self.seed).items()}

    def _authorised(self, headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return headers.get("authorization", "") == f"Basic {expected}"

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if not self._authorised(headers):
            return Answer(401, b"<error>Authentication required</error>", "application/xml")
        if path == "/hashsharing/v2/status":
            root = ET.Element("status", xmlns=NAMESPACE)
            ET.SubElement(root, "member", id="1").text = "Casework sandbox"
            return Answer(200, ET.tostring(root), "application/xml")
        if path != "/hashsharing/v2/entries":
            return Answer(404, b"<error>Not found</error>", "application/xml")
        try:
            start, end = _parse_date(query["from"]), _parse_date(query["to"])
            offset = int(query.get("start", 0))
        except (KeyError, ValueError):
            return Answer(400, b"<error>from and to are required dates</error>", "application/xml")
        if status := self.take_fault(offset // self.page_size + 1):
            return Answer(status, b"<error>Injected fault</error>", "application/xml")
        return Answer(200, self._entries_xml(query, start, end, offset), "application/xml")

    def _entries_xml(self, query: dict[str, str], start: int, end: int, offset: int) -> bytes:
        with self.lock:
            found = [e for e in self.entries if start <= e.timestamp < end]
        # Not in time order, as NCMEC's are not; the same order for the same range.
        found.sort(key=lambda e: hashlib.sha256(e.id.encode()).digest())
        page = found[offset : offset + self.page_size]
        root = ET.Element("queryResult", xmlns=NAMESPACE)
        for tag, items in (
            ("images", [e for e in page if not e.is_video]),
            ("videos", [e for e in page if e.is_video]),
        ):
            if items:
                self._content(root, tag, items)
        if offset + self.page_size < len(found):
            paging = ET.SubElement(root, "paging")
            ET.SubElement(paging, "next").text = (
                f"/v2/entries?from={query['from']}&to={query['to']}"
                f"&start={offset + self.page_size}&size={self.page_size}&max={len(found)}"
            )
        return ET.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _content(self, root: ET.Element, tag: str, items: list[SandboxEntry]) -> None:
        stamp = _utc(max(e.timestamp for e in items))
        content = ET.SubElement(root, tag, count=str(len(items)), maxTimestamp=stamp)
        kind = tag[:-1]
        for entry in items:
            element = ET.SubElement(content, f"deleted{kind.title()}" if entry.deleted else kind)
            ET.SubElement(element, "id").text = entry.id
            ET.SubElement(element, "member", id=str(entry.member_id)).text = "Sandbox ESP"
            ET.SubElement(element, "timestamp").text = _utc(entry.timestamp)
            if entry.deleted:
                continue
            classification = CLASSIFICATIONS[entry.number % len(CLASSIFICATIONS)]
            ET.SubElement(element, "classification").text = classification
            prints = ET.SubElement(element, "fingerprints")
            for name, value in entry.fingerprints(self.seed).items():
                ET.SubElement(prints, name).text = value
