from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clauses import Agreement, Library, TemplateError, assemble, load_library, parse_answers

FIX = Path(__file__).parent / "fixtures"

BASE: dict[str, Any] = {
    "agreement": {
        "title": "Fair Produce Agreement",
        "effective_date": date(2026, 1, 5),
        "timezone": "America/New_York",
        "currency": "USD",
        "governing_law": "the State of Florida",
    },
    "parties": [
        {
            "role": "buyer",
            "name": "Acme Foods Inc.",
            "address": "1 Main St",
            "email": "a@acme.example",
            "signatory": "Jo Buyer",
        },
        {
            "role": "worker_organization",
            "name": "Farmworkers United",
            "address": "2 Field Rd",
            "email": "wo@fwu.example",
            "signatory": "Ana Worker",
        },
        {
            "role": "monitor",
            "name": "Fair Standards Council",
            "address": "3 Audit Ave",
            "email": "ops@fsc.example",
            "signatory": "Max Monitor",
        },
    ],
    "suppliers": [{"id": "GROWER-A", "name": "Sunny Farms", "country": "US"}],
    "clauses": {
        "premium": {"rate": "0.015", "period": "monthly"},
        "monitoring_fees": {"cap": 15000},
    },
}


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library(FIX / "mini")


def build(lib: Library, **clauses: Any) -> Agreement:
    data = copy.deepcopy(BASE)
    data["clauses"].update(clauses)
    return assemble(parse_answers(data, lib), lib)


def test_sections_are_numbered_in_library_order(lib: Library) -> None:
    ag = build(lib)
    assert [(s.number, s.clause_id) for s in ag.sections] == [
        ("1", "parties_and_definitions"),
        ("2", "premium"),
        ("3", "monitoring_fees"),
    ]
    prem = ag.section("premium")
    assert prem.clause_version == "1.2.0"
    assert (prem.alternative, prem.alternative_kind) == ("standard", "standard")
    assert [p.number for p in prem.paragraphs] == ["2.1", "2.2"]
    assert prem.paragraphs[0].text == (
        "The Buyer pays a premium of USD 0.015 per pound purchased from each Covered Supplier, "
        "accrued monthly."
    )
    assert "thirty (30) days" in prem.paragraphs[1].text
    assert "  " not in prem.paragraphs[1].text and "\n" not in prem.paragraphs[1].text


def test_refs_follow_the_numbering_of_this_agreement(lib: Library) -> None:
    with_premium = build(lib).section("monitoring_fees").paragraphs[-1].text
    assert with_premium == (
        "Disputes about the fee go to section 1 and do not delay the premium in section 2."
    )
    data = copy.deepcopy(BASE)
    del data["clauses"]["premium"]
    ag = assemble(parse_answers(data, lib), lib)
    fees = ag.section("monitoring_fees")
    assert fees.number == "2"
    assert fees.paragraphs[-1].text == "Disputes about the fee go to section 1."


def test_variables_in_force_are_json_typed(lib: Library) -> None:
    ag = build(lib)
    assert ag.section("premium").variables == {
        "rate": "0.015",
        "unit": "pound",
        "worker_share_pct": "97",
        "payment_due_days": 30,
        "period": "monthly",
        "note": None,
    }
    assert ag.section("monitoring_fees").variables["tiers"][0] == {
        "up_to": "1000000",
        "fee": "1000",
    }


def test_obligation_specs_are_bound_to_values(lib: Library) -> None:
    ag = build(lib, premium={"alternative": "extended_payment", "period": "monthly"})
    pay = ag.section("premium").obligations[0]
    assert pay.id == "premium.pay_premium"
    assert pay.section == "2"
    assert pay.clause_version == "1.2.0"
    assert pay.deadline.days == 45
    assert pay.deadline.anchor == "period_end"
    assert pay.accrue is not None and pay.accrue.per == "monthly"
    assert pay.trigger.event == "purchase_recorded"
    assert pay.amount_formula == "quantity * rate"
    assert pay.cure is not None
    assert pay.cure.model_dump() == {"days": 10, "powers": ["escalate_to_monitor"]}
    assert [s.id for s in ag.specs] == [
        "premium.pay_premium",
        "premium.pass_through",
        "monitoring_fees.pay_fee",
    ]
    assert ag.section("premium").powers[0].trigger == "violation:pay_premium"


def test_an_alternative_can_limit_its_obligations(lib: Library) -> None:
    ag = build(lib, premium={"alternative": "floor"}, monitoring_fees={"alternative": "flat"})
    assert [s.id for s in ag.specs] == ["premium.pay_premium"]


def test_defined_terms_are_rendered(lib: Library) -> None:
    ag = build(lib)
    terms = {t.term: t for t in ag.defined_terms}
    assert (
        terms["Premium"].definition == "the amount of USD 0.015 per pound paid under this section."
    )
    assert terms["Premium"].clause_id == "premium"
    assert terms["Covered Supplier"].definition.endswith("(1 at signing).")


def test_overrides_are_recorded(lib: Library) -> None:
    ag = build(
        lib,
        premium={
            "worker_share_pct": 80,
            "override": {"reason": "pilot season", "approved_by": "FWU board"},
        },
    )
    assert [o.model_dump() for o in ag.overrides] == [
        {
            "clause_id": "premium",
            "variable": "worker_share_pct",
            "value": "80",
            "floor": "at least 90",
            "reason": "pilot season",
            "approved_by": "FWU board",
        }
    ]
    assert build(lib).overrides == []


def test_assembly_is_deterministic(lib: Library) -> None:
    a, b = build(lib), build(lib)
    assert a.to_json() == b.to_json()
    assert a.id == b.id and a.id.startswith("agr-") and len(a.id) == 16
    assert Agreement.from_json(a.to_json()) == a
    # A fresh load of the library gives the same record too.
    c = assemble(parse_answers(copy.deepcopy(BASE), load_library(FIX / "mini")), lib)
    assert c.to_json() == a.to_json()


@pytest.mark.parametrize(
    "clauses",
    [
        {"premium": {"rate": "0.016", "period": "monthly"}},
        {"premium": {"rate": "0.015", "period": "weekly"}},
        {"premium": {"rate": "0.015", "period": "monthly", "payment_due_days": 29}},
        {"premium": {"rate": "0.015", "period": "monthly", "note": "Weekly pay."}},
        {"monitoring_fees": {"cap": 15001}},
        {"monitoring_fees": {"cap": 15000, "boundary": "lower_inclusive"}},
        {"monitoring_fees": {"alternative": "flat"}},
    ],
)
def test_any_change_of_a_variable_changes_the_hash(lib: Library, clauses: dict[str, Any]) -> None:
    base = build(lib)
    changed = build(lib, **clauses)
    assert changed.content_hash != base.content_hash
    assert changed.id != base.id


def test_a_template_error_names_the_clause(tmp_path: Path) -> None:
    for f in (FIX / "mini").glob("*.yaml"):
        text = f.read_text()
        if f.name == "premium.yaml":
            text = text.replace(
                "{{ unit }} purchased from", "{{ unit }} {{ ref('dispute_resolution') }}"
            )
        (tmp_path / f.name).write_text(text)
    lib2 = load_library(tmp_path)
    with pytest.raises(TemplateError) as err:
        build(lib2)
    assert err.value.clause_id == "premium"
    assert "dispute_resolution" in str(err.value)


def test_amounts_in_force_keep_their_exact_decimals(lib: Library) -> None:
    ag = build(lib, premium={"rate": Decimal("0.0125")})
    assert ag.section("premium").variables["rate"] == "0.0125"


def test_answer_values_are_never_run_as_templates(lib: Library) -> None:
    data = copy.deepcopy(BASE)
    data["parties"][0]["name"] = "{{ ''.__class__ }} Foods"
    data["clauses"]["premium"]["note"] = "Pay {{ 7 * 7 }} now."
    ag = assemble(parse_answers(data, lib), lib)
    assert (
        ag.section("parties_and_definitions")
        .paragraphs[0]
        .text.startswith("This Agreement is made between {{ ''.__class__ }} Foods (the Buyer)")
    )
    assert ag.section("premium").paragraphs[1].text.endswith("in their pay. Pay {{ 7 * 7 }} now.")
