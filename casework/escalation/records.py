"""What is written about each step of an escalation: the step in flight (committed before
its request leaves), and each attempt with its answer and the exact documents sent and
received."""

from __future__ import annotations

from casework.escalation.models import (
    Escalation,
    EscalationAttempt,
    EscalationDocument,
    EscalationState,
)
from casework.hotlines import Answer, Document

ACTOR = "system:escalation"


def begin(escalation: Escalation, step: str) -> None:
    """Record the step as in flight, committed before the request leaves."""
    escalation.step_in_flight = step
    if escalation.state == EscalationState.PENDING:
        escalation.state = EscalationState.SENDING
    escalation.save(update_fields=["step_in_flight", "state", "updated_at"])


def record(escalation: Escalation, answer: Answer, sent: list[Document]) -> EscalationAttempt:
    attempt = EscalationAttempt.objects.create(
        escalation=escalation,
        step=escalation.step_in_flight or answer.step,
        outcome=answer.outcome,
        http_status=answer.http_status,
        response_code=answer.code,
        message=answer.message[:2000],
    )
    documents = [_document(escalation, attempt, "sent", d) for d in sent]
    if answer.receipt is not None:
        documents.append(_document(escalation, attempt, "received", answer.receipt))
    EscalationDocument.objects.bulk_create(documents)
    escalation.step_in_flight = ""
    fields = ["step_in_flight", "updated_at"]
    if answer.ok and escalation.failures:
        # A step that went through ends the run of failures: the limit and the backoff are
        # for a hotline that keeps refusing, not for the odd failure on a long report.
        escalation.failures, escalation.problem = 0, ""
        fields += ["failures", "problem"]
    escalation.save(update_fields=fields)
    return attempt


def _document(escalation, attempt, direction: str, document: Document) -> EscalationDocument:
    return EscalationDocument(
        escalation=escalation,
        attempt=attempt,
        direction=direction,
        name=document.name,
        content_type=document.content_type,
        body=document.body,
    )


def about(escalation: Escalation, **more) -> dict:
    return {"escalation": escalation.pk, "target": escalation.target, **more}
