"""The passing of time as one pure step: ``advance(state, now) -> AdvanceOutcome``.

Time alone changes an agreement in four ways: its status moves (executed → active → expired,
or the term renews), an ended agreement closes what it leaves open, recurring obligations come
within the horizon and are materialised, and the time-driven rules (``_rules.on_time``: watches
that end, KPIs missed, …) act on the open obligations. This module decides all four and
returns them as an Outcome; it writes nothing.

Two callers share it, which is what keeps them equal:

- ``wsr sweep`` (:meth:`ObligationService.sweep`) applies the outcome for every agreement in
  one transaction — the one writer of time-driven change — and every write command applies it
  for its own agreement first, so it acts on the state a listing at the same ``now`` showed;
- every read computes it in memory and shows the obligations as the sweep would leave them,
  without storing anything.

Everything here is deterministic in (stored state, ``now``): instance ids come from
:func:`obligations.obligation_id` over (agreement, spec, subject, period start) and every
timestamp is ``now``, so a read's in-memory instances are equal to what a sweep stores.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Protocol

import attrs

from clauses import Agreement

from ._calendar import local_date
from ._compile import horizon, pending_periods, period_instances, subjects
from ._context import AgreementContext, term_variable
from ._decisions import agreement_status
from ._enums import OPEN, AgreementStatus, LegalState
from ._model import AuditEntry, Obligation, TrackedAgreement
from ._outcome import ListLookup, Lookup, Outcome, Work
from ._rules import on_time

#: who the audit log names for time-driven change (a sweep, or the sweep step of a command)
SWEEP_ACTOR = "sweep"

#: the audit action of an agreement's status change (its ``before``/``after`` are views)
STATUS_ACTION = "agreement_status"


class StateLookup(Lookup, Protocol):
    """A :class:`Lookup` that also says which subjects a period already has instances for."""

    def period_subjects(
        self, spec_id: str, key: str, among: Collection[str | None]
    ) -> set[str | None]: ...

    def periods_subjects(
        self, asks: Sequence[tuple[str, str, Collection[str | None]]]
    ) -> list[set[str | None]]:
        """:meth:`period_subjects` of each (spec_id, key, among), asked together."""
        ...


@attrs.define
class ObligationList(ListLookup):
    """A :class:`StateLookup` over a list of one agreement's obligations (tests, what-if)."""

    def period_subjects(
        self, spec_id: str, key: str, among: Collection[str | None]
    ) -> set[str | None]:
        wanted = set(among)
        return {
            o.subject
            for o in self.obligations
            if o.spec_id == spec_id and o.key == key and o.subject in wanted
        }

    def periods_subjects(
        self, asks: Sequence[tuple[str, str, Collection[str | None]]]
    ) -> list[set[str | None]]:
        return [self.period_subjects(spec_id, key, among) for spec_id, key, among in asks]


@attrs.define(frozen=True, kw_only=True)
class AgreementState:
    """One tracked agreement as stored: the row, its record, and read access to its
    obligations (the store, or a list)."""

    agreement: TrackedAgreement
    record: Agreement
    lookup: StateLookup


@attrs.define(frozen=True, kw_only=True)
class AdvanceOutcome(Outcome):
    """What time alone does to one agreement at ``now``.

    ``created``/``changed``/``audit``/``messages`` are the whole step (status, closures,
    recurrences and the time rules, in that order); ``on_time`` is the time rules' own part of
    it, kept so callers (and the scheduler's notices) can tell it apart.
    """

    agreement_before: TrackedAgreement
    agreement: TrackedAgreement
    on_time: Outcome = attrs.field(factory=Outcome)

    @property
    def agreement_changed(self) -> bool:
        return self.agreement != self.agreement_before

    @property
    def empty(self) -> bool:
        """Nothing would change: a sweep at this ``now`` has already been applied."""
        return not (self.agreement_changed or self.created or self.changed or self.audit)


def termination_day(tracked: TrackedAgreement) -> date:
    """The day a terminated agreement ended.

    ``terminate`` always sets ``terminated_on`` (and migration 0002 copied it from the audit log
    for agreements ended before it existed); the term end is only a guard for a row without it.
    """
    return tracked.term_end if tracked.terminated_on is None else tracked.terminated_on


def ends_with_agreement(ob: Obligation, last_day: date) -> bool:
    """Whether an open duty ends when the agreement does (its last day being ``last_day``).

    Surviving duties never do. Ongoing duties (prohibitions, maintenance) always do: a buyer's
    duty not to buy from a suspended supplier has no meaning once the agreement is over.
    Instances the agreement created on its own schedule (execution, recurring periods) end when
    they had not begun by the last day. Everything an event or a violation created on or before
    the last day has accrued and stays open to be performed.
    """
    if ob.surviving:
        return False
    if ob.kind in ("prohibition", "maintenance"):
        return True
    scheduled = ob.trigger_event_id is None and (
        ob.key == "once" or (ob.period_start is not None and ob.key == ob.period_start.isoformat())
    )
    if not scheduled:
        return False
    started = ob.period_start if ob.period_start is not None else ob.due
    return started > last_day


def status_at(tracked: TrackedAgreement, record: Agreement, now: datetime) -> TrackedAgreement:
    """The agreement with its status and term end as of ``now`` (renewals rolled over).

    A function of the date (termination aside, which absorbs): asked about a day before the
    effective date it says executed. Writes never move it back, because nothing is recorded
    at a ``now`` earlier than the audit log's newest entry.
    """
    status, term_end = agreement_status(
        current=tracked.status,
        effective_date=tracked.effective_date,
        term_end=tracked.term_end,
        today=local_date(now, tracked.timezone),
        auto_renew=bool(term_variable(record, "auto_renew", False)),
        renewal_term_months=int(term_variable(record, "renewal_term_months", 0) or 0),
    )
    if status is tracked.status and term_end == tracked.term_end:
        return tracked
    return attrs.evolve(tracked, status=status, term_end=term_end)


def closure_step(tracked: TrackedAgreement) -> tuple[date, str, str] | None:
    """(last day, lifecycle action, reason) for closing what an ended agreement leaves open."""
    if tracked.status is AgreementStatus.TERMINATED:
        day, why = termination_day(tracked), tracked.termination_reason
        reason = f"agreement terminated on {day.isoformat()}" + (f": {why}" if why else "")
        return day, "terminate", reason
    if tracked.status is AgreementStatus.EXPIRED:
        return tracked.term_end, "discharge", f"agreement expired on {tracked.term_end.isoformat()}"
    return None


def close_ended(tracked: TrackedAgreement, open_: Sequence[Obligation], work: Work) -> int:
    """Close, in ``work``, what an ended agreement leaves open (surviving and accrued stay).

    What had accrued by the agreement's last day stays open to be performed — the term clause
    says an ending does not affect accrued obligations (see :func:`ends_with_agreement`). The
    rest is terminated (termination) or discharged (expiry: the duty was never going to arise).
    Returns how many were closed.
    """
    step = closure_step(tracked)
    if step is None:
        return 0
    day, action, reason = step
    closed = 0
    for ob in open_:
        if ob.state not in OPEN or not ends_with_agreement(ob, day):
            continue
        # Symboleo: a created instance can only expire (discharged) and a suspended one can
        # only be terminated; everything else takes the agreement's own ending.
        move = action
        if ob.state is LegalState.CREATED:
            move = "expire"
        elif ob.state is LegalState.SUSPENDED:
            move = "terminate"
        work.move(ob, move, reason=reason)
        closed += 1
    return closed


def _materialise(
    ctx: AgreementContext,
    lookup: StateLookup,
    work: Work,
    now: datetime,
    *,
    until: date | None = None,
) -> int:
    """Recurring instances due up to the horizon at ``now`` that are not stored yet (with
    ``until``, only those due on or before it: see :func:`advance`).

    Periods are walked from the newest back: everything before a period that exists was
    materialised with it, so the walk stops at the first period any subject has. The newest
    pending period of every spec is asked about in one question (usually the whole answer: a
    sweep already stored it), older ones one by one. A period due after ``until`` is only
    looked at to find where the walk stops — first by asking about one subject, enough when
    it has the period — and nothing is made for it.
    """
    through = horizon(ctx, now)
    walks = [
        (spec, set(subjects(ctx, spec)), list(pending_periods(ctx, spec, through=through)))
        for spec in ctx.specs
        if spec.trigger.on == "recurrence"
    ]
    walks = [walk for walk in walks if walk[2]]

    def later(due: date) -> bool:
        return until is not None and due > until

    def one(wanted: set[str | None]) -> set[str | None]:
        return {next(iter(wanted))} if wanted else set()  # any subject will do

    newest = lookup.periods_subjects(
        [
            (
                spec.id,
                pending[-1][0][0].isoformat(),
                one(wanted) if later(pending[-1][1]) else wanted,
            )
            for spec, wanted, pending in walks
        ]
    )
    made = 0
    for (spec, wanted, pending), first in zip(walks, newest, strict=True):
        missing_periods = []
        for i, (period, due) in enumerate(reversed(pending)):
            key = period[0].isoformat()
            if later(due):
                probe = first if i == 0 else lookup.period_subjects(spec.id, key, one(wanted))
                if probe or lookup.period_subjects(spec.id, key, wanted):
                    break  # the walk stops after `until`: nothing up to it is missing
                continue  # missing for every subject, but due after `until`
            have = first if i == 0 else lookup.period_subjects(spec.id, key, wanted)
            missing = frozenset(wanted - have)
            if missing:
                missing_periods.append((period, due, missing))
            if have:
                break
        for period, due, missing in reversed(missing_periods):
            for ob in period_instances(ctx, spec, period, due, at=now, only=missing):
                work.create(ob, "recurring instances up to the horizon")
                made += 1
    return made


def advance(
    state: AgreementState,
    now: datetime,
    *,
    actor: str = SWEEP_ACTOR,
    shown_before: datetime | None = None,
) -> AdvanceOutcome:
    """Everything the passing of time to ``now`` does to one agreement (nothing is written).

    Idempotent: applied, then asked again at the same ``now``, it returns an empty outcome.

    ``shown_before`` is for a read that shows only obligations due before that instant (what
    is due within N days, what is overdue): recurring instances due later are then not made,
    since the read could not show them, and the outcome is the sweep's without them — every
    instance it does make, and everything else, is exactly what the sweep would do. Such an
    outcome is never applied (the service stores only full steps).
    """
    before = state.agreement
    fresh = status_at(before, state.record, now)
    status_entries: list[AuditEntry] = []
    messages: list[str] = []
    if fresh != before:
        status_entries.append(
            AuditEntry(
                agreement_id=before.id,
                at=now,
                actor=actor,
                action=STATUS_ACTION,
                reason=f"{before.status.value} → {fresh.status.value}"
                + (
                    f"; term renewed to {fresh.term_end.isoformat()}"
                    if fresh.term_end != before.term_end
                    else ""
                ),
                before=before.view(),
                after=fresh.view(),
            )
        )
        messages.append(
            f"{before.id}: {before.status.value} → {fresh.status.value}"
            f" (term ends {fresh.term_end.isoformat()})"
        )
    ctx = AgreementContext(
        agreement=state.record, signed_on=fresh.signed_on, term_end=fresh.term_end
    )
    work = Work(state.lookup, at=now, actor=actor)
    if fresh.status is not AgreementStatus.TERMINATED:  # nothing new falls due after an end
        until = None if shown_before is None else local_date(shown_before, ctx.tz)
        made = _materialise(ctx, state.lookup, work, now, until=until)
        if made:
            messages.append(f"{before.id}: {made} recurring instances up to the horizon")
    if closure_step(fresh) is not None:
        closed = close_ended(fresh, work.open(), work)
        if closed:
            messages.append(f"{before.id}: {closed} obligations closed with the agreement")
    rules = on_time(ctx, work, now=now, actor=actor)
    for ob in rules.created:
        work.new[ob.id] = ob
    for ob in rules.changed:
        if ob.id in work.new:
            work.new[ob.id] = ob
        else:
            work.changed[ob.id] = ob
    work.audit.extend(rules.audit)
    messages.extend(rules.messages)
    return AdvanceOutcome(
        created=list(work.new.values()),
        changed=list(work.changed.values()),
        audit=[*status_entries, *work.audit],
        messages=messages,
        agreement_before=before,
        agreement=fresh,
        on_time=rules,
    )
