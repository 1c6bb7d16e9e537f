"""Which hotlines an approved case goes to. The approving lead sees these targets on the
approval form and may add or remove one, with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from casework.hotlines import TARGETS
from casework.models import Case
from reports import api


@dataclass(frozen=True)
class Route:
    target: str
    why: str


def routed_targets(case: Case) -> list[Route]:
    """NCMEC for a US nexus (a report with jurisdiction US), or for every case when
    NCMEC_ROUTING is "always"."""
    report_ids = list(case.case_reports.values_list("report_id", flat=True))
    jurisdictions = {r.jurisdiction for r in api.reports_with_media(report_ids)}
    routes = []
    if settings.NCMEC_ROUTING == "always":
        routes.append(Route("ncmec", "NCMEC_ROUTING is always"))
    elif "US" in jurisdictions:
        routes.append(Route("ncmec", "a report has a US nexus (jurisdiction US)"))
    return routes


def known_targets() -> dict[str, str]:
    return dict(TARGETS)
