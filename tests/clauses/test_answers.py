from __future__ import annotations

import copy
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clauses import Answers, InputError, Library, load_library, parse_answers

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library(FIX / "mini")


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
            "name": "Acme",
            "address": "1 Main St",
            "email": "a@acme.example",
            "signatory": "Jo",
        },
        {
            "role": "worker_organization",
            "name": "FWU",
            "address": "2 Field Rd",
            "email": "wo@fwu.example",
            "signatory": "Ana",
        },
        {
            "role": "monitor",
            "name": "FSC",
            "address": "3 Audit Ave",
            "email": "ops@fsc.example",
            "signatory": "Max",
        },
    ],
    "suppliers": [
        {"id": "GROWER-A", "name": "Sunny Farms", "country": "US"},
        {"id": "GROWER-G", "name": "Green Growers", "country": "MX"},
    ],
    "clauses": {"premium": {"rate": "0.015"}, "monitoring_fees": None},
}


def answers(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *head, last = dotted.split("__")
        target: Any = data
        for key in head:
            target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return data


def problems(data: Any, lib: Library) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_answers(data, lib)
    return [str(p) for p in err.value.problems]


def test_valid_answers_are_typed(lib: Library) -> None:
    a = parse_answers(answers(), lib)
    assert isinstance(a, Answers)
    assert a.agreement.effective_date == date(2026, 1, 5)
    assert [p.role for p in a.parties] == ["buyer", "worker_organization", "monitor"]
    assert list(a.clauses) == ["parties_and_definitions", "premium", "monitoring_fees"]
    prem = a.clauses["premium"]
    assert prem.alternative == "standard"
    assert prem.variables == {
        "rate": Decimal("0.015"),
        "unit": "pound",
        "worker_share_pct": Decimal(97),
        "payment_due_days": 30,
        "period": "weekly",
        "note": None,
    }
    fees = a.clauses["monitoring_fees"].variables
    assert fees["tiers"][0] == {"up_to": Decimal(1000000), "fee": Decimal(1000)}
    assert fees["cap"] is None
    assert fees["boundary"] == "upper_inclusive"


def test_mandatory_clause_is_included_when_absent_and_others_are_not(lib: Library) -> None:
    a = parse_answers(answers(clauses={}), lib)
    assert list(a.clauses) == ["parties_and_definitions"]


def test_the_alternatives_defaults_apply(lib: Library) -> None:
    a = parse_answers(answers(clauses={"premium": {"alternative": "extended_payment"}}), lib)
    assert a.clauses["premium"].variables["payment_due_days"] == 45
    a = parse_answers(
        answers(clauses={"premium": {"alternative": "extended_payment", "payment_due_days": 40}}),
        lib,
    )
    assert a.clauses["premium"].variables["payment_due_days"] == 40


def test_only_variables_the_alternative_uses_are_filled(lib: Library) -> None:
    a = parse_answers(answers(clauses={"monitoring_fees": {"alternative": "flat"}}), lib)
    assert a.clauses["monitoring_fees"].variables == {"floor": Decimal(1000)}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"clauses__premium__rate": 0}, "clauses.premium.rate: must be greater than 0"),
        (
            {"clauses__premium__rate": "cheap"},
            "clauses.premium.rate: must be a number, got 'cheap'",
        ),
        ({"clauses__premium__colour": "red"}, "clauses.premium.colour: unknown variable"),
        (
            {"clauses__premium__alternative": "x"},
            "clauses.premium.alternative: unknown alternative 'x' "
            "(choose one of: standard, extended_payment, floor)",
        ),
        (
            {"clauses__foo": {}},
            "clauses.foo: unknown clause id 'foo' "
            "(known: parties_and_definitions, premium, monitoring_fees)",
        ),
        (
            {"suppliers__1__id": "GROWER-A"},
            "suppliers[1].id: duplicate supplier id 'GROWER-A'",
        ),
        (
            {"agreement__timezone": "Mars/Base"},
            "agreement.timezone: unknown IANA time zone 'Mars/Base'",
        ),
        (
            {"agreement__currency": "XYZ"},
            "agreement.currency: unknown ISO 4217 currency code 'XYZ'",
        ),
        (
            {"agreement__currency": "usd"},
            "agreement.currency: unknown ISO 4217 currency code 'usd' (write it in capitals: USD)",
        ),
        ({"agreement__effective_date": "2026-13-01"}, "agreement.effective_date: not a valid date"),
        (
            {"agreement__effective_date": datetime(2026, 1, 5, 12, 0)},
            "agreement.effective_date: naive date-time 2026-01-05T12:00:00 (no UTC offset)",
        ),
        ({"agreement__title": ""}, "agreement.title: must be non-empty text"),
        ({"agreement__governing_law": None}, "agreement.governing_law: required"),
        ({"parties__0__email": "not-an-email"}, "parties[0].email: not an e-mail address"),
        (
            {"parties__0__role": "brand"},
            "parties[0].role: unknown role 'brand' "
            "(choose one of: buyer, monitor, worker_organization)",
        ),
        ({"parties__2__role": "buyer"}, "parties: needs exactly one buyer (found 2)"),
        ({"parties__2__role": "buyer"}, "parties: needs exactly one monitor (found 0)"),
        (
            {"parties__1__role": "monitor"},
            "parties: needs at least one worker_organization (found 0)",
        ),
        ({"parties__0__fax": "123"}, "parties[0].fax: unknown field"),
        (
            {"suppliers__0__country": "XX"},
            "suppliers[0].country: unknown ISO 3166 alpha-2 country code",
        ),
        ({"suppliers__0__country": "us"}, "suppliers[0].country: unknown ISO 3166 alpha-2"),
        ({"suppliers": "GROWER-A"}, "suppliers: must be a list of suppliers"),
        ({"clauses__premium": "yes"}, "clauses.premium: must be a mapping"),
        ({"clauses": ["premium"]}, "clauses: must be a mapping of clause id to choices"),
        (
            {"extra": 1},
            "extra: unknown section (expected: agreement, parties, suppliers, clauses, omit)",
        ),
        ({"agreement": None}, "agreement: required"),
        ({"agreement": "x"}, "agreement: must be a mapping with: title"),
        ({"parties": None}, "parties: required"),
        (
            {"clauses__monitoring_fees": {"tiers": [{"fee": 1}, {"fee": 2}, {"fee": "free"}]}},
            "clauses.monitoring_fees.tiers[2].fee: must be a number, got 'free'",
        ),
        (
            {"clauses__monitoring_fees": {"tiers": []}},
            "clauses.monitoring_fees.tiers: needs at least 1",
        ),
        (
            {"clauses__premium__worker_share_pct": 120},
            "clauses.premium.worker_share_pct: a percentage",
        ),
    ],
)
def test_each_problem_is_reported_with_its_path(
    lib: Library, changes: dict[str, Any], expected: str
) -> None:
    got = problems(answers(**changes), lib)
    assert any(p.startswith(expected) for p in got), got


def test_every_problem_is_collected_not_just_the_first(lib: Library) -> None:
    got = problems(
        answers(
            agreement__timezone="Mars/Base",
            suppliers__1__id="GROWER-A",
            clauses__premium__rate=-1,
            clauses__premium__colour="red",
            clauses__foo={},
        ),
        lib,
    )
    assert len(got) == 5, got


def test_a_required_variable_without_default_is_required(tmp_path: Path, lib: Library) -> None:
    text = (FIX / "mini" / "premium.yaml").read_text()
    (tmp_path / "premium.yaml").write_text(text.replace("    default: 0.01\n", ""))
    (tmp_path / "parties_and_definitions.yaml").write_text(
        (FIX / "mini" / "parties_and_definitions.yaml").read_text()
    )
    lib2 = load_library(tmp_path)
    data = answers(clauses={"premium": {}})
    assert problems(data, lib2) == ["clauses.premium.rate: required"]
    data = answers(clauses={"premium": {"rate": None}})
    assert problems(data, lib2) == ["clauses.premium.rate: required"]


def test_below_the_floor_is_refused_without_an_override(lib: Library) -> None:
    got = problems(answers(clauses__premium__worker_share_pct=80), lib)
    assert got == [
        "clauses.premium.worker_share_pct: 80 is below the floor (at least 90); record an override "
        "with clauses.premium.override.reason and .approved_by to draft below the floor"
    ]
    got = problems(
        answers(clauses={"premium": {"alternative": "extended_payment", "payment_due_days": 60}}),
        lib,
    )
    assert got[0].startswith(
        "clauses.premium.payment_due_days: 60 is beyond the floor (at most 45)"
    )


def test_an_override_allows_drafting_below_the_floor(lib: Library) -> None:
    data = answers(
        clauses__premium__worker_share_pct=80,
        clauses__premium__override={"reason": "pilot season", "approved_by": "FWU board"},
    )
    a = parse_answers(data, lib)
    assert a.clauses["premium"].override is not None
    assert a.clauses["premium"].override.approved_by == "FWU board"
    assert a.clauses["premium"].variables["worker_share_pct"] == Decimal(80)


def test_an_override_with_nothing_below_the_floor_is_an_error(lib: Library) -> None:
    data = answers(clauses__premium__override={"reason": "r", "approved_by": "b"})
    assert problems(data, lib) == [
        "clauses.premium.override: override given but no variable is below its floor"
    ]


def test_an_incomplete_override_names_the_missing_field(lib: Library) -> None:
    data = answers(
        clauses__premium__worker_share_pct=80, clauses__premium__override={"reason": "r"}
    )
    got = problems(data, lib)
    assert "clauses.premium.override.approved_by: required (non-empty text)" in got


def test_yaml_file_keeps_decimals_exact_and_does_not_run_tags(tmp_path: Path, lib: Library) -> None:
    a = parse_answers(FIX / "answers_mini.yaml", lib)
    assert a.clauses["premium"].variables["rate"] == Decimal("0.015")
    assert str(a.clauses["premium"].variables["worker_share_pct"]) == "97.5"
    evil = tmp_path / "evil.yaml"
    evil.write_text("agreement: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(InputError, match="evil.yaml: YAML syntax error"):
        parse_answers(evil, lib)


def test_norway_is_a_country_not_false(tmp_path: Path, lib: Library) -> None:
    src = (FIX / "answers_mini.yaml").read_text().replace("country: MX", "country: NO")
    f = tmp_path / "a.yaml"
    f.write_text(src)
    a = parse_answers(f, lib)
    assert a.suppliers[1].country == "NO"


def test_json_file(tmp_path: Path, lib: Library) -> None:
    data = answers()
    data["agreement"]["effective_date"] = "2026-01-05"
    data["clauses"]["premium"]["rate"] = 0.1
    f = tmp_path / "a.json"
    f.write_text(json.dumps(data))
    a = parse_answers(f, lib)
    assert a.clauses["premium"].variables["rate"] == Decimal("0.1")
    f.write_text("{not json")
    with pytest.raises(InputError, match="JSON syntax error at line 1"):
        parse_answers(f, lib)


@pytest.mark.parametrize("name", ["a\x00b.yaml", "\ud800.yaml"])
def test_a_path_no_file_can_have_is_refused(name: str, lib: Library) -> None:
    """A NUL byte or a lone surrogate in a path (found by the answers fuzz): InputError, not
    the ValueError os.open raises."""
    with pytest.raises(InputError, match="is not a usable file name") as refused:
        parse_answers(name, lib)
    assert refused.value.problems[0].path.isprintable()


def test_missing_file_and_non_mapping(tmp_path: Path, lib: Library) -> None:
    with pytest.raises(InputError, match="no such answers file"):
        parse_answers(tmp_path / "nope.yaml", lib)
    f = tmp_path / "list.yaml"
    f.write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="answers: must be a mapping"):
        parse_answers(f, lib)


def test_as_standard_resets_alternatives_defaults_and_overrides(lib: Library) -> None:
    data = answers(
        clauses={
            "premium": {
                "alternative": "extended_payment",
                "rate": "0.02",
                "worker_share_pct": 80,
                "note": "Paid by wire.",
                "override": {"reason": "pilot", "approved_by": "board"},
            },
            "monitoring_fees": {"alternative": "flat", "floor": 500},
        }
    )
    std = parse_answers(data, lib).as_standard(lib)
    prem = std.clauses["premium"]
    assert prem.alternative == "standard"
    assert prem.override is None
    assert prem.variables["rate"] == Decimal("0.01")
    assert prem.variables["worker_share_pct"] == Decimal(97)
    assert prem.variables["payment_due_days"] == 30
    assert prem.variables["note"] == "Paid by wire."  # no standard default: the given value
    fees = std.clauses["monitoring_fees"]
    assert fees.alternative == "standard"
    assert fees.variables["floor"] == Decimal(1000)
    assert fees.variables["boundary"] == "upper_inclusive"
    assert fees.variables["cap"] is None


def test_an_impossible_yaml_date_is_reported_against_its_field(
    tmp_path: Path, lib: Library
) -> None:
    src = (FIX / "answers_mini.yaml").read_text(encoding="utf-8")
    path = tmp_path / "answers.yaml"
    path.write_text(src.replace("effective_date: 2026-01-05", "effective_date: 2026-13-05"))
    with pytest.raises(InputError) as info:
        parse_answers(path, lib)
    assert [p.path for p in info.value.problems] == ["agreement.effective_date"]
    assert "2026-13-05" in info.value.problems[0].message


# -- issue 9: input that must be refused ----------------------------------------------------


def _party(i: int) -> dict[str, str]:
    return {
        "role": "worker_organization",
        "name": f"Member {i}",
        "address": "x",
        "email": f"m{i}@wo.example",
        "signatory": "S",
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"parties": [*BASE["parties"], *(_party(i) for i in range(24))]},
            "parties: at most 26 parties",
        ),
        ({"agreement__timezone": "localtime"}, "agreement.timezone: 'localtime' is not a place"),
        ({"agreement__timezone": "Factory"}, "agreement.timezone: 'Factory' is not a place"),
        ({"agreement__timezone": "EST5EDT"}, "agreement.timezone: 'EST5EDT' is not a place"),
        ({"agreement__effective_date": "0001-01-01"}, "agreement.effective_date: 0001-01-01 is"),
        ({"agreement__effective_date": date(9999, 12, 31)}, "agreement.effective_date: 9999-12-31"),
        ({"agreement__title": "Fair\x0bProduce"}, "agreement.title: contains a control character"),
        ({"agreement__title": "Fair \ud800"}, "agreement.title: contains a lone surrogate"),
        ({"agreement__title": "Fair \ufffe"}, "agreement.title: contains a non-character U+FFFE"),
        ({"agreement__title": "T" * 256}, "agreement.title: at most 255 characters"),
        (
            {"suppliers": [{"id": "G" * 65, "name": "Long", "country": "US"}]},
            "suppliers[0].id: at most 64 characters",
        ),
        ({"clauses__premium__rate": "1,0,0"}, "clauses.premium.rate: '1,0,0': write the number"),
        ({"clauses__premium__rate": "1e999999"}, "clauses.premium.rate: is far too large"),
        (
            {"clauses__premium__rate": Decimal("1e-30")},
            "clauses.premium.rate: 0.000000000000000000000000000001 has 30 decimal places",
        ),
    ],
)
def test_each_hostile_kind_is_refused_at_its_path(
    lib: Library, changes: dict[str, Any], expected: str
) -> None:
    got = problems(answers(**changes), lib)
    assert any(p.startswith(expected) for p in got), got


def test_26_parties_and_a_64_character_supplier_id_are_accepted(lib: Library) -> None:
    data = answers(parties=[*BASE["parties"], *(_party(i) for i in range(23))])
    data["suppliers"] = [{"id": "G" * 64, "name": "Long", "country": "US"}]
    parsed = parse_answers(data, lib)
    assert len(parsed.parties) == 26 and parsed.suppliers[0].id == "G" * 64
