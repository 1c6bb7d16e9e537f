"""A local server that speaks enough of Meta's ThreatExchange Graph API for
python-threatexchange's client: GET <base>/<privacy group>/threat_updates/ with the app's
access_token, updates from start_time on in last_updated order, paged with an absolute
paging.next URL (the client sends its parameters only the first time), should_delete for
removed indicators. The base is http://host:port/v26.0; point EXCHANGE_<NAME>_URL at it.

Synthetic indicators only (sandbox_base): HASH_PDQ, every fifth a HASH_MD5. In memory.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from reports.exchanges.sandbox_base import Answer, SandboxServer, synthetic_md5, synthetic_pdq

APP_ID = 1234567890


@dataclass
class SandboxUpdate:
    number: int
    timestamp: int
    deleted: bool = False

    @property
    def is_md5(self) -> bool:
        return self.number % 5 == 4

    def value(self, seed: int) -> str:
        return synthetic_md5(seed, self.number) if self.is_md5 else synthetic_pdq(seed, self.number)

    def as_json(self, seed: int) -> dict:
        update = {
            "id": str(1000 + self.number),
            "indicator": self.value(seed),
            "type": "HASH_MD5" if self.is_md5 else "HASH_PDQ",
            "last_updated": self.timestamp,
            "should_delete": self.deleted,
        }
        if not self.deleted:
            descriptor = {
                "id": str(5000 + self.number),
                "owner": {"id": str(APP_ID + 1)},
                "status": "MALICIOUS",
                "tags": ["casework_sandbox"],
            }
            update["descriptors"] = {"data": [descriptor]}
        return update


def _json(status: int, body: dict) -> Answer:
    return Answer(status, json.dumps(body).encode(), "application/json")


class ThreatExchangeSandbox(SandboxServer):
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pages: int = 3,
        page_size: int = 10,
        token: str = f"{APP_ID}|casework-sandbox-secret-0000",
        privacy_group: int = 303,
        seed: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.token, self.privacy_group = token, privacy_group
        self.seed, self.page_size = seed, page_size
        self.updates: list[SandboxUpdate] = []
        self.add(pages * page_size, at=int(time.time()) - 600)

    @property
    def url(self) -> str:
        return f"{self.base()}/v26.0"

    def add(self, count: int, *, at: int | None = None) -> list[SandboxUpdate]:
        """count new indicators, one a second from `at` (default: after the last one)."""
        with self.lock:
            last = self.updates[-1].timestamp if self.updates else int(time.time())
            first = last + 1 if at is None else at
            new = [SandboxUpdate(len(self.updates) + i, first + i) for i in range(count)]
            self.updates.extend(new)
        return new

    def delete(self, number: int) -> None:
        with self.lock:
            update = self.updates.pop(number)
            update.deleted = True
            update.timestamp = self.updates[-1].timestamp + 1
            self.updates.append(update)

    def hashes(self) -> set[tuple[str, str]]:
        with self.lock:
            live = [u for u in self.updates if not u.deleted]
        return {("md5" if u.is_md5 else "pdq", u.value(self.seed)) for u in live}

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if query.get("access_token") != self.token:
            error = {"message": "Invalid OAuth access token.", "type": "OAuthException"}
            return _json(400, {"error": {**error, "code": 190}})
        if path.rstrip("/") != f"/v26.0/{self.privacy_group}/threat_updates":
            return _json(404, {"error": {"message": "Unknown path", "code": 803}})
        try:
            start = int(query.get("start_time") or 0)
            size = min(int(query.get("limit") or self.page_size), self.page_size)
            offset = int(query.get("after") or 0)
        except ValueError:
            return _json(400, {"error": {"message": "start_time, limit and after are numbers"}})
        if status := self.take_fault(offset // max(size, 1) + 1):
            return _json(status, {"error": {"message": "Injected fault"}})
        with self.lock:
            found = [u for u in self.updates if u.timestamp >= start]
        page = found[offset : offset + size]
        body: dict = {"data": [u.as_json(self.seed) for u in page]}
        if offset + size < len(found):
            more = {"access_token": self.token, "start_time": start, "limit": size}
            body["paging"] = {
                "next": f"{self.base()}{path}?{urlencode(more)}&after={offset + size}"
            }
        return _json(200, body)
