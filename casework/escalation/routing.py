"""Which hotlines an approved case goes to: the admin-edited routing rules (RoutingRule),
plus NCMEC for every case when NCMEC_ROUTING is "always". The approving lead sees these
targets and why on the approval form and may add or remove one, with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from casework.escalation.models import RoutingRule
from casework.escalation.routing_defaults import ensure_default_rules
from casework.hotlines import TARGETS
from casework.hotlines.nca.retention import nca_wanted
from casework.models import Case
from reports import api


@dataclass(frozen=True)
class Route:
    target: str
    why: str


@dataclass(frozen=True)
class CaseTraits:
    """What the rules look at. "Publicly reachable": the reports carry no such flag, so a
    report with a content URL (content.url of the intake schema) counts as reachable there."""

    jurisdictions: frozenset[str]
    service_country: str
    publicly_reachable: bool
    reasons: frozenset[str]


def traits_of(case: Case) -> CaseTraits:
    report_ids = list(case.case_reports.values_list("report_id", flat=True))
    reports = api.reports_with_media(report_ids)
    return CaseTraits(
        jurisdictions=frozenset(r.jurisdiction for r in reports if r.jurisdiction),
        service_country=settings.SERVICE_COUNTRY,
        publicly_reachable=any((r.content or {}).get("url") for r in reports),
        reasons=frozenset(r.reason for r in reports),
    )


def matches(rule: RoutingRule, traits: CaseTraits) -> bool:
    reachable = {"any": None, "yes": True, "no": False}[rule.publicly_reachable]
    return (
        (not rule.jurisdictions or bool(traits.jurisdictions & set(rule.jurisdictions)))
        and (not rule.service_countries or traits.service_country in rule.service_countries)
        and (reachable is None or reachable == traits.publicly_reachable)
        and (not rule.reasons or bool(traits.reasons & set(rule.reasons)))
    )


def routed_targets(case: Case) -> list[Route]:
    """One route per target, the first matching rule naming why. A rule whose target this
    installation does not know (a hotline module not deployed) routes nowhere."""
    routes: dict[str, Route] = {}
    if settings.NCMEC_ROUTING == "always":
        routes["ncmec"] = Route("ncmec", "NCMEC_ROUTING is always")
    traits = traits_of(case)
    rules = list(RoutingRule.objects.all())
    if not rules:
        ensure_default_rules()
        rules = list(RoutingRule.objects.all())
    for rule in (r for r in rules if r.enabled):
        if rule.target in TARGETS and rule.target not in routes and matches(rule, traits):
            routes[rule.target] = Route(rule.target, f"{rule.description} (rule {rule.position})")
    if "nca" in routes and not nca_wanted(r for t, r in routes.items() if t != "nca"):
        del routes["nca"]  # NCA_ALSO_WHEN_NCMEC off: NCMEC's report covers it
    return list(routes.values())


def known_targets() -> dict[str, str]:
    return dict(TARGETS)
