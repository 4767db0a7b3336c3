"""Server-rendered SVG charts (no external chart service, no script, no inline style, so
the Content-Security-Policy holds). Every chart is shown next to a table with the same
numbers; the SVG says so in its description (`aria-describedby` on the page)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind safe (Okabe-Ito) with a distinct fill pattern per series in the legend text.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")


def bar_chart(
    categories: list[str],
    series: list[tuple[str, list[int]]],
    *,
    title: str,
    table_id: str,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """Grouped bars: one group per category, one bar per series."""
    left, bottom, top = 32, 36, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max([v for _n, values in series for v in values] + [1])
    step = _nice_step(peak)
    scale_max = step * -(-peak // step)
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(2.0, (group_w - 6) / max(len(series), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 22}" '
        f'role="img" class="chart" aria-labelledby="{escape(table_id)}-t" '
        f'aria-describedby="{escape(table_id)}">',
        f'<title id="{escape(table_id)}-t">{escape(title)}</title>',
    ]
    for tick in range(0, scale_max + 1, step):
        y = top + plot_h - plot_h * tick / scale_max
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#333">{tick}</text>'
        )
    for i, category in enumerate(categories):
        x0 = left + i * group_w + 3
        for j, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / scale_max
            x = x0 + j * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                f"<title>{escape(category)}, {escape(name)}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + (group_w - 6) / 2:.1f}" y="{top + plot_h + 14}" font-size="10" '
            f'text-anchor="middle" fill="#333">{escape(category)}</text>'
        )
    x = left
    for j, (name, _values) in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="{height + 8}" width="10" height="10" '
            f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{height + 17}" font-size="11" fill="#333">'
            f"{escape(name)}</text>"
        )
        x += 16 + 8 * len(name) + 12
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak))
