"""The console's overlay cache (``wsr.console._overlay_cache``): what it serves is what a fresh
read would show, on SQLite and PostgreSQL.

- Reads repeated at the same ``now`` are served from the cache (its hit count moves, the
  time step is not run again) and equal the same reads through a new store object, whose cache
  is empty.
- A write by another store object on its own engine (another process: a CLI command, the
  scheduler) is seen at once: the next read at the same ``now`` misses, and equals a fresh read,
  which differs from what was cached (so serving the stale entry would fail the test).
- The overlay is put together from each agreement's part (migration 0013): after a write to one
  agreement's obligations only that agreement is stepped again; after a write of no agreement
  (an audit entry) none is; either way the result equals a fresh read.
- The cache itself: one computation however many threads miss a key together, copies served,
  least recently used dropped, a failed computation not kept.
- The console's wall clock reads whole minutes; ``--now`` is kept as given.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from obligations import ObligationService
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.obligations.test_wake import _play
from tests.wsr.console.test_dashboard_projection import MONITOR, counsel_of, reads
from wsr._settings import Settings
from wsr.console._overlay_cache import OverlayCache, overlay_cache
from wsr.console.app import console_clock

#: agreements 1 and 3 of test_wake, a purchase and a sweep; 400 days on, the sweep would add
#: recurring instances and flags (test_dashboard_projection's exercised scenario)
SCENARIO = ([1, 3], [("purchase", "GROWER-G", 10), ("sweep", "", 40)], 3)


def _awake(store: SqlAlchemyObligationStore) -> tuple[ObligationService, datetime, list[str]]:
    svc = ObligationService(store, actor="test")
    chosen, sequence, pick = SCENARIO
    clock = _play(svc, chosen, sequence, pick)
    now = clock + timedelta(days=400)
    overlay = svc.time_overlay(now=now)
    assert len(overlay) > 1, "the scenario must have something for the overlay to add"
    return svc, now, sorted(overlay)


def _fresh(store: SqlAlchemyObligationStore, who: Any, now: datetime, ids: list[str]) -> Any:
    """The same reads through a new store object on the same engine: a cache of its own,
    empty."""
    return reads(ObligationService(SqlAlchemyObligationStore(store.engine)), who, now, ids)


def test_repeated_reads_are_served_and_equal_fresh_ones(sql_store):
    svc, now, ids = _awake(sql_store)
    cache = overlay_cache(sql_store)
    viewers = [MONITOR, counsel_of(sql_store, sql_store.list_agreements()[0].id)]
    first = {v.role: reads(svc, v, now, ids) for v in viewers}
    misses, hits = cache.misses, cache.hits
    assert misses >= 1
    again = {v.role: reads(svc, v, now, ids) for v in viewers}
    assert cache.misses == misses, "a repeated read ran the time step again"
    assert cache.hits > hits
    assert again == first
    for v in viewers:
        assert _fresh(sql_store, v, now, ids) == first[v.role]


def _suspend(other: SqlAlchemyObligationStore, now: datetime) -> None:
    """A CLI command: ``wsr event AGREEMENT supplier_suspended``."""
    aid = other.list_agreements()[0].id
    ObligationService(other, actor="cli").record_event(
        aid, "supplier_suspended", on=now.date(), fields={"supplier": "GROWER-G"}, now=now
    )


def _amend(other: SqlAlchemyObligationStore, now: datetime) -> None:
    """A write to a row the time step changes, which leaves every agreement awake: the same
    agreements are asked, so only the revision tells the cached overlay from a fresh one."""
    stored = {o.id: o for o in other.find_obligations()}
    changed = [i for i in sorted(ObligationService(other).time_overlay(now=now)) if i in stored]
    ob = stored[changed[0]]
    with other.transaction():
        other.update_obligations([ob.evolved(title=ob.title + " (amended)")])


@pytest.mark.parametrize("write", [_suspend, _amend])
def test_a_write_from_another_process_is_seen_at_once(sql_store, write):
    svc, now, ids = _awake(sql_store)
    cached = reads(svc, MONITOR, now, ids)
    other = SqlAlchemyObligationStore(
        create_engine(sql_store.engine.url), audit_key=sql_store.audit_key
    )
    try:
        write(other, now)
    finally:
        other.engine.dispose()
    misses = overlay_cache(sql_store).misses
    after = reads(svc, MONITOR, now, ids)
    assert overlay_cache(sql_store).misses > misses, "the cached overlay outlived the write"
    assert after == _fresh(sql_store, MONITOR, now, ids)
    assert after != cached  # the write changed what is shown: a stale entry would be caught


def _stepped(monkeypatch) -> list[str]:
    """The ids of the agreements the time step runs for, in order, from now on."""
    calls: list[str] = []
    advance = ObligationService._advance

    def spy(self: ObligationService, tracked: Any, now: datetime, **kw: Any) -> Any:
        calls.append(tracked.id)
        return advance(self, tracked, now, **kw)

    monkeypatch.setattr(ObligationService, "_advance", spy)
    return calls


def _note(other: SqlAlchemyObligationStore, now: datetime) -> None:
    """A write of no agreement's row or obligations: an audit entry alone."""
    from obligations import AuditEntry

    aid = other.list_agreements()[0].id
    entry = AuditEntry(agreement_id=aid, obligation_id=None, at=now, actor="cli",
                       action="note", reason="a note")  # fmt: skip
    other.append_audit([entry])


def _other(sql_store: SqlAlchemyObligationStore) -> SqlAlchemyObligationStore:
    return SqlAlchemyObligationStore(
        create_engine(sql_store.engine.url), audit_key=sql_store.audit_key
    )


def test_after_a_write_only_the_agreement_it_wrote_is_stepped_again(sql_store, monkeypatch):
    """Migration 0013: the overlay is put together from each agreement's part, kept by that
    agreement's own revision; a write to one agreement's obligations leaves the other's part
    served as it was, and the whole still equals a fresh read."""
    svc, now, ids = _awake(sql_store)
    stepped = _stepped(monkeypatch)
    reads(svc, MONITOR, now, [])
    both = sorted(set(stepped))
    assert len(both) == 2, "the scenario must have two awake agreements"
    other = _other(sql_store)
    try:
        amended = other.get_obligation(
            next(
                i
                for i in sorted(ObligationService(other).time_overlay(now=now))
                if i in {o.id for o in other.find_obligations()}
            )  # fmt: skip
        ).agreement_id
        _amend(other, now)
    finally:
        other.engine.dispose()
    stepped.clear()
    reads(svc, MONITOR, now, [])  # the dashboard and lists (an obligation's page steps its own)
    assert stepped == [amended], "an agreement the write did not touch was stepped again"
    monkeypatch.undo()
    assert reads(svc, MONITOR, now, ids) == _fresh(sql_store, MONITOR, now, ids)


def test_a_write_of_no_agreement_steps_none_again(sql_store, monkeypatch):
    svc, now, ids = _awake(sql_store)
    cached = reads(svc, MONITOR, now, ids)
    other = _other(sql_store)
    try:
        _note(other, now)
    finally:
        other.engine.dispose()
    stepped = _stepped(monkeypatch)
    misses = overlay_cache(sql_store).misses
    reads(svc, MONITOR, now, [])  # the dashboard and lists (an obligation's page steps its own)
    assert overlay_cache(sql_store).misses > misses  # the store's revision moved
    assert stepped == []  # but every agreement's part was still its own
    monkeypatch.undo()
    assert reads(svc, MONITOR, now, ids) == cached == _fresh(sql_store, MONITOR, now, ids)


def test_one_computation_for_many_threads():
    cache = OverlayCache()
    calls: list[int] = []
    gate = threading.Event()

    def compute() -> dict[str, Any]:
        calls.append(1)
        gate.wait(5)
        return {"ob-1": "value"}

    got: list[dict[str, Any]] = []
    threads = [
        threading.Thread(target=lambda: got.append(cache.get("k", compute))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    time.sleep(0.2)  # all six are waiting on the one flight
    gate.set()
    for t in threads:
        t.join(5)
    assert len(calls) == 1
    assert got == [{"ob-1": "value"}] * 6
    assert (cache.misses, cache.hits) == (1, 5)
    got[0]["ob-2"] = "changed by a caller"
    assert cache.get("k", compute) == {"ob-1": "value"}  # callers get copies


def test_least_recently_used_is_dropped_and_failures_are_not_kept():
    cache = OverlayCache(size=2)
    cache.get("a", lambda: {"a": 1})
    cache.get("b", lambda: {"b": 1})
    cache.get("a", lambda: {"a": 2})  # a hit: "a" is now the most recent
    cache.get("c", lambda: {"c": 1})  # drops "b"
    assert cache.get("a", lambda: {"a": 3}) == {"a": 1}
    assert cache.get("b", lambda: {"b": 2}) == {"b": 2}

    def fails() -> dict[str, Any]:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        cache.get("d", fails)
    assert cache.get("d", lambda: {"d": 1}) == {"d": 1}


def _settings(now_text: str | None) -> Settings:
    return Settings(db_url="sqlite://", now_text=now_text, outbox=Path("outbox"))


def test_the_console_clock_reads_whole_minutes():
    clock = console_clock(_settings(None))
    before = datetime.now(UTC)
    read = clock()
    assert read.tzinfo is not None and (read.second, read.microsecond) == (0, 0)
    assert before - timedelta(minutes=1) < read <= datetime.now(UTC)
    given = console_clock(_settings("2028-07-12T14:30:17+00:00"))
    assert given() == datetime(2028, 7, 12, 14, 30, 17, tzinfo=UTC)
