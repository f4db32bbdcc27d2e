"""Server-side SVG charts: no script, no chart library, nothing to download. Each chart is drawn for sighted
readers only (aria-hidden); the template puts the same numbers in a table for screen readers.

A chart is a list of groups (a module, a status, a band of questions), each drawn as its label on a line of its
own, wrapped rather than cut, then one bar per series, with a legend naming the series and their colours above.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 420
LINE = 17
BAR = 16
GAP = 4
VALUE_ROOM = 80
LABEL_CHARS = 52
"""Characters of a label per line at 13 px across the chart's width (labels wrap, they are never cut)."""
SERIES_CLASSES = 3


@dataclass(frozen=True)
class Bar:
    value: float
    text: str
    """How the value is written at the end of the bar (e.g. `12`, `80 %`)."""


@dataclass(frozen=True)
class Group:
    label: str
    bars: Sequence[Bar | None]
    """One bar per series of the chart; None where the series has no value (e.g. a module without quiz)."""


def _legend(series: Sequence[str], width: int) -> tuple[list[str], int]:
    parts, x, y = [], 0, 0
    for i, name in enumerate(series):
        room = 22 + 8 * len(name) + 18
        if x and x + room > width:
            x, y = 0, y + LINE + 4
        parts.append(f'<rect x="{x}" y="{y + 2}" width="14" height="14" class="chart-bar chart-series-'
                     f'{i % SERIES_CLASSES}"/><text x="{x + 20}" y="{y + 14}" class="chart-label">'
                     f'{escape(name)}</text>')
        x += room
    return parts, y + LINE + 10


def bar_chart(groups: Sequence[Group], series: Sequence[str], maximum: float | None = None,
              width: int = WIDTH) -> Markup:
    """Horizontal bars scaled to `maximum` (default: the largest value), a legend of `series` on top; drawn
    `width` px wide (its text at 13 px), narrower where the page is."""
    values = [b.value for g in groups for b in g.bars if b is not None]
    top = maximum if maximum else max(values, default=0) or 1
    span = width - VALUE_ROOM
    parts, y = _legend(series, width)
    for group in groups:
        lines = textwrap.wrap(group.label, width * LABEL_CHARS // WIDTH) or [""]
        texts = "".join(f'<tspan x="0" dy="{LINE if i else 0}">{escape(line)}</tspan>' for i, line in enumerate(lines))
        parts.append(f'<g><title>{escape(group.label)}</title>'
                     f'<text x="0" y="{y + 13}" class="chart-label chart-group">{texts}</text>')
        y += LINE * len(lines) + 2
        for i, bar in enumerate(group.bars):
            if bar is None:
                continue
            length = max(0.0, min(1.0, bar.value / top)) * span
            parts.append(f'<rect x="0" y="{y}" width="{length:.1f}" height="{BAR}" '
                         f'class="chart-bar chart-series-{i % SERIES_CLASSES}"/>'
                         f'<text x="{length + 6:.1f}" y="{y + BAR - 3}" class="chart-value">{escape(bar.text)}</text>')
            y += BAR + GAP
        parts.append("</g>")
        y += 8
    head = (f'<svg class="chart" viewBox="0 0 {width} {y}" width="{width}" height="{y}" aria-hidden="true" focusable="false" '
            f'xmlns="http://www.w3.org/2000/svg">')
    return Markup(head + "".join(parts) + "</svg>")
