"""Terms that cannot contradict themselves: fee tiers and the declared clause constraints."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from clauses import InputError, assemble, check_library, load_library, parse_answers
from clauses._constraints import (
    ConstraintSyntax,
    fee_tier_findings,
    parse_check,
)
from clauses._schema import Severity

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LIBRARY = Path(__file__).resolve().parents[2] / "clauses" / "library"


@pytest.fixture(scope="module")
def lib():
    return load_library()


@pytest.fixture(scope="module")
def accord() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / "accord-garment-safety.yaml").read_text(encoding="utf-8"))


def _with(answers: dict[str, Any], clause: str, **values: Any) -> dict[str, Any]:
    out = copy.deepcopy(answers)
    out["clauses"].setdefault(clause, {}).update(values)
    return out


def _errors(answers: dict[str, Any], lib) -> list[str]:
    with pytest.raises(InputError) as exc:
        parse_answers(answers, lib)
    return [str(p) for p in exc.value.problems]


def _bands(*pairs: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"up_to": u, "fee": f} for u, f in pairs]


D = Decimal


# -- the fee table, alone ---------------------------------------------------------------------


def test_a_sound_table_has_no_findings():
    tiers = [{"up_to": D(10), "fee": D(1)}, {"up_to": D(20), "fee": D(2)}, {"fee": D(3)}]
    assert fee_tier_findings("clauses.f", tiers, D(5), D(1)) == []


def test_descending_band_is_an_error_at_its_upper_limit():
    tiers = [{"up_to": D(10), "fee": D(1)}, {"up_to": D(30), "fee": D(2)}, {"up_to": D(20)}]
    [f] = fee_tier_findings("clauses.f", tiers, None, None)
    assert f.severity is Severity.ERROR and f.path == "clauses.f.tiers[2].up_to"
    assert "20.00 is below the upper limit of the band before it (30.00)" in f.message


def test_open_band_before_the_last_overlaps_every_later_band():
    tiers = [{"up_to": D(10), "fee": D(1)}, {"up_to": None, "fee": D(2)}, {"up_to": D(50)}]
    [f] = fee_tier_findings("clauses.f", tiers, None, None)
    assert f.path == "clauses.f.tiers[1].up_to" and "only the last band" in f.message


def test_explicit_start_must_meet_the_band_before_gap_and_overlap():
    gap = [{"up_to": D(10), "fee": D(1)}, {"above": D(12), "up_to": D(20), "fee": D(2)}]
    [f] = fee_tier_findings("clauses.f", gap, None, None)
    assert f.path == "clauses.f.tiers[1].above" and "leaves a gap" in f.message
    assert "above 10.00 up to 12.00 fall in no band" in f.message
    overlap = [{"up_to": D(10), "fee": D(1)}, {"above": D(8), "up_to": D(20), "fee": D(2)}]
    [f] = fee_tier_findings("clauses.f", overlap, None, None)
    assert "overlap" in f.message and f.path == "clauses.f.tiers[1].above"
    first = [{"above": D(5), "up_to": D(10), "fee": D(1)}]
    assert (
        "up to 5.00 fall in no band" in fee_tier_findings("clauses.f", first, None, None)[0].message
    )


def test_floor_above_cap_is_an_error():
    [f] = fee_tier_findings("clauses.f", _bands((None, D(5))), D(100), D(200))
    assert f.severity is Severity.ERROR and f.path == "clauses.f.floor"


def test_unreachable_bands_are_warnings():
    tiers = _bands((D(10), D(1)), (D(20), D(50)), (None, D(900)))
    found = fee_tier_findings("clauses.f", tiers, D(500), D(5))
    assert [(f.severity, f.path) for f in found] == [
        (Severity.WARNING, "clauses.f.tiers[0].fee"),
        (Severity.WARNING, "clauses.f.tiers[2].fee"),
    ]
    assert "minimum applies" in found[0].message and "cap applies" in found[1].message


def test_a_closed_last_band_is_a_warning():
    [f] = fee_tier_findings("clauses.f", _bands((D(10), D(1))), None, None)
    assert f.severity is Severity.WARNING and "above 10.00" in f.message


# -- through the answers: errors refuse, warnings reach the record ---------------------------


def test_descending_tiers_in_answers_exit_with_the_item_path(lib, accord):
    tiers = [
        {"up_to": 1000000, "fee": 1000},
        {"up_to": 50000000, "fee": 10000},
        {"up_to": 25000000, "fee": 17500},
        {"up_to": None, "fee": 500000},
    ]
    errors = _errors(_with(accord, "monitoring_fees", tiers=tiers), lib)
    assert errors == [
        "clauses.monitoring_fees.tiers[2].up_to: 25,000,000.00 is below the upper limit of the "
        "band before it (50,000,000.00): bands must be in ascending order without overlap"
    ]


def test_floor_above_cap_in_answers(lib, accord):
    errors = _errors(_with(accord, "monitoring_fees", cap=1000, floor=5000), lib)
    assert errors == [
        "clauses.monitoring_fees.floor: the minimum annual fee 5,000.00 is above the maximum "
        "annual fee 1,000.00: no fee can satisfy both"
    ]


def test_cap_below_top_bands_warns_in_the_record(lib, accord):
    ag = assemble(parse_answers(_with(accord, "monitoring_fees", cap=200000), lib), lib)
    assert [(w.path, w.message[:30]) for w in ag.warnings] == [
        ("clauses.monitoring_fees.tiers[6].fee", "band 7's fee 375,000.00 is abo"),
        ("clauses.monitoring_fees.tiers[7].fee", "band 8's fee 500,000.00 is abo"),
    ]
    assert '"warnings": [' in ag.to_json()


def test_notice_longer_than_the_term_is_refused(lib, accord):
    answers = _with(
        accord,
        "term_and_renewal",
        initial_term_months=6,
        opt_out_notice_days=200,
        override={"reason": "pilot", "approved_by": "counsel"},
    )
    errors = _errors(answers, lib)
    assert errors[0].startswith("clauses.term_and_renewal.opt_out_notice_days: 200 days' notice")
    assert "initial term of 6 months" in errors[0]


def test_notice_vs_renewal_term_only_when_renewing(lib, accord):
    renewing = _with(accord, "term_and_renewal", renewal_term_months=6, opt_out_notice_days=200)
    assert any("renewal term of 6 months" in e for e in _errors(renewing, lib))
    ending = _with(
        accord,
        "term_and_renewal",
        alternative="floor",
        renewal_term_months=6,
        opt_out_notice_days=200,
    )
    ending["clauses"]["term_and_renewal"]["auto_renew"] = False
    parse_answers(ending, lib)  # no renewal, so no contradiction


def test_cross_clause_warning_applies_only_when_both_clauses_are_in(lib):
    ff = yaml.safe_load((EXAMPLES / "fair-food-produce.yaml").read_text(encoding="utf-8"))
    late = _with(
        ff,
        "premium",
        pass_through_days=30,
        override={"reason": "payroll cycle", "approved_by": "counsel"},
    )
    assert "code_of_conduct" in late["clauses"]
    ag = assemble(parse_answers(late, lib), lib)
    assert [w.path for w in ag.warnings] == ["clauses.premium.pass_through_days"]
    assert "longest interval between pay days under the Code (16 days)" in ag.warnings[0].message
    del late["clauses"]["code_of_conduct"]
    ag = assemble(parse_answers(late, lib), lib)
    # only the required-clause warning for the Code itself; no pass-through contradiction
    assert [w.path for w in ag.warnings] == ["clauses.code_of_conduct"]


def test_reminder_before_the_obligation_exists_is_a_warning(lib, accord):
    ag = assemble(parse_answers(_with(accord, "monitoring_fees", due_days=10), lib), lib)
    [w] = ag.warnings
    assert w.path == "clauses.monitoring_fees.due_days"
    assert "reminder 14 day(s) before the deadline would fall before" in w.message


@pytest.mark.parametrize("name", ["accord-garment-safety", "fair-food-produce", "gbvh-apparel"])
def test_examples_draft_without_warnings(lib, name):
    ag = assemble(parse_answers(EXAMPLES / f"{name}.yaml", lib), lib)
    assert ag.warnings == []


# -- the library check ------------------------------------------------------------------------


def test_parse_check_refuses_what_is_not_a_comparison():
    for bad in ("cap", "cap < floor < 3", "len(tiers) > 1", "cap and floor", "fee_tiers(tiers)"):
        with pytest.raises(ConstraintSyntax):
            parse_check(bad)
    assert parse_check("a.b * 28 >= c").names == ("a.b", "c")  # type: ignore[union-attr]


def _library_copy(tmp_path: Path, clause: str, edit) -> Path:
    for f in LIBRARY.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        (tmp_path / f.name).write_text(edit(text) if f.stem == clause else text, encoding="utf-8")
    return tmp_path


def test_check_names_unknown_constraint_variables(tmp_path):
    root = _library_copy(
        tmp_path,
        "premium",
        lambda t: t.replace(
            "check: pass_through_days <= code_of_conduct.max_pay_interval_days",
            "check: pass_through_days <= code_of_conduct.nope",
        ),
    )
    problems = [str(p) for p in check_library(load_library(root))]
    assert any(
        "constraints[0].check: 'code_of_conduct.nope' is not a variable" in p for p in problems
    )


def test_check_refuses_defaults_that_break_a_constraint(tmp_path):
    root = _library_copy(
        tmp_path,
        "term_and_renewal",
        lambda t: t.replace("    default: 90\n", "    default: 365\n", 1).replace(
            "help: Length of each Renewal Term.\n    default: 36\n",
            "help: Length of each Renewal Term.\n    default: 12\n",
        ),
    )
    lib = load_library(root)
    assert lib.get("term_and_renewal").variables["opt_out_notice_days"].default == 365
    problems = [str(p) for p in check_library(lib)]
    assert any(
        "the standard defaults break a constraint (error): "
        "clauses.term_and_renewal.opt_out_notice_days: 365 days' notice" in p
        for p in problems
    ), problems


def test_check_refuses_typed_section_numbers_and_missing_schedules(tmp_path):
    root = _library_copy(
        tmp_path,
        "transparency_reporting",
        lambda t: t.replace(
            "under Section {{ ref('transparency_reporting') }}",
            "under Section 8 and Schedule 2",
        ),
    )
    problems = [str(p) for p in check_library(load_library(root))]
    assert any("'Section 8' types a section number" in p for p in problems), problems
    assert any("'Schedule 2' does not exist" in p for p in problems), problems


def test_check_refuses_ref_used_as_a_schedule_number(tmp_path):
    root = _library_copy(
        tmp_path,
        "transparency_reporting",
        lambda t: t.replace(
            "under Section {{ ref('transparency_reporting') }}",
            "under Schedule {{ ref('transparency_reporting') }}",
        ),
    )
    problems = [str(p) for p in check_library(load_library(root))]
    assert any("ref() after 'Schedule'" in p for p in problems), problems


def test_cure_longer_than_non_renewal_notice_warns(lib, accord):
    ag = assemble(parse_answers(_with(accord, "termination", cure_days=120), lib), lib)
    assert [w.path for w in ag.warnings] == ["clauses.termination.cure_days"]
    assert (
        "leave the Agreement by non-renewal before its cure period ends" in ag.warnings[0].message
    )
