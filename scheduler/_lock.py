"""One scheduler at a time on SQLite: an exclusive lock on a file beside the database.

SQLite has one writer at a time and no ``SKIP LOCKED``, so two schedulers on one file would only
queue behind each other; a second one is told so at once instead. The lock is the operating
system's (``flock``), so a killed scheduler never leaves a stale lock behind. PostgreSQL needs
none: its schedulers claim disjoint batches (``scheduler._dispatch``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from clauses import EngineError


class SchedulerBusy(EngineError, RuntimeError):
    """Another scheduler holds this SQLite database."""


def lock_path(engine: Engine) -> Path | None:
    """The lock file of a SQLite file database; None for other databases."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser().resolve().with_name(Path(db).name + ".scheduler.lock")


#: lock files this process holds, with how many blocks hold each: the service holds the lock
#: for its life, and each sweep inside re-enters it (``reenter=True``)
_HELD: dict[Path, int] = {}


@contextmanager
def single_scheduler(engine: Engine, *, reenter: bool = False) -> Iterator[None]:
    """Hold the database's scheduler lock for the block; refuse when another process has it
    (or another holder in this one, unless ``reenter``: the service's own sweeps)."""
    path = lock_path(engine)
    if path is None:
        yield
        return
    if reenter and _HELD.get(path):
        _HELD[path] += 1
        try:
            yield
        finally:
            _HELD[path] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            raise SchedulerBusy(
                f"another scheduler ({holder}) is sending notices from this SQLite database; "
                "SQLite allows one scheduler at a time — wait for it to finish, stop it, or use "
                "PostgreSQL (--db postgresql+psycopg://…) to run several"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode("ascii"), 0)
        _HELD[path] = 1
        try:
            yield
        finally:
            _HELD.pop(path, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
