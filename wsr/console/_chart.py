"""The dashboard's chart of deadlines per week, as server-rendered SVG (no JavaScript).

A pure function of the counts: the page inlines the markup, so the chart is in the HTML the
browser tests fetch and needs no charting library. Every bar carries a ``<title>`` (the tooltip,
and what a screen reader announces) and the whole chart an accessible name, so the figure is
readable without seeing it; the numbers are also printed above the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

__all__ = ["WeekBar", "deadline_chart"]


@dataclass(frozen=True)
class WeekBar:
    """One week of the chart: the Monday it starts on and how many deadlines fall in it."""

    start: date
    count: int
    #: of those, how many are already flagged (breach suspected, in cure); drawn darker
    flagged: int = 0


def _ticks(top: int) -> list[int]:
    """Up to five round gridline values from 0 to at least ``top``."""
    if top <= 0:
        return [0, 1]
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        step = candidate
        if top / candidate <= 4:
            break
    else:
        while top / step > 4:
            step *= 10
    last = -(-top // step) * step
    return list(range(0, last + 1, step))


def _plural(n: int) -> str:
    return f"{n} deadline" if n == 1 else f"{n} deadlines"


def deadline_chart(
    bars: Sequence[WeekBar],
    *,
    title: str = "Deadlines per week",
    width: int = 720,
    height: int = 240,
    chart_id: str = "deadline-chart",
    axis_label: str = "week beginning (Monday)",
) -> str:
    """SVG markup for a bar chart of ``bars`` (one bar per week, left to right).

    Axis: weeks labelled with their Monday (``Mar 9``), counts on round gridlines. The ``<svg>``
    has ``role="img"`` and is named by its ``<title>`` and described by a ``<desc>`` giving the
    total; each bar's ``<title>`` says its week and count.
    """
    if not bars:
        raise ValueError("a chart needs at least one week")
    left, right, top_pad, bottom = 44, 12, 26, 40
    plot_w = width - left - right
    plot_h = height - top_pad - bottom
    ticks = _ticks(max(b.count for b in bars))
    scale = plot_h / ticks[-1]
    slot = plot_w / len(bars)
    bar_w = max(slot * 0.64, 1.0)
    total = sum(b.count for b in bars)
    first, last = bars[0].start, bars[-1].start + timedelta(days=6)
    desc = (
        f"{_plural(total)} in the {len(bars)} weeks from {first.isoformat()} to "
        f"{last.isoformat()}; the busiest week has {max(b.count for b in bars)}."
    )
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        '<g class="grid">',
    ]
    base_y = top_pad + plot_h
    for value in ticks:
        y = base_y - value * scale
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" />'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    out.append("</g>")
    out.append('<g class="bars">')
    for k, bar in enumerate(bars):
        x = left + k * slot + (slot - bar_w) / 2
        h = bar.count * scale
        week_end = bar.start + timedelta(days=6)
        label = (
            f"Week of {bar.start.isoformat()} to {week_end.isoformat()}: {_plural(bar.count)}"
            + (f", {bar.flagged} flagged" if bar.flagged else "")
        )
        out.append(f'<g class="bar" data-week="{bar.start.isoformat()}" data-count="{bar.count}">')
        out.append(f"<title>{escape(label)}</title>")
        out.append(
            f'<rect class="due" x="{x:.1f}" y="{base_y - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" />'
        )
        if bar.flagged:
            fh = min(bar.flagged, bar.count) * scale
            out.append(
                f'<rect class="flagged" x="{x:.1f}" y="{base_y - fh:.1f}" width="{bar_w:.1f}" '
                f'height="{fh:.1f}" />'
            )
        if bar.count:
            out.append(
                f'<text class="value" x="{x + bar_w / 2:.1f}" y="{base_y - h - 4:.1f}" '
                f'text-anchor="middle">{bar.count}</text>'
            )
        out.append(
            f'<text class="week" x="{x + bar_w / 2:.1f}" y="{base_y + 16:.1f}" '
            f'text-anchor="middle">{escape(bar.start.strftime("%b %-d"))}</text>'
        )
        out.append("</g>")
    out.append("</g>")
    out.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{base_y}" y2="{base_y}" />'
        f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(axis_label)}</text>'
    )
    out.append("</svg>")
    return "".join(out)
