"""Hotlines: one module per reporting target behind one small interface.

A hotline module prepares documents from a case's facts (``facts.CaseFacts``), sends one
step over a real HTTP client, and parses the answer into an ``Answer``. It knows nothing of
Django views, models or the outbox: ``casework.escalation`` gathers the facts, drives the
steps, and records every attempt.

The steps are those of a report that is opened, given its files one at a time, and then
finished (or retracted before it is finished); a hotline whose protocol is one request
opens and finishes in one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What the outbox does next, by answer:
#   ok           the step is done; go on
#   retry        trouble on the way or at the hotline; try again later (backoff)
#   credentials  the hotline refused our credentials or account; stop and alert admins
#   refused      the hotline refused the document; stop and show its message on the case
#   already_done the report is already in the wanted state (finished, retracted): done
Outcome = Literal["ok", "retry", "credentials", "refused", "already_done"]


@dataclass(frozen=True)
class Document:
    """A document exactly as sent to a hotline, or as it answered (a receipt)."""

    name: str
    content_type: str
    body: str


@dataclass(frozen=True)
class Answer:
    """What one step got back, parsed."""

    step: str
    outcome: Outcome
    http_status: int | None
    code: int | None
    message: str
    receipt: Document | None = None
    report_id: str = ""
    file_id: str = ""
    md5: str = ""
    file_ids: tuple[str, ...] = ()
    # False only when the request certainly never left (the connection was refused): an
    # unanswered request that may have arrived leaves the hotline's state in doubt.
    maybe_delivered: bool = True

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def describe(self) -> str:
        """For a person: which step, and what the hotline said."""
        return f"{self.step} answered HTTP {self.http_status}, code {self.code}: {self.message}"


TARGETS = {"ncmec": "NCMEC CyberTipline", "nca": "UK National Crime Agency"}
# Manual channels (casework/hotlines/manual.py): no public reporting API, so the tool prepares
# the referral and a lead submits it through the hotline's form and records its reference.
MANUAL_TARGETS = {
    "iwf": "IWF (by hand)",
    "cybertip": "Cybertip.ca (by hand)",
    "inhope": "INHOPE hotline of the hosting country (by hand)",
    "nca_portal": "UK NCA (portal, by hand)",
}
TARGETS.update(MANUAL_TARGETS)


def is_manual(target: str) -> bool:
    return target in MANUAL_TARGETS


def target_label(target: str) -> str:
    return TARGETS.get(target, target)


def connect(target: str):
    """The hotline module's adapter for `target`, ready to send (see ncmec.CyberTipline)."""
    if target == "ncmec":
        from casework.hotlines.ncmec import CyberTipline

        return CyberTipline()
    if target == "nca":
        from casework.hotlines.nca import NcaReport

        return NcaReport()
    if is_manual(target):
        from casework.hotlines.manual import ManualChannel

        return ManualChannel(target)
    if target == "webhook":
        # Not in TARGETS: the webhook is told of every decision, not routed at approval.
        from casework.hotlines.webhook import WebhookEndpoint

        return WebhookEndpoint()
    raise KeyError(f"unknown hotline {target!r}")
