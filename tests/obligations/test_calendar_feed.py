"""The RFC 5545 deadline feed: parseable, stable, and saying what each deadline is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from icalendar import Calendar

from obligations import LegalState, Money
from obligations._ics import calendar_feed

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
    return {str(t["uid"]): t for t in cal.walk("VTODO")}, cal


def test_feed_parses_with_one_todo_per_open_or_done_deadline(obligations):
    todos, cal = _todos(calendar_feed(obligations, now=NOW))
    assert str(cal["version"]) == "2.0"
    assert set(todos) == {f"{o.id}@wsr-engine" for o in obligations[:4]}
    statuses = {uid.split("@")[0]: str(t["status"]) for uid, t in todos.items()}
    assert statuses[obligations[0].id] == "NEEDS-ACTION"
    assert statuses[obligations[2].id] == "NEEDS-ACTION"
    assert statuses[obligations[3].id] == "COMPLETED"


def test_due_is_a_date_and_dtstamp_is_now(obligations):
    todos, _ = _todos(calendar_feed(obligations, now=NOW))
    todo = todos[f"{obligations[1].id}@wsr-engine"]
    assert todo.decoded("due") == date(2026, 3, 9)
    assert not isinstance(todo.decoded("due"), datetime)
    assert todo.decoded("dtstamp") == NOW
    assert int(todo["priority"]) == 1  # a suspected breach sorts to the top


def test_summary_and_description_identify_the_clause(obligations):
    todos, _ = _todos(calendar_feed(obligations, now=NOW))
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
    todos, _ = _todos(calendar_feed(obligations, now=NOW, agreements={agr.id: agr}))
    assert f"Agreement: Test Fair Food Agreement ({agr.id})" in str(
        todos[f"{obligations[0].id}@wsr-engine"]["description"]
    )


def test_feed_is_reproducible_and_uses_crlf(obligations):
    one = calendar_feed(obligations, now=NOW)
    two = calendar_feed(list(reversed(obligations)), now=NOW)
    assert one == two
    assert one.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in one.split(b"\r\n"))


def test_empty_feed_is_still_a_calendar():
    cal = Calendar.from_ical(calendar_feed([], now=NOW))
    assert list(cal.walk("VTODO")) == []


def test_naive_now_is_refused(obligations):
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar_feed(obligations, now=datetime(2026, 3, 13, 9, 0))
