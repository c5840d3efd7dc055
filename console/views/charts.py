"""Server-side SVG charts: horizontal bars, no JavaScript library, nothing fetched from elsewhere.

Labels are escaped here (they can be agency names or anything else from the database); the SVG is
returned as ``Markup`` so Jinja does not escape the markup itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 200
BAR_AREA = 300
VALUE_WIDTH = 60


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    css: str = "",
    suffix: str = "",
    max_value: float | None = None,
) -> Markup:
    """One bar per (label, value); ``title`` is the accessible name of the chart."""
    if not items:
        return Markup("")
    top = max_value if max_value is not None else max((v for _, v in items), default=0.0)
    top = top or 1.0
    height = len(items) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR_HEIGHT + GAP)
        bar = max(0.0, min(value / top, 1.0)) * BAR_AREA
        shown = f"{value:g}{suffix}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end">'
            f"{escape(_shorten(label))}</text>"
            f'<rect class="bar {escape(css)}" x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}"'
            f' height="{BAR_HEIGHT}" rx="2"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _shorten(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
