"""Charts drawn on the server as inline SVG: stacked bars for counts, lines for the rest.

No script and no style attribute (the CSP forbids inline styles): geometry goes in SVG
attributes, colours in app.css by class (series k is class s{k}, k < PALETTE). Each bar
or point carries a <title>, the browser's tooltip; the chart as a whole is role="img"
with an aria-label, and the page puts a table of the same figures after it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from casework.stats.figures import BARS, Figure, Value

PALETTE = 8
WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 12, 26
X_LABELS = 6  # at most this many bucket labels under the axis


def bucket_label(bucket: datetime, hourly: bool) -> str:
    return bucket.strftime("%Y-%m-%d %H:00" if hourly else "%Y-%m-%d")


def _short_label(bucket: datetime, hourly: bool) -> str:
    return bucket.strftime("%H:00" if hourly else "%b %-d")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least value (1 for
    nothing to show), so that the axis reads in round numbers."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def _number(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def chart(figure: Figure, *, hourly: bool) -> SafeString:
    """The figure as an <svg> element."""
    count = len(figure.buckets)
    columns = list(figure.series.values())
    if figure.kind == BARS:
        peak = max((sum(v or 0 for v in values) for values in zip(*columns, strict=True)),
                   default=0)  # fmt: skip
    else:
        peak = max((v for values in columns for v in values if v is not None), default=0)
    top = nice_ceiling(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(count, 1)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    label = f"{figure.title}, {figure.unit} per {'hour' if hourly else 'day'}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        *_axes(top, y, count, slot, figure.buckets, hourly),
    ]
    names = list(figure.series)
    when = [bucket_label(b, hourly) for b in figure.buckets]
    if figure.kind == BARS:
        parts += _bars(figure.series, names, when, slot, y, figure.unit)
    else:
        parts += _lines(figure.series, names, when, slot, y, figure.unit)
    if peak == 0:
        parts.append(
            f'<text class="empty" x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" '
            'text-anchor="middle">Nothing in this range</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text in it went through escape)


def _axes(top, y, count, slot, buckets, hourly) -> list[str]:
    parts = []
    for fraction in (0, 0.5, 1):
        value = top * fraction
        parts.append(
            f'<line class="grid-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
            f'<text class="axis" x="{LEFT - 4}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{escape(_number(value))}</text>'
        )
    every = max(1, math.ceil(count / X_LABELS))
    for i in range(0, count, every):
        parts.append(
            f'<text class="axis" x="{LEFT + (i + 0.5) * slot:.1f}" y="{HEIGHT - 6}" '
            f'text-anchor="middle">{escape(_short_label(buckets[i], hourly))}</text>'
        )
    return parts


def _tip(when: str, name: str, value: Value, unit: str) -> str:
    shown = "no data" if value is None else f"{_number(value)} {unit}"
    return f"<title>{escape(when)} · {escape(name)}: {escape(shown)}</title>"


def _bars(series, names: Sequence[str], when, slot, y, unit) -> list[str]:
    parts = []
    width = max(slot * 0.75, 0.5)
    for i, bucket in enumerate(when):
        base = 0.0
        for k, name in enumerate(names):
            value = series[name][i] or 0
            if not value:
                continue
            x = LEFT + i * slot + (slot - width) / 2
            parts.append(
                f'<rect class="s{k % PALETTE}" x="{x:.1f}" y="{y(base + value):.1f}" '
                f'width="{width:.1f}" height="{y(base) - y(base + value):.1f}">'
                f"{_tip(bucket, name, value, unit)}</rect>"
            )
            base += value
    return parts


def _lines(series, names: Sequence[str], when, slot, y, unit) -> list[str]:
    parts = []
    for k, name in enumerate(names):
        points, runs = [], [[]]
        for i, value in enumerate(series[name]):
            if value is None:
                runs.append([])
                continue
            x = LEFT + (i + 0.5) * slot
            runs[-1].append(f"{x:.1f},{y(value):.1f}")
            points.append(
                f'<circle class="s{k % PALETTE}" cx="{x:.1f}" cy="{y(value):.1f}" r="2.5">'
                f"{_tip(when[i], name, value, unit)}</circle>"
            )
        parts += [
            f'<polyline class="s{k % PALETTE}" points="{" ".join(run)}"/>' for run in runs if run
        ]
        parts += points
    return parts
