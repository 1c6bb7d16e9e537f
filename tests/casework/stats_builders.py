"""Builders of a hand-made history for the metrics page's tests: cases, decisions and
reports with the times a test chooses (the models stamp their own; these overwrite them)."""

from __future__ import annotations

from casework.models import Case, Decision
from reports.models import HashEntry, HashList, Media, MediaMatch, Platform, Report


def case(queue, created, deadline, status=Case.Status.NEW):
    made = Case.objects.create(queue=queue, deadline_at=deadline, status=status)
    Case.objects.filter(pk=made.pk).update(created_at=created)
    return made


def decision(c, user, verdict, decided, **times):
    made = Decision.objects.create(case=c, decided_by=user, verdict=verdict)
    Decision.objects.filter(pk=made.pk).update(decided_at=decided, **times)
    return made


def report(n, source, reason, received, matched_lists=()):
    platform, _ = Platform.objects.get_or_create(name="p")
    made = Report.objects.create(platform=platform, source=source, external_id=f"ext-{n}",
                                 reported_at=received, reason=reason, raw_payload={},
                                 status="processed")  # fmt: skip
    Report.objects.filter(pk=made.pk).update(received_at=received)
    media = Media.objects.create(report=made, position=0, filename="a.png", kind="image",
                                 content_type="image/png", size=1, width=1, height=1,
                                 vault_name=f"v-{n}", key_id="k", status="processed")  # fmt: skip
    for name in matched_lists:
        hash_list = HashList.objects.get(name=name)
        entry = HashEntry.objects.create(hash_list=hash_list, kind="md5", value=f"{n:032x}")
        MediaMatch.objects.create(media=media, entry=entry)
    return made
