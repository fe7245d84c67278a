"""Broken answers must give InputError with located problems, never any other exception."""

from __future__ import annotations

import copy
from datetime import date, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauses import InputError, assemble, load_library, parse_answers

LIB = load_library(Path(__file__).parent / "fixtures" / "mini")

BASE: dict[str, Any] = {
    "agreement": {
        "title": "T",
        "effective_date": date(2026, 1, 5),
        "timezone": "UTC",
        "currency": "USD",
        "governing_law": "Florida",
    },
    "parties": [
        {"role": "buyer", "name": "A", "address": "x", "email": "a@b.example", "signatory": "s"},
        {
            "role": "worker_organization",
            "name": "W",
            "address": "x",
            "email": "w@b.example",
            "signatory": "s",
        },
        {"role": "monitor", "name": "M", "address": "x", "email": "m@b.example", "signatory": "s"},
    ],
    "suppliers": [{"id": "G-1", "name": "G", "country": "US"}],
    "clauses": {
        "premium": {"rate": "0.02", "alternative": "standard"},
        "monitoring_fees": {"tiers": [{"up_to": 10, "fee": 1}, {"fee": 2}], "cap": 5},
    },
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "standard",
            "floor",
            "premium",
            "buyer",
            "P30D",
            "2026-02-30",
            "Mars/Base",
            "USD",
            "NO",
            "weekly",
            "2026-01-05T10:00",
            "override",
            "",
            "  ",
        ]
    ),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=3)))),
    st.binary(max_size=4),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.text(max_size=8),
                st.integers(),
                st.sampled_from(
                    [
                        "rate",
                        "tiers",
                        "fee",
                        "up_to",
                        "alternative",
                        "override",
                        "reason",
                        "approved_by",
                        "role",
                        "id",
                        "country",
                        "premium",
                        "monitoring_fees",
                    ]
                ),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


PATHS = [p for p in _paths(BASE) if p]


@st.composite
def broken_answers(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(junk)
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        target: Any = data
        try:
            for key in path[:-1]:
                target = target[key]
            action = draw(st.sampled_from(["set", "delete", "add"]))
            if action == "delete" and isinstance(target, dict):
                target.pop(path[-1], None)
            elif action == "add" and isinstance(target, dict):
                target[draw(st.text(max_size=6))] = draw(junk)
            else:
                target[path[-1]] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_answers())
def test_parse_answers_succeeds_or_raises_located_input_errors(data: Any) -> None:
    try:
        answers = parse_answers(data, LIB)
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path.strip(), problem
            assert problem.message.strip(), problem
        return
    # Whatever passed validation must also assemble into a record.
    agreement = assemble(answers, LIB)
    assert agreement.id.startswith("agr-")


def test_the_unbroken_base_parses() -> None:
    assert parse_answers(copy.deepcopy(BASE), LIB).clauses["premium"].variables["rate"] == Decimal(
        "0.02"
    )
