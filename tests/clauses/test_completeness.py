"""Required WSR clauses, recorded omissions, sectors and retired alternatives in the answers."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clauses import InputError, Library, assemble, load_library, parse_answers, require_complete
from tests.clauses.test_golden import GOLDEN

ROOT = Path(__file__).resolve().parents[2]

BASE: dict[str, Any] = {
    "agreement": {
        "title": "Example Completeness Agreement",
        "effective_date": date(2026, 1, 5),
        "timezone": "America/New_York",
        "currency": "USD",
        "governing_law": "the State of New York",
    },
    "parties": [
        {
            "role": "buyer",
            "name": "Example Buyer Inc.",
            "address": "1 Market St",
            "email": "legal@buyer.example",
            "signatory": "Pat Lee",
        },
        {
            "role": "worker_organization",
            "name": "Example Alliance",
            "address": "2 Field Rd",
            "email": "office@alliance.example",
            "signatory": "Sam Cruz",
        },
        {
            "role": "monitor",
            "name": "Example Council",
            "address": "3 Oak Ave",
            "email": "council@standards.example",
            "signatory": "Jo Park",
        },
    ],
    "suppliers": [{"id": "SUP-1", "name": "Example Farms Ltd", "country": "US"}],
}

COMPLETE = {
    "code_of_conduct": {},
    "sourcing_cutoff": {},
    "premium": {},
    "monitoring_access": {},
    "complaint_mechanism": {},
    "dispute_resolution": {},
}


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


def answers(clauses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["clauses"] = copy.deepcopy(clauses)
    data.update(copy.deepcopy(extra))
    return data


def test_a_complete_agreement_has_no_warnings_and_lists_every_omission(lib: Library) -> None:
    ag = assemble(parse_answers(answers(COMPLETE), lib), lib)
    assert ag.warnings == []
    included = {s.clause_id for s in ag.sections}
    assert [o.clause_id for o in ag.omitted] == [c for c in lib.clauses if c not in included]
    # supplier_support carries the same element as the premium, so leaving it out is ordinary
    support = next(o for o in ag.omitted if o.clause_id == "supplier_support")
    assert (support.required, support.lacks, support.reason) == (False, "", None)
    require_complete(ag)  # nothing to refuse


def test_leaving_out_the_market_consequence_warns_with_what_is_lacking(lib: Library) -> None:
    clauses = {k: v for k, v in COMPLETE.items() if k != "sourcing_cutoff"}
    ag = assemble(parse_answers(answers(clauses), lib), lib)
    [warning] = ag.warnings
    assert warning.path == "clauses.sourcing_cutoff"
    assert "Market Consequences for Suspended Suppliers" in warning.message
    assert "a suspension by the Monitor costs the Buyer nothing" in warning.message
    assert "omit.sourcing_cutoff.reason" in warning.message
    omission = next(o for o in ag.omitted if o.clause_id == "sourcing_cutoff")
    assert omission.required and omission.lacks.startswith("Without a market consequence")
    with pytest.raises(InputError, match=r"^clauses\.sourcing_cutoff: required clause"):
        require_complete(ag)


def test_without_any_supplier_support_both_carriers_are_required(lib: Library) -> None:
    clauses = {k: v for k, v in COMPLETE.items() if k != "premium"}
    ag = assemble(parse_answers(answers(clauses), lib), lib)
    assert [w.path for w in ag.warnings] == ["clauses.premium", "clauses.supplier_support"]


def test_a_recorded_omission_silences_the_warning_and_satisfies_strict(lib: Library) -> None:
    clauses = {k: v for k, v in COMPLETE.items() if k != "dispute_resolution"}
    omit = {
        "dispute_resolution": {"reason": "forum agreed in a side letter", "approved_by": "J. Doe"}
    }
    ag = assemble(parse_answers(answers(clauses, omit=omit), lib), lib)
    assert ag.warnings == []
    o = next(o for o in ag.omitted if o.clause_id == "dispute_resolution")
    assert (o.required, o.reason, o.approved_by) == (
        True,
        "forum agreed in a side letter",
        "J. Doe",
    )
    require_complete(ag)


@pytest.mark.parametrize(
    ("omit", "message"),
    [
        (
            {"no_such_clause": {"reason": "r", "approved_by": "a"}},
            r"omit\.no_such_clause: unknown clause id 'no_such_clause'",
        ),
        (
            {"premium": {"reason": "r", "approved_by": "a"}},
            r"omit\.premium: 'premium' is also included under clauses\.premium",
        ),
        (
            {"termination": {"reason": "r", "approved_by": "a"}},
            r"omit\.termination: 'termination' is in every agreement",
        ),
        ({"sourcing_cutoff": {"reason": "r"}}, r"omit\.sourcing_cutoff\.approved_by: required"),
        ({"sourcing_cutoff": {"approved_by": "a"}}, r"omit\.sourcing_cutoff\.reason: required"),
        ({"sourcing_cutoff": None}, r"omit\.sourcing_cutoff: needs reason and approved_by"),
        (
            {"sourcing_cutoff": {"reason": "r", "approved_by": "a", "x": 1}},
            r"omit\.sourcing_cutoff\.x: unknown field",
        ),
        (["sourcing_cutoff"], r"omit: must be a mapping"),
    ],
)
def test_bad_omissions_are_errors_naming_the_path(lib: Library, omit: Any, message: str) -> None:
    clauses = {k: v for k, v in COMPLETE.items() if k != "sourcing_cutoff"}
    with pytest.raises(InputError, match=message):
        parse_answers(answers(clauses, omit=omit), lib)


def test_sector_is_validated_and_defaults_to_other(lib: Library) -> None:
    ag = assemble(parse_answers(answers(COMPLETE), lib), lib)
    assert ag.sector == "other"
    bad = answers(COMPLETE)
    bad["agreement"]["sector"] = "mining"
    with pytest.raises(InputError, match=r"agreement\.sector: unknown sector 'mining' \(choose"):
        parse_answers(bad, lib)


@pytest.mark.parametrize(
    ("sector", "present", "absent"),
    [
        ("agriculture", "shade, clean drinking water", "emergency exits"),
        ("dairy", "only for just cause", "shade"),
        ("garment", "emergency exits that are unlocked", "shade"),
        ("other", "a safe workplace", "shade"),
    ],
)
def test_code_minimums_follow_the_sector(
    lib: Library, sector: str, present: str, absent: str
) -> None:
    data = answers(COMPLETE)
    data["agreement"]["sector"] = sector
    text = " ".join(
        p.text
        for p in assemble(parse_answers(data, lib), lib).section("code_of_conduct").paragraphs
    )
    assert present in text and absent not in text
    assert ("sixteen (16) days" in text) is (sector != "garment")


def test_a_retired_alternative_still_drafts_and_says_so(lib: Library) -> None:
    data = answers({**COMPLETE, "parties_and_definitions": {"alternative": "deemed_receipt"}})
    ag = assemble(parse_answers(data, lib), lib)
    assert ag.section("parties_and_definitions").alternative == "standard"
    assert ag.section("general_provisions").variables["email_receipt"] == "next_business_day"
    [note] = ag.warnings
    assert note.path == "clauses.parties_and_definitions.alternative"
    assert "retired" in note.message
    # an explicit choice in the answers wins over what the retired alternative implies
    data["clauses"]["general_provisions"] = {"email_receipt": "when_sent"}
    ag = assemble(parse_answers(data, lib), lib)
    assert ag.section("general_provisions").variables["email_receipt"] == "when_sent"


def test_defined_terms_are_defined_once(lib: Library) -> None:
    data = answers(COMPLETE)
    data["parties"].insert(2, {**data["parties"][1], "name": "Example Second Union"})
    ag = assemble(parse_answers(data, lib), lib)
    text = " ".join(p.text for s in ag.sections for p in s.paragraphs)
    for term in ("Agreement", "Effective Date", "Buyer", "Worker Organization", "Monitor"):
        assert text.count(f"\u201c{term}\u201d") == 1, term
        assert term not in {d.term for d in ag.defined_terms}
    assert '"' not in text
    assert "Worker Organization 1" not in text


# -- prose, not data -----------------------------------------------------------------------

_UNIT = r"(?:days?|months?|years?|hours?|weeks?|Business Days?)"
#: a count written in figures only ("180 days"): every count reads "words (figures) unit"
BARE_COUNT = re.compile(rf"(?<![(\d,.])\b\d[\d,]*\s+{_UNIT}\b")


def _example_texts(lib: Library) -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        ag = assemble(parse_answers(path, lib), lib)
        parts = [p.text for s in ag.sections for p in s.paragraphs]
        parts += [d.definition for d in ag.defined_terms]
        out.append((path.name, "\n".join(parts)))
    return out


def test_counts_are_written_the_same_way_everywhere(lib: Library) -> None:
    texts = _example_texts(lib) + [(p.name, p.read_text()) for p in GOLDEN.glob("*.txt")]
    for name, text in texts:
        assert not BARE_COUNT.findall(text), (name, BARE_COUNT.findall(text))
        # and the noun agrees with the number
        assert not re.search(r"\bone \(1\) (?:days|months|years|hours|suppliers)\b", text), name
        assert "time zone" not in text and "America/New_York time" not in text, name


def test_the_bare_count_check_can_fail() -> None:
    assert BARE_COUNT.findall("within 180 days after") == ["180 days"]
    assert not BARE_COUNT.findall("within one hundred and eighty (180) days after")
