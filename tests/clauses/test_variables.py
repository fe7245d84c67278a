from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from clauses import VariableDef
from clauses._variables import coerce, describe_floor, floor_breach, fmt_decimal, to_json_value


def var(**kw: Any) -> VariableDef:
    kw.setdefault("label", "x")
    return VariableDef.model_validate(kw)


@pytest.mark.parametrize(
    ("spec", "raw", "typed"),
    [
        ({"type": "decimal"}, Decimal("0.1"), Decimal("0.1")),
        ({"type": "decimal"}, "0.1", Decimal("0.1")),
        ({"type": "decimal"}, 0.1, Decimal("0.1")),
        ({"type": "money"}, 2500, Decimal(2500)),
        ({"type": "money"}, "2500.50", Decimal("2500.50")),
        ({"type": "percent"}, 97, Decimal(97)),
        ({"type": "percent"}, "2.5", Decimal("2.5")),
        ({"type": "integer"}, 7, 7),
        ({"type": "integer"}, Decimal("7.0"), 7),
        ({"type": "integer"}, "12", 12),
        ({"type": "date"}, date(2026, 1, 5), date(2026, 1, 5)),
        ({"type": "date"}, "2026-01-05", date(2026, 1, 5)),
        ({"type": "boolean"}, False, False),
        ({"type": "enum", "choices": ["weekly", "monthly"]}, "monthly", "monthly"),
        ({"type": "text"}, "  Florida  ", "Florida"),
        ({"type": "party"}, "monitor", "monitor"),
        ({"type": "duration"}, "P30D", "P30D"),
        ({"type": "duration"}, "P6M", "P6M"),
        ({"type": "duration"}, "P1Y", "P1Y"),
    ],
)
def test_valid_values_are_typed(spec: dict[str, Any], raw: Any, typed: Any) -> None:
    value, problems = coerce(var(**spec), raw, "clauses.c.v")
    assert problems == []
    assert value == typed
    assert type(value) is type(typed)


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        ({"type": "decimal"}, "abc", "must be a number, got 'abc'"),
        ({"type": "decimal"}, True, "must be a number, not true/false"),
        ({"type": "decimal"}, "NaN", "must be a finite number"),
        # issue 9: separators are refused, never read as digits (1,0,0 was 100)
        ({"type": "money"}, "2,500.50", "without thousands separators"),
        ({"type": "money"}, "1,0,0", "without thousands separators"),
        ({"type": "integer"}, "1_000", "without thousands separators"),
        # YAML 1.1 readings stay text (the loader) and are then refused here
        ({"type": "integer"}, "1:30", "must be a whole number, got '1:30'"),
        ({"type": "integer"}, "0x1F", "must be a whole number, got '0x1F'"),
        # huge exponents and digit counts: refused by form, before any arithmetic
        ({"type": "integer"}, "1e999999", "far too large"),
        ({"type": "integer"}, Decimal("1e999999"), "far too large"),
        ({"type": "integer"}, 10**400, "far too large"),
        ({"type": "integer", "max": 90}, "9" * 30, "far too large"),
        ({"type": "money"}, Decimal("1e-30"), "more digits than any term needs"),
        ({"type": "money"}, "0.00001", "a money takes at most 4"),
        ({"type": "decimal"}, "0.0000001", "a decimal takes at most 6"),
        ({"type": "decimal"}, "1" * 30, "far too large"),
        ({"type": "date"}, "0001-01-01", "outside the dates this engine works with"),
        ({"type": "date"}, "9999-12-31", "outside the dates this engine works with"),
        ({"type": "decimal"}, [1], "must be a number, got list"),
        ({"type": "percent"}, 101, "a percentage must be between 0 and 100"),
        ({"type": "percent"}, -1, "a percentage must be between 0 and 100"),
        ({"type": "integer"}, True, "must be a whole number, not true/false"),
        ({"type": "integer"}, Decimal("2.5"), "must be a whole number, got 2.5"),
        (
            {"type": "date"},
            datetime(2026, 1, 5, 9, 0),
            "naive date-time 2026-01-05T09:00:00 (no UTC offset)",
        ),
        ({"type": "date"}, "2026-01-05T09:00", "naive date-time"),
        (
            {"type": "date"},
            datetime(2026, 1, 5, tzinfo=UTC),
            "expected a date YYYY-MM-DD, got the date-time",
        ),
        ({"type": "date"}, "2026-02-30", "not a valid date '2026-02-30'"),
        ({"type": "date"}, "5 Jan 2026", "expected a date YYYY-MM-DD"),
        ({"type": "boolean"}, "yes", "must be true or false"),
        (
            {"type": "enum", "choices": ["weekly", "monthly"]},
            "daily",
            "must be one of: weekly, monthly",
        ),
        ({"type": "text"}, "   ", "must be non-empty text"),
        ({"type": "text"}, 5, "must be non-empty text"),
        ({"type": "party"}, "supplier", "must be a party role"),
        ({"type": "duration"}, "30 days", "must be an ISO 8601 duration"),
        ({"type": "duration"}, "P0D", "at least one day"),
        ({"type": "duration"}, "P1W", "must be an ISO 8601 duration"),
        ({"type": "decimal", "min": 0, "min_exclusive": True}, 0, "must be greater than 0"),
        ({"type": "integer", "min": 1}, 0, "must be at least 1"),
        ({"type": "integer", "max": 90}, 91, "must be at most 90"),
        (
            {"type": "money", "max": "1000.50", "max_exclusive": True},
            "1000.50",
            "must be less than 1000.5",
        ),
    ],
)
def test_invalid_values_give_one_problem_at_the_path(
    spec: dict[str, Any], raw: Any, message: str
) -> None:
    value, problems = coerce(var(**spec), raw, "clauses.c.v")
    assert value is None
    assert [p.path for p in problems] == ["clauses.c.v"]
    assert message in problems[0].message


TIERS = var(
    type="list",
    min_items=1,
    max_items=3,
    items={
        "up_to": {"type": "money", "label": "u", "required": False},
        "fee": {"type": "money", "label": "f", "min": 0},
        "note": {"type": "text", "label": "n", "default": "none"},
    },
)


def test_list_items_are_typed_and_defaulted() -> None:
    value, problems = coerce(TIERS, [{"up_to": 1000, "fee": "10"}, {"fee": 20}], "clauses.m.tiers")
    assert problems == []
    assert value == [
        {"up_to": Decimal(1000), "fee": Decimal(10), "note": "none"},
        {"up_to": None, "fee": Decimal(20), "note": "none"},
    ]


def test_list_problems_name_the_entry_and_field() -> None:
    raw = [{"fee": 1}, {"fee": 2}, {"fee": -5, "colour": "red"}, "junk"]
    value, problems = coerce(TIERS, raw, "clauses.monitoring_fees.tiers")
    assert value is None
    got = {(p.path, p.message) for p in problems}
    assert ("clauses.monitoring_fees.tiers", "takes at most 3 entries") in got
    assert ("clauses.monitoring_fees.tiers[2].fee", "must be at least 0") in got
    assert ("clauses.monitoring_fees.tiers[2].colour", "unknown field") in got
    assert any(p.path == "clauses.monitoring_fees.tiers[3]" for p in problems)
    _, problems = coerce(TIERS, [], "t")
    assert [p.message for p in problems] == ["needs at least 1 entries"]
    _, problems = coerce(TIERS, [{}], "t")
    assert [(p.path, p.message) for p in problems] == [("t[0].fee", "required")]
    _, problems = coerce(TIERS, {"fee": 1}, "t")
    assert problems[0].message.startswith("must be a list of records")


@pytest.mark.parametrize(
    ("spec", "value", "breach"),
    [
        (
            {"type": "percent", "floor": {"at_least": 90}},
            Decimal(80),
            "80 is below the floor (at least 90)",
        ),
        ({"type": "percent", "floor": {"at_least": 90}}, Decimal(90), None),
        ({"type": "integer", "floor": {"at_most": 45}}, 60, "60 is beyond the floor (at most 45)"),
        ({"type": "integer", "floor": {"at_most": 45}}, 45, None),
        (
            {"type": "enum", "choices": ["a", "b", "c"], "floor": {"allowed": ["a", "b"]}},
            "c",
            "'c' is below the floor (allowed: a, b)",
        ),
        (
            {"type": "boolean", "floor": {"equals": True}},
            False,
            "false is below the floor (must be true)",
        ),
        ({"type": "boolean", "floor": {"equals": True}}, True, None),
        ({"type": "percent"}, Decimal(1), None),
    ],
)
def test_floor_breach(spec: dict[str, Any], value: Any, breach: str | None) -> None:
    assert floor_breach(var(**spec), value) == breach


def test_floor_descriptions_and_json_values() -> None:
    assert describe_floor(var(type="decimal", floor={"at_least": "0.01"}).floor) == "at least 0.01"  # type: ignore[arg-type]
    assert fmt_decimal(Decimal("1E+2")) == "100"
    assert fmt_decimal(Decimal("2.50")) == "2.5"
    assert to_json_value(
        {"a": Decimal("0.10"), "b": [date(2026, 1, 5), None, True], "c": Decimal("100.00")}
    ) == {"a": "0.10", "b": ["2026-01-05", None, True], "c": "100"}
