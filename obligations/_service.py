"""The engine service: the one place that reads the store, runs the pure rules and writes back.

Every public method is one unit of work (``store.transaction()``): validation, rules, the new
and changed obligations and their audit entries are written together or not at all, so a bad
event or a formula error leaves the store exactly as it was. Time is a value (``now``): the CLI
passes ``--now``/``WSR_NOW`` or the clock, tests pass fixed instants, and nothing here reads
the system clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clauses import Agreement, Conflict, InputError, NotFound, Problem, text_problem
from clauses._inputfile import LIMITS, InputKind
from clauses._vocabulary import EVENTS, determinations

from ._advance import (
    SWEEP_ACTOR,
    AdvanceOutcome,
    AgreementState,
    advance,
    close_ended,
    ends_with_agreement,
    status_at,
    termination_day,
)
from ._audit import StoreCorrupted
from ._bulk import gc_paused
from ._calendar import local_date
from ._compile import compile_instances
from ._context import AgreementContext, initial_term_end
from ._decisions import confirm_breach, dismiss_breach, fulfil, may_fulfil, waive
from ._enums import OPEN, AgreementStatus, LegalState
from ._events import (
    check_signed_on,
    not_after_now,
    parse_on,
    parse_when,
    shown_on,
    validate_event,
)
from ._evidence import Piece
from ._evidence import attach as attach_evidence
from ._evidence import decide as decide_evidence
from ._evidence import pieces as evidence_pieces
from ._ledgers import with_evidence
from ._lifecycle import birth
from ._meaning import before_obligation, unmet
from ._model import AuditEntry, Event, Obligation, TrackedAgreement
from ._outcome import Work
from ._payroll import import_fields
from ._payroll_csv import PayrollFile
from ._powers import exercise, split_ref
from ._quiet import quiet, window
from ._rules import apply_event
from ._sweep import (
    AgreementChange,
    Hypothetical,
    SweepResult,
    WhatIfChange,
    WhatIfResult,
    diff_obligations,
    ordered,
)
from ._wake import next_wake
from .abc import ObligationStore

__all__ = [
    "DETERMINATIONS",
    "TERMINATED_ACTION",
    "DeterminationScope",
    "EventResult",
    "Hypothetical",
    "ObligationService",
    "SweepResult",
    "TerminationResult",
    "TrackResult",
    "WhatIfChange",
    "WhatIfResult",
    "ends_with_agreement",
]

_TICK = timedelta(microseconds=1)

#: the largest evidence file, as ``wsr fulfil --evidence`` reads one
MAX_EVIDENCE_BYTES = LIMITS[InputKind.EVIDENCE]

#: events a monitoring body declares once about a supplier; they apply to every buyer's agreement
#: (declared in the event registry: ``EventType.determination``)
DETERMINATIONS: tuple[str, ...] = determinations()

#: the audit action that records an agreement's termination (its ``after`` is the ended agreement)
TERMINATED_ACTION = "agreement_terminated"


@attrs.define(frozen=True, kw_only=True)
class TrackResult:
    agreement_id: str
    obligations: int
    #: what tracking carried over, e.g. a supplier already suspended when the agreement was signed
    notes: list[str] = attrs.field(factory=list)


@attrs.define(frozen=True, kw_only=True)
class EventResult:
    event: Event
    created: list[Obligation]
    changed: list[Obligation]
    messages: list[str]

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The ``wsr event --json`` document."""
        return {
            "event": self.event.to_dict(),
            "created": [o.to_view(now) for o in self.created],
            "changed": [o.to_view(now) for o in self.changed],
            "messages": list(self.messages),
        }


@attrs.define(frozen=True, kw_only=True)
class TerminationResult:
    """An agreement ended early: the obligations it closed, and those still owed after it
    (surviving duties and what had accrued by the termination date)."""

    agreement: TrackedAgreement
    terminated_on: date
    reason: str
    closed: list[Obligation]
    surviving: list[Obligation]

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The ``wsr terminate --json`` document."""
        return {
            "agreement": self.agreement.view(),
            "terminated_on": self.terminated_on.isoformat(),
            "reason": self.reason,
            "closed": [o.to_view(now) for o in self.closed],
            "surviving": [o.to_view(now) for o in self.surviving],
        }


@attrs.define(frozen=True, kw_only=True)
class DeterminationScope:
    """Which agreements a determination about a supplier reaches, and which it passes by (why)."""

    supplier: str
    agreements: list[TrackedAgreement]
    skipped: list[tuple[str, str]]


#: (agreement id, stored record text) -> the record, decoded once per process (see _decoded)
_DECODED: dict[tuple[str, str], Agreement] = {}
#: how many records :data:`_DECODED` keeps (a few hundred kilobytes each at most)
_DECODED_MAX = 256


def _decoded(tracked: TrackedAgreement) -> Agreement:
    """The agreement's record, decoded once per process rather than once per service.

    The console makes a service per request, and decoding the records (pydantic, a few hundred
    kilobytes for an agreement with thousands of suppliers) was 0.15 s of each dashboard on the
    million-instance store once any agreement is awake. Keyed by the stored text as well as the
    id, so a record that changed (or was damaged) in the store is decoded (or refused) afresh;
    the record is a frozen value, shared as each service already shared it.
    """
    key = (tracked.id, tracked.record_json)
    record = _DECODED.get(key)
    if record is None:
        try:
            record = Agreement.from_json(tracked.record_json)
        except ValueError as exc:  # broken JSON, or a record that no longer validates
            raise StoreCorrupted(
                f"agreements.{tracked.id}.record_json",
                f"the stored agreement record cannot be read ({type(exc).__name__})",
            ) from None
        if len(_DECODED) >= _DECODED_MAX:
            _DECODED.clear()
        _DECODED[key] = record
    return record


def _aware(now: datetime, path: str = "now") -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError.single(path, f"{now.isoformat()} has no UTC offset")
    return now


class _StoreLookup:
    """The rules' read access to one agreement's obligations, backed by the store."""

    def __init__(self, store: ObligationStore, agreement_id: str) -> None:
        self.store = store
        self.agreement_id = agreement_id

    def get(self, obligation_id: str) -> Obligation | None:
        try:
            ob = self.store.get_obligation(obligation_id)
        except NotFound:
            return None
        return ob if ob.agreement_id == self.agreement_id else None

    def by_key(self, spec_id: str, subject: str | None, key: str) -> Obligation | None:
        found = self.store.find_obligations(
            agreement_id=self.agreement_id, spec_id=spec_id, subject=subject, key=key
        )
        return next((o for o in found if o.subject == subject), None)

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        if spec_ids is None:
            found = self.store.find_obligations(
                agreement_id=self.agreement_id,
                subject=subject,
                states=OPEN if states is None else OPEN & frozenset(states),
                due_before=due_before,
            )
            return [o for o in found if not o.flags.intersection(without_flags)]
        # by (agreement, spec, state): the time rules ask for a few specs among many rows, one
        # seek of ix_obligations_open_spec each (0009_awake)
        return self.store.open_of_specs(
            self.agreement_id,
            spec_ids,
            subject=subject,
            due_before=due_before,
            states=states,
            without_flags=without_flags,
        )

    def first_open(
        self,
        *,
        spec_ids: Collection[str],
        due_from: datetime,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> Obligation | None:
        return self.store.first_open(
            self.agreement_id,
            spec_ids,
            due_from=due_from,
            states=states,
            without_flags=without_flags,
        )

    def period_subjects(
        self, spec_id: str, key: str, among: Collection[str | None]
    ) -> set[str | None]:
        return self.store.period_subjects(self.agreement_id, spec_id, key, among)

    def periods_subjects(
        self, asks: Sequence[tuple[str, str, Collection[str | None]]]
    ) -> list[set[str | None]]:
        return self.store.periods_subjects(self.agreement_id, asks)


class ObligationService:
    """Track agreements, record events and decisions, and answer what is due."""

    def __init__(
        self, store: ObligationStore, *, actor: str = "cli", skip_quiet: bool = True
    ) -> None:
        self.store = store
        self.actor = actor
        #: reads and sweeps skip agreements whose stored wake has not come (``_wake``); off,
        #: every agreement is stepped (the reference the wake's property test compares with)
        self.skip_quiet = skip_quiet
        self._records: dict[str, Agreement] = {}
        self._record_texts: dict[str, str] = {}

    # -- helpers -----------------------------------------------------------------------------
    def _tracked(self) -> list[TrackedAgreement]:
        """Every tracked agreement, the records read only once per service.

        A record is a few hundred kilobytes for an agreement with thousands of suppliers, and
        an agreement's id is the hash of its record, so a record once read never changes:
        reads ask the store for the rows without it (:meth:`ObligationStore.agreement_heads`)
        and fill it in from what this service has already read.
        """
        return [self._with_record(head) for head in self.store.agreement_heads()]

    def _with_record(self, head: TrackedAgreement) -> TrackedAgreement:
        """An agreement's head with its record, read from the store only once per service."""
        text = self._record_texts.get(head.id)
        if text is None:
            full = self.store.get_agreement(head.id)
            self._record_texts[head.id] = text = full.record_json
        return attrs.evolve(head, record_json=text)

    def _record(self, tracked: TrackedAgreement) -> Agreement:
        record = self._records.get(tracked.id)
        if record is None:
            record = _decoded(tracked)
            self._records[tracked.id] = record
        return record

    def _context(self, tracked: TrackedAgreement) -> AgreementContext:
        return AgreementContext(
            agreement=self._record(tracked), signed_on=tracked.signed_on, term_end=tracked.term_end
        )

    def _entry(
        self,
        agreement_id: str,
        action: str,
        *,
        at: datetime,
        reason: str = "",
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        return AuditEntry(
            agreement_id=agreement_id,
            at=at,
            actor=self.actor,
            action=action,
            reason=reason,
            before=before,
            after=after,
        )

    def _state(self, tracked: TrackedAgreement) -> AgreementState:
        return AgreementState(
            agreement=tracked,
            record=self._record(tracked),
            lookup=_StoreLookup(self.store, tracked.id),
        )

    def _advance(
        self,
        tracked: TrackedAgreement,
        now: datetime,
        *,
        shown_before: datetime | None = None,
    ) -> AdvanceOutcome:
        """What a sweep at ``now`` would do to the agreement (pure; nothing is written); a
        read showing only what is due before ``shown_before`` asks for no later recurrences."""
        return advance(self._state(tracked), now, actor=SWEEP_ACTOR, shown_before=shown_before)

    def _store_advance(self, outcome: AdvanceOutcome) -> None:
        """Write one agreement's time step (the thin apply half of the sweep)."""
        if outcome.agreement_changed:
            self.store.update_agreement(outcome.agreement)
        if outcome.created:
            self.store.add_obligations(outcome.created)
        if outcome.changed:
            self.store.update_obligations(outcome.changed)
        if outcome.audit:
            self.store.append_audit(outcome.audit)

    def _refresh(self, tracked: TrackedAgreement, now: datetime) -> TrackedAgreement:
        """Inside a write: bring the agreement to ``now`` first, as a sweep would (stored, and
        audited as the sweep's), so the command acts on the state a listing showed."""
        outcome = self._advance(tracked, now)
        self._store_advance(outcome)
        return outcome.agreement

    @contextmanager
    def _writing(self, now: datetime) -> Iterator[None]:
        """A write's unit of work, which leaves every agreement it touched with a fresh wake.

        The one choke point that keeps ``agreements.wake_at`` true: the store forgets the wake
        of every agreement whose row, obligations or events the block writes (whoever writes
        them), and before the commit this computes each one again at ``now`` — the instant
        the write is recorded at, so the newest audit entry's — inside the same transaction.
        """
        with self.store.transaction():
            yield
            self._rewake(now)

    def _rewake(self, now: datetime) -> None:
        wakes: dict[str, datetime | None] = {}
        for agreement_id in sorted(self.store.unwoken()):
            try:
                tracked = self.store.get_agreement(agreement_id)
            except NotFound:  # pragma: no cover - a write names only tracked agreements
                continue
            wakes[agreement_id] = next_wake(self._state(tracked), now)
        if wakes:
            self.store.set_wakes(wakes)

    def _quiet(self, tracked: Sequence[TrackedAgreement], now: datetime) -> set[str]:
        """The ids of the agreements whose time step at ``now`` is known to be empty."""
        if not self.skip_quiet or all(t.wake_at is None or now >= t.wake_at for t in tracked):
            return set()
        last = self.store.last_audit_at()
        return {t.id for t in tracked if quiet(t.wake_at, now, last)}

    def _in_time_order(self, now: datetime) -> None:
        """Refuse a write dated before the newest audit entry: the log is in time order."""
        last = self.store.last_audit_at()
        if last is not None and now < last:
            raise InputError.single(
                "now",
                f"{now.isoformat()} is before the newest audit entry: the log already has "
                f"entries up to {last.isoformat()}, and it is kept in time order; act at that "
                "time or later",
            )

    def _add(self, created: list[Obligation], *, at: datetime, reason: str) -> list[Obligation]:
        active: list[Obligation] = []
        entries: list[AuditEntry] = []
        for ob in created:
            after, log = birth(ob, at=at, actor=self.actor, reason=reason)
            active.append(after)
            entries.extend(log)
        self.store.add_obligations(active)
        self.store.append_audit(entries)
        return active

    def _obligation_at(
        self, obligation_id: str, now: datetime
    ) -> tuple[Obligation, TrackedAgreement]:
        """Inside a write: the obligation as at ``now`` and its agreement, brought to ``now``.

        A recurring instance a listing showed may not be stored yet (only a sweep or a write
        stores it); it is found in its agreement's time step, which is then applied, so a
        payment or a fulfilment can be recorded against what the person saw.
        """
        try:
            stored = self.store.get_obligation(obligation_id)
        except NotFound:
            for candidate in self.store.list_agreements():
                if any(o.id == obligation_id for o in self._advance(candidate, now).created):
                    tracked = candidate
                    break
            else:
                raise
        else:
            tracked = self.store.get_agreement(stored.agreement_id)
        tracked = self._refresh(tracked, now)
        return self.store.get_obligation(obligation_id), tracked

    def _on(self, on: str | date | datetime, tracked: TrackedAgreement, now: datetime) -> date:
        """The local date of a decision: not before execution, not after ``now``."""
        ctx = self._context(tracked)
        at, day = parse_on(on, ctx=ctx)
        not_after_now(at, shown=shown_on(on), now=now, tz=ctx.tz)
        return day

    # -- the end of an agreement ---------------------------------------------------------------
    def _last_day(self, tracked: TrackedAgreement) -> tuple[date, str] | None:
        """(the last date an event may carry, why) for an agreement that has ended, else None.

        Facts dated on or before the end are still recorded (they are often reported late);
        anything after it happened outside the agreement.
        """
        if tracked.status is AgreementStatus.TERMINATED:
            day = termination_day(tracked)
            return day, f"agreement {tracked.id} was terminated on {day.isoformat()}"
        if tracked.status is AgreementStatus.EXPIRED:
            return tracked.term_end, f"agreement {tracked.id} expired on {tracked.term_end}"
        return None

    def _close_ended(self, tracked: TrackedAgreement, now: datetime) -> list[Obligation]:
        """Close (and store) what an ended agreement leaves open; see :func:`close_ended`."""
        work = Work(_StoreLookup(self.store, tracked.id), at=now, actor=self.actor)
        close_ended(tracked, work.open(), work)
        closed = list(work.changed.values())
        if closed:
            self.store.update_obligations(closed)
            self.store.append_audit(work.audit)
        return closed

    def _apply(
        self,
        tracked: TrackedAgreement,
        type: str,
        *,
        on: date | datetime | str,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> EventResult:
        """Record one event on one (refreshed) agreement and apply its rules."""
        ctx = self._context(tracked)
        try:
            at, day = parse_when(on, tz=ctx.tz)
        except InputError:
            pass  # validate_event reports the bad date together with any other problem
        else:
            not_after_now(at, shown=shown_on(on), now=now, tz=ctx.tz)
            ended = self._last_day(tracked)
            if ended is not None and day > ended[0]:
                raise InputError.single(
                    "on", f"{ended[1]}; events after that date cannot be recorded"
                )
        lookup = _StoreLookup(self.store, tracked.id)
        event = validate_event(ctx, type, on=on, fields=fields, now=now, find=lookup.get)
        if EVENTS[type].requires is not None:  # a reinstatement needs its suspension, …
            problems = unmet(event, self.store.list_events(tracked.id))
            if problems:
                raise InputError(problems)
        problems = before_obligation(event, lookup.get, self._event_day(tracked.id))
        if problems:  # a payment dated before the obligation it pays existed
            raise InputError(problems)
        stored = self.store.add_event(event)
        outcome = apply_event(ctx, stored, lookup, actor=self.actor)
        self.store.append_audit(
            [
                self._entry(
                    tracked.id,
                    "event_recorded",
                    at=now,
                    reason=f"{type} on {stored.occurred_on.isoformat()}",
                    after=stored.to_dict(),
                )
            ]
        )
        if outcome.created:
            self.store.add_obligations(outcome.created)
        if outcome.changed:
            self.store.update_obligations(outcome.changed)
        self.store.append_audit(outcome.audit)
        created, changed, messages = outcome.created, outcome.changed, list(outcome.messages)
        # a late-recorded fact on an ended agreement: what it opened closes with the agreement
        closed = {o.id: o for o in self._close_ended(tracked, now)}
        if closed:
            created = [closed.get(o.id, o) for o in created]
            changed = [closed.get(o.id, o) for o in changed]
            known = {o.id for o in created} | {o.id for o in changed}
            changed += [o for o in closed.values() if o.id not in known]
            ended = self._last_day(tracked)
            why = "" if ended is None else f": {ended[1]}"
            messages.append(f"{len(closed)} obligations closed with the agreement{why}")
        return EventResult(event=stored, created=created, changed=changed, messages=messages)

    def _event_day(self, agreement_id: str) -> Callable[[str], date | None]:
        """The local date of one of the agreement's events by id (read only when asked)."""

        def day(event_id: str) -> date | None:
            found = [e for e in self.store.list_events(agreement_id) if e.id == event_id]
            return found[0].occurred_on if found else None

        return day

    # -- commands ----------------------------------------------------------------------------
    def track(self, agreement: Agreement, *, signed_on: date, now: datetime) -> TrackResult:
        """Register an executed agreement and compile its obligations (Conflict if tracked)."""
        now = _aware(now)
        check_signed_on(
            signed_on, effective=agreement.effective_date, now=now, tz=agreement.timezone
        )
        with self._writing(now), gc_paused():  # ~300k short-lived values, no cycles
            self._in_time_order(now)
            try:
                have = self.store.get_agreement(agreement.id)
            except NotFound:
                pass
            else:
                raise Conflict(
                    "agreement",
                    f"agreement {agreement.id} is already tracked (since "
                    f"{have.created_at.isoformat()}); nothing changed",
                )
            tracked = TrackedAgreement(
                id=agreement.id,
                title=agreement.title,
                timezone=agreement.timezone,
                currency=agreement.currency,
                signed_on=signed_on,
                effective_date=agreement.effective_date,
                term_end=initial_term_end(agreement),
                status=AgreementStatus.EXECUTED,
                record_json=agreement.to_json(),
                created_at=now,
            )
            self._records[tracked.id] = agreement
            tracked = status_at(tracked, agreement, now)
            self.store.add_agreement(tracked)
            self.store.append_audit(
                [
                    self._entry(
                        tracked.id,
                        "agreement_tracked",
                        at=now,
                        reason=f"executed on {signed_on.isoformat()}",
                        after={**tracked.view(), "content_hash": agreement.content_hash},
                    )
                ]
            )
            instances = compile_instances(self._context(tracked), now=now)
            self._add(instances, at=now, reason=f"agreement executed on {signed_on.isoformat()}")
            count, notes = len(instances), []
            for supplier, (other, ev) in sorted(self._standing_suspensions(tracked, now).items()):
                day = ev.occurred_on.isoformat()
                fields = {"supplier": supplier}
                if "reason" in EVENTS[ev.type].fields:
                    fields["reason"] = (
                        f"suspended by the monitor on {day} (recorded on {other}) "
                        "and not reinstated when this agreement was executed"
                    )
                result = self._apply(tracked, ev.type, on=signed_on, fields=fields, now=now)
                count += len(result.created)
                notes.append(
                    f"{supplier} was suspended on {day} and is not reinstated: recorded as "
                    f"suspended from {signed_on.isoformat()}"
                )
            return TrackResult(agreement_id=tracked.id, obligations=count, notes=notes)

    def _standing_suspensions(
        self, tracked: TrackedAgreement, now: datetime
    ) -> dict[str, tuple[str, Event]]:
        """Covered suppliers a monitor's last determination left suspended at execution.

        A buyer that signs while a supplier is suspended is bound like every other buyer: the
        suspension was declared before its agreement existed, so the determination never reached
        it. Determinations are found on the other tracked agreements (supplier -> (agreement id,
        the latest determination on or before the signing date)); only execution dates that have
        already come are considered, since events are never recorded ahead of ``now``.
        """
        ctx = self._context(tracked)
        if tracked.signed_on > now.astimezone(ZoneInfo(ctx.tz)).date():
            return {}
        covered = set(ctx.suppliers)
        latest: dict[str, tuple[str, Event]] = {}
        for other in self.store.list_agreements():
            if other.id == tracked.id:
                continue
            for kind in determinations():
                for ev in self.store.list_events(other.id, type=kind):
                    supplier = ev.payload.get("supplier")
                    if supplier not in covered or ev.occurred_on > tracked.signed_on:
                        continue
                    seen = latest.get(supplier)
                    if seen is None or ev.occurred_at > seen[1].occurred_at:
                        latest[supplier] = (other.id, ev)
        # the last determination left the supplier suspended: it binds this buyer too
        return {s: found for s, found in latest.items() if EVENTS[found[1].type].stands}

    def record_event(
        self,
        agreement_id: str,
        type: str,
        *,
        on: date | datetime | str,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> EventResult:
        """Validate and store an event, then apply every rule it triggers (all or nothing).

        Refused: an event dated after ``now`` (the record holds facts, not plans), before
        execution, or after the agreement was terminated or expired.
        """
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            tracked = self._refresh(self.store.get_agreement(agreement_id), now)
            return self._apply(tracked, type, on=on, fields=fields, now=now)

    def import_payroll(
        self,
        agreement_id: str,
        supplier: str,
        payroll: PayrollFile,
        *,
        period: date | str | None,
        now: datetime,
    ) -> EventResult:
        """Record a supplier's payroll for one Premium Period, checked worker by worker.

        ``period`` is any day of the Premium Period (None: the one in which the earliest work
        in the file began). The payroll is recorded as one
        ``payroll_recorded`` event carrying its lines (dated on its latest pay date), whose
        rule checks each worker's premium against their share of the Workers' Share
        (:mod:`obligations._payroll`); every refusal leaves the store unchanged.
        """
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            tracked = self._refresh(self.store.get_agreement(agreement_id), now)
            ctx = self._context(tracked)
            fields = import_fields(
                ctx,
                _StoreLookup(self.store, tracked.id),
                supplier=supplier,
                payroll=payroll,
                period=period,
                today=local_date(now, ctx.tz),
            )
            return self._apply(
                tracked, "payroll_recorded", on=fields["pay_date"], fields=fields, now=now
            )

    def determination_scope(
        self,
        supplier: str,
        *,
        on: date | datetime | str,
        now: datetime,
        type: str | None = None,
    ) -> DeterminationScope:
        """The agreements a monitor's determination about ``supplier`` on ``on`` reaches.

        Every tracked agreement covering the supplier and in force on that date: one executed
        later, or terminated or expired before it, is passed by (listed in ``skipped`` with the
        reason), and so, given the determination's ``type``, is one on which what it ends does
        not stand (a reinstatement where the supplier is not suspended). Refused when no
        tracked agreement covers the supplier at all.
        """
        now = _aware(now)
        with self.store.read():
            reached: list[TrackedAgreement] = []
            skipped: list[tuple[str, str]] = []
            covering = 0
            for stored in self.store.list_agreements():
                tracked = status_at(stored, self._record(stored), now)
                ctx = self._context(tracked)
                if supplier not in ctx.suppliers:
                    continue
                covering += 1
                at, day = parse_when(on, tz=ctx.tz)
                not_after_now(at, shown=shown_on(on), now=now, tz=ctx.tz)
                ended = self._last_day(tracked)
                if day < tracked.signed_on:
                    skipped.append(
                        (tracked.id, f"executed on {tracked.signed_on.isoformat()}, after {day}")
                    )
                elif ended is not None and day > ended[0]:
                    skipped.append((tracked.id, ended[1]))
                elif (
                    type in EVENTS
                    and EVENTS[type].requires is not None
                    and (
                        problems := unmet(
                            Event(
                                agreement_id=tracked.id,
                                type=type,
                                occurred_at=at,
                                occurred_on=day,
                                payload={"supplier": supplier},
                                recorded_at=now,
                            ),
                            self.store.list_events(tracked.id),
                        )
                    )
                ):
                    skipped.append((tracked.id, problems[0].message))
                else:
                    reached.append(tracked)
            if not covering:
                raise InputError.single(
                    "supplier",
                    f"no tracked agreement covers supplier {supplier!r}; nothing was recorded",
                )
            return DeterminationScope(supplier=supplier, agreements=reached, skipped=skipped)

    def record_determination(
        self,
        type: str,
        *,
        supplier: str,
        on: date | datetime | str,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> list[EventResult]:
        """A monitoring body's determination about a supplier, recorded on every buyer's agreement.

        The body declares a suspension or reinstatement once; each buyer has its own agreement
        and its own consequences (its own cut-off period). The event is recorded on every
        tracked agreement that covers the supplier and is in force on ``on`` — all in one
        transaction, so if any agreement refuses it nothing is written. One result per agreement.
        """
        now = _aware(now)
        if type not in determinations():
            raise InputError.single(
                "type",
                f"{type!r} is not a monitor determination (known: {', '.join(determinations())}); "
                "record other events per agreement with `wsr event`",
            )
        given = fields.get("supplier")
        if given is not None and given != supplier:
            raise InputError.single(
                "supplier",
                f"{given!r} given as a field contradicts the supplier {supplier!r} the "
                "determination is about; give it once",
            )
        payload = {**fields, "supplier": supplier}
        with self._writing(now):
            self._in_time_order(now)
            scope = self.determination_scope(supplier, on=on, now=now, type=type)
            if not scope.agreements:
                why = "; ".join(f"{a}: {reason}" for a, reason in scope.skipped)
                raise InputError.single(
                    "on", f"no agreement covering {supplier} is in force on {on} ({why})"
                )
            reached = [self._refresh(self.store.get_agreement(t.id), now) for t in scope.agreements]
            return [self._apply(t, type, on=on, fields=payload, now=now) for t in reached]

    def terminate(
        self, agreement_id: str, *, on: date | str, reason: str, now: datetime
    ) -> TerminationResult:
        """End an agreement early: open obligations end with it, surviving ones stay.

        The termination date and reason are kept on the agreement (``terminated_on``,
        ``termination_reason``) and in the ``agreement_terminated`` audit entry; later events
        are refused unless dated on or before that date.
        """
        now = _aware(now)
        if not reason.strip():
            raise InputError.single("reason", "a termination needs a reason (it is recorded)")
        with self._writing(now):
            self._in_time_order(now)
            tracked = self._refresh(self.store.get_agreement(agreement_id), now)
            if tracked.status is AgreementStatus.TERMINATED:
                ended = self._last_day(tracked)
                raise Conflict(
                    agreement_id,
                    f"{ended[1] if ended else 'already terminated'}; nothing changed",
                )
            day = self._on(on, tracked, now)
            if tracked.status is AgreementStatus.EXPIRED and day > tracked.term_end:
                raise InputError.single(
                    "on",
                    f"agreement {agreement_id} expired on {tracked.term_end.isoformat()}; "
                    "it cannot be terminated after that date",
                )
            ended_agreement = attrs.evolve(
                tracked,
                status=AgreementStatus.TERMINATED,
                terminated_on=day,
                termination_reason=reason,
            )
            self.store.update_agreement(ended_agreement)
            self.store.append_audit(
                [
                    self._entry(
                        agreement_id,
                        TERMINATED_ACTION,
                        at=now,
                        reason=reason,
                        before=tracked.view(),
                        after=ended_agreement.view(),
                    )
                ]
            )
            closed = self._close_ended(ended_agreement, now)
            # still owed after the termination: surviving duties and what had accrued
            surviving = self.store.find_obligations(agreement_id=agreement_id, states=OPEN)
            return TerminationResult(
                agreement=ended_agreement,
                terminated_on=day,
                reason=reason,
                closed=closed,
                surviving=surviving,
            )

    def fulfil(
        self,
        obligation_id: str,
        *,
        on: date | str,
        evidence: tuple[str, bytes] | None,
        note: str,
        now: datetime,
    ) -> Obligation:
        """Record performance (late if after the due date), with evidence stored by hash."""
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            ob, tracked = self._obligation_at(obligation_id, now)
            may_fulfil(self._context(tracked).spec(ob.spec_id), ob)
            day = self._on(on, tracked, now)
            if evidence is not None:
                filename, content = evidence
                ref = self.store.put_evidence(
                    content, filename=filename, obligation_id=ob.id, note=note, submitted_at=now
                )
                ob = attrs.evolve(
                    ob,
                    data=with_evidence(ob.data, ref),
                )
            after, entry = fulfil(
                ob, on=day, evidence=evidence is not None, note=note, at=now, actor=self.actor
            )
            self.store.update_obligations([after])
            self.store.append_audit([entry])
            return after

    def confirm_breach(
        self, obligation_id: str, *, on: date | str, reason: str, now: datetime
    ) -> Obligation:
        """A person confirms a suspected (or overdue) breach: violated, plus cure and powers.

        Returns the obligation as confirmed (``violated``, or a closed one flagged
        ``breach_confirmed``); ``data["powers"]`` lists the powers that activate.
        """
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            ob, tracked = self._obligation_at(obligation_id, now)
            day = self._on(on, tracked, now)
            outcome = confirm_breach(
                self._context(tracked), ob, on=day, reason=reason, at=now, actor=self.actor
            )
            if outcome.created:
                self.store.add_obligations(outcome.created)
            self.store.update_obligations(outcome.changed)
            self.store.append_audit(outcome.audit)
            return next(o for o in outcome.changed if o.id == ob.id)

    def exercise_power(
        self, power_id: str, *, on: date | str, reason: str, now: datetime
    ) -> Obligation:
        """A person exercises a power a confirmed breach made available (``<ob id>/<power>``).

        Recorded on the obligation it came from (``powers``) with the date, the actor and the
        reason, and in the audit log; refused when unknown, already exercised or unexplained.
        """
        now = _aware(now)
        obligation_id, local = split_ref(power_id)
        with self._writing(now):
            self._in_time_order(now)
            ob, tracked = self._obligation_at(obligation_id, now)
            day = self._on(on, tracked, now)
            after, entry = exercise(ob, local, on=day, reason=reason, at=now, actor=self.actor)
            self.store.update_obligations([after])
            self.store.append_audit([entry])
            return after

    def waive(self, obligation_id: str, *, reason: str, now: datetime) -> Obligation:
        """Discharge an obligation in effect by waiver, with the reason on the record."""
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            ob, _tracked = self._obligation_at(obligation_id, now)
            after, entry = waive(ob, reason=reason, at=now, actor=self.actor)
            self.store.update_obligations([after])
            self.store.append_audit([entry])
            return after

    # -- monitors' decisions from the console (issue 12) ----------------------------------
    def dismiss_breach(
        self, obligation_id: str, *, on: date | str, reason: str, now: datetime
    ) -> Obligation:
        """A person dismisses a suspected breach (the flag goes; the legal state stays)."""
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            ob, tracked = self._obligation_at(obligation_id, now)
            day = self._on(on, tracked, now)
            after, entry = dismiss_breach(ob, on=day, reason=reason, at=now, actor=self.actor)
            self.store.update_obligations([after])
            self.store.append_audit([entry])
            return after

    def add_evidence(
        self, obligation_id: str, *, filename: str, content: bytes, note: str, now: datetime
    ) -> Obligation:
        """Attach evidence to an obligation without fulfilling it (stored by hash); it awaits
        a monitor's decision (:meth:`decide_evidence`)."""
        now = _aware(now)
        problems = []
        if not filename.strip() or "/" in filename or "\\" in filename:
            problems.append(("filename", "give the file's own name (no folders)"))
        elif (bad := text_problem(filename)) is not None:
            problems.append(("filename", f"the file name {bad}"))
        if not content:
            problems.append(("file", "the file is empty; attach the evidence itself"))
        elif len(content) > MAX_EVIDENCE_BYTES:
            problems.append(
                ("file", f"{len(content):,} bytes; evidence files are at most "
                 f"{MAX_EVIDENCE_BYTES >> 20} MiB")
            )  # fmt: skip
        if (bad := text_problem(note)) is not None:
            problems.append(("note", bad))
        if problems:
            raise InputError([Problem(path, message) for path, message in problems])
        with self._writing(now):
            self._in_time_order(now)
            ob, _tracked = self._obligation_at(obligation_id, now)
            ref = self.store.put_evidence(
                content, filename=filename, obligation_id=ob.id, note=note, submitted_at=now
            )
            after, entry = attach_evidence(ob, ref, at=now, actor=self.actor)
            self.store.update_obligations([after])
            self.store.append_audit([entry])
            return after

    def decide_evidence(
        self,
        obligation_id: str,
        *,
        accept: bool,
        reason: str,
        now: datetime,
        piece: int | None = None,
    ) -> Obligation:
        """Accept or reject an obligation's evidence awaiting a decision (or one ``piece``,
        1-based). Rejecting all the evidence of a person's fulfilment reopens it
        (:mod:`obligations._evidence`); on an agreement that has ended, what reopens closes
        again with the agreement, as a late-recorded fact's obligations do."""
        now = _aware(now)
        with self._writing(now):
            self._in_time_order(now)
            ob, tracked = self._obligation_at(obligation_id, now)
            spec = self._context(tracked).spec(ob.spec_id)
            try:
                may_fulfil(spec, ob)
            except Conflict:
                reopenable = False
            else:
                reopenable = True
            after, entries, _messages = decide_evidence(
                ob,
                accept=accept,
                reason=reason,
                piece=piece,
                reopenable=reopenable,
                at=now,
                actor=self.actor,
            )
            self.store.update_obligations([after])
            self.store.append_audit(entries)
            if after.state is not ob.state:
                closed = {o.id: o for o in self._close_ended(tracked, now)}
                after = closed.get(after.id, after)
            return after

    def evidence(self, obligation_id: str) -> list[Piece]:
        """The obligation's evidence, oldest first, each with its decision (a read)."""
        with self.store.read():
            return evidence_pieces(self.store.get_obligation(obligation_id))

    # -- time --------------------------------------------------------------------------------
    def sweep(self, *, now: datetime) -> SweepResult:
        """Apply the time step at ``now`` to every tracked agreement, in ONE transaction.

        The one writer of time-driven change (status, renewals, closures on expiry, recurring
        instances up to the horizon, the time rules). Idempotent: a second sweep at the same
        ``now`` finds every step empty and changes nothing. Refused (``--now``) when the audit
        log already has entries dated after ``now``.
        """
        now = _aware(now)
        agreements: list[AgreementChange] = []
        created: list[Obligation] = []
        changed: list[Obligation] = []
        messages: list[str] = []
        entries = 0
        with self._writing(now), gc_paused():
            self._in_time_order(now)
            tracked = self.store.list_agreements()
            skip = self._quiet(tracked, now)
            wakes: dict[str, datetime | None] = {}
            for stored in tracked:
                if stored.id in skip:
                    continue
                outcome = self._advance(stored, now)
                if outcome.empty:  # awake for nothing (a wake is early, never late): again
                    wakes[stored.id] = next_wake(self._state(stored), now, settled=True)
                    continue
                self._store_advance(outcome)
                wakes[stored.id] = next_wake(self._state(outcome.agreement), now, settled=True)
                if outcome.agreement_changed:
                    agreements.append(
                        AgreementChange(before=outcome.agreement_before, after=outcome.agreement)
                    )
                created.extend(outcome.created)
                changed.extend(outcome.changed)
                entries += len(outcome.audit)
                messages.extend(outcome.messages)
            self.store.set_wakes(wakes)
        return SweepResult(
            now=now,
            checked=len(tracked),
            agreements=agreements,
            created=created,
            changed=changed,
            audit_entries=entries,
            messages=messages,
        )

    def whatif(
        self, agreement_id: str, *, now: datetime, events: Sequence[Hypothetical]
    ) -> WhatIfResult:
        """The agreement at ``now`` if ``events`` were recorded — computed in memory.

        The stored state of the agreement (its obligations and events) is copied into an
        in-memory store and the events go through :meth:`record_event` there, so they are
        validated and applied exactly as ``wsr event`` would (bad input is the same
        ``InputError``). Nothing is written to this service's store. The differences are
        against today's state: the agreement as a read at ``now`` shows it.
        """
        from .stores.memory import MemoryObligationStore  # only what-ifs need a sandbox

        now = _aware(now)
        with self.store.read():
            stored = self.store.get_agreement(agreement_id)
            today_step = self._advance(stored, now)
            kept = self.store.find_obligations(agreement_id=agreement_id)
            history = self.store.list_events(agreement_id)
        today = _merged(kept, _overlay([today_step]), keep=lambda o: True)
        if not events:
            return WhatIfResult(
                agreement=today_step.agreement,
                now=now,
                events=[],
                obligations=today,
                created=[],
                changed=[],
            )
        sandbox = MemoryObligationStore.seeded(
            agreements=[stored], obligations=kept, events=history
        )
        sim = ObligationService(sandbox, actor=self.actor)
        sim._records[agreement_id] = self._record(stored)
        known = {e.id for e in history}
        messages: list[str] = []
        for ev in events:
            result = sim.record_event(agreement_id, ev.type, on=ev.on, fields=ev.fields, now=now)
            messages.extend(result.messages)
        then = sim.obligations(agreement_id=agreement_id, now=now)
        created, changed = diff_obligations(today, then, now)
        return WhatIfResult(
            agreement=sim.agreements(now=now)[0],
            now=now,
            events=[e for e in sandbox.list_events(agreement_id) if e.id not in known],
            obligations=then,
            created=created,
            changed=changed,
            messages=messages,
        )

    # -- queries: the state as a sweep at ``now`` would leave it, computed, never stored ------
    def _steps(
        self,
        tracked: Sequence[TrackedAgreement],
        now: datetime,
        *,
        shown_before: datetime | None = None,
    ) -> list[AdvanceOutcome]:
        # quiet agreements are passed by without decoding their records (obligations._wake)
        skip = self._quiet(tracked, now)
        # each awake agreement's time rules ask for their own rows: one index seek per
        # (agreement, spec, state), so asking for every agreement at once saves nothing
        return [
            self._advance(t, now, shown_before=shown_before) for t in tracked if t.id not in skip
        ]

    def time_overlay(
        self,
        *,
        now: datetime,
        agreement_ids: Collection[str] | None = None,
        shown_before: datetime | None = None,
    ) -> dict[str, Obligation]:
        """id → the obligation as a sweep at ``now`` would leave it, for everything the time
        step would create or change (in every agreement, or those of ``agreement_ids``);
        with ``shown_before``, recurring instances due after it are left out, as a listing
        that cannot show them does. Nothing is written; quiet agreements cost nothing."""
        now = _aware(now)
        with self.store.read():
            if agreement_ids is None:
                tracked = self._tracked()
            else:
                tracked = [self.store.get_agreement(i) for i in sorted(set(agreement_ids))]
            return _overlay(self._steps(tracked, now, shown_before=shown_before))

    def time_overlay_parts(
        self, *, now: datetime, agreement_ids: Collection[str]
    ) -> dict[str, dict[str, Obligation]]:
        """Agreement id → its part of :meth:`time_overlay` (empty for a quiet agreement), for
        each of ``agreement_ids``. A part is a function of that agreement's own row and
        obligations and ``now`` alone (the step reads nothing of any other agreement), so a
        caller may keep parts apart and serve one for as long as its agreement's revision
        (:meth:`ObligationStore.agreement_revisions`) is unchanged. Nothing is written."""
        now = _aware(now)
        wanted = set(agreement_ids)
        with self.store.read():
            heads = {h.id: h for h in self.store.agreement_heads() if h.id in wanted}
            for missing in sorted(wanted - heads.keys()):
                raise NotFound("agreement", missing)
            tracked = [self._with_record(heads[i]) for i in sorted(heads)]
            skip = self._quiet(tracked, now)
            return {
                t.id: {} if t.id in skip else _overlay([self._advance(t, now)]) for t in tracked
            }

    def agreements(self, *, now: datetime) -> list[TrackedAgreement]:
        """Every tracked agreement with its status as of ``now`` (nothing is written)."""
        now = _aware(now)
        with self.store.read():
            return [status_at(t, self._record(t), now) for t in self._tracked()]

    def obligations(self, *, agreement_id: str | None, now: datetime) -> list[Obligation]:
        """All obligations (of one agreement, or all), ordered by due instant then id."""
        now = _aware(now)
        with self.store.read():
            if agreement_id is not None:
                tracked = [self.store.get_agreement(agreement_id)]
            else:
                tracked = self._tracked()
            overlay = _overlay(self._steps(tracked, now))
            stored = self.store.find_obligations(agreement_id=agreement_id)
        return _merged(stored, overlay, keep=lambda o: True)

    def due_within(self, *, now: datetime, days: int = 7) -> list[Obligation]:
        """Open obligations not yet overdue whose due day ends within ``days`` days of now."""
        now = _aware(now)
        if days < 0:
            raise InputError.single("due_within", "must not be negative")
        lo, hi = now + _TICK, now + timedelta(days=days) + _TICK
        with self.store.read():
            overlay = _overlay(self._steps(self._tracked(), now, shown_before=hi))
            stored = self.store.find_obligations(states=OPEN, due_from=lo, due_before=hi)
        return _merged(stored, overlay, keep=lambda o: o.state in OPEN and lo <= o.due_at < hi)

    def overdue(self, *, now: datetime, limit: int | None = None) -> list[Obligation]:
        """Open obligations whose due day has ended, oldest first (prohibitions in force are
        not overdue: see :meth:`Obligation.timing`)."""
        now = _aware(now)
        before = now + _TICK
        with self.store.read():
            overlay = _overlay(self._steps(self._tracked(), now, shown_before=before))
            # rows the time step changed may leave the list: ask for enough to fill it
            stored = self.store.find_obligations(
                states=OPEN,
                due_before=before,
                limit=None if limit is None else limit + len(overlay),
                exclude_kinds=("prohibition",),
            )
        return _merged(
            stored,
            overlay,
            keep=lambda o: o.state in OPEN and o.due_at < before and o.kind != "prohibition",
            limit=limit,
        )

    def views(
        self,
        *,
        now: datetime,
        agreement_id: str | None = None,
        due_within: int | None = None,
        overdue: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The ``wsr obligations --json`` listing (:meth:`Obligation.to_view` of each):
        what :meth:`obligations` (one agreement or all), :meth:`due_within` or
        :meth:`overdue` find, at most ``limit``, built straight from the rows the store reads.
        """
        now = _aware(now)
        shown = window(now, due_within=due_within, overdue=overdue)
        lo, hi, states, exclude = shown.lo, shown.hi, shown.states, shown.exclude

        def keep(ob: Obligation) -> bool:
            return (
                (agreement_id is None or ob.agreement_id == agreement_id)
                and (states is None or ob.state in states)
                and (lo is None or ob.due_at >= lo)
                and (hi is None or ob.due_at < hi)
                and (exclude is None or ob.kind not in exclude)
            )

        with self.store.read():
            if agreement_id is not None:
                tracked = [self.store.get_agreement(agreement_id)]
            else:
                tracked = self._tracked()
            overlay = _overlay(self._steps(tracked, now, shown_before=hi))
            rows = self.store.find_views(
                now=now,
                agreement_id=agreement_id,
                states=states,
                due_from=lo,
                due_before=hi,
                limit=None if limit is None else limit + len(overlay),
                exclude_kinds=exclude,
            )
        if overlay:
            rows = [r for r in rows if r[1] not in overlay]
            rows += [(o.due_at, o.id, o.to_view(now)) for o in overlay.values() if keep(o)]
            rows.sort(key=lambda r: (r[0], r[1]))
        if limit is not None:
            rows = rows[:limit]
        return [view for _, _, view in rows]


def _overlay(steps: Sequence[AdvanceOutcome]) -> dict[str, Obligation]:
    """id → obligation for everything the time steps create or change."""
    out: dict[str, Obligation] = {}
    for step in steps:
        for ob in step.changed:
            out[ob.id] = ob
        for ob in step.created:
            out[ob.id] = ob
    return out


def _merged(
    stored: Sequence[Obligation],
    overlay: Mapping[str, Obligation],
    *,
    keep: Callable[[Obligation], bool],
    limit: int | None = None,
) -> list[Obligation]:
    """The stored rows of a query with the time step laid over them: a row the step changed
    is replaced (kept only if it still matches), a row it creates is added if it matches."""
    if not overlay:
        return list(stored) if limit is None else list(stored[:limit])
    found = {o.id: o for o in stored if o.id not in overlay}
    for ob in overlay.values():
        if keep(ob):
            found[ob.id] = ob
    out = ordered(list(found.values()))
    return out if limit is None else out[:limit]
