"""The registered rules but ``settled_by`` (which owns the payment arithmetic in ``_rules``).

One class per spec keyword; each acts only on what its keyword declares (see ``_rulebase``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from clauses import BoundSpec, Conflict
from clauses._formula import evaluate
from clauses._schema import EndOutcome, EndsOn, PowerSpec

from ._calendar import end_of_local_day, period_of
from ._compile import new_instance
from ._context import AgreementContext
from ._enums import FINAL, AuditAction, Flag, LegalState
from ._ledgers import Accrual, BreachEvidence, accrual, with_accrual, with_breach_evidence
from ._lifecycle import annotate
from ._model import Money, Obligation, payload_to_json
from ._outcome import Work
from ._rulebase import (
    ACTS_ON_NONE,
    TICK,
    EventStep,
    Rule,
    concerned,
    describe,
    last_day,
    matches,
    register,
    what,
)
from ._units import convert

BREACH = Flag.BREACH_SUSPECTED.value
KPI_MISSED = Flag.KPI_MISSED.value


def _formula_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Event fields as formula values (Money → its Decimal value)."""
    return {k: (v.value if isinstance(v, Money) else v) for k, v in payload.items()}


def _amount(
    ctx: AgreementContext, spec: BoundSpec, fields: dict[str, Any]
) -> tuple[Money | None, Decimal | None]:
    if spec.amount_formula is None:
        return None, None
    exact = evaluate(spec.amount_formula, ctx.formula_env(spec, fields), clause_id=spec.clause_id)
    return Money(value=exact, currency=ctx.currency), exact


#: event fields a breach record does not repeat (the subject) or keeps in their own slots
_KEPT_APART = frozenset({"supplier", "quantity", "unit"})


def _same(ob: Obligation, names: list[str], payload: Mapping[str, Any]) -> bool:
    """Whether the event agrees with the one that created ``ob`` on every ``same`` field
    both carry."""
    theirs = payload_to_json({n: payload[n] for n in names if payload.get(n) is not None})
    mine = ob.data.get("trigger_fields", {})
    return all(mine[n] == v for n, v in theirs.items() if mine.get(n) is not None)


# -- violated_by --------------------------------------------------------------------------------


@register
class ViolatedByRule(Rule):
    """``violated_by``: a matching event raises ``breach_suspected`` on the instances it
    concerns — never ``violated``, which only a person's confirmation makes. ``after: due``
    spares events on or before the due date (a purchase within the cut-off period); a watch
    with a last day is not broken by what happens after it."""

    keyword = "violated_by"
    order = 10

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        event = step.event
        for how in spec.violated_by:
            if how.event != event.type:
                continue
            for ob in concerned(spec, how.match, step, where=how.where):
                if not _same(ob, how.same, event.payload):
                    continue
                end = last_day(ob)
                if how.after == "due" and event.occurred_on <= ob.due:
                    step.work.messages.append(
                        f"{what(event)} is on or before {ob.due.isoformat()}, when "
                        f"{describe(ob)} takes effect: allowed"
                    )
                    continue
                if end is not None and event.occurred_on > end:
                    continue
                payload = event.payload
                others = {k: v for k, v in payload.items() if k not in _KEPT_APART}
                unit = payload.get("unit")
                data = with_breach_evidence(
                    ob.data,
                    BreachEvidence(
                        event=event.id,
                        on=event.occurred_on,
                        quantity=payload.get("quantity"),
                        unit=None if unit is None else str(unit),
                        fields=payload_to_json(others),
                    ),
                )
                since = "" if how.after != "due" else f", after {ob.due.isoformat()}"
                reason = f"{what(event)}{since}"
                after = annotate(ob, at=step.work.at, flags=ob.flags | {BREACH}, data=data)
                step.work.update(ob, after, action=AuditAction.BREACH_SUSPECTED, reason=reason)
                step.work.messages.append(f"breach suspected: {describe(ob)} — {reason}")


# -- ends_on ------------------------------------------------------------------------------------


def _end(ob: Obligation, how: EndsOn, work: Work, *, day: Any, why: str, overdue: bool) -> None:
    """Close (or keep open) ``ob`` as the ending ``how`` declares."""
    suspected = BREACH in ob.flags
    outcome = how.if_suspected if suspected else how.if_overdue if overdue else how.outcome
    if outcome is EndOutcome.OPEN:
        work.messages.append(
            f"{describe(ob)} stays open: {why}, but it was due {ob.due.isoformat()} and is "
            "still owed"
        )
        return
    if outcome is EndOutcome.DISCHARGED:
        reason = f"{why}; breach pending confirmation" if suspected else f"{why}: the duty ended"
        work.move(ob, "discharge", reason=reason)
        work.messages.append(f"discharged {describe(ob)}: {reason}")
        return
    reason = f"{why}: complied throughout"
    work.move(ob, "fulfil", reason=reason, changes={"fulfilled_on": day})
    work.messages.append(f"fulfilled {describe(ob)}: {reason}")


@register
class EndsOnRule(Rule):
    """``ends_on``: an event (``event``) or the last day in force passing (``time: end``)
    ends open instances — ``outcome`` when all is well, ``if_suspected`` when a breach is
    suspected (discharged, the suspicion kept for a person), ``if_overdue`` when an action or
    payment was already overdue (left open by default: what was owed is still owed)."""

    keyword = "ends_on"
    order = 30

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        event = step.event
        for how in spec.ends_on:
            if how.event != event.type:
                continue
            for ob in concerned(spec, how.match, step, where=how.where):
                overdue = ob.kind != "prohibition" and event.occurred_on > ob.due
                why = f"{event.type} on {event.occurred_on.isoformat()}"
                if BREACH in ob.flags:
                    why = event.type.replace("_", " ")
                _end(ob, how, step.work, day=event.occurred_on, why=why, overdue=overdue)

    timed = True
    time_states = frozenset({LegalState.IN_EFFECT})

    def acts_before(self, ctx: AgreementContext, spec: BoundSpec, now: datetime) -> datetime | None:
        # a watch's last day is its period's end, not its due day: no bound on due_at
        return None if any(how.time == "end" for how in spec.ends_on) else ACTS_ON_NONE

    def on_time(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        work: Work,
        now: datetime,
        open_: Sequence[Obligation],
    ) -> None:
        for how in spec.ends_on:
            if how.time != "end":
                continue
            for ob in map(work.current, open_):
                end = last_day(ob)
                if ob.state is not LegalState.IN_EFFECT or end is None:
                    continue
                if now < end_of_local_day(end, ctx.tz):
                    continue
                why = f"the watch ended on {end.isoformat()}"
                _end(ob, how, work, day=end, why=why, overdue=False)

    def wakes_at(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        open_: Sequence[Obligation],
        now: datetime,
    ) -> datetime | None:
        # the end of each watch's last day (``open_`` is every open instance: no bound)
        if not any(how.time == "end" for how in spec.ends_on):
            return None
        wake: datetime | None = None
        for ob in open_:
            end = last_day(ob)
            if ob.state is not LegalState.IN_EFFECT or end is None:
                continue
            at = end_of_local_day(end, ctx.tz)
            if at <= now:
                return now
            wake = at if wake is None else min(wake, at)
        return wake


# -- accrue -------------------------------------------------------------------------------------


@register
class AccrueRule(Rule):
    """``accrue``: each trigger event adds its quantity (converted exactly into the clause's
    unit) to its subject's instance for the period it falls in; one instance per subject and
    period, created by the first event. A period already settled owes the extra amount anew."""

    keyword = "accrue"
    order = 40

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        acc, event, ctx, work = spec.accrue, step.event, step.ctx, step.work
        if acc is None or spec.trigger.event != event.type:
            return
        if not matches(spec.trigger.where, step.env):
            return
        supplier = event.payload.get("supplier")
        subject = supplier if spec.subject == "supplier" and isinstance(supplier, str) else None
        period = period_of(event.occurred_on, ctx.period_name(spec, acc.per))
        recorded: Decimal = event.payload[acc.quantity]
        quantity = recorded
        unit = None if acc.unit_field is None else str(event.payload[acc.unit_field])
        if acc.unit is not None and unit is not None:
            quantity = convert(recorded, unit, acc.unit, path=acc.unit_field or "unit")
        fields = {**_formula_fields(dict(event.payload)), "quantity": quantity}
        _, increment = _amount(ctx, spec, fields)
        key = period[0].isoformat()
        existing = work.by_key(spec.id, subject, key)
        if existing is not None and existing.state in FINAL:
            key = f"{key}+{event.id}"  # the period was settled: the extra amount is owed anew
            work.messages.append(
                f"{describe(existing)} for the period from {period[0].isoformat()} is already "
                f"{existing.state.value}; the additional amount is a separate obligation"
            )
            existing = None
        source = f" from {supplier}" if isinstance(supplier, str) else ""
        reason = (
            f"{event.type.split('_')[0]} of {recorded}{f' {unit}' if unit else ''}{source} on "
            f"{event.occurred_on.isoformat()}"
        )
        if existing is None:
            first = Accrual(
                quantity=quantity, purchases=1, events=(str(event.id),), amount_exact=increment
            )
            data: dict[str, Any] = with_accrual({}, first)
            ob = new_instance(
                ctx,
                spec,
                subject=subject,
                key=key,
                due=ctx.due(spec, period[1]),
                at=work.at,
                period=period,
                amount=None if increment is None else Money(value=increment, currency=ctx.currency),
                trigger_event_id=event.id,
                data=data,
            )
            ob = work.create(ob, reason)
        else:
            so_far = accrual(existing)
            if event.id in so_far.events:
                return  # already counted
            now_accrued = so_far.plus(event=str(event.id), quantity=quantity, increment=increment)
            data = with_accrual(existing.data, now_accrued)
            amount = existing.amount
            if increment is not None and now_accrued.amount_exact is not None:
                amount = Money(value=now_accrued.amount_exact, currency=ctx.currency)
            ob = annotate(existing, at=work.at, amount=amount, data=data)
            work.update(existing, ob, action=AuditAction.ACCRUED, reason=reason)
        money = "" if ob.amount is None else f" now {ob.amount}"
        work.messages.append(
            f"{describe(ob)} for the period {period[0].isoformat()}–{period[1].isoformat()}"
            f"{money}, due {ob.due.isoformat()}"
        )


# -- trigger ------------------------------------------------------------------------------------


@register
class TriggerRule(Rule):
    """An event trigger (without ``accrue``): each matching event creates one instance, its
    deadline anchored on the event's local date; a prohibition with ``ends`` is in force from
    its due date to its last day (the instance's period)."""

    keyword = "trigger"
    order = 50

    def declared(self, spec: BoundSpec) -> bool:
        return spec.trigger.on == "event" and spec.accrue is None

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        event, ctx, work, env = step.event, step.ctx, step.work, step.env
        if spec.trigger.event != event.type or not matches(spec.trigger.where, env):
            return
        subject: str | None = None
        if spec.subject == "supplier":
            subject = env.get("supplier") if isinstance(env.get("supplier"), str) else None
        amount, exact = _amount(ctx, spec, _formula_fields(dict(event.payload)))
        due = ctx.due(spec, event.occurred_on)
        end = ctx.ends(spec, event.occurred_on)
        data: dict[str, Any] = {"event": event.type}
        if exact is not None:
            data["amount_exact"] = str(exact)
        shared = {f for v in spec.violated_by for f in v.same if f in event.payload}
        if shared:  # what a later event must agree with (violated_by: same)
            data["trigger_fields"] = payload_to_json({f: event.payload[f] for f in shared})
        if "source_obligation" in env:
            data["source_obligation"] = env["source_obligation"]
        ob = new_instance(
            ctx,
            spec,
            subject=subject,
            key=str(event.id),
            due=due,
            at=work.at,
            period=None if end is None else (due, end),
            amount=amount,
            trigger_event_id=event.id,
            data=data,
        )
        if work.get(ob.id) is not None:
            return  # the same event applied twice creates nothing new
        work.create(ob, f"{event.type} on {event.occurred_on.isoformat()}")
        name = f"{spec.id}" + (f" for {subject}" if subject else "")
        money = f" of {amount}" if amount is not None else ""
        kpi = " (KPI target, not a contractual deadline)" if spec.kpi else ""
        until = f", in force until {end.isoformat()}" if end is not None else ""
        when = "in force from" if spec.kind == "prohibition" else "due"
        work.messages.append(f"created {name}{money}, {when} {due.isoformat()}{until}{kpi}")


# -- kpi ----------------------------------------------------------------------------------------


@register
class KpiRule(Rule):
    """``kpi: true``: a performance target. Its date passing unmet flags ``kpi_missed``; it is
    never suspected or confirmed in breach."""

    keyword = "kpi"
    order = 60

    timed = True
    time_states = frozenset({LegalState.IN_EFFECT})
    time_skips = frozenset({KPI_MISSED})

    def acts_before(self, ctx: AgreementContext, spec: BoundSpec, now: datetime) -> datetime | None:
        return now + TICK  # a target is missed once its due instant has passed

    def on_time(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        work: Work,
        now: datetime,
        open_: Sequence[Obligation],
    ) -> None:
        for ob in map(work.current, open_):
            if ob.state is not LegalState.IN_EFFECT:
                continue
            if now < ob.due_at or KPI_MISSED in ob.flags:
                continue
            after = annotate(ob, at=now, flags=ob.flags | {KPI_MISSED})
            reason = f"target date {ob.due.isoformat()} passed unmet (a KPI, not a breach)"
            work.update(ob, after, action=AuditAction.KPI_MISSED, reason=reason)
            work.messages.append(f"KPI missed: {describe(ob)} — {reason}")

    def wakes_at(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        open_: Sequence[Obligation],
        now: datetime,
    ) -> datetime | None:
        # a target is missed at its due instant: the earliest one still unmet
        due = [
            ob.due_at
            for ob in open_
            if ob.state is LegalState.IN_EFFECT and KPI_MISSED not in ob.flags
        ]
        return max(now, min(due)) if due else None

    def on_confirm(self, spec: BoundSpec, ob: Obligation) -> None:
        raise Conflict(
            ob.id,
            f"{ob.id} ({spec.id}) is a KPI: a performance target, never a breach, so it cannot "
            "be confirmed in breach (a missed target is flagged kpi_missed)",
        )


# -- powers -------------------------------------------------------------------------------------


def _names_spec(power: PowerSpec, spec_id: str) -> bool:
    local = spec_id.split(".", 1)[-1]
    return power.trigger in (f"violation:{spec_id}", f"violation:{local}")


@register
class PowersRule(Rule):
    """``powers``: the rights a confirmed breach of a spec (``violation:<spec>``) or an event
    (its type) makes available to their holder."""

    keyword = "powers"
    order = 70

    def declared(self, spec: BoundSpec) -> bool:
        return False  # powers belong to the clause, not to one spec

    @staticmethod
    def on_violation(ctx: AgreementContext, ob: Obligation) -> list[PowerSpec]:
        """The powers a confirmed breach of ``ob`` makes available (same clause)."""
        section = next((s for s in ctx.agreement.sections if s.clause_id == ob.clause_id), None)
        if section is None:
            return []
        if "cure_of" in ob.data:  # an uncured breach: the powers its spec's `cure` names
            named = set(ob.data.get("powers", []))
            return [p for p in section.powers if p.id in named]
        return [p for p in section.powers if _names_spec(p, ob.spec_id)]

    def on_agreement_event(self, step: EventStep) -> None:
        for p in step.ctx.powers():
            if p.trigger == step.event.type:
                step.work.messages.append(
                    f"power available to {p.holder}: {p.title} ({p.action.value} against "
                    f"{p.against})"
                )
