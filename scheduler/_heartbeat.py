"""Heartbeat rows: each `wsr scheduler` process says when it started, last swept, and stopped.

A row is written at start (``running``), after every sweep (wall-clock time of the sweep, the
business time it acted at, its report) and on a clean stop (``stopped``). A process killed with
``kill -9`` cannot say goodbye: its row stays ``running`` with an old ``beat_at``, and
:func:`scheduler_status` calls it ``dead`` when it is on this host and its pid is gone, or
``silent`` when it has not beaten for twice its interval (or :data:`BEAT_EVERY`).
"""

from __future__ import annotations

import enum
import json
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import Engine

from obligations.stores._sqltables import scheduler_heartbeats

#: a running process beats at least this often (the service's heartbeat job)
BEAT_EVERY = timedelta(seconds=60)


class Liveness(enum.StrEnum):
    """What ``wsr scheduler status`` makes of a heartbeat row."""

    #: beating, or at least not yet overdue
    RUNNING = "running"
    #: stopped cleanly (SIGTERM/SIGINT, or its bounded run ended)
    STOPPED = "stopped"
    #: on this host, and its pid no longer exists: it was killed or crashed
    DEAD = "dead"
    #: no beat for longer than it promised; maybe on another host, maybe hung
    SILENT = "silent"


def _wall() -> datetime:
    return datetime.now(UTC)


@attrs.define
class Heartbeat:
    """The heartbeat row of this process."""

    engine: Engine
    interval: timedelta
    clock: Callable[[], datetime] = _wall
    host: str = attrs.field(factory=lambda: socket.gethostname()[:255])
    pid: int = attrs.field(factory=os.getpid)
    process_id: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.process_id:
            self.process_id = f"{self.host[:40]}:{self.pid}:{uuid.uuid4().hex[:8]}"

    def start(self) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(scheduler_heartbeats).values(
                    process_id=self.process_id,
                    host=self.host,
                    pid=self.pid,
                    started_at=now,
                    beat_at=now,
                    sweeps=0,
                    last_report=json.dumps({"interval_seconds": self.interval.total_seconds()}),
                    state="running",
                )
            )

    def beat(self) -> None:
        self._update(beat_at=self.clock())

    def swept(self, now: datetime, report: Any) -> None:
        wall = self.clock()
        self._update(
            beat_at=wall,
            last_sweep_at=wall,
            last_now=now,
            sweeps=scheduler_heartbeats.c.sweeps + 1,
            last_report=json.dumps(
                {"interval_seconds": self.interval.total_seconds(), "report": report},
                default=str,
                sort_keys=True,
            ),
        )

    def stop(self) -> None:
        self._update(beat_at=self.clock(), state="stopped")

    def _update(self, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(scheduler_heartbeats)
                .where(scheduler_heartbeats.c.process_id == self.process_id)
                .values(**values)
            )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scheduler_status(engine: Engine, *, wall: datetime) -> list[dict[str, Any]]:
    """Every heartbeat row, newest start first, with its liveness at ``wall``."""
    here = socket.gethostname()[:255]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(scheduler_heartbeats).order_by(scheduler_heartbeats.c.started_at.desc())
        ).all()
    out = []
    for r in rows:
        try:
            doc = json.loads(r.last_report or "{}")
        except ValueError:
            doc = {}
        interval = timedelta(seconds=float(doc.get("interval_seconds") or 300))
        if r.state == "stopped":
            live = Liveness.STOPPED
        elif r.host == here and not _pid_alive(r.pid):
            live = Liveness.DEAD
        elif wall - r.beat_at > 2 * max(interval, BEAT_EVERY):
            live = Liveness.SILENT
        else:
            live = Liveness.RUNNING
        out.append(
            {
                "process_id": r.process_id,
                "host": r.host,
                "pid": r.pid,
                "state": live.value,
                "started_at": r.started_at.isoformat(),
                "beat_at": r.beat_at.isoformat(),
                "last_sweep_at": r.last_sweep_at.isoformat() if r.last_sweep_at else None,
                "last_now": r.last_now.isoformat() if r.last_now else None,
                "sweeps": r.sweeps,
                "interval_seconds": interval.total_seconds(),
                "last_report": doc.get("report"),
            }
        )
    return out
