"""What an event does to an agreement's obligations: pure rules, ``apply_event`` → Outcome.

Most consequences need no code: any spec whose trigger is the event (and whose ``where``
filter matches) gets a new instance, its deadline anchored on the event's local date and its
amount computed by the clause's formula (``clauses._formula.evaluate``) over the clause
variables and the event's fields. New clauses therefore need no new rules. Hand-written here
are only what a spec cannot say:

- accrual (``accrue: per_period``): purchases add up into one instance per supplier and period;
- the cut-off watch: a purchase from a supplier after its cease-purchases date raises
  ``breach_suspected`` (never ``violated``: a person confirms breaches);
- ``until`` events: reinstatement ends the cease-purchases instances — fulfilled if the buyer
  complied, discharged with the suspicion kept for a person to confirm otherwise;
- payments against a payment obligation (partial, full, late) and payroll against the
  workers' pass-through (shortfall).

Rules read obligations through a :class:`Lookup` and never write; the service stores the
Outcome in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from clauses import BoundSpec, InputError
from clauses._formula import evaluate

from ._calendar import period_of
from ._compile import new_instance
from ._context import AgreementContext
from ._enums import FINAL, Flag, LegalState
from ._ledgers import (
    Accrual,
    BreachEvidence,
    Payment,
    PayrollRun,
    accrual,
    premium_passed,
    with_accrual,
    with_breach_evidence,
    with_payment,
    with_payroll,
    with_premium_passed,
)
from ._lifecycle import annotate
from ._model import Event, Money, Obligation, quantize
from ._outcome import ListLookup, Lookup, Outcome, Work
from ._payroll import apply_payroll_lines
from ._units import convert

BREACH = Flag.BREACH_SUSPECTED.value
LATE = Flag.LATE.value
PARTIAL = Flag.PARTIALLY_PAID.value
SHORTFALL = Flag.PASS_THROUGH_SHORTFALL.value

__all__ = ["ListLookup", "Lookup", "Outcome", "apply_event", "on_time"]


# -- helpers ------------------------------------------------------------------------------------


def _money_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Event fields as formula values (Money → its Decimal value)."""
    return {k: (v.value if isinstance(v, Money) else v) for k, v in payload.items()}


def _amount(
    ctx: AgreementContext, spec: BoundSpec, fields: Mapping[str, Any]
) -> tuple[Money | None, Decimal | None]:
    if spec.amount_formula is None:
        return None, None
    exact = evaluate(spec.amount_formula, ctx.formula_env(spec, fields), clause_id=spec.clause_id)
    return Money(value=exact, currency=ctx.currency), exact


def _matches(where: Mapping[str, Any], env: Mapping[str, Any]) -> bool:
    for key, wanted in where.items():
        have = env.get(key)
        if isinstance(have, Money):
            have = have.value
        options = wanted if isinstance(wanted, list) else [wanted]
        if str(have) not in {str(o) for o in options}:
            return False
    return True


def _money(value: Decimal, currency: str) -> str:
    return f"{quantize(value, currency)} {currency}"


def _describe(ob: Obligation) -> str:
    return f"{ob.spec_id}" + (f" for {ob.subject}" if ob.subject else "")


# -- the rules ----------------------------------------------------------------------------------


def on_time(
    ctx: AgreementContext, lookup: Lookup, *, now: datetime, actor: str = "sweep"
) -> Outcome:
    """What the passing of time alone does to the agreement's open obligations at ``now``.

    The time-driven half of the declared semantics (a watch that ends closes, a KPI whose
    date has passed unmet is flagged ``kpi_missed``, …), called by the pure ``advance`` step
    that ``wsr sweep`` applies and every read computes in memory. Pure, like ``apply_event``:
    it reads through ``lookup`` and returns an Outcome; nothing is written here.
    """
    return Work(lookup, at=now, actor=actor).outcome()


def apply_event(
    ctx: AgreementContext, event: Event, lookup: Lookup, *, actor: str = "cli"
) -> Outcome:
    """Everything ``event`` does to the agreement's obligations (nothing is written here)."""
    if event.id is None:
        raise ValueError("apply_event needs a stored event (with its id)")
    work = Work(lookup, at=event.recorded_at, actor=actor)
    extra: dict[str, Any] = {}
    if event.type == "purchase_recorded":
        _watch_cutoff(ctx, event, work)
        _accrue(ctx, event, work)
    if event.type == "payment_recorded":
        extra = _apply_payment(ctx, event, work)
    if event.type == "payroll_recorded":
        _apply_payroll(ctx, event, work)
    _end_until(ctx, event, work)
    _generic(ctx, event, work, extra)
    return work.outcome()


def _generic(ctx: AgreementContext, event: Event, work: Work, extra: Mapping[str, Any]) -> None:
    """Any event-triggered spec (not accruing) whose ``where`` matches gets an instance."""
    env = {**event.payload, **extra}
    for spec in ctx.event_specs(event.type):
        if spec.trigger.get("accrue") or not _matches(spec.trigger.get("where") or {}, env):
            continue
        subject: str | None = None
        if spec.subject == "supplier":
            subject = env.get("supplier") if isinstance(env.get("supplier"), str) else None
        fields = _money_fields(event.payload)
        if event.type == "purchase_recorded":
            fields["quantity"] = _quantity(ctx, spec, event)
        amount, exact = _amount(ctx, spec, fields)
        due = ctx.due(spec, event.occurred_on)
        data: dict[str, Any] = {"event": event.type}
        if exact is not None:
            data["amount_exact"] = str(exact)
        if "source_obligation" in extra:
            data["source_obligation"] = extra["source_obligation"]
        ob = new_instance(
            ctx,
            spec,
            subject=subject,
            key=str(event.id),
            due=due,
            at=work.at,
            amount=amount,
            trigger_event_id=event.id,
            data=data,
        )
        if work.get(ob.id) is not None:
            continue  # the same event applied twice creates nothing new
        work.create(ob, f"{event.type} on {event.occurred_on.isoformat()}")
        what = f"{spec.id}" + (f" for {subject}" if subject else "")
        money = f" of {amount}" if amount is not None else ""
        kpi = " (KPI target, not a contractual deadline)" if spec.kpi else ""
        work.messages.append(f"created {what}{money}, due {due.isoformat()}{kpi}")


def _quantity(ctx: AgreementContext, spec: BoundSpec, event: Event) -> Decimal:
    """The purchase quantity in the clause's unit (when the clause names one)."""
    quantity: Decimal = event.payload["quantity"]
    unit = ctx.variables(spec.clause_id).get("unit")
    if isinstance(unit, str):
        return convert(quantity, str(event.payload["unit"]), unit, path="unit")
    return quantity


def _accrue(ctx: AgreementContext, event: Event, work: Work) -> None:
    """Add the purchase to its supplier's instance for the period it falls in."""
    supplier = str(event.payload["supplier"])
    for spec in ctx.event_specs("purchase_recorded"):
        if spec.trigger.get("accrue") != "per_period":
            continue
        period = period_of(event.occurred_on, ctx.period_name(spec, "period"))
        quantity = _quantity(ctx, spec, event)
        fields = {**_money_fields(event.payload), "quantity": quantity}
        _, increment = _amount(ctx, spec, fields)
        subject = supplier if spec.subject == "supplier" else None
        key = period[0].isoformat()
        existing = work.by_key(spec.id, subject, key)
        if existing is not None and existing.state in FINAL:
            key = f"{key}+{event.id}"  # the period was settled: the extra amount is owed anew
            work.messages.append(
                f"{_describe(existing)} for the period from {period[0].isoformat()} is already "
                f"{existing.state.value}; the additional amount is a separate obligation"
            )
            existing = None
        reason = (
            f"purchase of {event.payload['quantity']} {event.payload['unit']} from {supplier} "
            f"on {event.occurred_on.isoformat()}"
        )
        if existing is None:
            due = ctx.due(spec, period[1])
            first = Accrual(
                quantity=quantity, purchases=1, events=(str(event.id),), amount_exact=increment
            )
            data: dict[str, Any] = with_accrual({}, first)
            ob = new_instance(
                ctx,
                spec,
                subject=subject,
                key=key,
                due=due,
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
                continue  # already counted
            now_accrued = so_far.plus(event=str(event.id), quantity=quantity, increment=increment)
            data = with_accrual(existing.data, now_accrued)
            amount = existing.amount
            if increment is not None and now_accrued.amount_exact is not None:
                amount = Money(value=now_accrued.amount_exact, currency=ctx.currency)
            ob = annotate(existing, at=work.at, amount=amount, data=data)
            work.update(existing, ob, action="accrued", reason=reason)
        money = "" if ob.amount is None else f" now {ob.amount}"
        work.messages.append(
            f"{_describe(ob)} for the period {period[0].isoformat()}–{period[1].isoformat()}"
            f"{money}, due {ob.due.isoformat()}"
        )


def _is_cutoff(ob: Obligation, ctx: AgreementContext) -> bool:
    spec = ctx.spec(ob.spec_id)
    return (
        spec is not None
        and spec.kind == "prohibition"
        and spec.trigger.get("event") == "supplier_suspended"
    )


def _watch_cutoff(ctx: AgreementContext, event: Event, work: Work) -> None:
    """A purchase after a suspended supplier's cut-off date raises ``breach_suspected``."""
    supplier = str(event.payload["supplier"])
    for ob in work.open(subject=supplier):
        if not _is_cutoff(ob, ctx) or ob.state is not LegalState.IN_EFFECT:
            continue
        if event.occurred_on <= ob.due:
            work.messages.append(
                f"purchase from {supplier} on {event.occurred_on.isoformat()} is on or before "
                f"the cut-off date {ob.due.isoformat()}: allowed"
            )
            continue
        data = with_breach_evidence(
            ob.data,
            BreachEvidence(
                event=event.id,
                on=event.occurred_on,
                quantity=event.payload["quantity"],
                unit=str(event.payload["unit"]),
            ),
        )
        reason = (
            f"purchase of {event.payload['quantity']} {event.payload['unit']} from {supplier} on "
            f"{event.occurred_on.isoformat()}, after the cut-off date {ob.due.isoformat()}"
        )
        after = annotate(ob, at=work.at, flags=ob.flags | {BREACH}, data=data)
        work.update(ob, after, action="breach_suspected", reason=reason)
        work.messages.append(f"breach suspected: {_describe(ob)} — {reason}")


def _end_until(ctx: AgreementContext, event: Event, work: Work) -> None:
    """``until`` events end the instances they bound (e.g. reinstatement ends a cut-off)."""
    supplier = event.payload.get("supplier")
    for spec in ctx.until_specs(event.type):
        for ob in work.open(subject=supplier if isinstance(supplier, str) else None):
            if ob.spec_id != spec.id or ob.state is not LegalState.IN_EFFECT:
                continue
            if BREACH in ob.flags:
                reason = f"{event.type.replace('_', ' ')}; breach pending confirmation"
                if event.type == "supplier_reinstated":
                    reason = "supplier reinstated; breach pending confirmation"
                work.move(ob, "discharge", reason=reason)
                work.messages.append(f"discharged {_describe(ob)}: {reason}")
            else:
                reason = f"{event.type} on {event.occurred_on.isoformat()}: complied throughout"
                work.move(ob, "fulfil", reason=reason, changes={"fulfilled_on": event.occurred_on})
                work.messages.append(f"fulfilled {_describe(ob)}: {reason}")


def _apply_payment(ctx: AgreementContext, event: Event, work: Work) -> dict[str, Any]:
    """Credit a payment to a payment obligation: full (maybe late) or partial."""
    target_id = str(event.payload["obligation"])
    target = work.get(target_id)
    if target is None:  # validated before; kept for callers that skip validation
        raise InputError.single("obligation", f"no obligation {target_id!r} in agreement {ctx.id}")
    if target.kind != "payment" or target.amount is None:
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
        work.update(target, after, action="payment_recorded", reason=reason)
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


def _is_pass_through(ob: Obligation) -> bool:
    return ob.kind == "payment" and ob.beneficiary == "workers" and ob.amount is not None


def _apply_payroll(ctx: AgreementContext, event: Event, work: Work) -> None:
    """Payroll premium lines against the supplier's earliest open pass-through.

    A payroll that carries its lines worker by worker (``wsr payroll import``) is checked
    against the clause's division rule instead: :func:`obligations._payroll.apply_payroll_lines`.
    """
    if event.payload.get("lines"):
        apply_payroll_lines(ctx, event, work)
        return
    supplier = str(event.payload["supplier"])
    pay_date: date = event.payload["pay_date"]
    paid_now: Money = event.payload["premium_paid"]
    candidates = [
        o
        for o in work.open(subject=supplier)
        if _is_pass_through(o) and o.state is LegalState.IN_EFFECT
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
        work.update(ob, after, action="pass_through_shortfall", reason=reason)
        work.messages.append(
            f"pass-through shortfall for {supplier}: {ob.amount} due, {_money(total, cur)} on "
            f"the payroll of {pay_date.isoformat()}; {_money(shortfall, cur)} short"
        )
