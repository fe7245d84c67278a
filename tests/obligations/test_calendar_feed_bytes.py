"""The feed's events are written line by line (for speed), so they are checked here byte for byte
against what icalendar's own ``Event`` / ``Todo`` objects serialise to — the way the feed was
built before — and the escaping and folding against icalendar's on random text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, Todo
from icalendar.parser import Contentline
from icalendar.prop import vText

from obligations import CalendarComponent, LegalState, Money, calendar_feed
from obligations._enums import OPEN
from obligations._ics import (
    _DONE_PREFIX,
    PRODID,
    UID_DOMAIN,
    _description,
    _summary,
    escape_text,
    fold,
    listed,
)

NOW = datetime(2026, 3, 13, 9, 0, 7, 123456, tzinfo=UTC)


def _reference_event(ob, stamp, description, sequence):
    event = Event()
    event.add("uid", f"{ob.id}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", ob.due)
    event.add("dtend", ob.due + timedelta(days=1))
    event.add("sequence", sequence)
    event.add("summary", _DONE_PREFIX.get(ob.state, "") + _summary(ob))
    event.add("description", description)
    event.add("categories", [ob.kind, ob.clause_id])
    event.add("last-modified", ob.updated_at)
    event.add("transp", "TRANSPARENT")
    if ob.state in (LegalState.DISCHARGED, LegalState.TERMINATED):
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        if ob.state in OPEN and "breach_suspected" in ob.flags:
            event.add("priority", 1)
    return event


def _reference_todo(ob, stamp, description):
    todo = Todo()
    todo.add("uid", f"{ob.id}@{UID_DOMAIN}")
    todo.add("dtstamp", stamp)
    todo.add("due", ob.due)
    todo.add("summary", _summary(ob))
    todo.add("description", description)
    todo.add("categories", [ob.kind, ob.clause_id])
    todo.add("last-modified", ob.updated_at)
    if ob.state is LegalState.FULFILLED:
        todo.add("status", "COMPLETED")
        todo.add("percent-complete", 100)
    else:
        todo.add("status", "NEEDS-ACTION")
        if "breach_suspected" in ob.flags:
            todo.add("priority", 1)
    return todo


def reference_feed(obligations, *, now, agreements=None, component="vevent", sequence=None):
    """The feed as the icalendar objects made it (the implementation before this one)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "WSR obligation deadlines")
    stamp = now.astimezone(UTC)
    agreements, sequence = agreements or {}, sequence or {}
    for ob in obligations:  # already what the feed lists, in its order
        description = _description(ob, agreements.get(ob.agreement_id))
        if component == "vtodo":
            cal.add_component(_reference_todo(ob, stamp, description))
        else:
            cal.add_component(_reference_event(ob, stamp, description, sequence.get(ob.id, 0)))
    return cal.to_ical()


_TRICKY = st.sampled_from(list("ab \\^;,:\n\rNé—😀\"'x"))
TEXT = st.text(alphabet=_TRICKY | st.characters(exclude_categories=("Cs",)), max_size=160)


@pytest.fixture
def varied(make_obligation, make_agreement):
    """Obligations with every field the feed shows, text that needs escaping and folding (commas,
    semicolons, backslashes, line ends, multi-byte characters, long subjects), in every state."""
    states = list(LegalState)
    obs = [
        make_obligation(
            subject=None if i % 7 == 0 else f"GROWER-{i}, Ñandú; \\ “quoted” " + "x" * (i * 3),
            key=f"k{i}",
            due=date(2026, 1, 1) + timedelta(days=5 * i),
            state=states[i % len(states)],
            title=f"Pay, or else; line\nbreak {'é' * i}",
            amount=Money(value=Decimal("2500.00") + i, currency="USD") if i % 2 else None,
            paid=Decimal(i) if i % 4 == 1 else Decimal(0),
            flags=frozenset({"breach_suspected"} if i % 3 == 0 else {"late", "disputed"}),
            period_start=date(2026, 1, 5) if i % 5 == 0 else None,
            period_end=date(2026, 1, 11) if i % 5 == 0 else None,
            updated_at=NOW - timedelta(days=i, seconds=i, microseconds=i),
        )
        for i in range(40)
    ]
    agr = make_agreement()
    return obs, {agr.id: agr}


@pytest.mark.parametrize("component", ["vevent", "vtodo"])
def test_the_feed_is_what_icalendars_objects_serialise_to(varied, component):
    obs, agreements = varied
    sequence = {o.id: n for n, o in enumerate(obs)}
    kept = listed(obs, now=NOW, component=component, closed_days=None)
    assert len(kept) > 20
    expected = reference_feed(
        kept, now=NOW, agreements=agreements, component=component, sequence=sequence
    )
    got = calendar_feed(
        obs,
        now=NOW,
        agreements=agreements,
        component=component,
        sequence=sequence,
        closed_days=None,
    )
    assert got == expected
    # and it round-trips through icalendar's parser
    assert Calendar.from_ical(got).to_ical() == expected


def test_the_window_keeps_open_and_recent_and_the_kept_events_are_unchanged(varied):
    obs, agreements = varied
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    cutoff = date(2026, 6, 1) - timedelta(days=90)
    feed = calendar_feed(obs, now=now, agreements=agreements)
    uids = {str(e["uid"]) for e in Calendar.from_ical(feed).walk("VEVENT")}
    expected = {f"{o.id}@{UID_DOMAIN}" for o in obs if o.state in OPEN or o.due >= cutoff}
    assert uids == expected
    assert any(o.state not in OPEN and o.due < cutoff for o in obs)  # something was left out
    assert any(o.state not in OPEN and o.due >= cutoff for o in obs)  # and some closed kept
    # the events kept are byte for byte those of the feed without the window
    everything = calendar_feed(obs, now=now, agreements=agreements, closed_days=None)
    events = everything.split(b"BEGIN:VEVENT\r\n")[1:]
    kept = [e for e in events if any(uid.encode() in e for uid in expected)]
    assert feed.split(b"BEGIN:VEVENT\r\n")[1:] == kept


def test_an_open_deadline_stays_however_old(make_obligation):
    old = make_obligation(due=date(2020, 1, 1))
    done = make_obligation(key="k2", due=date(2020, 1, 1), state=LegalState.FULFILLED)
    assert listed([old, done], now=NOW) == [old]
    assert listed([old, done], now=NOW, component=CalendarComponent.VTODO) == [old]
    edge = make_obligation(key="k3", due=date(2025, 12, 13), state=LegalState.DISCHARGED)
    assert listed([edge], now=NOW) == [edge]  # 90 days before 2026-03-13: still in
    assert listed([edge], now=NOW + timedelta(days=1)) == []


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_escaping_and_folding_are_icalendars(text):
    assert escape_text(text) == vText(text).to_ical().decode("utf-8")
    line = "DESCRIPTION:" + escape_text(text)
    assert fold(line) + "\r\n" == Contentline(line).to_ical().decode("utf-8") + "\r\n"
    raw = text.replace("\r", "").replace("\n", "")
    assert fold(raw) == Contentline(raw).to_ical().decode("utf-8")
