"""The premium pass-through checked worker by worker: a supplier's payroll against the clause.

The premium clause says the Workers' Share of each premium payment is paid as a line item on
each Qualifying Worker's pay statement, "divided among the Qualifying Workers who worked during
the Premium Period concerned in proportion to their earnings for that period". This module
takes a supplier's payroll as read by :func:`obligations._payroll_csv.parse_payroll_csv`, works
out what each worker was owed to the cent (:func:`allocate`, :func:`check_payroll`) and applies
the result to the pass-through obligations of that period (:func:`apply_payroll_lines`, the rule
behind a ``payroll_recorded`` event that carries ``lines``). Everything here is pure; the service
stores the event and the outcome.

Rounding rule (the clause's "in proportion" made exact): a worker's part is the Workers' Share
x that worker's earnings / the total earnings of the Qualifying Workers, computed exactly
(as fractions), then rounded DOWN to the currency's minor unit; the minor units left over
(the Workers' Share less the sum of the rounded parts, always fewer than the number of
workers) go one each to the workers whose parts lost the most in rounding, ties broken by
worker reference in ascending order (the largest-remainder or Hamilton method). The parts
therefore always add up to exactly the Workers' Share, and the result does not depend on the
order of the lines. Rounding each part half-even instead could not promise that sum.

Workers are known only by the supplier's reference (a payroll or badge number): the file has
no name column, refuses one, and every message names the reference alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from clauses import InputError, Problem, day_problem

from ._context import AgreementContext
from ._enums import Flag, LegalState
from ._ledgers import (
    PayrollLine,
    PayrollRun,
    payroll_lines,
    with_payroll,
    with_payroll_lines,
    with_premium_passed,
)
from ._lifecycle import annotate
from ._model import Event, Money, Obligation, minor_units, quantize
from ._outcome import Lookup, Work
from ._payroll_csv import PayrollFile

SHORTFALL = Flag.PASS_THROUGH_SHORTFALL.value
LATE = Flag.LATE.value


# -- the rule -----------------------------------------------------------------------------------


def allocate(total: Decimal, weights: Mapping[str, Decimal], currency: str) -> dict[str, Decimal]:
    """``total`` divided in proportion to ``weights`` to the minor unit (see the module doc).

    Workers with zero weight get zero; the parts add up to ``total`` exactly whenever any
    weight is positive (and every part is zero otherwise).
    """
    unit = Fraction(1, 10 ** minor_units(currency))
    whole = Fraction(total)
    weight_sum = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if weight_sum == 0:
        return {ref: Decimal(0) for ref in weights}
    exact = {ref: whole * Fraction(w) / weight_sum for ref, w in weights.items()}
    units = {ref: int(share // unit) for ref, share in exact.items()}
    left = int((whole - sum(units.values()) * unit) / unit)
    by_loss = sorted(exact, key=lambda ref: (-(exact[ref] - units[ref] * unit), ref))
    for ref in by_loss[:left]:
        units[ref] += 1
    scale = Decimal(1).scaleb(-minor_units(currency))
    return {ref: (Decimal(n) * scale).quantize(scale) for ref, n in units.items()}


@attrs.define(frozen=True, kw_only=True)
class WorkerShare:
    """What one Qualifying Worker was owed for the period and what their pay carried."""

    worker_ref: str
    earnings: Decimal
    due: Decimal
    #: the premium on their pay statement(s); None when no statement had a premium line
    paid: Decimal | None

    @property
    def short(self) -> Decimal:
        return max(Decimal(0), self.due - (self.paid or Decimal(0)))

    @property
    def over(self) -> Decimal:
        return max(Decimal(0), (self.paid or Decimal(0)) - self.due)

    def to_json(self) -> dict[str, Any]:
        return {
            "worker_ref": self.worker_ref,
            "earnings": str(self.earnings),
            "due": str(self.due),
            "paid": None if self.paid is None else str(self.paid),
            "short": str(self.short),
        }


@attrs.define(frozen=True, kw_only=True)
class PayrollCheck:
    """A payroll checked against the Workers' Share owed for one supplier and Premium Period."""

    period_start: date
    period_end: date
    owed: Money
    shares: tuple[WorkerShare, ...]
    #: lines for work outside the Premium Period: not Qualifying Workers for it, not counted
    outside: tuple[PayrollLine, ...]

    @property
    def currency(self) -> str:
        return self.owed.currency

    @property
    def paid(self) -> Decimal:
        """The premium paid to the period's Qualifying Workers (what counts towards the share)."""
        return sum((s.paid or Decimal(0) for s in self.shares), Decimal(0))

    @property
    def credited(self) -> Decimal:
        """What of the Workers' Share reached the right workers (no one's excess covers another)."""
        if not self.shares:
            return Decimal(0)
        return sum((min(s.paid or Decimal(0), s.due) for s in self.shares), Decimal(0))

    @property
    def short(self) -> Decimal:
        return self.owed.value - self.credited

    @property
    def short_by_worker(self) -> dict[str, Decimal]:
        return {s.worker_ref: s.short for s in self.shares if s.short > 0}

    @property
    def missing_premium(self) -> tuple[str, ...]:
        """Workers with earnings in the period whose pay carried no premium line at all."""
        return tuple(s.worker_ref for s in self.shares if s.paid is None and s.earnings > 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "owed": self.owed.to_json(),
            "paid": str(self.paid),
            "credited": str(self.credited),
            "short": str(self.short),
            "workers": [s.to_json() for s in self.shares],
            "short_by_worker": {k: str(v) for k, v in self.short_by_worker.items()},
            "missing_premium": list(self.missing_premium),
            "outside_period": [line.worker_ref for line in self.outside],
        }


def combine(lines: Iterable[PayrollLine]) -> tuple[PayrollLine, ...]:
    """One line per worker: a later payroll for the same period adds to the premium paid.

    A catch-up payroll lists a worker again with the same earnings and the back-paid premium;
    the earnings of the first line are kept (the service refuses a line whose earnings differ).
    """
    merged: dict[str, PayrollLine] = {}
    for line in lines:
        have = merged.get(line.worker_ref)
        if have is None:
            merged[line.worker_ref] = line
            continue
        premium = have.premium
        if line.premium is not None:
            premium = (premium or Decimal(0)) + line.premium
        merged[line.worker_ref] = attrs.evolve(
            have, premium=premium, pay_date=max(have.pay_date, line.pay_date)
        )
    return tuple(merged[ref] for ref in sorted(merged))


def check_payroll(
    lines: Iterable[PayrollLine], *, owed: Money, period: tuple[date, date]
) -> PayrollCheck:
    """Each line against the clause: who qualifies, what each was owed, what is short."""
    start, end = period
    inside: list[PayrollLine] = []
    outside: list[PayrollLine] = []
    for line in combine(lines):
        within = start <= line.period_start and line.period_end <= end
        (inside if within else outside).append(line)
    qualifying = [line for line in inside if line.earnings > 0]
    parts = allocate(
        owed.value, {line.worker_ref: line.earnings for line in qualifying}, owed.currency
    )
    shares = tuple(
        WorkerShare(
            worker_ref=line.worker_ref,
            earnings=line.earnings,
            due=parts.get(line.worker_ref, Decimal(0)),
            paid=line.premium,
        )
        for line in inside
    )
    return PayrollCheck(
        period_start=start, period_end=end, owed=owed, shares=shares, outside=tuple(outside)
    )


def _is_pass_through(ob: Obligation) -> bool:
    return ob.kind == "payment" and ob.beneficiary == "workers" and ob.amount is not None


def concerned(
    lookup: Lookup,
    supplier: str,
    day: date,
    settles: Callable[[Obligation], bool] | None = None,
) -> tuple[tuple[date, date] | None, list[Obligation]]:
    """(the Premium Period containing ``day``, the supplier's pass-throughs in effect for it).

    A pass-through belongs to the period of the premium payment that triggered it
    (``data["source_obligation"]``). The period is None when no premium payment of the
    supplier's covers ``day``. ``settles`` picks the instances a payroll settles (the rule
    passes those of specs declaring ``settled_by: payroll``); by default, the pass-throughs.
    """
    settles = settles or _is_pass_through
    period: tuple[date, date] | None = None
    found: list[Obligation] = []
    for ob in lookup.open(subject=supplier):
        if not settles(ob) or ob.amount is None or ob.state is not LegalState.IN_EFFECT:
            continue
        source_id = ob.data.get("source_obligation")
        source = lookup.get(str(source_id)) if source_id else None
        if source is None or source.period_start is None or source.period_end is None:
            continue
        if source.period_start <= day <= source.period_end:
            period = (source.period_start, source.period_end)
            found.append(ob)
    found.sort(key=lambda o: (o.due_at, o.id))
    return period, found


def recorded_lines(obligations: Sequence[Obligation]) -> tuple[PayrollLine, ...]:
    """The payroll lines already recorded for these obligations (each event's lines once)."""
    seen: set[tuple[str | None, str]] = set()
    out: list[PayrollLine] = []
    for ob in obligations:
        for line in payroll_lines(ob):
            if (line.event, line.worker_ref) not in seen:
                seen.add((line.event, line.worker_ref))
                out.append(line)
    return tuple(out)


def lines_from_payload(event: Event) -> tuple[PayrollLine, ...]:
    return tuple(
        PayrollLine(event=event.id, **{k: v for k, v in raw.items() if k != "event"})
        for raw in event.payload.get("lines") or ()
    )


def _money(value: Decimal, currency: str) -> str:
    return f"{quantize(value, currency)} {currency}"


def apply_payroll_lines(
    ctx: AgreementContext,
    event: Event,
    work: Work,
    settles: Callable[[Obligation], bool] | None = None,
) -> None:
    """A payroll with per-worker lines against the pass-throughs of its Premium Period."""
    supplier = str(event.payload["supplier"])
    day: date | None = event.payload.get("period")
    if day is None:
        raise InputError.single(
            "period", "required with lines: a day of the Premium Period the lines are for"
        )
    period, obligations = concerned(work, supplier, day, settles)
    if period is None or not obligations:
        work.messages.append(
            f"no open pass-through obligation for {supplier} in the Premium Period containing "
            f"{day.isoformat()}; payroll recorded only"
        )
        return
    currency = ctx.currency
    new = lines_from_payload(event)
    owed = Money(
        value=sum((o.amount.value for o in obligations if o.amount), Decimal(0)),
        currency=currency,
    )
    check = check_payroll([*recorded_lines(obligations), *new], owed=owed, period=period)
    latest = max((line.pay_date for line in [*recorded_lines(obligations), *new]), default=day)
    run = PayrollRun(
        event=event.id,
        pay_date=event.payload["pay_date"],
        premium_paid=event.payload["premium_paid"].value,
        workers=len(new),
    )
    span = f"{period[0].isoformat()}–{period[1].isoformat()}"
    credit = check.credited
    for ob in obligations:
        assert ob.amount is not None
        share = min(credit, ob.amount.value)
        credit -= share
        data = with_payroll(with_payroll_lines(ob.data, new), run)
        data = with_premium_passed(data, check.paid)
        data["payroll_check"] = check.to_json()
        reason = (
            f"payroll of {run.pay_date.isoformat()} with {len(new)} lines for the Premium "
            f"Period {span}"
        )
        if check.short == 0:
            late = latest > ob.due
            flags = set(ob.flags) - {SHORTFALL}
            if late:
                flags.add(LATE)
                data["days_late"] = (latest - ob.due).days
            data.pop("shortfall", None)
            data.pop("shortfall_by_worker", None)
            work.move(
                ob,
                "fulfil",
                reason=reason,
                changes={
                    "paid": share,
                    "flags": frozenset(flags),
                    "late": late,
                    "fulfilled_on": latest,
                    "data": data,
                },
            )
        else:
            data["shortfall"] = str(quantize(check.short, currency))
            data["shortfall_by_worker"] = {k: str(v) for k, v in check.short_by_worker.items()}
            after = annotate(ob, at=work.at, paid=share, flags=ob.flags | {SHORTFALL}, data=data)
            work.update(ob, after, action="pass_through_shortfall", reason=reason)
    who = f"{supplier}, Premium Period {span}"
    if check.short == 0:
        work.messages.append(
            f"pass-through for {who}: {check.owed} owed, every Qualifying Worker paid their "
            "share; fulfilled" + (" (late)" if any(latest > o.due for o in obligations) else "")
        )
    else:
        by_worker = ", ".join(
            f"{ref} {_money(v, currency)}" for ref, v in sorted(check.short_by_worker.items())
        )
        if not check.shares or not any(s.due for s in check.shares):
            by_worker = "no Qualifying Worker with earnings in the period"
        work.messages.append(
            f"pass-through shortfall for {who}: {check.owed} owed, "
            f"{_money(check.credited, currency)} reached the right workers; "
            f"{_money(check.short, currency)} short ({by_worker})"
        )
    if check.missing_premium:
        work.messages.append(
            "earnings in the period but no premium line: " + ", ".join(check.missing_premium)
        )
    over = [s for s in check.shares if s.over > 0]
    if over:
        work.messages.append(
            "paid more than their share (does not make up for others): "
            + ", ".join(f"{s.worker_ref} {_money(s.over, currency)}" for s in over)
        )
    if check.outside:
        work.messages.append(
            f"lines for work outside the Premium Period {span}, not counted: "
            + ", ".join(
                f"{line.worker_ref} ({line.period_start.isoformat()}–{line.period_end.isoformat()})"
                for line in check.outside
            )
        )


# -- importing a payroll file -------------------------------------------------------------------


def import_fields(
    ctx: AgreementContext,
    lookup: Lookup,
    *,
    supplier: str,
    payroll: PayrollFile,
    period: str | date | None,
    today: date,
) -> dict[str, Any]:
    """The ``payroll_recorded`` fields for an imported file, or InputError (nothing recorded).

    Refused: a supplier the agreement does not cover; a period with no premium payment
    awaiting pass-through (there is nothing to check the payroll against); a pay date after
    ``today`` or before the agreement was executed; a worker already on a payroll recorded for
    the period with different earnings (a catch-up payroll repeats the same earnings).
    """
    if supplier not in ctx.suppliers:
        covered = ", ".join(ctx.suppliers) or "none"
        raise InputError.single("supplier", f"unknown supplier {supplier!r} (covered: {covered})")
    if period is None:  # the period of the earliest work in the file
        day = min(line.period_start for line in payroll.lines)
    elif isinstance(period, date):
        day = period
    else:
        try:
            day = date.fromisoformat(period.strip())
        except ValueError:
            raise InputError.single(
                "period", f"{period!r} is not an ISO date (YYYY-MM-DD) in the Premium Period"
            ) from None
    if (problem := day_problem(day)) is not None:
        raise InputError.single("period", problem)
    span, obligations = concerned(lookup, supplier, day)
    if span is None or not obligations:
        raise InputError.single(
            "period",
            f"no premium payment to {supplier} for the Premium Period containing "
            f"{day.isoformat()} is awaiting pass-through, so there is no Workers' Share to "
            "check this payroll against (record the premium payment first)",
        )
    earlier = {line.worker_ref: line for line in combine(recorded_lines(obligations))}
    problems: list[Problem] = []
    for line in payroll.lines:
        if line.pay_date > today:
            problems.append(
                Problem(
                    payroll.where(line, "pay_date"),
                    f"pay date {line.pay_date.isoformat()} is after today "
                    f"({today.isoformat()}); import a payroll once it is paid",
                )
            )
        elif line.pay_date < ctx.signed_on:
            problems.append(
                Problem(
                    payroll.where(line, "pay_date"),
                    f"pay date {line.pay_date.isoformat()} is before the agreement was executed "
                    f"on {ctx.signed_on.isoformat()}",
                )
            )
        seen = earlier.get(line.worker_ref)
        if seen is not None and seen.earnings != line.earnings:
            problems.append(
                Problem(
                    payroll.where(line, "earnings"),
                    f"earnings {line.earnings} for {line.worker_ref} differ from the "
                    f"{seen.earnings} on the payroll already recorded for the Premium Period "
                    f"{span[0].isoformat()}–{span[1].isoformat()}",
                )
            )
    if problems:
        raise InputError(problems)
    premium = sum((line.premium or Decimal(0) for line in payroll.lines), Decimal(0))
    latest = max(line.pay_date for line in payroll.lines)
    return {
        "supplier": supplier,
        "pay_date": latest.isoformat(),
        "premium_paid": str(premium),
        "workers": str(sum(1 for line in payroll.lines if line.premium)),
        "period": day.isoformat(),
        "lines": list(payroll.lines),
    }
