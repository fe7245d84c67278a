"""Typed ledgers write exactly the JSON shape stored before they existed (no migration), and
read that shape back into typed values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from obligations._ledgers import (
    Accrual,
    BreachEvidence,
    Payment,
    PayrollLine,
    PayrollRun,
    accrual,
    breach_evidence,
    payments,
    payroll_lines,
    payrolls,
    premium_passed,
    with_accrual,
    with_breach_evidence,
    with_payment,
    with_payroll,
    with_payroll_lines,
    with_premium_passed,
)


def test_payment_shape_and_round_trip():
    p = Payment(event="ev-1", on=date(2026, 1, 23), amount=Decimal("2500.00"))
    data = with_payment({"note": "kept"}, p)
    assert data == {
        "note": "kept",
        "payments": [{"event": "ev-1", "on": "2026-01-23", "amount": "2500.00"}],
    }
    assert payments(data) == (p,)
    second = Payment(event="ev-2", on="2026-01-30", amount="1")
    assert payments(with_payment(data, second)) == (p, second)


def test_payroll_run_keeps_optional_fields_out_when_absent():
    bare = PayrollRun(event="ev-3", pay_date=date(2026, 2, 20), premium_paid=Decimal("525"))
    full = PayrollRun(
        event="ev-4", pay_date="2026-01-30", premium_paid="1900", workers=35, per_worker="54.29"
    )
    data = with_payroll(with_payroll({}, full), bare)
    assert data["payrolls"] == [
        {
            "event": "ev-4",
            "pay_date": "2026-01-30",
            "premium_paid": "1900",
            "workers": 35,
            "per_worker": "54.29",
        },
        {"event": "ev-3", "pay_date": "2026-02-20", "premium_paid": "525"},
    ]
    assert payrolls(data) == (full, bare)
    assert premium_passed(with_premium_passed(data, Decimal("2425.00"))) == Decimal("2425.00")
    assert premium_passed({}) == 0


def test_accrual_adds_purchases():
    first = Accrual(quantity=Decimal(200000), purchases=1, events=("ev-1",), amount_exact=None)
    assert with_accrual({}, first) == {"quantity": "200000", "purchases": 1, "events": ["ev-1"]}
    more = first.plus(event="ev-2", quantity=Decimal(50000), increment=Decimal("500.00"))
    data = with_accrual({"event": "purchase_recorded"}, more)
    assert data == {
        "event": "purchase_recorded",
        "quantity": "250000",
        "purchases": 2,
        "events": ["ev-1", "ev-2"],
        "amount_exact": "500.00",
    }
    assert accrual(data) == more


def test_breach_evidence_and_payroll_lines_round_trip():
    e = BreachEvidence(event="ev-9", on="2026-03-12", quantity="500", unit="lb")
    data = with_breach_evidence({}, e)
    assert data["breach_events"] == [
        {"event": "ev-9", "on": "2026-03-12", "quantity": "500", "unit": "lb"}
    ]
    assert breach_evidence(data) == (e,)
    line = PayrollLine(
        worker_ref="W-01",
        period_start="2026-01-05",
        period_end="2026-01-11",
        pay_date="2026-01-16",
        earnings="640.00",
        premium=None,
        event="ev-5",
        source="pay.csv:2",
    )
    data = with_payroll_lines({}, (line,))
    assert data["payroll_lines"][0]["premium"] is None
    assert "source" not in data["payroll_lines"][0]
    assert payroll_lines(data) == (line,)


def test_money_is_never_float():
    with pytest.raises(TypeError):
        Payment(event=None, on=date(2026, 1, 1), amount=1.5)  # type: ignore[arg-type]
