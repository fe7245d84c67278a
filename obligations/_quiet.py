"""Reads at an instant where time can change nothing: the listing straight from the rows.

A read shows the state as a sweep at ``now`` would leave it. Where every agreement in the
read's scope is quiet at ``now`` (its stored wake has not come: :mod:`obligations._wake`),
that state is the stored one, so the listing is the store's own rows. This module holds what
such a read needs and nothing more — no time step, no rules, no clause library — so that
``wsr obligations --json`` and the console's lists on a swept store import only the store's
read path (importing the service and its rules is a third of such a process).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clauses import InputError

from ._enums import OPEN, LegalState
from .abc import ObligationStore

__all__ = ["TICK", "Window", "quiet", "quiet_views", "window"]

#: the instant after ``now``: a due instant equal to ``now`` is already past
TICK = timedelta(microseconds=1)


def quiet(wake_at: datetime | None, now: datetime, last_audit: datetime | None) -> bool:
    """Whether the time step at ``now`` is known to change nothing: the wake is known and not
    come, and ``now`` is not before the newest audit entry (a read in the past of a later
    write is not what that write's wake was computed for)."""
    if wake_at is None or now >= wake_at:
        return False
    return last_audit is None or now >= last_audit


@dataclass(frozen=True)
class Window:
    """Which stored rows a listing asks for (None: no bound)."""

    lo: datetime | None = None
    hi: datetime | None = None
    states: frozenset[LegalState] | None = None
    exclude: tuple[str, ...] | None = None


def window(now: datetime, *, due_within: int | None, overdue: bool) -> Window:
    """The rows of a listing at ``now``: everything, open ones due within ``due_within`` days
    (not yet overdue), or open overdue ones (prohibitions in force are not overdue)."""
    if overdue and due_within is not None:
        raise InputError.single("overdue", "give either overdue or due_within, not both")
    if due_within is not None and due_within < 0:
        raise InputError.single("due_within", "must not be negative")
    if overdue:
        return Window(hi=now + TICK, states=OPEN, exclude=("prohibition",))
    if due_within is not None:
        return Window(lo=now + TICK, hi=now + timedelta(days=due_within) + TICK, states=OPEN)
    return Window()


def quiet_views(
    store: ObligationStore,
    *,
    now: datetime,
    agreement_id: str | None = None,
    due_within: int | None = None,
    overdue: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]] | None:
    """:meth:`ObligationService.views` when every agreement in scope is quiet at ``now`` —
    the stored rows, one read — else None (the caller then asks the service, which steps the
    agreements that are awake). A naive ``now`` is left to the service to refuse."""
    if now.tzinfo is None:
        return None
    shown = window(now, due_within=due_within, overdue=overdue)
    with store.read():
        heads = [h for h in store.agreement_heads() if agreement_id is None or h.id == agreement_id]
        if heads and not all(h.wake_at is not None and now < h.wake_at for h in heads):
            return None
        if heads:
            last = store.last_audit_at()
            if not all(quiet(h.wake_at, now, last) for h in heads):
                return None
        rows = store.find_views(
            now=now,
            agreement_id=agreement_id,
            states=shown.states,
            due_from=shown.lo,
            due_before=shown.hi,
            limit=limit,
            exclude_kinds=shown.exclude,
        )
    return [view for _, _, view in rows]
