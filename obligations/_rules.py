"""What an event, or time passing, does to an agreement's obligations: ``apply_event`` and
``on_time`` → Outcome, by walking the rule registry (``_rulebase.RULES``).

Every consequence is declared in the clause's spec and carried out by the one rule that
implements its keyword — never by a test on a clause id or an event name:

- ``trigger`` (an event trigger): a matching event creates an instance, its deadline anchored on
  the event's local date, its amount computed by the clause's formula (for a prohibition with
  ``ends``, its window in force is the instance's period);
- ``accrue``: the trigger event's quantities add up into one instance per subject and period,
  converted exactly into the clause's unit;
- ``settled_by``: a payment credited to the instance it names (partial, full, late), a payroll
  credited to the subject's earliest open instance (shortfall), an event that fulfils;
- ``ends_on``: an event (or, in ``on_time``, the watch's end passing) closes instances as the
  spec says — fulfilled, discharged (a suspicion kept for a person), or left open when overdue;
- ``violated_by``: a matching event raises ``breach_suspected`` (never ``violated``: a person
  confirms breaches);
- ``kpi``: a target whose date passed unmet is flagged ``kpi_missed``, never a breach;
- ``powers``: what a confirmed breach or an event makes available.

Rules read obligations through a :class:`Lookup` and never write; the service stores the
Outcome in one transaction. The payment and payroll arithmetic lives at the bottom of this
module (``_apply_payment``, ``_apply_payroll``); the other rules live in ``_rulebook``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from clauses import BoundSpec, InputError
from clauses._schema import Match, SettleBy
from clauses._vocabulary import EVENTS, FieldType

from ._context import AgreementContext
from ._enums import AuditAction, Flag, LegalState
from ._escalation import EscalationRule
from ._ledgers import (
    Payment,
    PayrollRun,
    premium_passed,
    with_payment,
    with_payroll,
    with_premium_passed,
)
from ._lifecycle import annotate
from ._model import Event, Money, Obligation, quantize
from ._outcome import ListLookup, Lookup, Outcome, Work
from ._payroll import apply_payroll_lines
from ._rulebase import ACTS_ON_NONE, RULES, EventStep, Rule, concerned, describe, register
from ._rulebook import AccrueRule, EndsOnRule, KpiRule, PowersRule, TriggerRule, ViolatedByRule

BREACH = Flag.BREACH_SUSPECTED.value
LATE = Flag.LATE.value
PARTIAL = Flag.PARTIALLY_PAID.value
SHORTFALL = Flag.PASS_THROUGH_SHORTFALL.value

__all__ = ["ListLookup", "Lookup", "Outcome", "apply_event", "on_time"]


def _money(value: Decimal, currency: str) -> str:
    return f"{quantize(value, currency)} {currency}"


_describe = describe  # the payment and payroll arithmetic below keeps its own name for it


# -- the entry points ---------------------------------------------------------------------------


def on_time(
    ctx: AgreementContext, lookup: Lookup, *, now: datetime, actor: str = "sweep"
) -> Outcome:
    """What the passing of time alone does to the agreement's open obligations at ``now``.

    The time-driven half of the declared semantics — a watch whose last day has passed closes
    (``ends_on: time: end``), a KPI whose date has passed unmet is flagged ``kpi_missed`` —
    called by the pure ``advance`` step that ``wsr sweep`` applies and every read computes in
    memory. Pure, like ``apply_event``: it reads through ``lookup`` and returns an Outcome;
    nothing is written here. Idempotent: what it did at ``now`` it does not do again.
    """
    work = Work(lookup, at=now, actor=actor)
    timed = [
        (spec, rule)
        for spec in ctx.specs
        for rule in RULES.values()
        if rule.timed and rule.declared(spec)
    ]
    if not timed:
        return work.outcome()  # nothing in this agreement changes with time alone
    # each spec's open instances due before the latest bound of its rules, one question per
    # distinct bound (usually one or two per agreement; see Rule.acts_before)
    # a spec's rules together may act on the union of what each may act on
    scopes: dict[str, tuple[datetime | None, frozenset[LegalState] | None, frozenset[str]]] = {}
    for spec, rule in timed:
        bound = rule.acts_before(ctx, spec, now)
        if bound == ACTS_ON_NONE:
            continue
        states, skips = rule.time_states, rule.time_skips
        if spec.id in scopes:
            was_bound, was_states, was_skips = scopes[spec.id]
            bound = None if bound is None or was_bound is None else max(bound, was_bound)
            states = None if states is None or was_states is None else states | was_states
            skips = skips & was_skips
        scopes[spec.id] = (bound, states, skips)
    asks: dict[tuple[datetime | None, frozenset[LegalState] | None, frozenset[str]], set[str]]
    asks = defaultdict(set)
    for spec_id, scope in scopes.items():
        asks[scope].add(spec_id)
    by_spec: dict[str, list[Obligation]] = defaultdict(list)
    for (bound, states, skips), spec_ids in asks.items():
        found = lookup.open(spec_ids=spec_ids, due_before=bound, states=states, without_flags=skips)
        for ob in found:
            by_spec[ob.spec_id].append(ob)
    for spec, rule in timed:
        rule.on_time(ctx, spec, work, now, by_spec.get(spec.id, []))
    return work.outcome()


def apply_event(
    ctx: AgreementContext, event: Event, lookup: Lookup, *, actor: str = "cli"
) -> Outcome:
    """Everything ``event`` does to the agreement's obligations (nothing is written here)."""
    if event.id is None:
        raise ValueError("apply_event needs a stored event (with its id)")
    step = EventStep(
        ctx=ctx,
        event=event,
        work=Work(lookup, at=event.recorded_at, actor=actor),
        env=dict(event.payload),
    )
    for rule in RULES.values():
        for spec in ctx.specs:
            if rule.declared(spec):
                rule.on_event(spec, step)
        rule.on_agreement_event(step)
    _unclaimed(step)
    return step.work.outcome()


def _unclaimed(step: EventStep) -> None:
    """An event that names an obligation must have been taken by one of its settlements."""
    etype = EVENTS.get(step.event.type)
    if etype is None:
        return
    for name, field in etype.fields.items():
        if field.type is not FieldType.OBLIGATION or name not in step.event.payload:
            continue
        target_id = str(step.event.payload[name])
        if target_id in step.settled:
            continue
        target = step.work.get(target_id)
        if target is None:  # validated before; kept for callers that skip validation
            raise InputError.single(name, f"no obligation {target_id!r} in agreement {step.ctx.id}")
        raise InputError.single(
            name,
            f"{target_id} ({target.spec_id}) is not a payment obligation with an amount: its "
            f"spec declares no `settled_by` {step.event.type}",
        )


def _of_spec(spec_id: str) -> Callable[[Obligation], bool]:
    return lambda ob: ob.spec_id == spec_id


# -- settled_by ---------------------------------------------------------------------------------


@register
class SettledByRule(Rule):
    """``settled_by``: how an instance is performed — a payment against the instance the event
    names, a payroll for its subject, an event that fulfils it, or (``evidence``) a person's
    record of performance, which ``wsr fulfil`` accepts only where declared."""

    keyword = "settled_by"
    order = 20

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        for how in spec.settled_by:
            if how.event != step.event.type:
                continue
            if how.by is SettleBy.PAYMENT:
                target = step.work.get(str(step.event.payload.get("obligation")))
                if target is None or target.spec_id != spec.id:
                    continue
                step.env.update(_apply_payment(step.ctx, step.event, step.work, target))
                step.settled.add(target.id)
            elif how.by is SettleBy.PAYROLL:
                _apply_payroll(step.ctx, step.event, step.work, _of_spec(spec.id))
            elif how.by is SettleBy.EVENT:
                for ob in concerned(spec, how.match or Match.SUBJECT, step, where=how.where):
                    self._fulfil(ob, step)

    @staticmethod
    def _fulfil(ob: Obligation, step: EventStep) -> None:
        day = step.event.occurred_on
        late = day > ob.due
        data = dict(ob.data)
        if late:
            data["days_late"] = (day - ob.due).days
        reason = f"{step.event.type} on {day.isoformat()}"
        step.work.move(
            ob,
            "fulfil",
            reason=reason,
            changes={
                "fulfilled_on": day,
                "late": late,
                "flags": ob.flags | {LATE} if late else ob.flags,
                "data": data,
            },
        )
        step.work.messages.append(
            f"fulfilled {describe(ob)}: {reason}"
            + (f", late (due {ob.due.isoformat()})" if late else "")
        )


#: every registered rule (the registry is ``_rulebase.RULES``, keyed by keyword)
RULE_CLASSES: tuple[type[Rule], ...] = (
    ViolatedByRule,
    SettledByRule,
    EndsOnRule,
    AccrueRule,
    TriggerRule,
    KpiRule,
    PowersRule,
    EscalationRule,  # issue 10 (obligations._escalation)
)


# -- payments and payroll -----------------------------------------------------------------------


def _apply_payment(
    ctx: AgreementContext, event: Event, work: Work, target: Obligation
) -> dict[str, Any]:
    """Credit a payment to a payment obligation: full (maybe late) or partial."""
    target_id = target.id
    if target.amount is None:
        raise InputError.single(
            "obligation",
            f"{target_id} ({target.spec_id}) is not a payment obligation with an amount",
        )
    if target.state is not LegalState.IN_EFFECT:
        raise InputError.single(
            "obligation",
            f"{target_id} is {target.state.value}; a payment can only be credited to an "
            "obligation in effect",
        )
    amount: Money = event.payload["amount"]
    paid = target.paid + amount.value
    data = with_payment(
        target.data, Payment(event=event.id, on=event.occurred_on, amount=amount.value)
    )
    cur = target.amount.currency
    reason = f"payment of {amount} on {event.occurred_on.isoformat()}"
    if paid >= target.amount.value:
        late = event.occurred_on > target.due
        flags = set(target.flags) - {PARTIAL}
        if late:
            flags.add(LATE)
            data["days_late"] = (event.occurred_on - target.due).days
        if paid > target.amount.value:
            data["overpaid"] = str(paid - target.amount.value)
        work.move(
            target,
            "fulfil",
            reason=reason,
            changes={
                "paid": paid,
                "flags": frozenset(flags),
                "late": late,
                "fulfilled_on": event.occurred_on,
                "data": data,
            },
        )
        msg = f"{_describe(target)}: {_money(paid, cur)} paid; fulfilled"
        if late:
            msg += f", late by {data['days_late']} days (due {target.due.isoformat()})"
        work.messages.append(msg)
    else:
        after = annotate(target, at=work.at, paid=paid, flags=target.flags | {PARTIAL}, data=data)
        work.update(target, after, action=AuditAction.PAYMENT_RECORDED, reason=reason)
        remains = target.amount.value - paid
        work.messages.append(
            f"{_money(paid, cur)} paid; {_money(remains, cur)} remains open "
            f"({_describe(target)}, due {target.due.isoformat()})"
        )
    return {
        "spec": target.spec_id,
        "clause": target.clause_id,
        "supplier": target.subject,
        "source_obligation": target.id,
    }


def _apply_payroll(
    ctx: AgreementContext, event: Event, work: Work, settles: Callable[[Obligation], bool]
) -> None:
    """Payroll premium lines against the supplier's earliest open pass-through (an instance
    ``settles`` accepts: one whose spec is ``settled_by: payroll``).

    A payroll that carries its lines worker by worker (``wsr payroll import``) is checked
    against the clause's division rule instead: :func:`obligations._payroll.apply_payroll_lines`.
    """
    if event.payload.get("lines"):
        apply_payroll_lines(ctx, event, work, settles)
        return
    supplier = str(event.payload["supplier"])
    pay_date: date = event.payload["pay_date"]
    paid_now: Money = event.payload["premium_paid"]
    candidates = [
        o
        for o in work.open(subject=supplier)
        if settles(o) and o.amount is not None and o.state is LegalState.IN_EFFECT
    ]
    if not candidates:
        work.messages.append(
            f"no open pass-through obligation for {supplier}; payroll recorded only"
        )
        return
    ob = candidates[0]
    assert ob.amount is not None
    cur = ob.amount.currency
    total = premium_passed(ob) + paid_now.value
    per_worker = event.payload.get("per_worker")
    run = PayrollRun(
        event=event.id,
        pay_date=pay_date,
        premium_paid=paid_now.value,
        workers=event.payload.get("workers"),
        per_worker=per_worker.value if isinstance(per_worker, Money) else None,
    )
    data = with_payroll(with_premium_passed(ob.data, total), run)
    reason = f"payroll of {pay_date.isoformat()} with {paid_now} of premium"
    if total >= ob.amount.value:
        late = pay_date > ob.due
        flags = set(ob.flags) - {SHORTFALL}
        if late:
            flags.add(LATE)
            data["days_late"] = (pay_date - ob.due).days
        data.pop("shortfall", None)
        work.move(
            ob,
            "fulfil",
            reason=reason,
            changes={
                "paid": total,
                "flags": frozenset(flags),
                "late": late,
                "fulfilled_on": pay_date,
                "data": data,
            },
        )
        work.messages.append(
            f"{_describe(ob)}: {_money(total, cur)} passed through on the payroll; fulfilled"
            + (" (late)" if late else "")
        )
    else:
        shortfall = ob.amount.value - total
        data["shortfall"] = str(quantize(shortfall, cur))
        after = annotate(ob, at=work.at, paid=total, flags=ob.flags | {SHORTFALL}, data=data)
        work.update(ob, after, action=AuditAction.PASS_THROUGH_SHORTFALL, reason=reason)
        work.messages.append(
            f"pass-through shortfall for {supplier}: {ob.amount} due, {_money(total, cur)} on "
            f"the payroll of {pay_date.isoformat()}; {_money(shortfall, cur)} short"
        )
