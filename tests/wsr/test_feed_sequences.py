"""SEQUENCE from one aggregate query (:func:`wsr._feeds.recorded_revisions`) is the number
:func:`obligations.calendar_sequences` counts by decoding every audit entry — on SQLite and
PostgreSQL, through the SQL store and the DBAPI read path, at instants where a read shows states
the log does not hold yet; and ``wsr calendar`` serves the same bytes as the console's feed."""

# ruff: noqa: F811  (the database fixtures are imported from tests/scheduler)
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from obligations import ObligationService, calendar_sequences, open_fast
from obligations._db import make_engine
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.scheduler.conftest import db_url, pg_database_url  # noqa: F401  (fixtures)
from tests.wsr.bundle_seed import NOW, seed
from wsr._feeds import deadline_feed, recorded_revisions, sequences
from wsr.cli import main


@pytest.fixture
def history(db_url, tmp_path):
    """The bundle seed's record (events, fulfilments, a sweep with notices), then a sweep 60
    days on, so the log holds state changes, deadline-neutral changes and several per
    obligation."""
    store = SqlAlchemyObligationStore(make_engine(db_url))
    seeded = seed(store, tmp_path)
    with store.transaction():
        ObligationService(store, actor="test").sweep(now=NOW + timedelta(days=60))
    yield db_url, store, seeded
    store.engine.dispose()


@pytest.mark.parametrize("later", [0, 200, 900], ids=lambda d: f"now+{d}d")
def test_the_aggregate_counts_what_the_entries_count(history, later):
    url, store, seeded = history
    now = NOW + timedelta(days=later)
    service = ObligationService(store, actor="test")
    with store.read():
        found = service.obligations(agreement_id=None, now=now)
        entries = store.audit_entries(None)
        expected = calendar_sequences(entries, found)
        for ids in (None, [seeded.agreement_id]):
            assert sequences(recorded_revisions(store, ids), found) == expected
        assert recorded_revisions(store, []) == {}
    fast = open_fast(url)
    assert fast is not None
    try:
        assert sequences(recorded_revisions(fast, None), found) == expected
    finally:
        fast.close()
    # the case is not trivial: several revisions, and entries that do not count
    assert max(expected.values()) >= 2
    counted = sum(1 for e in entries if e.obligation_id and e.before and e.after)
    assert counted > sum(n for n in expected.values())


def test_wsr_calendar_prints_the_feed_the_console_serves(history, capsys):
    url, store, seeded = history
    with store.read():
        served = deadline_feed(ObligationService(store, actor="x"), None, now=NOW)
    with pytest.raises(SystemExit) as info:
        main(["--db", url, "--now", NOW.isoformat(), "calendar"])
    assert info.value.code in (0, None)
    printed = capsys.readouterr().out.encode("utf-8")
    assert printed == served
    events = Calendar.from_ical(printed).walk("VEVENT")
    assert events and max(int(e["sequence"]) for e in events) >= 1
