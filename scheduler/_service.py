"""The long-running service: APScheduler 3.11 wakes the sweep; the database does the rest.

APScheduler's job here is only to wake :func:`run_service`'s ``sweep`` callable every
``interval``. Several processes cannot share one 3.x job store (its own FAQ), so nothing is
persisted in APScheduler: the notices table is the durable state, the sweep is idempotent,
and a **catch-up sweep runs at start** (the job's first run time is "now"), which is all a
persistent job store would have bought. The job is configured against the complaints 3.x is
known for: ``coalesce=True`` (missed runs collapse into one), ``max_instances=1`` (a slow
sweep is never overlapped by the next) and ``misfire_grace_time=None`` (a late run still runs;
the 1-second default drops it as "missed").

SIGTERM and SIGINT stop the service cleanly: the scheduler stops taking new runs and waits for
a sweep in progress to finish recording its outcomes, so a clean stop leaves nothing in
``sending``; the heartbeat row says ``stopped`` and the exit code is 0. ``max_sweeps`` bounds a
run (``wsr scheduler --once``, tests) so it stops by itself.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import attrs

from clauses import EngineError

from ._heartbeat import BEAT_EVERY, Heartbeat

DEFAULT_INTERVAL = timedelta(minutes=5)
JOB_ID = "wsr-sweep"


def _wall() -> datetime:
    return datetime.now(UTC)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class SendingStopped(EngineError, RuntimeError):
    """The notifier stopped a sweep's sending for good (a wrong API key): the service stops
    too rather than ask again every interval."""


@attrs.define
class ServiceReport:
    """What one run of the service did, for its caller and its exit code."""

    sweeps: int = 0
    errors: int = 0
    stopped_by: str = ""
    last_error: str | None = None
    fatal: str | None = None


def run_service(
    sweep: Callable[[datetime], Any],
    *,
    interval: timedelta = DEFAULT_INTERVAL,
    heartbeat: Heartbeat | None = None,
    max_sweeps: int | None = None,
    clock: Callable[[], datetime] = _wall,
    handle_signals: bool = True,
    fatal_errors: tuple[type[BaseException], ...] = (),
    log: Callable[[str], None] = _say,
    stopping: threading.Event | None = None,
) -> ServiceReport:
    """Run ``sweep(now)`` at start and then every ``interval`` until a signal (or
    ``max_sweeps`` sweeps); returns when stopped. ``sweep`` returns a JSON-ready report,
    stored on the heartbeat row. An exception from ``sweep`` is logged and the service goes
    on (the next run retries), except ``fatal_errors`` (e.g. another scheduler holding a
    SQLite database), which stop it. ``stopping`` is set when a stop is asked for, so a sweep
    in progress can stop between two batches (``dispatch(should_stop=...)``)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    if interval <= timedelta(0):
        raise ValueError("the interval must be positive")
    report = ServiceReport()
    lock = threading.Lock()
    stopping = stopping if stopping is not None else threading.Event()
    sched = BlockingScheduler(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def stop(why: str) -> None:
        stopping.set()
        with lock:
            if report.stopped_by:
                return
            report.stopped_by = why
        # from a job thread: don't wait for ourselves; the main loop ends, start() returns
        sched.shutdown(wait=False)

    def one_sweep() -> None:
        if report.stopped_by:
            return
        now = clock()
        try:
            done = sweep(now)
        except fatal_errors as exc:
            report.fatal = str(exc)
            log(f"error: {exc}")
            stop("fatal error")
            return
        except Exception as exc:  # the service outlives one bad sweep; the next retries
            report.errors += 1
            report.last_error = f"{type(exc).__name__}: {exc}"
            log(f"sweep failed at {now.isoformat()}: {report.last_error}")
            if heartbeat is not None:
                _quietly(heartbeat.swept, now, {"error": report.last_error}, log=log)
        else:
            report.sweeps += 1
            if heartbeat is not None:
                at = _business_now(done, now)
                _quietly(heartbeat.swept, at, done, log=log)
        if max_sweeps is not None and report.sweeps + report.errors >= max_sweeps:
            stop(f"{max_sweeps} sweep(s) done")

    sched.add_job(
        one_sweep,
        IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
        id=JOB_ID,
        name="wsr sweep",
        next_run_time=datetime.now(UTC),  # the catch-up sweep at start
        replace_existing=True,
    )
    if heartbeat is not None:
        heartbeat.start()
        sched.add_job(
            lambda: _quietly(heartbeat.beat, log=log),
            IntervalTrigger(seconds=min(interval, BEAT_EVERY).total_seconds(), timezone=UTC),
            id="wsr-heartbeat",
            name="heartbeat",
        )

    previous: dict[signal.Signals, Any] = {}
    if handle_signals:

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            stopping.set()
            with lock:
                first = not report.stopped_by
                report.stopped_by = report.stopped_by or name
            if first:
                log(f"{name}: stopping after the batch in progress")
                # in the main thread: wait for a sweep in progress to record its outcomes
                sched.shutdown(wait=True)

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        sched.start()  # blocks until shutdown
    finally:
        if sched.running:
            sched.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if heartbeat is not None:
            _quietly(heartbeat.stop, log=log)
    return report


def _business_now(done: Any, fallback: datetime) -> datetime:
    """The business time a sweep acted at, from its report (``--now`` pins it)."""
    text = done.get("now") if isinstance(done, dict) else None
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    return fallback


def _quietly(fn: Callable[..., Any], *args: Any, log: Callable[[str], None]) -> None:
    """A heartbeat write that fails (the database is briefly away) must not kill the
    service; the next beat tries again."""
    try:
        fn(*args)
    except Exception as exc:
        log(f"heartbeat not written: {type(exc).__name__}: {exc}")
