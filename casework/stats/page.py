"""What the metrics page and its CSV export show, each look recorded in the audit log."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from casework import audit
from casework.stats import figures, ranges, svg
from casework.stats.figures import Figure
from casework.stats.ranges import Range

CSV_HEADER = ("figure", "bucket", "series", "value")
RANGE_CHOICES = (("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days"))


@dataclass(frozen=True)
class Chart:
    figure: Figure
    svg: str
    rows: list[tuple[str, list[Any]]]  # per bucket: its label and the series' values
    legend: list[tuple[str, int]]  # series name and its colour class number


def _chart(figure: Figure, window: Range) -> Chart:
    return Chart(
        figure,
        svg.chart(figure, hourly=window.hourly),
        [(svg.bucket_label(bucket, window.hourly), values) for bucket, values in figure.rows],
        [(name, k % svg.PALETTE) for k, name in enumerate(figure.series)],
    )


def metrics_page(*, user: Any, params: Any) -> dict[str, Any]:
    """The page's context for this range (raises ranges.BadParameter), recorded."""
    window = ranges.parse_range(params)
    charts = [_chart(f, window) for f in figures.all_figures(window)]
    audit.by_user(user, "stats.viewed", target="stats", data=window.describe())
    return {
        "window": window,
        "charts": charts,
        "range_choices": RANGE_CHOICES,
        "custom_from": window.start.date().isoformat(),
        "custom_to": window.last_day.isoformat(),
        "export_href": f"{reverse('stats-export')}?{urlencode(window.query())}",
    }


def export_csv(*, user: Any, params: Any) -> tuple[str, Range]:
    """Every figure of the range as CSV, one row per figure, bucket, series and value."""
    window = ranges.parse_range(params)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for figure in figures.all_figures(window):
        for name, values in figure.series.items():
            for bucket, value in zip(figure.buckets, values, strict=True):
                writer.writerow(
                    (figure.name, bucket.isoformat(), name, "" if value is None else value)
                )
    audit.by_user(user, "stats.exported", target="stats", data=window.describe())
    return out.getvalue(), window


def export_filename(window: Range) -> str:
    return f"casework-metrics-{window.start:%Y%m%dT%H%M}-{window.end:%Y%m%dT%H%M}.csv"
