"""Server-side SVG charts: no script, no chart library, nothing to download. Each chart is drawn for sighted
readers only (aria-hidden); the template puts the same numbers in a table for screen readers."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 220
ROW = 30
BAR = 20
LABEL_CHARS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    """How the value is written at the end of the bar (e.g. `12`, `80 %`)."""


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bar_chart(bars: list[Bar], maximum: float | None = None) -> Markup:
    """Horizontal bars scaled to `maximum` (default: the largest value)."""
    top = maximum if maximum else max((b.value for b in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 70
    height = ROW * len(bars) + 10
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" aria-hidden="true" '
             f'focusable="false" xmlns="http://www.w3.org/2000/svg">']
    for i, bar in enumerate(bars):
        y = 5 + i * ROW
        length = max(0.0, min(1.0, bar.value / top)) * span
        parts.append(
            f'<g><title>{escape(bar.label)}: {escape(bar.text)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 5}" text-anchor="end" class="chart-label">'
            f'{escape(_short(bar.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR - 5}" class="chart-value">'
            f'{escape(bar.text)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
