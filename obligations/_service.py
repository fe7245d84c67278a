"""The engine service: the one place that reads the store, runs the pure rules and writes back.

Every public method is one unit of work (``store.transaction()``): validation, rules, the new
and changed obligations and their audit entries are written together or not at all, so a bad
event or a formula error leaves the store exactly as it was. Time is a value (``now``): the CLI
passes ``--now``/``WSR_NOW`` or the clock, tests pass fixed instants, and nothing here reads
the system clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clauses import Agreement, Conflict, InputError, NotFound

from ._bulk import gc_paused
from ._calendar import local_date
from ._compile import compile_instances, horizon, pending_periods, period_instances, subjects
from ._context import AgreementContext, initial_term_end, term_variable
from ._decisions import agreement_status, confirm_breach, fulfil, waive
from ._enums import OPEN, AgreementStatus, LegalState
from ._events import not_after_now, parse_on, parse_when, shown_on, validate_event
from ._ledgers import with_evidence
from ._lifecycle import birth, move
from ._model import AuditEntry, Event, Obligation, TrackedAgreement
from ._payroll import import_fields
from ._payroll_csv import PayrollFile
from ._rules import apply_event
from .abc import ObligationStore

_TICK = timedelta(microseconds=1)

#: events a monitoring body declares once about a supplier; they apply to every buyer's agreement
DETERMINATIONS: tuple[str, ...] = ("supplier_suspended", "supplier_reinstated")

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


def _aware(now: datetime, path: str = "now") -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError.single(path, f"{now.isoformat()} has no UTC offset")
    return now


def _termination_day(tracked: TrackedAgreement) -> date:
    """The day a terminated agreement ended.

    ``terminate`` always sets ``terminated_on`` (and migration 0002 copied it from the audit log
    for agreements ended before it existed); the term end is only a guard for a row without it.
    """
    return tracked.term_end if tracked.terminated_on is None else tracked.terminated_on


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

    def open(self, *, subject: str | None = None) -> list[Obligation]:
        return self.store.find_obligations(
            agreement_id=self.agreement_id, subject=subject, states=OPEN
        )


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


class ObligationService:
    """Track agreements, record events and decisions, and answer what is due."""

    def __init__(self, store: ObligationStore, *, actor: str = "cli") -> None:
        self.store = store
        self.actor = actor
        self._records: dict[str, Agreement] = {}

    # -- helpers -----------------------------------------------------------------------------
    def _record(self, tracked: TrackedAgreement) -> Agreement:
        record = self._records.get(tracked.id)
        if record is None:
            record = Agreement.from_json(tracked.record_json)
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

    def _status(self, tracked: TrackedAgreement, now: datetime) -> TrackedAgreement:
        """The agreement with its status and term end as of ``now`` (renewals rolled over)."""
        record = self._record(tracked)
        status, term_end = agreement_status(
            current=tracked.status,
            effective_date=tracked.effective_date,
            term_end=tracked.term_end,
            today=local_date(now, tracked.timezone),
            auto_renew=bool(term_variable(record, "auto_renew", False)),
            renewal_term_months=int(term_variable(record, "renewal_term_months", 0) or 0),
        )
        return attrs.evolve(tracked, status=status, term_end=term_end)

    def _refresh(self, tracked: TrackedAgreement, now: datetime) -> TrackedAgreement:
        """Bring status up to date and materialise recurrences up to the horizon (idempotent)."""
        fresh = self._status(tracked, now)
        if fresh != tracked:
            self.store.update_agreement(fresh)
            self.store.append_audit(
                [
                    self._entry(
                        tracked.id,
                        "agreement_status",
                        at=now,
                        reason=f"{tracked.status.value} → {fresh.status.value}",
                        before=tracked.view(),
                        after=fresh.view(),
                    )
                ]
            )
        if fresh.status is AgreementStatus.TERMINATED:
            return fresh  # nothing new falls due under an agreement that has been ended
        ctx = self._context(fresh)
        through = horizon(ctx, now)
        new: list[Obligation] = []
        for spec in ctx.specs:
            if spec.trigger.get("on") != "recurrence":
                continue
            wanted = set(subjects(ctx, spec))
            for period, due in reversed(list(pending_periods(ctx, spec, through=through))):
                have = {
                    o.subject
                    for o in self.store.find_obligations(
                        agreement_id=ctx.id, spec_id=spec.id, key=period[0].isoformat()
                    )
                }
                missing = frozenset(wanted - have)
                if missing:
                    new.extend(period_instances(ctx, spec, period, due, at=now, only=missing))
                if have:
                    break  # everything before an existing period was materialised with it
        if new:
            self._add(new, at=now, reason="recurring instances up to the horizon")
        if fresh.status is AgreementStatus.EXPIRED:
            self._close_ended(fresh, now)
        return fresh

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

    def _obligation(self, obligation_id: str) -> Obligation:
        return self.store.get_obligation(obligation_id)

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
            day = _termination_day(tracked)
            return day, f"agreement {tracked.id} was terminated on {day.isoformat()}"
        if tracked.status is AgreementStatus.EXPIRED:
            return tracked.term_end, f"agreement {tracked.id} expired on {tracked.term_end}"
        return None

    def _close_ended(self, tracked: TrackedAgreement, now: datetime) -> list[Obligation]:
        """Close what an ended agreement leaves open (idempotent; surviving duties stay).

        What had accrued by the agreement's last day stays open to be performed — the term
        clause says an ending does not affect accrued obligations, such as a premium earned on
        purchases made during the term or the investigation of a complaint already filed (see
        :func:`ends_with_agreement`). The rest is terminated (termination) or discharged (expiry:
        the duty was never going to arise).
        """
        if tracked.status not in (AgreementStatus.TERMINATED, AgreementStatus.EXPIRED):
            return []
        if tracked.status is AgreementStatus.TERMINATED:
            day, why = _termination_day(tracked), tracked.termination_reason
            reason = f"agreement terminated on {day.isoformat()}" + (f": {why}" if why else "")
            action = "terminate"
        else:
            day = tracked.term_end
            reason = f"agreement expired on {day.isoformat()}"
            action = "discharge"
        open_ = [
            o
            for o in self.store.find_obligations(agreement_id=tracked.id, states=OPEN)
            if ends_with_agreement(o, day)
        ]
        closed: list[Obligation] = []
        entries: list[AuditEntry] = []
        for ob in open_:
            # Symboleo: a created instance can only expire (discharged) and a suspended one can
            # only be terminated; everything else takes the agreement's own ending.
            step = action
            if ob.state is LegalState.CREATED:
                step = "expire"
            elif ob.state is LegalState.SUSPENDED:
                step = "terminate"
            after, entry = move(ob, step, at=now, actor=self.actor, reason=reason)
            closed.append(after)
            entries.append(entry)
        if closed:
            self.store.update_obligations(closed)
            self.store.append_audit(entries)
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

    # -- commands ----------------------------------------------------------------------------
    def track(self, agreement: Agreement, *, signed_on: date, now: datetime) -> TrackResult:
        """Register an executed agreement and compile its obligations (Conflict if tracked)."""
        now = _aware(now)
        with self.store.transaction(), gc_paused():  # ~300k short-lived values, no cycles
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
            tracked = self._status(tracked, now)
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
                result = self._apply(
                    tracked,
                    "supplier_suspended",
                    on=signed_on,
                    fields={
                        "supplier": supplier,
                        "reason": f"suspended by the monitor on {day} (recorded on {other}) "
                        "and not reinstated when this agreement was executed",
                    },
                    now=now,
                )
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
            for kind in DETERMINATIONS:
                for ev in self.store.list_events(other.id, type=kind):
                    supplier = ev.payload.get("supplier")
                    if supplier not in covered or ev.occurred_on > tracked.signed_on:
                        continue
                    seen = latest.get(supplier)
                    if seen is None or ev.occurred_at > seen[1].occurred_at:
                        latest[supplier] = (other.id, ev)
        return {s: found for s, found in latest.items() if found[1].type == "supplier_suspended"}

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
        with self.store.transaction():
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
        with self.store.transaction():
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
        self, supplier: str, *, on: date | datetime | str, now: datetime
    ) -> DeterminationScope:
        """The agreements a monitor's determination about ``supplier`` on ``on`` reaches.

        Every tracked agreement covering the supplier and in force on that date: one executed
        later, or terminated or expired before it, is passed by (listed in ``skipped`` with the
        reason). Refused when no tracked agreement covers the supplier at all.
        """
        now = _aware(now)
        with self.store.transaction():
            reached: list[TrackedAgreement] = []
            skipped: list[tuple[str, str]] = []
            covering = 0
            for stored in self.store.list_agreements():
                tracked = self._refresh(stored, now)
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
        if type not in DETERMINATIONS:
            raise InputError.single(
                "type",
                f"{type!r} is not a monitor determination (known: {', '.join(DETERMINATIONS)}); "
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
        with self.store.transaction():
            scope = self.determination_scope(supplier, on=on, now=now)
            if not scope.agreements:
                why = "; ".join(f"{a}: {reason}" for a, reason in scope.skipped)
                raise InputError.single(
                    "on", f"no agreement covering {supplier} is in force on {on} ({why})"
                )
            return [self._apply(t, type, on=on, fields=payload, now=now) for t in scope.agreements]

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
        with self.store.transaction():
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
        with self.store.transaction():
            ob = self._obligation(obligation_id)
            day = self._on(on, self.store.get_agreement(ob.agreement_id), now)
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
        with self.store.transaction():
            ob = self._obligation(obligation_id)
            tracked = self.store.get_agreement(ob.agreement_id)
            day = self._on(on, tracked, now)
            outcome = confirm_breach(
                self._context(tracked), ob, on=day, reason=reason, at=now, actor=self.actor
            )
            if outcome.created:
                self.store.add_obligations(outcome.created)
            self.store.update_obligations(outcome.changed)
            self.store.append_audit(outcome.audit)
            return next(o for o in outcome.changed if o.id == ob.id)

    def waive(self, obligation_id: str, *, reason: str, now: datetime) -> Obligation:
        """Discharge an obligation in effect by waiver, with the reason on the record."""
        now = _aware(now)
        with self.store.transaction():
            ob = self._obligation(obligation_id)
            after, entry = waive(ob, reason=reason, at=now, actor=self.actor)
            self.store.update_obligations([after])
            self.store.append_audit([entry])
            return after

    # -- queries (they also bring recurrences and status up to date) -------------------------
    def agreements(self, *, now: datetime) -> list[TrackedAgreement]:
        """Every tracked agreement with its status as of ``now``."""
        now = _aware(now)
        with self.store.transaction():
            return [self._refresh(t, now) for t in self.store.list_agreements()]

    def obligations(self, *, agreement_id: str | None, now: datetime) -> list[Obligation]:
        """All obligations (of one agreement, or all), ordered by due instant then id."""
        now = _aware(now)
        with self.store.transaction():
            if agreement_id is not None:
                self._refresh(self.store.get_agreement(agreement_id), now)
            else:
                for tracked in self.store.list_agreements():
                    self._refresh(tracked, now)
            return self.store.find_obligations(agreement_id=agreement_id)

    def due_within(self, *, now: datetime, days: int = 7) -> list[Obligation]:
        """Open obligations not yet overdue whose due day ends within ``days`` days of now."""
        now = _aware(now)
        if days < 0:
            raise InputError.single("due_within", "must not be negative")
        with self.store.transaction():
            for tracked in self.store.list_agreements():
                self._refresh(tracked, now)
            return self.store.find_obligations(
                states=OPEN, due_from=now + _TICK, due_before=now + timedelta(days=days) + _TICK
            )

    def overdue(self, *, now: datetime, limit: int | None = None) -> list[Obligation]:
        """Open obligations whose due day has ended, oldest first (prohibitions in force are
        not overdue: see :meth:`Obligation.timing`)."""
        now = _aware(now)
        with self.store.transaction():
            for tracked in self.store.list_agreements():
                self._refresh(tracked, now)
            return self.store.find_obligations(
                states=OPEN, due_before=now + _TICK, limit=limit, exclude_kinds=("prohibition",)
            )
