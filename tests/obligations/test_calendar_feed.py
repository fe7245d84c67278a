"""The RFC 5545 deadline feed: parseable, stable, and saying what each deadline is — as all-day
VEVENTs (the default, what Google Calendar, iOS and Fastmail show) and as VTODOs (``--vtodo``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar

from obligations import (
    AuditEntry,
    CalendarComponent,
    LegalState,
    Money,
    calendar_feed,
    calendar_sequences,
)

NOW = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)


@pytest.fixture
def obligations(make_obligation):
    return [
        make_obligation(
            subject="GROWER-G",
            key="2026-01-12",
            due=date(2026, 2, 18),
            amount=Money(value=Decimal("2500"), currency="USD"),
            paid=Decimal("1000"),
            flags={"partially_paid"},
        ),
        make_obligation(
            spec_id="sourcing_cutoff.cease_purchases",
            subject="GROWER-H",
            key="ev-1",
            due=date(2026, 3, 9),
            flags={"breach_suspected"},
            title="Stop buying from a suspended supplier",
            kind="prohibition",
        ),
        make_obligation(
            spec_id="transparency_reporting.annual_report",
            subject=None,
            key="once",
            due=date(2026, 12, 31),
            state=LegalState.CREATED,
            title="Publish the annual report",
            kind="report",
        ),
        make_obligation(
            subject="GROWER-G", key="2026-01-05", due=date(2026, 2, 11), state=LegalState.FULFILLED
        ),
        make_obligation(
            subject="GROWER-H", key="2026-01-05", due=date(2026, 2, 11), state=LegalState.DISCHARGED
        ),
        make_obligation(
            subject="GROWER-X", key="2026-01-05", due=date(2026, 2, 11), state=LegalState.VIOLATED
        ),
    ]


def _todos(feed: bytes):
    cal = Calendar.from_ical(feed)
    assert cal.walk("VEVENT") == []
    return {str(t["uid"]): t for t in cal.walk("VTODO")}, cal


def vtodo_feed(obligations, **kw):
    return calendar_feed(obligations, component=CalendarComponent.VTODO, **kw)


def test_feed_parses_with_one_todo_per_open_or_done_deadline(obligations):
    todos, cal = _todos(vtodo_feed(obligations, now=NOW))
    assert str(cal["version"]) == "2.0"
    assert set(todos) == {f"{o.id}@wsr-engine" for o in obligations[:4]}
    statuses = {uid.split("@")[0]: str(t["status"]) for uid, t in todos.items()}
    assert statuses[obligations[0].id] == "NEEDS-ACTION"
    assert statuses[obligations[2].id] == "NEEDS-ACTION"
    assert statuses[obligations[3].id] == "COMPLETED"


def test_due_is_a_date_and_dtstamp_is_now(obligations):
    todos, _ = _todos(vtodo_feed(obligations, now=NOW))
    todo = todos[f"{obligations[1].id}@wsr-engine"]
    assert todo.decoded("due") == date(2026, 3, 9)
    assert not isinstance(todo.decoded("due"), datetime)
    assert todo.decoded("dtstamp") == NOW
    assert int(todo["priority"]) == 1  # a suspected breach sorts to the top


def test_summary_and_description_identify_the_clause(obligations):
    todos, _ = _todos(vtodo_feed(obligations, now=NOW))
    pay = todos[f"{obligations[0].id}@wsr-engine"]
    assert str(pay["summary"]) == "Pay the premium for the period — GROWER-G"
    text = str(pay["description"])
    assert "Clause premium version 1.0.0, section 5 (premium.payment)" in text
    assert "Amount: 2500.00 USD (paid so far 1000 USD)" in text
    assert "Period:" not in text
    report = todos[f"{obligations[2].id}@wsr-engine"]
    assert str(report["summary"]) == "Publish the annual report"


def test_agreement_title_is_named_when_known(obligations, make_agreement):
    agr = make_agreement()
    todos, _ = _todos(vtodo_feed(obligations, now=NOW, agreements={agr.id: agr}))
    assert f"Agreement: Test Fair Food Agreement ({agr.id})" in str(
        todos[f"{obligations[0].id}@wsr-engine"]["description"]
    )


def test_feed_is_reproducible_and_uses_crlf(obligations):
    one = vtodo_feed(obligations, now=NOW)
    two = vtodo_feed(list(reversed(obligations)), now=NOW)
    assert one == two
    assert one.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in one.split(b"\r\n"))


def test_empty_feed_is_still_a_calendar():
    for kind in CalendarComponent:
        cal = Calendar.from_ical(calendar_feed([], now=NOW, component=kind))
        assert list(cal.walk("VTODO")) == [] and list(cal.walk("VEVENT")) == []
        assert str(cal["prodid"]).startswith("-//WSR agreement engine")


def test_naive_now_is_refused(obligations):
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar_feed(obligations, now=datetime(2026, 3, 13, 9, 0))
    with pytest.raises(ValueError, match="vjournal"):
        calendar_feed(obligations, now=NOW, component="vjournal")


# -- VEVENT (the default) -----------------------------------------------------------------------


def _events(feed: bytes):
    cal = Calendar.from_ical(feed)
    assert cal.walk("VTODO") == []
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_the_default_is_one_all_day_vevent_per_obligation(obligations):
    feed = calendar_feed(obligations, now=NOW)
    events = _events(feed)
    assert set(events) == {f"{o.id}@wsr-engine" for o in obligations}
    for ob in obligations:
        ev = events[f"{ob.id}@wsr-engine"]
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert start == ob.due and not isinstance(start, datetime)
        assert end == ob.due + timedelta(days=1) and not isinstance(end, datetime)
        assert ev.decoded("dtstamp") == NOW
        assert str(ev["transp"]) == "TRANSPARENT"
        assert int(ev["sequence"]) == 0  # no history given
    # the wire form says VALUE=DATE, as RFC 5545 §3.3.4 asks of an all-day event
    pay = obligations[0]
    assert f"DTSTART;VALUE=DATE:{pay.due:%Y%m%d}".encode() in feed
    assert f"DTEND;VALUE=DATE:{pay.due + timedelta(days=1):%Y%m%d}".encode() in feed


def test_vevent_status_and_summary_follow_the_legal_state(obligations):
    events = _events(calendar_feed(obligations, now=NOW))
    by_id = {uid.split("@")[0]: ev for uid, ev in events.items()}
    open_pay, cutoff, report, done, waived, broken = obligations
    assert str(by_id[open_pay.id]["status"]) == "CONFIRMED"
    assert str(by_id[open_pay.id]["summary"]) == "Pay the premium for the period — GROWER-G"
    assert int(by_id[cutoff.id]["priority"]) == 1  # a suspected breach sorts to the top
    assert "priority" not in by_id[open_pay.id]
    assert str(by_id[report.id]["status"]) == "CONFIRMED"
    assert str(by_id[done.id]["summary"]).startswith("Fulfilled: ")
    assert str(by_id[broken.id]["summary"]).startswith("Breached: ")
    assert str(by_id[broken.id]["status"]) == "CONFIRMED"
    assert str(by_id[waived.id]["status"]) == "CANCELLED"
    assert "Clause premium version 1.0.0, section 5" in str(by_id[open_pay.id]["description"])


def test_vevent_feed_is_reproducible_folded_and_sequenced(obligations):
    seq = {obligations[0].id: 3}
    one = calendar_feed(obligations, now=NOW, sequence=seq)
    two = calendar_feed(list(reversed(obligations)), now=NOW, sequence=seq)
    assert one == two
    assert one.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in one.split(b"\r\n"))
    events = _events(one)
    assert int(events[f"{obligations[0].id}@wsr-engine"]["sequence"]) == 3
    assert int(events[f"{obligations[1].id}@wsr-engine"]["sequence"]) == 0


def _entry(ob, action, before, after, at=NOW):
    return AuditEntry(
        agreement_id=ob.agreement_id,
        obligation_id=ob.id,
        at=at,
        actor="test",
        action=action,
        before=None if before is None else before.to_dict(),
        after=after.to_dict(),
    )


def test_sequence_counts_recorded_changes_of_deadline_or_state(make_obligation):
    created = make_obligation(state=LegalState.CREATED)
    active = created.evolved(state=LegalState.IN_EFFECT)
    paid_part = active.evolved(paid=Decimal("10"))  # neither due nor state: no new revision
    moved = paid_part.evolved(due=date(2026, 2, 25))
    log = [
        _entry(created, "created", None, created),
        _entry(created, "activated", created, active),
        _entry(created, "payment_recorded", active, paid_part),
        _entry(created, "accrued", paid_part, moved),
    ]
    assert calendar_sequences(log[:1], [created]) == {created.id: 0}
    assert calendar_sequences(log[:2], [active]) == {active.id: 1}
    assert calendar_sequences(log[:3], [paid_part]) == {paid_part.id: 1}
    assert calendar_sequences(log, [moved]) == {moved.id: 2}
    # a read shows a state the log does not have yet (a sweep would store it): one more, and
    # the same number once the sweep has recorded it — SEQUENCE never goes back
    discharged = moved.evolved(state=LegalState.DISCHARGED)
    assert calendar_sequences(log, [discharged]) == {moved.id: 3}
    recorded = [*log, _entry(created, "expired", moved, discharged)]
    assert calendar_sequences(recorded, [discharged]) == {moved.id: 3}
    # an obligation no entry names (computed by a read only) starts at 0; others' entries
    # do not count for it
    other = make_obligation(key="2026-01-12", due=date(2026, 2, 18))
    assert calendar_sequences(recorded, [other]) == {other.id: 0}
