"""The next wake of an agreement: the earliest instant at which time alone could change it.

Every read shows the agreements "as a sweep at ``now`` would leave them" by running the time
step (:func:`obligations._advance.advance`) for each. On a store swept recently that step
finds nothing to do, yet decoding the agreement records and asking the time rules' questions
is most of what a listing costs. So every write stores, beside the agreement, the instant its
step could next do something (``agreements.wake_at``), and reads and the sweep skip an
agreement whose wake has not come (:meth:`ObligationService._steps`).

The step, given a state it has already been applied to, changes nothing until one of:

- the status moves: the effective date (executed → active), the day after the term end
  (expiry, or a renewal that moves the term end) — :func:`status_wake`;
- a recurring period comes within the horizon — :func:`recurrence_wake`;
- a time rule acts on an open instance: each rule says when (:meth:`Rule.wakes_at`; the default
  is "now", i.e. always awake, which is slow but never wrong).

Closures of an ended agreement happen at the status change or at once; a step that is not
empty at ``now`` makes the wake ``now``. Nothing after the earliest of these can come first,
because until then the stored state is what every step sees. The wake is a lower bound: it
may be early (an agreement stepped for nothing), never late (a property test,
``tests/obligations/test_wake.py``, checks reads and sweeps with and without the skip agree).

Pure: it reads the agreement's obligations through the step's lookup and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from ._advance import AgreementState, advance, status_at
from ._calendar import local_date, periods, start_of_local_day
from ._compile import HORIZON, _anchor, horizon
from ._context import AgreementContext
from ._enums import AgreementStatus, LegalState
from ._model import Obligation
from ._quiet import quiet
from ._rulebase import ACTS_ON_NONE, RULES

__all__ = ["WAKE_NEVER", "next_wake", "quiet", "recurrence_wake", "rules_wake", "status_wake"]

#: the wake of an agreement time can no longer change (stored as an instant, far off but still
#: representable in every zone and both databases)
WAKE_NEVER = datetime(9999, 1, 1, tzinfo=UTC)


class OpenLookup(Protocol):
    """What the wake reads: the step's lookup (``open``), and ``first_open`` where the store
    answers it in one row (else it is found among ``open``)."""

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]: ...


def status_wake(state: AgreementState, now: datetime) -> datetime:
    """When the agreement's status (or its term end, by renewal) next changes after ``now``."""
    fresh = status_at(state.agreement, state.record, now)
    if fresh.status in (AgreementStatus.TERMINATED, AgreementStatus.EXPIRED):
        return WAKE_NEVER  # both absorb: an expiry is only reached without a renewal to come
    if local_date(now, fresh.timezone) < fresh.effective_date:
        return start_of_local_day(fresh.effective_date, fresh.timezone)
    return start_of_local_day(fresh.term_end + timedelta(days=1), fresh.timezone)


def recurrence_wake(ctx: AgreementContext, now: datetime) -> datetime:
    """When a recurring period not yet within the horizon at ``now`` comes within it.

    The step materialises every period due by :func:`horizon` (and the next one after it);
    what it makes later is the first period due after the horizon, on the local day the
    horizon reaches that due date. Every period is looked at (dues need not be monotone once
    business days round them), so the answer is the earliest such day.
    """
    through = horizon(ctx, now)
    first: date | None = None
    for spec in ctx.specs:
        if spec.trigger.on != "recurrence":
            continue
        every = ctx.period_name(spec, spec.trigger.every)
        for _start, end in periods(ctx.signed_on, ctx.term_end, every):
            due = ctx.due(spec, _anchor(ctx, spec, end))
            if due > through and (first is None or due < first):
                first = due
    if first is None:
        return WAKE_NEVER
    return max(now, start_of_local_day(first - HORIZON, ctx.tz))


def _first_open(
    lookup: OpenLookup,
    spec_id: str,
    due_from: datetime,
    states: Collection[LegalState] | None,
    skips: Collection[str],
) -> Obligation | None:
    first = getattr(lookup, "first_open", None)
    if first is not None:
        found: Obligation | None = first(
            spec_ids=[spec_id], due_from=due_from, states=states, without_flags=skips
        )
        return found
    later = [
        o
        for o in lookup.open(spec_ids=[spec_id], states=states, without_flags=skips)
        if o.due_at >= due_from
    ]
    return min(later, key=lambda o: (o.due_at, o.id)) if later else None


def rules_wake(ctx: AgreementContext, lookup: OpenLookup, now: datetime) -> datetime:
    """The earliest instant a time rule acts on an open instance (``now`` if one acts now).

    Each rule is given what it may act on at ``now`` (the open instances due before its
    :meth:`~Rule.acts_before` bound, asked once per distinct bound as the step asks) and the
    first one due after that bound: rules whose instant grows with the due date need no more
    than that one. A rule with nothing to act on at all (:data:`ACTS_ON_NONE`) is given
    nothing.
    """
    timed = [
        (spec, rule, rule.acts_before(ctx, spec, now))
        for spec in ctx.specs
        for rule in RULES.values()
        if rule.timed and rule.declared(spec)
    ]
    Scope = tuple[datetime | None, frozenset[LegalState] | None, frozenset[str]]
    asks: dict[Scope, set[str]] = defaultdict(set)
    for spec, rule, bound in timed:
        if bound != ACTS_ON_NONE:
            asks[(bound, rule.time_states, rule.time_skips)].add(spec.id)
    found: dict[tuple[Scope, str], list[Obligation]] = defaultdict(list)
    for scope, spec_ids in asks.items():
        bound, states, skips = scope
        for ob in lookup.open(
            spec_ids=spec_ids, due_before=bound, states=states, without_flags=skips
        ):
            found[(scope, ob.spec_id)].append(ob)
    wake = WAKE_NEVER
    for spec, rule, bound in timed:
        scope = (bound, rule.time_states, rule.time_skips)
        open_: list[Obligation] = []
        if bound != ACTS_ON_NONE:
            open_ = list(found.get((scope, spec.id), ()))
            if bound is not None:
                later = _first_open(lookup, spec.id, bound, rule.time_states, rule.time_skips)
                if later is not None:
                    open_.append(later)
        at = rule.wakes_at(ctx, spec, open_, now)
        if at is not None and at < wake:
            wake = max(at, now)
        if wake <= now:
            return now
    return wake


def next_wake(state: AgreementState, now: datetime, *, settled: bool = False) -> datetime:
    """The earliest instant at or after ``now`` at which :func:`advance` could change the
    agreement (``now`` when a step at ``now`` is not empty; :data:`WAKE_NEVER` when nothing
    but a write can change it again).

    ``settled``: the caller has just applied the step at ``now`` (the sweep), which is
    idempotent, so it is not asked again.
    """
    if not settled and not advance(state, now).empty:
        return now
    tracked = status_at(state.agreement, state.record, now)
    wake = status_wake(state, now)
    if tracked.status is not AgreementStatus.TERMINATED:
        ctx = AgreementContext(
            agreement=state.record, signed_on=tracked.signed_on, term_end=tracked.term_end
        )
        wake = min(wake, recurrence_wake(ctx, now))
    if wake <= now:
        return now
    ctx = AgreementContext(
        agreement=state.record, signed_on=tracked.signed_on, term_end=tracked.term_end
    )
    return min(wake, rules_wake(ctx, state.lookup, now))
