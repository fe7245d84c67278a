"""run_service with APScheduler: catch-up at start, bounded runs, errors, heartbeats."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from obligations.stores._sqltables import scheduler_heartbeats
from scheduler import Heartbeat, Liveness, run_service, scheduler_status


class Busy(Exception):
    pass


def test_the_first_sweep_is_a_catch_up_at_start_and_runs_never_overlap():
    starts: list[float] = []
    running = threading.Semaphore(1)
    overlaps = []

    def slow_sweep(now: datetime) -> dict:
        assert now.tzinfo is not None
        if not running.acquire(blocking=False):
            overlaps.append(now)
        starts.append(time.monotonic())
        time.sleep(0.8)  # longer than the interval: the next run must wait, not overlap
        running.release()
        return {"now": now.isoformat()}

    t0 = time.monotonic()
    done = run_service(
        slow_sweep, interval=timedelta(seconds=0.6), max_sweeps=3, handle_signals=False
    )
    assert done.sweeps == 3 and done.errors == 0
    assert done.stopped_by == "3 sweep(s) done"
    assert starts[0] - t0 < 0.3  # the catch-up sweep runs at start, not one interval later
    assert overlaps == []
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(g >= 0.8 for g in gaps)


def test_a_failing_sweep_is_logged_and_the_next_run_retries():
    calls = []
    logged = []

    def flaky(now: datetime) -> dict:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return {}

    done = run_service(
        flaky, interval=timedelta(seconds=0.05), max_sweeps=2, handle_signals=False,
        log=logged.append,
    )  # fmt: skip
    assert (done.sweeps, done.errors) == (1, 1)
    assert "RuntimeError: the database went away" in done.last_error
    assert any("sweep failed" in line for line in logged)


def test_a_fatal_error_stops_the_service():
    def busy(now: datetime) -> dict:
        raise Busy("another scheduler holds this database")

    done = run_service(
        busy, interval=timedelta(seconds=0.05), handle_signals=False, fatal_errors=(Busy,),
        log=lambda _: None,
    )  # fmt: skip
    assert done.fatal == "another scheduler holds this database"
    assert done.sweeps == 0


def test_heartbeat_rows_follow_the_process(engine):
    hb = Heartbeat(engine, interval=timedelta(seconds=0.05))
    pinned = datetime(2026, 2, 1, 12, tzinfo=UTC)
    done = run_service(
        lambda now: {"now": pinned.isoformat(), "notices": {"sent": 3}},
        interval=timedelta(seconds=0.05), heartbeat=hb, max_sweeps=2, handle_signals=False,
    )  # fmt: skip
    assert done.sweeps == 2
    (row,) = scheduler_status(engine, wall=datetime.now(UTC))
    assert row["process_id"] == hb.process_id
    assert row["state"] == Liveness.STOPPED
    assert row["sweeps"] == 2
    assert row["last_now"] == pinned.isoformat()  # the business time, not the wall clock
    assert row["last_report"]["notices"] == {"sent": 3}
    # a process that died without saying so: on this host, its pid gone
    with engine.begin() as conn:
        conn.execute(sa.update(scheduler_heartbeats).values(state="running", pid=2**22 + 12345))
    (row,) = scheduler_status(engine, wall=datetime.now(UTC))
    assert row["state"] == Liveness.DEAD
    with engine.begin() as conn:
        conn.execute(sa.update(scheduler_heartbeats).values(host="elsewhere"))
    (row,) = scheduler_status(engine, wall=datetime.now(UTC) + timedelta(minutes=10))
    assert row["state"] == Liveness.SILENT
