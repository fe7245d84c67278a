"""The shipped clause library and example answers: names other code depends on, coherence, use.

Helper code (the obligations compiler, the interview, the acceptance script) refers to clause
ids, variable names and spec ids by name, so those names are pinned here with their types.
The library must pass its own checker, every clause must be usable with its defaults alone,
and every example answers file must parse and assemble.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from clauses import (
    EVENT_FIELDS,
    EVENT_REQUIRED,
    SPEC_ROLES,
    AlternativeKind,
    ClauseDef,
    Library,
    ObligationKind,
    VarType,
    WsrElement,
    assemble,
    check_library,
    load_library,
    parse_answers,
)
from clauses._library import DEFAULT_LIBRARY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

CLAUSE_IDS = [
    "parties_and_definitions",
    "term_and_renewal",
    "scope_and_supplier_disclosure",
    "code_of_conduct",
    "premium",
    "sourcing_cutoff",
    "supplier_support",
    "monitoring_access",
    "complaint_mechanism",
    "worker_education",
    "transparency_reporting",
    "monitoring_fees",
    "non_retaliation",
    "dispute_resolution",
    "termination",
    "general_provisions",
]

#: every clause's current version: a changed text is a new version (semver)
VERSIONS = {
    "parties_and_definitions": "2.0.0",
    "term_and_renewal": "1.1.0",
    "scope_and_supplier_disclosure": "1.0.0",
    "code_of_conduct": "1.1.0",
    "premium": "1.1.0",
    "sourcing_cutoff": "1.1.0",
    "supplier_support": "1.0.1",
    "monitoring_access": "1.1.0",
    "complaint_mechanism": "1.0.1",
    "worker_education": "1.1.0",
    "transparency_reporting": "1.0.0",
    "monitoring_fees": "1.1.0",  # the fee schedule as a table
    "non_retaliation": "1.1.0",
    "dispute_resolution": "1.2.0",
    "termination": "1.0.0",
    "general_provisions": "1.0.0",
}

#: the clause types that make an agreement WSR, by the element each carries
REQUIRED = {
    "code_of_conduct": "worker_code",
    "dispute_resolution": "binding_agreement",
    "sourcing_cutoff": "market_consequence",
    "premium": "supplier_support",
    "supplier_support": "supplier_support",
    "complaint_mechanism": "complaints",
    "monitoring_access": "monitoring",
}
MANDATORY = ["parties_and_definitions", "termination", "general_provisions"]

BASE: dict[str, Any] = {
    "agreement": {
        "title": "Example Content Agreement",
        "effective_date": date(2026, 1, 5),
        "timezone": "America/New_York",
        "currency": "USD",
        "governing_law": "the State of New York",
    },
    "parties": [
        {
            "role": "buyer",
            "name": "Example Buyer Inc.",
            "address": "1 Market St, New York, NY",
            "email": "legal@buyer.example",
            "signatory": "Pat Lee",
        },
        {
            "role": "worker_organization",
            "name": "Example Workers Alliance",
            "address": "2 Field Rd, Immokalee, FL",
            "email": "office@alliance.example",
            "signatory": "Sam Cruz",
        },
        {
            "role": "monitor",
            "name": "Example Standards Council",
            "address": "3 Oak Ave, Sarasota, FL",
            "email": "council@standards.example",
            "signatory": "Jo Park",
        },
    ],
    "suppliers": [
        {"id": "SUP-1", "name": "Example Farms One Ltd", "country": "US"},
        {"id": "SUP-2", "name": "Example Farms Two Ltd", "country": "US"},
    ],
    "clauses": {},
}


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


def answers(clauses: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["clauses"] = copy.deepcopy(clauses)
    return data


# -- files, ids, order ----------------------------------------------------------------------


def test_library_holds_exactly_the_sixteen_clause_types(lib: Library) -> None:
    assert list(lib.clauses) == CLAUSE_IDS
    assert sorted(p.stem for p in DEFAULT_LIBRARY.glob("*.yaml")) == sorted(CLAUSE_IDS)


@pytest.mark.parametrize("clause_id", CLAUSE_IDS)
def test_each_file_validates_on_its_own(clause_id: str) -> None:
    raw = yaml.safe_load((DEFAULT_LIBRARY / f"{clause_id}.yaml").read_text(encoding="utf-8"))
    cdef = ClauseDef.model_validate(raw)
    assert cdef.id == clause_id
    assert cdef.version == VERSIONS[clause_id]
    # `on` is a YAML 1.1 boolean: an unquoted `on:` key would have become True and failed above
    assert all(isinstance(k, str) for k in raw)


def test_orders_are_spaced_by_ten_in_contract_order(lib: Library) -> None:
    assert [c.order for c in lib.clauses.values()] == list(range(10, 170, 10))


def test_parties_termination_and_general_provisions_are_mandatory(lib: Library) -> None:
    assert [c.id for c in lib.clauses.values() if c.mandatory] == MANDATORY


def test_required_clauses_carry_the_six_wsr_elements(lib: Library) -> None:
    got = {c.id: c.required.element.value for c in lib.clauses.values() if c.required}
    assert got == REQUIRED
    assert set(got.values()) == {e.value for e in WsrElement}
    for cid in got:
        lacks = lib.get(cid).required.lacks
        assert lacks.startswith("Without ") and lacks.endswith("."), cid


def test_library_passes_its_own_checker(lib: Library) -> None:
    assert check_library(lib) == []


@pytest.mark.parametrize("clause_id", CLAUSE_IDS)
def test_clause_documents_itself(lib: Library, clause_id: str) -> None:
    c = lib.get(clause_id)
    assert c.summary.strip() and len(c.commentary) > 400
    assert c.sources, "commentary facts need their sources"
    assert all(re.match(r"^https?://\S+$", s) for s in c.sources)
    assert all(v.label and v.help for v in c.variables.values() if v.type is not VarType.LIST)
    kinds = [a.kind for a in c.alternatives.values()]
    assert kinds.count(AlternativeKind.FALLBACK) >= 1
    assert all(a.label for a in c.alternatives.values())
    assert all(a.note for a in c.alternatives.values() if a.kind is not AlternativeKind.STANDARD)


def test_defined_terms_are_unique_across_the_library(lib: Library) -> None:
    terms = [d.term for c in lib.clauses.values() for d in c.defines]
    assert len(terms) == len(set(terms)), sorted(t for t in terms if terms.count(t) > 1)


# -- names other code depends on ------------------------------------------------------------


def _var(lib: Library, clause_id: str, name: str) -> Any:
    return lib.get(clause_id).variables[name]


def _spec(lib: Library, clause_id: str, local: str) -> Any:
    return next(s for s in lib.get(clause_id).obligations if s.id == local)


def test_premium_names(lib: Library) -> None:
    v = lib.get("premium").variables
    assert v["rate"].type is VarType.DECIMAL
    assert v["rate"].min == 0 and v["rate"].min_exclusive and v["rate"].floor is None
    assert v["unit"].type is VarType.ENUM and v["unit"].choices == ["lb", "kg", "cwt", "unit"]
    assert v["period"].type is VarType.ENUM
    assert v["period"].choices == ["weekly", "monthly", "quarterly"]
    assert v["payment_due_days"].type is VarType.INTEGER
    assert v["payment_due_days"].floor.at_most == 45
    assert v["worker_share_pct"].type is VarType.PERCENT
    assert v["worker_share_pct"].floor.at_least == 90
    assert v["pass_through_days"].type is VarType.INTEGER and v["pass_through_days"].default == 7

    pay = _spec(lib, "premium", "payment")
    assert (pay.kind, pay.obligor, pay.beneficiary, pay.subject) == (
        ObligationKind.PAYMENT,
        "buyer",
        "supplier",
        "supplier",
    )
    t, acc = pay.trigger, pay.accrue
    assert (t.on, t.event) == ("event", "purchase_recorded")
    assert acc is not None
    assert (acc.per, acc.quantity, acc.unit_field, acc.unit_variable) == (
        "period",
        "quantity",
        "unit",
        "unit",
    )
    assert [(h.by.value, h.event) for h in pay.settled_by] == [
        ("payment", "payment_recorded"),
        ("evidence", None),
    ]
    assert (pay.deadline.anchor, pay.deadline.days) == ("period_end", "payment_due_days")
    assert pay.amount.formula == "quantity * rate"

    pt = _spec(lib, "premium", "pass_through")
    assert (pt.obligor, pt.beneficiary, pt.subject) == ("supplier", "workers", "supplier")
    assert (pt.trigger.on, pt.trigger.event) == ("event", "payment_recorded")
    assert pt.trigger.where == {"spec": "premium.payment"}
    assert (pt.deadline.anchor, pt.deadline.days) == ("event", "pass_through_days")
    assert pt.amount.formula == "amount * worker_share_pct / 100"
    assert [(h.by.value, h.event) for h in pt.settled_by] == [
        ("payroll", "payroll_recorded"),
        ("evidence", None),
    ]


def test_sourcing_cutoff_names(lib: Library) -> None:
    v = _var(lib, "sourcing_cutoff", "cutoff_days")
    assert v.type is VarType.INTEGER and v.floor.at_most == 30
    s = _spec(lib, "sourcing_cutoff", "cease_purchases")
    assert (s.kind, s.obligor, s.beneficiary, s.subject) == (
        ObligationKind.PROHIBITION,
        "buyer",
        "worker_organization",
        "supplier",
    )
    assert (s.trigger.on, s.trigger.event) == ("event", "supplier_suspended")
    [end] = s.ends_on
    assert (end.event, end.outcome.value, end.if_suspected.value) == (
        "supplier_reinstated",
        "fulfilled",
        "discharged",
    )
    [broken] = s.violated_by
    assert (broken.event, broken.match.value, broken.after) == (
        "purchase_recorded",
        "subject",
        "due",
    )
    assert (s.deadline.anchor, s.deadline.days) == ("event", "cutoff_days")
    powers = lib.get("sourcing_cutoff").powers
    assert any(
        p.holder == "worker_organization"
        and p.action == "arbitrate"
        and p.trigger == "violation:cease_purchases"
        for p in powers
    )
    # the Lesotho/Dindigul order-reduction fallback switches the tracked duty
    alts = lib.get("sourcing_cutoff").alternatives
    assert alts["standard"].obligations == ["cease_purchases"]
    assert alts["order_reduction"].obligations == ["reduce_orders"]


def test_supplier_support_names(lib: Library) -> None:
    c = lib.get("supplier_support")
    assert c.variables["remediation_share_pct"].type is VarType.PERCENT
    assert c.variables["payment_due_days"].type is VarType.INTEGER
    s = _spec(lib, "supplier_support", "remediation_payment")
    assert (s.obligor, s.beneficiary, s.subject) == ("buyer", "supplier", "supplier")
    assert (s.trigger.event, s.deadline.anchor, s.deadline.days) == (
        "cap_approved",
        "event",
        "payment_due_days",
    )
    assert s.amount.formula == "cost * remediation_share_pct / 100"


def test_monitoring_fees_names(lib: Library) -> None:
    v = lib.get("monitoring_fees").variables
    tiers = v["tiers"]
    assert tiers.type is VarType.LIST
    assert tiers.items["up_to"].type is VarType.DECIMAL and tiers.items["up_to"].required is False
    assert tiers.items["fee"].type is VarType.MONEY
    assert v["cap"].type is VarType.MONEY and v["cap"].required is False
    assert v["floor"].type is VarType.MONEY and v["floor"].required is False
    assert v["boundary"].type is VarType.ENUM
    assert v["boundary"].choices == ["lower_inclusive", "upper_inclusive"]
    assert v["boundary"].required is False and v["boundary"].default is None
    assert v["due_days"].type is VarType.INTEGER
    s = _spec(lib, "monitoring_fees", "annual_fee")
    assert (s.obligor, s.beneficiary, s.trigger.event) == ("buyer", "monitor", "volume_declared")
    assert (s.deadline.anchor, s.deadline.days) == ("event", "due_days")
    assert s.amount.formula == "tier_fee(amount)"
    alts = lib.get("monitoring_fees").alternatives.values()
    assert all("{% for t in tiers %}" in a.text for a in alts)


def test_complaint_mechanism_names(lib: Library) -> None:
    assert _var(lib, "complaint_mechanism", "investigation_days").type is VarType.INTEGER
    s = _spec(lib, "complaint_mechanism", "investigation")
    assert (s.obligor, s.beneficiary, s.subject, s.trigger.event) == (
        "monitor",
        "workers",
        "supplier",
        "complaint_filed",
    )
    assert (s.deadline.anchor, s.deadline.days, s.kpi) == ("event", "investigation_days", False)
    kpi = _spec(lib, "complaint_mechanism", "resolution_kpi")
    assert kpi.kpi is True and kpi.deadline.days == "resolution_kpi_days"


def test_term_and_renewal_names(lib: Library) -> None:
    v = lib.get("term_and_renewal").variables
    assert {k: (x.type, x.default) for k, x in v.items()} == {
        "initial_term_months": (VarType.INTEGER, 36),
        "auto_renew": (VarType.BOOLEAN, True),
        "renewal_term_months": (VarType.INTEGER, 36),
        "opt_out_notice_days": (VarType.INTEGER, 90),
    }
    s = _spec(lib, "term_and_renewal", "opt_out_notice")
    assert (s.obligor, s.beneficiary, s.trigger.on) == ("buyer", "worker_organization", "execution")
    assert (s.deadline.anchor, s.deadline.days) == ("term_end", "opt_out_notice_days")
    assert "backwards" in s.description.lower()


# -- every clause is usable with its defaults ----------------------------------------------


@pytest.mark.parametrize("clause_id", CLAUSE_IDS)
def test_every_clause_drafts_with_standard_and_defaults_only(lib: Library, clause_id: str) -> None:
    ag = assemble(parse_answers(answers({clause_id: {"alternative": "standard"}}), lib), lib)
    sec = ag.section(clause_id)
    assert sec.paragraphs and all(p.text.strip() for p in sec.paragraphs)
    assert len(sec.obligations) == len(
        lib.get(clause_id).alternatives["standard"].obligations or lib.get(clause_id).obligations
    )


@pytest.mark.parametrize("clause_id", CLAUSE_IDS)
def test_clause_text_uses_no_term_defined_by_an_absent_clause(lib: Library, clause_id: str) -> None:
    """Drafted alone (with the mandatory clause), a clause must not lean on another's terms."""
    included = {clause_id, *MANDATORY}
    foreign = {
        d.term: c.id for c in lib.clauses.values() if c.id not in included for d in c.defines
    }
    for alt in lib.get(clause_id).alternatives:
        ag = assemble(parse_answers(answers({clause_id: {"alternative": alt}}), lib), lib)
        text = "\n".join(p.text for s in ag.sections for p in s.paragraphs)
        text += "\n".join(d.definition for d in ag.defined_terms)
        for term, owner in foreign.items():
            assert not re.search(rf"\b{re.escape(term)}s?\b", text), (
                f"{clause_id}/{alt} uses {term!r}, which only {owner} defines"
            )


def test_cross_references_are_guarded_when_the_target_is_optional(lib: Library) -> None:
    alone = assemble(parse_answers(answers({"non_retaliation": {}}), lib), lib)
    with_code = assemble(
        parse_answers(answers({"non_retaliation": {}, "code_of_conduct": {}}), lib), lib
    )
    assert "Zero-Tolerance Violation" not in alone.section("non_retaliation").paragraphs[0].text
    assert "Zero-Tolerance Violation" in with_code.section("non_retaliation").paragraphs[0].text
    term = {d.term: d.definition for d in alone.defined_terms}["Term"]
    # termination is always present; the term clause is not
    assert term.endswith("until this Agreement expires or is terminated under Section 3.")
    with_term = assemble(parse_answers(answers({"term_and_renewal": {}}), lib), lib)
    assert {d.term: d.definition for d in with_term.defined_terms}["Term"].endswith(
        "expires under Section 2 or is terminated under Section 3."
    )


def test_floors_refuse_a_value_past_them_without_an_override(lib: Library) -> None:
    from clauses import InputError

    with pytest.raises(InputError, match=r"clauses\.premium\.worker_share_pct: .*floor"):
        parse_answers(answers({"premium": {"worker_share_pct": 80}}), lib)
    with pytest.raises(InputError, match=r"clauses\.sourcing_cutoff\.cutoff_days: .*floor"):
        parse_answers(answers({"sourcing_cutoff": {"cutoff_days": 45}}), lib)


# -- trace scenarios ------------------------------------------------------------------------


@pytest.mark.parametrize("clause_id", CLAUSE_IDS)
def test_trace_scenarios_are_well_formed(lib: Library, clause_id: str) -> None:
    c = lib.get(clause_id)
    if c.obligations:
        assert 1 <= len(c.tests) <= 3, "clauses with obligations carry 1-3 trace scenarios"
    local = {s.id for s in c.obligations}
    for t in c.tests:
        date.fromisoformat(t.signed_on)
        assert re.search(r"[+-]\d\d:\d\d$", t.now), "`now` must be timezone-aware"
        assert set(t.variables) <= set(c.variables)
        for ev in t.events:
            assert ev.type in EVENT_FIELDS
            assert set(ev.set) <= set(EVENT_FIELDS[ev.type]), ev
            assert EVENT_REQUIRED[ev.type] <= set(ev.set), ev
            date.fromisoformat(ev.on)
            if "supplier" in ev.set:
                assert ev.set["supplier"] in {"SUP-1", "SUP-2"}
        for ex in t.expect:
            prefix, _, spec = ex.spec.partition(".")
            assert prefix == clause_id and spec in local, ex.spec
            if ex.amount is not None:
                Decimal(ex.amount)
            if ex.due is not None:
                date.fromisoformat(ex.due)


def test_every_spec_names_known_roles(lib: Library) -> None:
    for c in lib.clauses.values():
        for s in c.obligations:
            assert {s.obligor, s.beneficiary} <= SPEC_ROLES


# -- examples -------------------------------------------------------------------------------

EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))


#: every example, its sector, and the warnings it is meant to draft with (none)
EXAMPLE_SECTORS = {
    "accord-garment-safety.yaml": "garment",
    "construction-dignity.yaml": "other",
    "dairy-milk-dignity.yaml": "dairy",
    "fair-food-produce.yaml": "agriculture",
    "gbvh-apparel.yaml": "garment",
}


def test_the_examples_exist_and_cover_every_sector() -> None:
    assert EXAMPLE_FILES == sorted(EXAMPLE_SECTORS)
    assert set(EXAMPLE_SECTORS.values()) == {"agriculture", "dairy", "garment", "other"}


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_drafts_as_a_complete_wsr_agreement(lib: Library, name: str) -> None:
    ag = assemble(parse_answers(EXAMPLES / name, lib), lib)
    assert ag.sector == EXAMPLE_SECTORS[name]
    assert ag.warnings == []
    assert not [o.clause_id for o in ag.omitted if o.required]
    ids = [s.clause_id for s in ag.sections]
    assert ids[-2:] == ["termination", "general_provisions"]
    assert {o.clause_id for o in ag.omitted} == set(lib.clauses) - set(ids)
    carried = {lib.get(c).required.element for c in ids if lib.get(c).required}
    assert carried == set(WsrElement)


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_parses_and_assembles(lib: Library, name: str) -> None:
    ans = parse_answers(EXAMPLES / name, lib)
    ag = assemble(ans, lib)
    assert ag.sections[0].clause_id == "parties_and_definitions"
    assert [s.number for s in ag.sections] == [str(i) for i in range(1, len(ag.sections) + 1)]
    assert all("Example" in p.name for p in ag.parties), "parties must be fictional"
    assert all("Example" in s.name for s in ag.suppliers), "suppliers must be fictional"
    assert ag == assemble(parse_answers(EXAMPLES / name, lib), lib)  # deterministic


def test_fair_food_example(lib: Library) -> None:
    ag = assemble(parse_answers(EXAMPLES / "fair-food-produce.yaml", lib), lib)
    assert ag.timezone == "America/New_York" and 4 <= len(ag.suppliers) <= 6
    prem = ag.section("premium")
    assert prem.variables["rate"] == "0.01" and prem.variables["unit"] == "lb"
    assert prem.variables["period"] == "weekly"
    ids = {s.clause_id for s in ag.sections}
    assert {
        "sourcing_cutoff",
        "complaint_mechanism",
        "code_of_conduct",
        "worker_education",
        "non_retaliation",
        "monitoring_access",
    } <= ids
    pay = next(s for s in ag.specs if s.id == "premium.payment")
    assert pay.accrue is not None and pay.accrue.per == "weekly" and pay.accrue.unit == "lb"
    assert pay.amount_formula == "quantity * rate"


def test_accord_example(lib: Library) -> None:
    ag = assemble(parse_answers(EXAMPLES / "accord-garment-safety.yaml", lib), lib)
    assert (ag.timezone, ag.currency) == ("Asia/Dhaka", "USD")
    assert len(ag.suppliers) == 10 and {s.country for s in ag.suppliers} == {"BD"}
    fees = ag.section("monitoring_fees").variables
    assert [(t["up_to"], t["fee"]) for t in fees["tiers"]] == [
        ("1000000", "1000"),
        ("10000000", "10000"),
        ("25000000", "17500"),
        ("50000000", "37500"),
        ("100000000", "75000"),
        ("250000000", "175000"),
        ("500000000", "375000"),
        (None, "500000"),
    ]
    assert (fees["cap"], fees["floor"], fees["boundary"]) == ("500000", "1000", "lower_inclusive")
    ids = {s.clause_id for s in ag.sections}
    assert {
        "supplier_support",
        "dispute_resolution",
        "monitoring_access",
        "complaint_mechanism",
        "transparency_reporting",
    } <= ids
    text = " ".join(p.text for p in ag.section("monitoring_fees").paragraphs)
    assert "\n| USD 500,000,000.00 and above | USD 500,000.00 |" in text  # the table's last row
    assert "falls within the higher band" in text


def test_gbvh_example(lib: Library) -> None:
    ag = assemble(parse_answers(EXAMPLES / "gbvh-apparel.yaml", lib), lib)
    assert ag.timezone == "Africa/Maseru" and {s.country for s in ag.suppliers} == {"LS"}
    cut = ag.section("sourcing_cutoff")
    assert cut.alternative == "order_reduction"
    assert [s.id for s in cut.obligations] == ["sourcing_cutoff.reduce_orders"]
    ids = {s.clause_id for s in ag.sections}
    assert {"complaint_mechanism", "non_retaliation", "worker_education"} <= ids
    assert sum(p.role == "worker_organization" for p in ag.parties) == 2
    first = ag.sections[0].paragraphs[0].text
    assert (
        "(together the \u201cWorker Organization\u201d, and each of them a "
        "\u201cMember Organization\u201d)" in first
    )
    assert "Member Organizations exercise the rights of the Worker Organization jointly" in first
    assert "Worker Organization 1" not in first and '"' not in first
    assert "supplier_support" in {s.clause_id for s in ag.sections}


def test_accord_example_has_a_market_consequence(lib: Library) -> None:
    ag = assemble(parse_answers(EXAMPLES / "accord-garment-safety.yaml", lib), lib)
    cut = ag.section("sourcing_cutoff")
    assert [s.id for s in cut.obligations] == ["sourcing_cutoff.cease_purchases"]
    notices = " ".join(p.text for p in ag.section("general_provisions").paragraphs)
    assert "at 9:00 on the first Business Day after the day on which it is sent" in notices
