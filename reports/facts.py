"""What a group of reports says that weighs on its case: priority inputs, routing inputs and
the facts a case list filters on, read for many groups in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from reports import hygiene
from reports.models import Media, MediaMatch, Report


@dataclass(frozen=True)
class ListMatch:
    """The closest match of a group of reports' media on one hash list."""

    list: str
    distance: int


@dataclass(frozen=True)
class ReportFacts:
    """What of a group of reports weighs on how soon a person must look at them, where they
    belong, and what a case list filters on (the first report gives source, reason and
    jurisdiction)."""

    count: int
    child_in_imminent_danger: bool
    top_classifier_score: float
    hash_list_match: bool
    matches: tuple[ListMatch, ...] = ()  # closest first, one per list
    source: str = ""
    reason: str = ""
    jurisdiction: str = ""
    has_video: bool = False
    ai_marker: bool = False


def report_facts(report_ids: list[int]) -> ReportFacts:
    return facts_of_groups([report_ids])[0]


def facts_of_groups(groups: Sequence[Sequence[int]]) -> list[ReportFacts]:
    """The facts of each group of reports, in the order given: four queries for any number
    of groups."""
    ids = sorted({i for group in groups for i in group})
    rows = {
        pk: rest
        for pk, *rest in Report.objects.filter(pk__in=ids).values_list(
            "pk", "classifier", "child_in_imminent_danger", "source", "reason", "jurisdiction"
        )
    }
    matches: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for report_id, name, distance in (
        # a quarantined entry's matches weigh on nothing (reports.hygiene)
        MediaMatch.objects.filter(hygiene.counted("entry__"), media__report_id__in=ids)
        .order_by("distance", "pk")
        .values_list("media__report_id", "entry__hash_list__name", "distance")
    ):
        matches[report_id].append((name, distance))
    media = Media.objects.filter(report_id__in=ids)
    video = set(media.filter(kind=Media.Kind.VIDEO).values_list("report_id", flat=True))
    ai = set(media.filter(provenance__ai_generated=True).values_list("report_id", flat=True))
    return [_facts(sorted(group), rows, matches, video, ai) for group in groups]


def _facts(
    group: list[int],
    rows: dict[int, list],
    matches: dict[int, list[tuple[str, int]]],
    video: set[int],
    ai: set[int],
) -> ReportFacts:
    found = [rows[i] for i in group if i in rows]
    scores = [classifier.get("score") or 0 for classifier, *_ in found if classifier]
    closest: dict[str, int] = {}
    for name, distance in sorted(
        (m for i in group for m in matches.get(i, ())), key=lambda m: m[1]
    ):
        closest.setdefault(name, distance)
    first = found[0] if found else (None, False, "", "", "")
    return ReportFacts(
        count=len(found),
        child_in_imminent_danger=any(danger for _, danger, *_ in found),
        top_classifier_score=max(scores, default=0),
        hash_list_match=bool(closest),
        matches=tuple(ListMatch(n, d) for n, d in closest.items()),
        source=first[2],
        reason=first[3],
        jurisdiction=first[4],
        has_video=any(i in video for i in group),
        ai_marker=any(i in ai for i in group),
    )
