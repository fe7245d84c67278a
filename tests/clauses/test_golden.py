"""Golden files: the exact contract text of every clause under every alternative.

Each case drafts one clause (plus the mandatory parties clause) from fixed answers through the
real path, ``parse_answers`` + ``assemble``, and compares the clause's numbered paragraphs and
the terms it defines with ``tests/clauses/golden/<clause>__<alternative>.txt``. A change to the
wording of a clause shows up here as a diff a lawyer can read. Regenerate deliberately with
``WSR_UPDATE_GOLDEN=1`` and read the result: these files are text people will sign.
"""

from __future__ import annotations

import copy
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clauses import Library, assemble, load_library, parse_answers

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("WSR_UPDATE_GOLDEN") == "1"

BASE: dict[str, Any] = {
    "agreement": {
        "title": "Example Golden Fair Work Agreement",
        "effective_date": date(2026, 1, 5),
        "timezone": "America/New_York",
        "currency": "USD",
        "governing_law": "the State of New York",
    },
    "parties": [
        {
            "role": "buyer",
            "name": "Example Grocers LLC",
            "address": "100 Market St, Tampa, FL",
            "email": "legal@grocers.example",
            "signatory": "Pat Lee",
        },
        {
            "role": "worker_organization",
            "name": "Example Farmworker Coalition",
            "address": "1 Main St, Immokalee, FL",
            "email": "office@coalition.example",
            "signatory": "Sam Cruz",
        },
        {
            "role": "monitor",
            "name": "Example Standards Council",
            "address": "2 Oak Ave, Sarasota, FL",
            "email": "council@standards.example",
            "signatory": "Jo Park",
        },
    ],
    "suppliers": [
        {"id": "GROWER-G", "name": "Example Green Acres Farms", "country": "US"},
        {"id": "GROWER-H", "name": "Example Harvest Hill Farms", "country": "US"},
    ],
    "clauses": {},
}

#: variables a clause needs beyond its defaults to draft every branch we want pinned
EXTRA: dict[str, dict[str, Any]] = {
    "monitoring_fees": {"cap": 500000, "floor": 1000, "boundary": "lower_inclusive"},
}

#: further pinned variants: (golden name, clause id, answers for that clause, other clauses)
VARIANTS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "monitoring_fees__standard__no_boundary_no_cap",
        "monitoring_fees",
        {"alternative": "standard"},
        {},
    ),
    (
        "monitoring_fees__standard__upper_inclusive_floor_only",
        "monitoring_fees",
        {"alternative": "standard", "boundary": "upper_inclusive", "floor": 2750},
        {},
    ),
    (
        "term_and_renewal__standard__no_auto_renew",
        "term_and_renewal",
        {"alternative": "standard", "auto_renew": False},
        {},
    ),
    (
        "premium__standard__quarterly_cwt",
        "premium",
        {"alternative": "standard", "rate": "0.35", "unit": "cwt", "period": "quarterly"},
        {},
    ),
    *[
        (
            f"code_of_conduct__standard__{sector}",
            "code_of_conduct",
            {"alternative": "standard"},
            {"__sector__": sector},
        )
        for sector in ("agriculture", "dairy", "garment")
    ],
    (
        "parties_and_definitions__standard__two_worker_organizations",
        "parties_and_definitions",
        {"alternative": "standard"},
        {"__second_worker_organization__": True},
    ),
    (
        "general_provisions__standard__email_next_business_day",
        "general_provisions",
        {"alternative": "standard", "email_receipt": "next_business_day"},
        {},
    ),
    (
        "termination__standard__full_agreement",
        "termination",
        {"alternative": "standard"},
        {
            c: {}
            for c in (
                "premium",
                "sourcing_cutoff",
                "supplier_support",
                "monitoring_access",
                "transparency_reporting",
                "non_retaliation",
                "dispute_resolution",
            )
        },
    ),
    (
        "dispute_resolution__standard__with_fees",
        "dispute_resolution",
        {"alternative": "standard"},
        {"monitoring_fees": {}},
    ),
    (
        "non_retaliation__standard__with_code",
        "non_retaliation",
        {"alternative": "standard"},
        {"code_of_conduct": {}},
    ),
]


def _cases() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    lib = load_library()
    cases = []
    for cid, cdef in lib.clauses.items():
        for alt in cdef.alternatives:
            choice = {"alternative": alt, **EXTRA.get(cid, {})}
            cases.append((f"{cid}__{alt}", cid, choice, {}))
    return cases + VARIANTS


CASES = _cases()


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


def render_case(
    lib: Library, clause_id: str, choice: dict[str, Any], others: dict[str, Any]
) -> str:
    data = copy.deepcopy(BASE)
    others = dict(others)
    if "__sector__" in others:
        data["agreement"]["sector"] = others.pop("__sector__")
    if others.pop("__second_worker_organization__", False):
        data["parties"].insert(
            2,
            {
                "role": "worker_organization",
                "name": "Example Women's Rights Network",
                "address": "3 Pine Rd, Immokalee, FL",
                "email": "contact@network.example",
                "signatory": "Lee Moss",
            },
        )
    data["clauses"] = {**copy.deepcopy(others), clause_id: copy.deepcopy(choice)}
    ag = assemble(parse_answers(data, lib), lib)
    sec = ag.section(clause_id)
    lines = [f"{sec.number}. {sec.title} [{sec.alternative} ({sec.alternative_kind})]", ""]
    for para in sec.paragraphs:
        lines += [f"{para.number} {para.text}", ""]
    terms = [d for d in ag.defined_terms if d.clause_id == clause_id]
    if terms:
        lines += ["Defined terms:", ""]
        for d in terms:
            lines += [f'"{d.term}": {d.definition}', ""]
    return "\n".join(lines).rstrip("\n") + "\n"


@pytest.mark.parametrize(
    ("name", "clause_id", "choice", "others"), CASES, ids=[c[0] for c in CASES]
)
def test_clause_text_matches_golden(
    lib: Library, name: str, clause_id: str, choice: dict[str, Any], others: dict[str, Any]
) -> None:
    got = render_case(lib, clause_id, choice, others)
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing golden {path.name}; regenerate with WSR_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")


def test_no_stale_golden_files() -> None:
    expected = {f"{c[0]}.txt" for c in CASES}
    present = {p.name for p in GOLDEN.glob("*.txt")}
    assert present - expected == set(), "golden files for cases that no longer exist"


def test_every_clause_alternative_has_a_case(lib: Library) -> None:
    names = {c[0] for c in CASES}
    assert {f"{c.id}__{a}" for c in lib.clauses.values() for a in c.alternatives} <= names


def test_golden_text_has_no_template_residue() -> None:
    for path in GOLDEN.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        for bad in ("{{", "}}", "{%", "%}", "None", "  "):
            assert bad not in text, f"{path.name} contains {bad!r}"
