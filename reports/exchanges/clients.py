"""python-threatexchange's exchange clients, made for an Exchange row: its credentials from
the environment, its checkpoint to and from JSON, and its fetched records as hash entries.

The NCMEC client takes its address only from the NCMECEnvironment enum, so a sandbox (or any
other address) needs the thin subclasses below, which change the base URL and nothing else.
StopNCII's client takes a base URL override itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import dacite
from threatexchange.exchanges.clients.fb_threatexchange.api import ThreatExchangeAPI
from threatexchange.exchanges.clients.ncmec import hash_api
from threatexchange.exchanges.clients.stopncii import api as stopncii_api
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.fetch_state import FetchDelta
from threatexchange.exchanges.impl import fb_threatexchange_api, ncmec_api, stop_ncii_api

from reports.exchanges.credentials import credential
from reports.exchanges.models import Exchange
from reports.hashlists import HEX, HEX_LENGTH, INDUSTRY_CATEGORIES, ParsedEntry


class _NCMECHashAPIAt(hash_api.NCMECHashAPI):
    def __init__(self, username: str, password: str, base_url: str) -> None:
        super().__init__(username, password, hash_api.NCMECEnvironment.Industry)
        self._base_url = base_url.rstrip("/")


class _NCMECExchangeAt(ncmec_api.NCMECSignalExchangeAPI):
    def __init__(self, collab: Any, username: str, password: str, base_url: str) -> None:
        super().__init__(collab, username, password)
        self._base_url = base_url

    def get_client(self, environment: hash_api.NCMECEnvironment) -> hash_api.NCMECHashAPI:
        return _NCMECHashAPIAt(self._username, self._password, self._base_url)


def ncmec_environment(exchange: Exchange) -> hash_api.NCMECEnvironment:
    try:
        return hash_api.NCMECEnvironment[exchange.environment or "Industry"]
    except KeyError:
        names = ", ".join(e.name for e in hash_api.NCMECEnvironment)
        raise ValueError(f"environment {exchange.environment!r} is not one of {names}") from None


def exchange_api(exchange: Exchange) -> Any:
    """The python-threatexchange SignalExchangeAPI for the exchange, ready to fetch."""
    base_url = credential(exchange, "URL", required=False)
    if exchange.kind == Exchange.Kind.NCMEC:
        user, password = credential(exchange, "USER"), credential(exchange, "PASSWORD")
        collab = ncmec_api.NCMECCollabConfig(
            name=exchange.name, environment=ncmec_environment(exchange)
        )
        if base_url:
            return _NCMECExchangeAt(collab, user, password, base_url)
        return ncmec_api.NCMECSignalExchangeAPI(collab, user, password)
    if exchange.kind == Exchange.Kind.STOPNCII:
        client = stopncii_api.StopNCIIAPI(
            credential(exchange, "KEY"),
            credential(exchange, "TOKEN"),
            base_url_override=base_url or None,
        )
        collab = CollaborationConfigBase(name=exchange.name, api="stop_ncii", enabled=True)
        return stop_ncii_api.StopNCIISignalExchangeAPI(collab, client)
    if exchange.kind == Exchange.Kind.THREATEXCHANGE:
        if not exchange.environment.isdigit():
            raise ValueError("a ThreatExchange exchange's environment is its privacy group's id")
        client = ThreatExchangeAPI(
            credential(exchange, "TOKEN"), endpoint_override=base_url or None
        )
        collab = fb_threatexchange_api.FBThreatExchangeCollabConfig(
            name=exchange.name, privacy_group=int(exchange.environment)
        )
        return fb_threatexchange_api.FBThreatExchangeSignalExchangeAPI(client, collab)
    raise ValueError(f"unknown exchange kind {exchange.kind!r}")


def load_checkpoint(exchange: Exchange, api: Any) -> Any:
    if not exchange.checkpoint:
        return None
    return dacite.from_dict(api.get_checkpoint_cls(), exchange.checkpoint)


def dump_checkpoint(checkpoint: Any) -> dict[str, Any]:
    return dataclasses.asdict(checkpoint)


@dataclasses.dataclass
class Page:
    """One fetched delta: entries to add or refresh, entries to take off the list."""

    entries: list[ParsedEntry]
    removed_sources: list[str]  # NCMEC: entry ids ("member-id") deleted at the source
    removed_values: list[tuple[str, str]]  # StopNCII: (kind, value) withdrawn
    records: int


NCMEC_KINDS = {"md5": "md5", "sha1": "sha1", "pdq": "pdq"}
STOPNCII_KINDS = {"pdq": "pdq", "video_md5": "md5"}
THREATEXCHANGE_KINDS = {"HASH_PDQ": "pdq", "HASH_MD5": "md5", "HASH_SHA256": "sha256"}


def _valid(kind: str, value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if len(value) == HEX_LENGTH[kind] and HEX.match(value) else None


def ncmec_page(updates: Mapping[str, Any]) -> Page:
    entries, removed = [], []
    for key, update in updates.items():
        if update is None or update.deleted:
            removed.append(key)
            continue
        category = update.classification if update.classification in INDUSTRY_CATEGORIES else ""
        for name, value in update.fingerprints.items():
            kind = NCMEC_KINDS.get(name.lower())
            if kind and (valid := _valid(kind, value)):
                entries.append(ParsedEntry(kind, valid, category, key))
    return Page(entries, removed, [], len(updates))


def by_value_page(
    updates: Mapping[tuple[str, str], Any], kinds: Mapping[str, str], source: str
) -> Page:
    """StopNCII's and ThreatExchange's updates: keyed (type, value), None when removed."""
    entries, removed = [], []
    for (type_name, value), metadata in updates.items():
        kind = kinds.get(type_name)
        if not kind or not (valid := _valid(kind, value)):
            continue
        if metadata is None:
            removed.append((kind, valid))
        else:
            entries.append(ParsedEntry(kind, valid, "", source))
    return Page(entries, [], removed, len(updates))


def pages(exchange: Exchange, api: Any, checkpoint: Any) -> Iterator[tuple[Page, Any]]:
    """(page, the checkpoint after it) for each delta the client fetches."""
    delta: FetchDelta
    for delta in api.fetch_iter([], checkpoint):
        if exchange.kind == Exchange.Kind.NCMEC:
            yield ncmec_page(delta.updates), delta.checkpoint
        elif exchange.kind == Exchange.Kind.STOPNCII:
            yield by_value_page(delta.updates, STOPNCII_KINDS, "stopncii"), delta.checkpoint
        else:
            yield (
                by_value_page(delta.updates, THREATEXCHANGE_KINDS, "threatexchange"),
                (delta.checkpoint),
            )
