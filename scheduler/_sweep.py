"""``wsr sweep`` as the scheduler runs it: advance + decide + record, one transaction; then
dispatch. The engine's time step and the notices it makes due commit together, so a crash
between them cannot leave a reminder undecided; sending happens after the commit, from the
outbox rows, so a crash while sending loses nothing either.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs

from obligations import ObligationService, SweepResult
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

from ._dispatch import DEFAULT_LEASE, DEFAULT_LIMIT, DispatchReport, dispatch
from ._message import Notifier
from ._record import RecordReport, record_notices


def default_owner() -> str:
    """This process's name on the rows it claims: host and pid."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@attrs.frozen
class NoticeSweep:
    """One scheduler sweep: the engine's result, the notices decided, the dispatch run."""

    result: SweepResult
    recorded: RecordReport
    dispatched: DispatchReport
    #: where the notifier put what it sent, when it is a folder (the outbox)
    outbox: str | None = None

    def notices_json(self) -> dict[str, Any]:
        return {
            "decided": len(self.recorded.rows),
            **self.dispatched.to_json(),
            "outbox": self.outbox,
        }

    def to_json(self) -> dict[str, Any]:
        """``wsr sweep --json``: the engine's keys as before, plus ``notices``."""
        return {**self.result.to_json(), "notices": self.notices_json()}


def sweep(
    store: SqlAlchemyObligationStore,
    notifier: Notifier | None,
    *,
    now: datetime,
    actor: str,
    console_url: str,
    owner: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_LIMIT,
    should_stop: Callable[[], bool] | None = None,
) -> NoticeSweep:
    """Advance the engine to ``now`` and record the notices due, in ONE transaction; then
    send what is due through ``notifier`` (None: record only)."""
    service = ObligationService(store, actor=actor)
    with store.transaction():
        result = service.sweep(now=now)
        recorded = record_notices(store, now=now, actor=actor, console_url=console_url)
    if notifier is None:
        dispatched = DispatchReport()
    else:
        dispatched = dispatch(
            store.engine,
            notifier,
            now=now,
            owner=owner or default_owner(),
            lease=lease,
            limit=limit,
            should_stop=should_stop,
        )
    folder = getattr(notifier, "folder", None)
    return NoticeSweep(
        result=result,
        recorded=recorded,
        dispatched=dispatched,
        outbox=None if folder is None else str(folder),
    )
