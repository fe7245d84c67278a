"""Typed ledgers kept on an obligation: payments, payroll runs and lines, accruals, breach evidence.

``Obligation.data`` is stored as JSON and read by the audit log, the console and the scheduler,
so what a rule records there needs a shape that is declared once rather than spelled as dict keys
at every call site. Each ledger entry here is a frozen value with its own fields; the functions
read them from an obligation (``payments(ob)``) and return the new ``data`` with one added
(``with_payment(data, payment)``), so rules keep building their changes the way they do today.
Every ``to_json`` writes exactly the shape stored before these classes existed (same keys, same
string forms), so no migration is needed and old audit snapshots read back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ._model import EvidenceRef, Obligation


def _dec(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("ledger amounts are Decimal, never float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _opt_dec(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _dec(value)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _strs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _data(source: Obligation | Mapping[str, Any]) -> Mapping[str, Any]:
    return source.data if isinstance(source, Obligation) else source


# -- payments ----------------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True)
class Payment:
    """A payment credited to a payment obligation (``data["payments"]``)."""

    event: str | None
    on: date = attrs.field(converter=_day)
    amount: Decimal = attrs.field(converter=_dec)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "on": self.on.isoformat(), "amount": str(self.amount)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Payment:
        return cls(event=d.get("event"), on=d["on"], amount=d["amount"])


def payments(source: Obligation | Mapping[str, Any]) -> tuple[Payment, ...]:
    return tuple(Payment.from_json(p) for p in _data(source).get("payments", ()))


def with_payment(data: Mapping[str, Any], payment: Payment) -> dict[str, Any]:
    return {**data, "payments": [*data.get("payments", ()), payment.to_json()]}


# -- payroll -----------------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True)
class PayrollRun:
    """A payroll's premium credited to a pass-through obligation (``data["payrolls"]``).

    ``workers`` and ``per_worker`` are what the supplier declared, when it did; an imported
    payroll's lines are kept separately (:class:`PayrollLine`).
    """

    event: str | None
    pay_date: date = attrs.field(converter=_day)
    premium_paid: Decimal = attrs.field(converter=_dec)
    workers: int | None = None
    per_worker: Decimal | None = attrs.field(default=None, converter=_opt_dec)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": self.event,
            "pay_date": self.pay_date.isoformat(),
            "premium_paid": str(self.premium_paid),
        }
        if self.workers is not None:
            out["workers"] = self.workers
        if self.per_worker is not None:
            out["per_worker"] = str(self.per_worker)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PayrollRun:
        return cls(
            event=d.get("event"),
            pay_date=d["pay_date"],
            premium_paid=d["premium_paid"],
            workers=None if d.get("workers") is None else int(d["workers"]),
            per_worker=d.get("per_worker"),
        )


def payrolls(source: Obligation | Mapping[str, Any]) -> tuple[PayrollRun, ...]:
    return tuple(PayrollRun.from_json(p) for p in _data(source).get("payrolls", ()))


def with_payroll(data: Mapping[str, Any], run: PayrollRun) -> dict[str, Any]:
    return {**data, "payrolls": [*data.get("payrolls", ()), run.to_json()]}


def premium_passed(source: Obligation | Mapping[str, Any]) -> Decimal:
    """The premium credited to a pass-through so far (``data["premium_paid"]``)."""
    return _dec(_data(source).get("premium_paid", "0"))


def with_premium_passed(data: Mapping[str, Any], total: Decimal) -> dict[str, Any]:
    return {**data, "premium_paid": str(total)}


@attrs.define(frozen=True, kw_only=True)
class PayrollLine:
    """One worker's line on an imported payroll (``data["payroll_lines"]``).

    A worker is known only by the supplier's reference (never a name). ``premium`` is None when
    the pay statement carries no premium line at all, which the check tells apart from a zero.
    """

    worker_ref: str
    period_start: date = attrs.field(converter=_day)
    period_end: date = attrs.field(converter=_day)
    pay_date: date = attrs.field(converter=_day)
    earnings: Decimal = attrs.field(converter=_dec)
    premium: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    #: the ``payroll_recorded`` event that brought the line (None before it is stored)
    event: str | None = None
    #: where the line came from, for messages (``file.csv:3``); not stored
    source: str = attrs.field(default="", eq=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "worker_ref": self.worker_ref,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "pay_date": self.pay_date.isoformat(),
            "earnings": str(self.earnings),
            "premium": None if self.premium is None else str(self.premium),
            "event": self.event,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PayrollLine:
        return cls(
            worker_ref=str(d["worker_ref"]),
            period_start=d["period_start"],
            period_end=d["period_end"],
            pay_date=d["pay_date"],
            earnings=d["earnings"],
            premium=d.get("premium"),
            event=d.get("event"),
        )


def payroll_lines(source: Obligation | Mapping[str, Any]) -> tuple[PayrollLine, ...]:
    return tuple(PayrollLine.from_json(p) for p in _data(source).get("payroll_lines", ()))


def with_payroll_lines(data: Mapping[str, Any], lines: tuple[PayrollLine, ...]) -> dict[str, Any]:
    added = [line.to_json() for line in lines]
    return {**data, "payroll_lines": [*data.get("payroll_lines", ()), *added]}


# -- accrual -----------------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True)
class Accrual:
    """What has accrued on a per-period instance: quantity, purchases counted, exact amount.

    Stored as top-level keys of ``data`` (``quantity``, ``purchases``, ``events``,
    ``amount_exact``), as before.
    """

    quantity: Decimal = attrs.field(converter=_dec)
    purchases: int
    events: tuple[str, ...] = attrs.field(converter=_strs)
    amount_exact: Decimal | None = attrs.field(default=None, converter=_opt_dec)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "quantity": str(self.quantity),
            "purchases": self.purchases,
            "events": list(self.events),
        }
        if self.amount_exact is not None:
            out["amount_exact"] = str(self.amount_exact)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Accrual:
        return cls(
            quantity=d.get("quantity", "0"),
            purchases=int(d.get("purchases", 0)),
            events=tuple(d.get("events", ())),
            amount_exact=d.get("amount_exact"),
        )

    def plus(self, *, event: str, quantity: Decimal, increment: Decimal | None) -> Accrual:
        """This accrual with one more purchase counted."""
        exact = self.amount_exact
        if increment is not None:
            exact = (exact or Decimal(0)) + increment
        return Accrual(
            quantity=self.quantity + quantity,
            purchases=self.purchases + 1,
            events=(*self.events, event),
            amount_exact=exact,
        )


def accrual(source: Obligation | Mapping[str, Any]) -> Accrual:
    return Accrual.from_json(_data(source))


def with_accrual(data: Mapping[str, Any], value: Accrual) -> dict[str, Any]:
    return {**data, **value.to_json()}


# -- breach evidence ---------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True)
class BreachEvidence:
    """An event that raised a suspected breach (``data["breach_events"]``): e.g. a purchase
    from a supplier after its cut-off date, with what was bought, or a finding of retaliation.

    ``quantity``/``unit`` are a purchase's; ``fields`` the event's other fields as JSON (what a
    ``violated_by`` event of any type carried), stored beside them in the same object.
    """

    event: str | None
    on: date = attrs.field(converter=_day)
    quantity: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    unit: str | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "on": self.on.isoformat(), **self.fields}
        if self.quantity is not None:
            out["quantity"] = str(self.quantity)
        if self.unit is not None:
            out["unit"] = self.unit
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> BreachEvidence:
        rest = {k: v for k, v in d.items() if k not in ("event", "on", "quantity", "unit")}
        unit = d.get("unit")
        return cls(
            event=d.get("event"),
            on=d["on"],
            quantity=d.get("quantity"),
            unit=None if unit is None else str(unit),
            fields=rest,
        )


def breach_evidence(source: Obligation | Mapping[str, Any]) -> tuple[BreachEvidence, ...]:
    return tuple(BreachEvidence.from_json(e) for e in _data(source).get("breach_events", ()))


def with_breach_evidence(data: Mapping[str, Any], evidence: BreachEvidence) -> dict[str, Any]:
    return {**data, "breach_events": [*data.get("breach_events", ()), evidence.to_json()]}


# -- submitted evidence ------------------------------------------------------------------------


def evidence_refs(source: Obligation | Mapping[str, Any]) -> tuple[EvidenceRef, ...]:
    return tuple(EvidenceRef.from_dict(e) for e in _data(source).get("evidence", ()))


def with_evidence(data: Mapping[str, Any], ref: EvidenceRef) -> dict[str, Any]:
    return {**data, "evidence": [*data.get("evidence", ()), ref.to_dict()]}
