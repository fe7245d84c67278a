"""``cure.days`` naming another clause's variable: checked by ``wsr library --check``, bound
from that clause when the agreement has it, and the declared fallback when it is left out."""

from __future__ import annotations

import dataclasses

import pytest

from clauses import load_library
from clauses._assemble import bind_spec
from clauses._check import check_library
from clauses._schema import Cure

LIB = load_library()


def test_a_reference_to_another_clause_must_declare_its_fallback():
    with pytest.raises(ValueError, match="fallback_days"):
        Cure.model_validate({"days": "termination.cure_days"})
    with pytest.raises(ValueError, match="applies only"):
        Cure.model_validate({"days": 14, "fallback_days": 30})


def _with_cure_days(days: str):
    premium = LIB.clauses["premium"]
    specs = [
        s.model_copy(update={"cure": Cure(days=days, fallback_days=45, powers=s.cure.powers)})
        if s.cure is not None
        else s
        for s in premium.obligations
    ]
    clauses = dict(LIB.clauses)
    clauses["premium"] = premium.model_copy(update={"obligations": specs})
    return dataclasses.replace(LIB, clauses=clauses)


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("nowhere.cure_days", "names clause 'nowhere', which is not in the library"),
        ("termination.no_such", "clause 'termination' declares no variable 'no_such'"),
        ("premium.unit", "must be of type integer"),
    ],
)
def test_the_check_refuses_a_clause_or_variable_that_does_not_exist(days, message):
    problems = check_library(_with_cure_days(days))
    assert any(
        p.path.endswith("premium.yaml: obligations[0].cure.days") and message in p.message
        for p in problems
    ), problems
    assert check_library(LIB) == []


def test_bound_from_the_clause_or_the_fallback_when_it_is_left_out():
    premium = LIB.clauses["premium"]
    (spec,) = [s for s in premium.obligations if s.id == "payment"]
    assert spec.cure is not None and spec.cure.fallback_days is not None
    values = {"payment_due_days": 30, "unit": "lb", "period": "weekly"}
    bound = bind_spec(premium, spec, "3", values, {"termination": {"cure_days": 45}})
    assert bound.cure is not None and bound.cure.days == 45
    alone = bind_spec(premium, spec, "3", values, {})
    assert alone.cure is not None and alone.cure.days == spec.cure.fallback_days
