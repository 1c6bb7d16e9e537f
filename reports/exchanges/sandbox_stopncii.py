"""A local server that speaks enough of StopNCII's API for python-threatexchange's client:
GET <base>/FetchHashes?startTimestamp=&pageSize=&nextPageToken= with the two keys in the
x-functions-key and Ocp-Apim-Subscription-Key headers, records in lastModtimestamp order from
startTimestamp on, paged with nextPageToken / hasMoreRecords, and nextSetTimestamp as the
checkpoint. The base is http://host:port/v1; point EXCHANGE_<NAME>_URL at it.

Synthetic records only (sandbox_base): ImagePDQ, every fifth a VideoMD5. State is in memory.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from reports.exchanges.sandbox_base import Answer, SandboxServer, synthetic_md5, synthetic_pdq


@dataclass
class SandboxRecord:
    number: int
    timestamp: int

    def as_json(self, seed: int) -> dict:
        video = self.number % 5 == 4
        value = synthetic_md5(seed, self.number) if video else synthetic_pdq(seed, self.number)
        return {
            "lastModtimestamp": self.timestamp,
            "signalType": "VideoMD5" if video else "ImagePDQ",
            "hashValue": value,
            "hashStatus": "Active",
            "caseNumbers": {f"case-{self.number}": "Active"},
            "CSPFeedbacks": [],
        }


def _json(status: int, body: dict) -> Answer:
    return Answer(status, json.dumps(body).encode(), "application/json")


class StopNCIISandbox(SandboxServer):
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pages: int = 3,
        page_size: int = 10,
        subscription_key: str = "sandbox-subscription",
        function_key: str = "sandbox-fetch",
        seed: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.keys = {"ocp-apim-subscription-key": subscription_key, "x-functions-key": function_key}
        self.seed, self.page_size = seed, page_size
        self.records: list[SandboxRecord] = []
        self.add(pages * page_size, at=int(time.time()) - 600)

    @property
    def url(self) -> str:
        return f"{self.base()}/v1"

    def add(self, count: int, *, at: int | None = None) -> list[SandboxRecord]:
        """count new records, one a second from `at` (default: after the last one)."""
        with self.lock:
            last = self.records[-1].timestamp if self.records else int(time.time())
            first = last + 1 if at is None else at
            number = len(self.records)
            new = [SandboxRecord(number + i, first + i) for i in range(count)]
            self.records.extend(new)
        return new

    def hashes(self) -> set[tuple[str, str]]:
        with self.lock:
            records = [r.as_json(self.seed) for r in self.records]
        kinds = {"ImagePDQ": "pdq", "VideoMD5": "md5"}
        return {(kinds[r["signalType"]], r["hashValue"]) for r in records}

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if any(headers.get(name) != key for name, key in self.keys.items()):
            return _json(401, {"statusCode": 401, "message": "Access denied: invalid key"})
        if path != "/v1/FetchHashes":
            return _json(404, {"message": "Not found"})
        try:
            start = int(query.get("startTimestamp", 0))
            size = min(int(query.get("pageSize", self.page_size)), self.page_size)
            offset = int(query.get("nextPageToken") or 0)
        except ValueError:
            return _json(400, {"message": "startTimestamp, pageSize and nextPageToken are numbers"})
        if size < 1:
            return _json(400, {"message": "pageSize must be at least 1"})
        if status := self.take_fault(offset // size + 1):
            return _json(status, {"message": "Injected fault"})
        with self.lock:
            found = [r for r in self.records if r.timestamp >= start]
        page = found[offset : offset + size]
        more = offset + size < len(found)
        return _json(
            200,
            {
                "count": len(page),
                "nextPageToken": str(offset + size) if more else None,
                # The next fetch starts at the last record it got (fetched again: an upsert).
                "nextSetTimestamp": page[-1].timestamp if page else start,
                "hasMoreRecords": more,
                "hashRecords": [r.as_json(self.seed) for r in page],
            },
        )
