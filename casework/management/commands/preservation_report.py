"""What is kept beyond its ordinary span now: legal holds and preserved evidence."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from casework import audit
from casework.preservation.keeping import report_rows

COLUMNS = ("kind", "case", "media", "until", "since", "by", "why")


def _cell(value) -> str:
    if value is None:
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


class Command(BaseCommand):
    help = (
        "List what is held or preserved: each active legal hold (its case, since when, by "
        "whom, why; kept until lifted) and each preserved media item (its case, until when, "
        "why). A table, or --json. The report itself is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="One JSON document")

    def handle(self, *args, **options):
        rows = report_rows()
        audit.record(
            "preservation.reported",
            actor="system:preservation_report",
            target="preservation",
            data={"rows": len(rows)},
        )
        if options["json"]:
            self.stdout.write(json.dumps(rows, default=str, indent=2))
            return
        if not rows:
            self.stdout.write("Nothing is held or preserved.")
            return
        table = [COLUMNS] + [tuple(_cell(row[c]) for c in COLUMNS) for row in rows]
        widths = [min(max(len(line[i]) for line in table), 60) for i in range(len(COLUMNS))]
        for line in table:
            cells = [cell[:60].ljust(width) for cell, width in zip(line, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())
