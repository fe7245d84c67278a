from __future__ import annotations

from decimal import Decimal

import pytest

from clauses import InputError
from clauses._formula import FormulaError, evaluate, formula_names, tier_fee

M = Decimal(1_000_000)
ACCORD_2013 = [
    {"up_to": 1 * M, "fee": Decimal(1000)},
    {"up_to": 10 * M, "fee": Decimal(10000)},
    {"up_to": 25 * M, "fee": Decimal(17500)},
    {"up_to": 50 * M, "fee": Decimal(37500)},
    {"up_to": 100 * M, "fee": Decimal(75000)},
    {"up_to": 250 * M, "fee": Decimal(175000)},
    {"up_to": 500 * M, "fee": Decimal(375000)},
    {"up_to": None, "fee": Decimal(500000)},
]


def env(boundary: str | None, **extra: object) -> dict[str, object]:
    return {
        "tiers": ACCORD_2013,
        "cap": Decimal(500000),
        "floor": Decimal(1000),
        "boundary": boundary,
        **extra,
    }


@pytest.mark.parametrize(
    ("volume", "boundary", "fee"),
    [
        (100 * M, "lower_inclusive", 175000),
        (100 * M, "upper_inclusive", 75000),
        (612 * M, "upper_inclusive", 500000),
        (Decimal("0.6") * M, None, 1000),
        (Decimal("99999999.99"), None, 75000),
        (Decimal("100000000.01"), None, 175000),
        (1 * M, "lower_inclusive", 10000),
        (500 * M, "lower_inclusive", 500000),
        (500 * M, "upper_inclusive", 375000),
    ],
    ids=[
        "100M-lower",
        "100M-upper",
        "612M",
        "0.6M",
        "just-below",
        "just-above",
        "1M-lower",
        "500M-lower",
        "500M-upper",
    ],
)
def test_accord_2013_tiers(volume: Decimal, boundary: str | None, fee: int) -> None:
    got = evaluate("tier_fee(volume)", env(boundary, volume=volume))
    assert got == Decimal(fee)


def test_value_on_a_boundary_without_a_rule_is_an_input_error() -> None:
    with pytest.raises(InputError) as err:
        evaluate("tier_fee(volume)", env(None, volume=100 * M))
    (problem,) = err.value.problems
    assert problem.path == "clauses.monitoring_fees.boundary"
    assert problem.message == (
        "the value 100000000 falls on the tier boundary 100000000; "
        "set boundary to lower_inclusive or upper_inclusive"
    )


def test_cap_and_floor_apply_and_none_means_not_applied() -> None:
    tiers: list[dict[str, Decimal | None]] = [
        {"up_to": Decimal(10), "fee": Decimal(5)},
        {"up_to": None, "fee": Decimal(900)},
    ]
    assert tier_fee(Decimal(20), tiers, cap=Decimal(100)) == Decimal(100)
    assert tier_fee(Decimal(20), tiers) == Decimal(900)
    assert tier_fee(Decimal(1), tiers, floor=Decimal(7)) == Decimal(7)
    assert tier_fee(Decimal(1), tiers) == Decimal(5)


def test_arithmetic_is_decimal_from_source_text() -> None:
    assert evaluate("0.1 + 0.2", {}) == Decimal("0.3")
    assert evaluate(
        "quantity * rate", {"quantity": Decimal("12345.5"), "rate": Decimal("0.01")}
    ) == Decimal("123.455")
    assert evaluate(
        "round2(quantity * rate)", {"quantity": Decimal("12345.5"), "rate": Decimal("0.01")}
    ) == Decimal("123.46")
    assert evaluate("-(a - b) / 4", {"a": 1, "b": 3}) == Decimal("0.5")
    assert evaluate("min(a, b, 7) + max(a, b)", {"a": Decimal(2), "b": Decimal(5)}) == Decimal(7)


def test_round2_rounds_half_up() -> None:
    assert evaluate("round2(x)", {"x": Decimal("2.345")}) == Decimal("2.35")
    assert evaluate("round2(x)", {"x": Decimal("-2.345")}) == Decimal("-2.35")


def test_formula_names_are_free_names_only() -> None:
    assert formula_names("round2(quantity * rate / 100)") == {"quantity", "rate"}
    assert formula_names("tier_fee(amount)") == {"amount", "tiers", "cap", "floor", "boundary"}
    assert formula_names("min(a, 2)") == {"a"}


@pytest.mark.parametrize(
    "src",
    [
        "__import__('os').system('true')",
        "a.__class__",
        "a ** 2",
        "a if b else c",
        "[1, 2]",
        "'text'",
        "open('x')",
        "lambda: 1",
        "a[0]",
        "round2(a, b)",
        "max()",
        "a +",
        "True + 1",
        "min(a, key=b)",
    ],
)
def test_anything_outside_the_little_language_is_refused(src: str) -> None:
    with pytest.raises(FormulaError):
        formula_names(src)


def test_evaluation_errors_are_input_errors() -> None:
    with pytest.raises(FormulaError, match="unknown name 'rate'"):
        evaluate("quantity * rate", {"quantity": Decimal(1)})
    with pytest.raises(FormulaError, match="division by zero"):
        evaluate("a / b", {"a": Decimal(1), "b": Decimal(0)})
    with pytest.raises(FormulaError, match="no numeric value"):
        evaluate("a + 1", {"a": None})
    with pytest.raises(FormulaError, match="no numeric value"):
        evaluate("a + 1", {"a": True})
