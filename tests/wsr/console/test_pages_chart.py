"""The dashboard's deadline chart: the SVG builder is a pure function, checked as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsr.console._chart import WeekBar, _ticks, deadline_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
MONDAY = date(2026, 3, 9)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bars_of(root: ET.Element) -> list[ET.Element]:
    return root.findall("svg:g[@class='bars']/svg:g[@class='bar']", NS)


def twelve(counts: list[int]) -> list[WeekBar]:
    return [WeekBar(start=MONDAY + timedelta(weeks=k), count=c) for k, c in enumerate(counts)]


def test_one_bar_per_week_with_its_title_and_label() -> None:
    counts = [3, 0, 1, 7, 0, 0, 2, 0, 0, 0, 0, 1]
    root = parse(deadline_chart(twelve(counts)))
    bars = bars_of(root)
    assert len(bars) == 12
    assert [int(b.get("data-count", "")) for b in bars] == counts
    first = bars[0]
    assert first.findtext("svg:title", namespaces=NS) == (
        "Week of 2026-03-09 to 2026-03-15: 3 deadlines"
    )
    assert bars[2].findtext("svg:title", namespaces=NS).endswith(": 1 deadline")
    weeks = [b.findtext("svg:text[@class='week']", namespaces=NS) for b in bars]
    assert weeks[:3] == ["Mar 9", "Mar 16", "Mar 23"]
    # the count is printed on bars that have one, not on empty weeks
    assert first.findtext("svg:text[@class='value']", namespaces=NS) == "3"
    assert bars[1].find("svg:text[@class='value']", NS) is None


def test_bar_heights_are_proportional_and_fit_the_plot() -> None:
    root = parse(deadline_chart(twelve([2, 4, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]), height=240))
    heights = [float(b.find("svg:rect", NS).get("height")) for b in bars_of(root)]
    assert heights[2] == 0
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[3] == pytest.approx(4 * heights[0])
    assert max(heights) <= 240
    # the top gridline is at least the busiest week
    ticks = [int(t.text) for t in root.findall("svg:g[@class='grid']/svg:text", NS)]
    assert ticks[0] == 0 and ticks[-1] >= 8


def test_accessible_name_and_description() -> None:
    root = parse(deadline_chart(twelve([1] * 12), title="Deadlines per week <all agreements>"))
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert [ids[i].text for i in labelled] == [
        "Deadlines per week <all agreements>",  # escaped in the markup, parsed back here
        "12 deadlines in the 12 weeks from 2026-03-09 to 2026-05-31; the busiest week has 1.",
    ]
    assert "<all agreements>" not in deadline_chart(twelve([1] * 12), title="<all agreements>")


def test_flagged_part_is_drawn_inside_its_bar() -> None:
    bars = twelve([5] + [0] * 11)
    bars[0] = WeekBar(start=MONDAY, count=5, flagged=2)
    root = parse(deadline_chart(bars))
    rects = bars_of(root)[0].findall("svg:rect", NS)
    assert [r.get("class") for r in rects] == ["due", "flagged"]
    assert float(rects[1].get("height")) == pytest.approx(0.4 * float(rects[0].get("height")))
    assert bars_of(root)[0].findtext("svg:title", namespaces=NS).endswith("5 deadlines, 2 flagged")


def test_an_empty_window_still_draws_an_axis() -> None:
    root = parse(deadline_chart(twelve([0] * 12)))
    assert all(float(b.find("svg:rect", NS).get("height")) == 0 for b in bars_of(root))
    assert "0 deadlines in the 12 weeks" in root.findtext("svg:desc", namespaces=NS)


def test_no_weeks_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one week"):
        deadline_chart([])


@given(st.integers(min_value=0, max_value=10_000_000))
def test_ticks_cover_the_top_in_at_most_six_lines(top: int) -> None:
    ticks = _ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top
    assert 2 <= len(ticks) <= 6
    assert len({b - a for a, b in zip(ticks, ticks[1:], strict=False)}) == 1


def test_the_axis_is_labelled_as_asked() -> None:
    root = parse(deadline_chart(twelve([1] * 12), axis_label="week from <now>"))
    assert root.findtext("svg:text[@class='axis-label']", namespaces=NS) == "week from <now>"
