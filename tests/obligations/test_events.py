"""Validating raw events: every problem is an InputError naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from clauses import InputError
from obligations import Money
from obligations._context import AgreementContext
from obligations._events import parse_money, parse_on, validate_event
from tests.obligations.factories import fair_food

NOW = datetime(2026, 3, 13, 14, tzinfo=UTC)
AGR = fair_food()
CTX = AgreementContext(agreement=AGR, signed_on=date(2026, 1, 5), term_end=date(2029, 1, 5))


def no_obligations(_id: str):
    return None


def validate(type, on="2026-03-02", **fields):
    return validate_event(CTX, type, on=on, fields=fields, now=NOW, find=no_obligations)


def messages(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_a_valid_purchase_is_typed():
    ev = validate("purchase_recorded", supplier="GROWER-G", quantity="250000", unit="lb")
    assert ev.payload == {"supplier": "GROWER-G", "quantity": Decimal(250000), "unit": "lb"}
    assert ev.occurred_on == date(2026, 3, 2)
    # a bare date is the start of that day in the agreement zone
    assert ev.occurred_at == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert ev.recorded_at == NOW and ev.id is None


def test_on_accepts_aware_datetimes_in_any_offset():
    at, day = parse_on("2026-03-02T01:30:00Z", ctx=CTX)
    assert day == date(2026, 3, 1)  # still the 1st in New York
    assert at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert parse_on(date(2026, 3, 2), ctx=CTX)[1] == date(2026, 3, 2)
    assert parse_on(datetime(2026, 3, 2, 12, tzinfo=UTC), ctx=CTX)[1] == date(2026, 3, 2)


def test_on_refuses_naive_garbage_and_dates_before_execution():
    with pytest.raises(InputError) as exc:
        parse_on("2026-03-02T10:00:00", ctx=CTX)
    assert messages(exc) == ["on: 2026-03-02T10:00:00 has no UTC offset (add e.g. -05:00 or Z)"]
    with pytest.raises(InputError, match="on: 'soon' is not an ISO date"):
        parse_on("soon", ctx=CTX)
    with pytest.raises(InputError) as exc:
        parse_on("2025-12-01", ctx=CTX)
    assert messages(exc) == ["on: 2025-12-01 is before the agreement was executed on 2026-01-05"]


def test_money_forms_and_currency():
    assert parse_money("2500", currency="USD", path="amount") == Money(
        value=Decimal(2500), currency="USD"
    )
    assert parse_money("2500.00 USD", currency="USD", path="amount").value == Decimal("2500.00")
    assert parse_money("USD 2500.00", currency="USD", path="amount").value == Decimal("2500.00")
    # issue 9: separators are refused, never read as digits ("1,0,0" was 100.00)
    for grouped in ("USD 2,500.00", "1,0,0", "1_000"):
        with pytest.raises(InputError, match="without thousands separators"):
            parse_money(grouped, currency="USD", path="amount")
    with pytest.raises(InputError) as exc:
        parse_money("2500.00 EUR", currency="USD", path="amount")
    assert messages(exc) == ["amount: currency EUR does not match the agreement currency USD"]
    with pytest.raises(InputError, match="more decimal places than USD allows"):
        parse_money("1.005", currency="USD", path="amount")
    with pytest.raises(InputError, match="is not an amount"):
        parse_money("1 2 3", currency="USD", path="amount")
    with pytest.raises(InputError, match="must be a number, got 'lots'"):
        parse_money("lots", currency="USD", path="amount")


def test_unknown_supplier_lists_the_covered_ones():
    with pytest.raises(InputError) as exc:
        validate("supplier_suspended", supplier="X")
    assert messages(exc) == ["supplier: unknown supplier 'X' (covered: GROWER-G, GROWER-H)"]


def test_unknown_type():
    with pytest.raises(InputError) as exc:
        validate("x")
    assert messages(exc)[0].startswith("type: unknown event type 'x' (known: audit_finding, ")


def test_all_problems_are_reported_together():
    with pytest.raises(InputError) as exc:
        validate(
            "purchase_recorded", on="2025-01-01", supplier="GROWER-G", colour="red", unit="ton"
        )
    assert messages(exc) == [
        "on: 2025-01-01 is before the agreement was executed on 2026-01-05",
        "colour: unknown field for purchase_recorded (known: quantity, supplier, unit)",
        "unit: unknown unit 'ton' (known: cwt, kg, lb, unit)",
        "quantity: required for purchase_recorded",
    ]


def test_numbers_are_bounded_by_form_before_any_arithmetic():
    for huge in ("1e999999", "9" * 40, "1e20"):
        with pytest.raises(InputError, match="quantity: "):
            validate("purchase_recorded", supplier="GROWER-G", quantity=huge, unit="lb")
    with pytest.raises(InputError, match="amount: .*far too large"):
        parse_money("1e13", currency="USD", path="amount")
    with pytest.raises(InputError, match="workers: "):
        validate(
            "payroll_recorded",
            supplier="GROWER-G",
            pay_date="2026-01-30",
            premium_paid="1",
            workers="9" * 5000,
        )


def test_text_a_document_cannot_hold_is_refused_in_every_field():
    for bad in ("a\x00b", "bell\x07", "\ufffe", "half \ud800"):
        with pytest.raises(InputError, match="category: contains"):
            validate("complaint_filed", supplier="GROWER-G", category=bad)
    with pytest.raises(InputError, match="complaint: at most 64 characters"):
        validate("complaint_resolved", complaint="C" * 65)


def test_event_dates_outside_the_range_are_refused():
    with pytest.raises(InputError, match="pay_date: 0001-01-01 is outside the dates"):
        validate("payroll_recorded", supplier="GROWER-G", pay_date="0001-01-01", premium_paid="1")


def test_field_types():
    with pytest.raises(InputError, match="quantity: -5 must not be negative"):
        validate("purchase_recorded", supplier="GROWER-G", quantity="-5", unit="lb")
    with pytest.raises(InputError, match="quantity: must be a finite number"):
        validate("purchase_recorded", supplier="GROWER-G", quantity="NaN", unit="lb")
    with pytest.raises(InputError, match="pay_date: 'friday' is not an ISO date"):
        validate("payroll_recorded", supplier="GROWER-G", pay_date="friday", premium_paid="1")
    with pytest.raises(InputError, match="workers: must be a whole number, got 'many'"):
        validate(
            "payroll_recorded",
            supplier="GROWER-G",
            pay_date="2026-01-30",
            premium_paid="1",
            workers="many",
        )
    with pytest.raises(InputError, match="workers: -1 must not be negative"):
        validate(
            "payroll_recorded",
            supplier="GROWER-G",
            pay_date="2026-01-30",
            premium_paid="1",
            workers="-1",
        )
    with pytest.raises(InputError, match="severity: unknown severity 'meh'"):
        validate("audit_finding", supplier="GROWER-G", severity="meh")
    with pytest.raises(InputError, match="category: must not be empty"):
        validate("complaint_filed", supplier="GROWER-G", category="  ")
    with pytest.raises(InputError, match="obligation: no obligation 'ob-x' in agreement"):
        validate("payment_recorded", obligation="ob-x", amount="1")


def test_cap_items_forms():
    ev = validate(
        "cap_approved",
        supplier="GROWER-G",
        cost="1000",
        items="structural retrofit@2026-08-31; fire doors@2026-06-30",
    )
    assert ev.payload["items"] == [
        {"text": "structural retrofit", "due": date(2026, 8, 31)},
        {"text": "fire doors", "due": date(2026, 6, 30)},
    ]
    ev = validate(
        "cap_approved", supplier="GROWER-G", cost="1", items='[{"text": "a", "due": null}]'
    )
    assert ev.payload["items"] == [{"text": "a", "due": None}]
    with pytest.raises(InputError, match="items: not valid JSON"):
        validate("cap_approved", supplier="GROWER-G", cost="1", items="[oops")
    with pytest.raises(InputError, match=r"items\[0\].due: 'June' is not an ISO date"):
        validate("cap_approved", supplier="GROWER-G", cost="1", items="doors@June")
    with pytest.raises(InputError, match=r"items\[0\]: each item needs a text"):
        validate("cap_approved", supplier="GROWER-G", cost="1", items='[{"due": "2026-01-01"}]')
    with pytest.raises(InputError, match="items: must be a list"):
        validate("cap_approved", supplier="GROWER-G", cost="1", items=5)
