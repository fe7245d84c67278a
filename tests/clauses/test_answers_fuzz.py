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
from tests import hostile, tally

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
    # issue 9: the hostile kinds (huge exponents, separators, YAML 1.1 forms, XML-illegal text,
    # lone surrogates, dates at the representable ends)
    hostile.numbers,
    hostile.bad_text,
    hostile.dates,
    st.decimals(min_value=Decimal("-1e999999"), max_value=Decimal("1e999999")),
    st.sampled_from([Decimal("1e999999"), Decimal("1e-999999"), 10**400, "x" * 300]),
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
            assert "InvalidOperation" not in problem.message, problem
        tally.record("answers (values)", refused=True)
        return
    # Whatever passed validation must also assemble into a record.
    agreement = assemble(answers, LIB)
    assert agreement.id.startswith("agr-")
    tally.record("answers (values)", refused=False)


def test_the_unbroken_base_parses() -> None:
    assert parse_answers(copy.deepcopy(BASE), LIB).clauses["premium"].variables["rate"] == Decimal(
        "0.02"
    )


#: whole answers files as text, each with one of the structural kinds of issue 9
STRUCTURE = [
    "agreement: {title: A}\nagreement: {title: B}\n",
    "clauses:\n  premium: {rate: 0.02, rate: 0.03}\n",
    '{"agreement": {"title": "A", "title": "B"}}',
    "clauses:\n  premium: {rate: 0x1F}\n",
    "clauses:\n  premium: {rate: 1:30}\n",
    "clauses:\n  premium: {rate: 1_000}\n",
    "clauses:\n  premium: {rate: 0o17}\n",
    "clauses:\n  premium: {rate: " + "9" * 5000 + "}\n",
    "clauses:\n  premium: {rate: 1e999999}\n",
    "a: " + "[" * 200 + "]" * 200 + "\n",
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
    'agreement: {title: "bad \\x01 title"}\n',
    '{"agreement": {"title": "half \\ud800"}}',
    "\ufeffagreement: {title: BOM}\n",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(STRUCTURE),
    json_suffix=st.booleans(),
    noise=st.text(alphabet=st.sampled_from(["\n", " ", "#", "x", ":"]), max_size=3),
)
def test_structural_kinds_are_refused_with_located_problems(
    tmp_path_factory: Any, base: str, json_suffix: bool, noise: str
) -> None:
    path = tmp_path_factory.mktemp("answers") / ("a.json" if json_suffix else "a.yaml")
    path.write_text(base + noise, encoding="utf-8", errors="surrogatepass")
    try:
        parse_answers(path, LIB)
    except InputError as exc:
        for problem in exc.problems:
            assert problem.path.strip() and problem.message.strip(), problem
        tally.record("answers (file structure)", refused=True)
        return
    tally.record("answers (file structure)", refused=False)  # pragma: no cover - none is valid
    raise AssertionError(f"accepted: {base!r}")


def test_duplicate_keys_and_yaml_1_1_forms_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("agreement: {title: A}\nagreement: {title: B}\n", encoding="utf-8")
    try:
        parse_answers(path, LIB)
    except InputError as exc:
        assert "the key 'agreement' is given twice (lines 1 and 2); keep one" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a duplicated key was accepted")
    data = copy.deepcopy(BASE)
    for text in ("0x1F", "1:30", "1,0,0", "1e999999"):
        data["clauses"]["premium"]["rate"] = text
        try:
            parse_answers(data, LIB)
        except InputError as exc:
            assert any(p.path == "clauses.premium.rate" for p in exc.problems), exc
        else:  # pragma: no cover
            raise AssertionError(f"rate {text!r} was accepted")
