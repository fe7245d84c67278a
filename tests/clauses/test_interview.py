"""The interview adapter (clauses.interview): library metadata as questions, the library's own
verdicts by field, and answers that draft exactly what `wsr draft` drafts."""

from __future__ import annotations

import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from clauses import InputError, assemble, load_library, parse_answers
from clauses import interview as adapter
from clauses._answers import read_answers_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
EXTRA = ROOT / "tests" / "interviews" / "fixtures" / "living_wage_report.yaml"


@pytest.fixture(scope="module")
def lib():
    return load_library()


def wsr_draft_hash(path: Path, lib) -> str:
    return assemble(parse_answers(path, lib), lib).content_hash


def form_values(lib, cid: str, alternative: str, given: dict) -> dict:
    """The clause's values the way a web form returns them: what the answers give, else the
    field's default; numbers as floats, dates as naive midnight date-times."""
    out = {}
    for fv in adapter.field_views(lib, cid, alternative):
        value = given.get(fv.name, fv.default)
        if fv.columns and isinstance(value, list):
            vdef = lib.get(cid).variables[fv.name]
            value = adapter.list_to_rows(vdef, value)
        elif fv.datatype in ("number", "currency") and value is not None:
            value = float(value)
        out[fv.name] = value
    return out


def test_every_clause_is_offered_with_its_alternatives(lib):
    views = {v.id: v for v in adapter.clause_views(lib)}
    assert list(views) == list(lib.clauses)
    premium = views["premium"]
    assert premium.title == lib.get("premium").title
    assert premium.required  # carries a WSR element: pre-selected, with the reason shown
    assert [a.name for a in premium.alternatives] == list(lib.get("premium").alternatives)
    fallback = next(a for a in premium.alternatives if a.kind == "fallback")
    assert fallback.note == lib.get("premium").alternatives[fallback.name].note
    assert "[Premium rate (per unit, in the agreement currency)]" in premium.alternatives[0].preview
    assert (
        "{{" not in premium.alternatives[0].preview and "{%" not in premium.alternatives[0].preview
    )
    assert views["parties_and_definitions"].mandatory


def test_fields_carry_the_librarys_types_bounds_defaults_and_help(lib):
    fields = {f.name: f for f in adapter.field_views(lib, "premium", "standard")}
    vdef = lib.get("premium").variables["payment_due_days"]
    f = fields["payment_due_days"]
    assert (f.label, f.help, f.datatype) == (vdef.label, vdef.help, "integer")
    assert (f.minimum, f.maximum, f.default) == (Decimal(1), Decimal(90), 30)
    assert f.floor == "at most 45"
    assert fields["unit"].choices == ("lb", "kg", "cwt", "unit")
    assert fields["rate"].datatype == "number" and fields["rate"].default == "0.01"
    # an alternative's own default wins over the variable's
    alt = {f.name: f for f in adapter.field_views(lib, "premium", "extended_payment_terms")}
    assert alt["payment_due_days"].default == 45


def test_a_list_variable_is_asked_as_rows(lib):
    fields = {f.name: f for f in adapter.field_views(lib, "monitoring_fees", "standard")}
    tiers = fields["tiers"]
    assert tiers.datatype == "area" and tiers.columns == ("above", "up_to", "fee")
    vdef = lib.get("monitoring_fees").variables["tiers"]
    back = adapter.list_from_rows(vdef, tiers.default, "tiers")
    assert back[0] == {"up_to": "1000000", "fee": "1000"}
    assert back[-1] == {"fee": "500000"}  # the open-ended last band keeps no upper limit


def test_a_refused_value_gets_the_librarys_own_message(lib):
    values = form_values(lib, "premium", "standard", {"payment_due_days": 200})
    check = adapter.check_clause(lib, "premium", "standard", values)
    raw = {"clauses": {"premium": {"payment_due_days": 200}}}
    with pytest.raises(InputError) as exc:
        parse_answers({**read_answers_file(EXAMPLES[0]), **raw}, lib)
    expected = {
        p.message for p in exc.value.problems if p.path == "clauses.premium.payment_due_days"
    }
    assert set(check.problems) == {"payment_due_days"}
    assert check.problems["payment_due_days"] in expected
    assert not check.breaches


def test_a_floor_breach_is_not_a_refusal(lib):
    values = form_values(lib, "premium", "standard", {"payment_due_days": 60})
    check = adapter.check_clause(lib, "premium", "standard", values)
    assert check.ok
    assert set(check.breaches) == {"payment_due_days"}
    assert "floor" in check.breaches["payment_due_days"]
    clean = adapter.check_clause(
        lib, "premium", "standard", form_values(lib, "premium", "standard", {})
    )
    assert clean.ok and not clean.breaches


def test_a_wrong_type_names_its_field(lib):
    values = form_values(lib, "premium", "standard", {"unit": "stone"})
    check = adapter.check_clause(lib, "premium", "standard", values)
    assert "unit" in check.problems and "lb" in check.problems["unit"]


def test_agreement_and_party_checks_are_the_readers(lib):
    raw = {
        "title": "T",
        "effective_date": "2026-01-05",
        "timezone": "Mars/Olympus",
        "currency": "usd",
        "governing_law": "x",
    }
    with pytest.raises(InputError) as exc:
        parse_answers({"agreement": raw, "parties": []}, lib)
    expected = {
        p.path.removeprefix("agreement."): p.message
        for p in exc.value.problems
        if p.path.startswith("agreement.")
    }
    form = {**raw, "effective_date": datetime(2026, 1, 5)}  # a date field's midnight
    assert adapter.check_agreement(form) == expected
    assert set(expected) == {"timezone", "currency"}
    problems = adapter.check_parties(
        [{"role": "buyer", "name": "B", "address": "a", "email": "nope", "signatory": "s"}]
    )
    assert problems["parties[0].email"] == "not an e-mail address: 'nope'"
    assert "needs exactly one monitor" in problems["parties"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_interview_values_draft_what_wsr_draft_drafts(example: Path, lib, tmp_path: Path):
    """Form-shaped values (floats, date-times, rows of text) for every example give the same
    content hash as `wsr draft` on the example file, and the saved answers file does too."""
    data = read_answers_file(example)
    agreement = {**data["agreement"]}
    agreement["effective_date"] = datetime.combine(
        parse_answers(example, lib).agreement.effective_date, datetime.min.time()
    )
    chosen = {}
    for cid in lib.clauses:
        given = (data.get("clauses") or {}).get(cid)
        if given is None and not lib.get(cid).mandatory:
            continue
        given = dict(given or {})
        alt = given.pop("alternative", "standard")
        override = given.pop("override", None)
        chosen[cid] = {
            "alternative": alt,
            "values": form_values(lib, cid, alt, given),
            "override": override,
        }
    mapping = adapter.answers_mapping(
        lib,
        agreement=agreement,
        parties=data["parties"],
        suppliers=data.get("suppliers") or [],
        clauses=chosen,
        omit=data.get("omit"),
    )
    result = adapter.draft(mapping, lib)
    assert result.agreement.content_hash == wsr_draft_hash(example, lib)
    saved = tmp_path / "answers.yaml"
    saved.write_text(adapter.answers_yaml(mapping), encoding="utf-8")
    assert wsr_draft_hash(saved, lib) == result.agreement.content_hash


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_prefill_reads_an_answers_file_back(example: Path, lib):
    pre = adapter.prefill(example.read_text(encoding="utf-8"), lib)
    answers = parse_answers(example, lib)
    assert list(pre.clauses) == list(answers.clauses)
    assert [p["name"] for p in pre.parties] == [p.name for p in answers.parties]
    clauses = {
        cid: {"alternative": c["alternative"], "values": c["values"], "override": c["override"]}
        for cid, c in pre.clauses.items()
    }
    mapping = adapter.answers_mapping(
        lib,
        agreement=pre.agreement,
        parties=pre.parties,
        suppliers=pre.suppliers,
        clauses=clauses,
        omit=pre.omit,
    )
    assert adapter.draft(mapping, lib).agreement.content_hash == wsr_draft_hash(example, lib)


def test_prefill_refuses_a_file_wsr_draft_refuses(lib):
    with pytest.raises(InputError) as exc:
        adapter.prefill("agreement: {title: x}\n", lib)
    assert any(p.path == "agreement.effective_date" for p in exc.value.problems)


def test_suppliers_from_csv(lib):
    rows = adapter.suppliers_from_csv("id,name,country\nG-1, Farm One ,US\n\nG-2,Farm Two,MX\n")
    assert rows == [
        {"id": "G-1", "name": "Farm One", "country": "US"},
        {"id": "G-2", "name": "Farm Two", "country": "MX"},
    ]
    with pytest.raises(InputError) as exc:
        adapter.suppliers_from_csv("id,name\nG-1,Farm\n")
    assert "missing: country" in exc.value.problems[0].message
    with pytest.raises(InputError) as exc:
        adapter.suppliers_from_csv("id,name,country\nG-1,Farm,US\nG-1,Other,XX\n")
    paths = {p.path: p.message for p in exc.value.problems}
    assert paths["suppliers.csv: row 3 (id)"] == "duplicate supplier id 'G-1'"
    assert "XX" in paths["suppliers.csv: row 3 (country)"]


def test_a_clause_added_to_the_library_is_asked(tmp_path: Path):
    folder = tmp_path / "library"
    shutil.copytree(ROOT / "clauses" / "library", folder)
    shutil.copy(EXTRA, folder)
    lib = load_library(folder)
    views = {v.id: v for v in adapter.clause_views(lib)}
    assert views["living_wage_report"].title == "Living Wage Benchmark Report"
    fields = {f.name: f for f in adapter.field_views(lib, "living_wage_report", "private_report")}
    assert fields["report_due_days"].maximum == Decimal(180)
    assert fields["report_due_days"].help.startswith("Days after the end")
    check = adapter.check_clause(lib, "living_wage_report", "standard", {"report_due_days": 150})
    assert set(check.breaches) == {"report_due_days"}


def test_answers_yaml_is_plain_yaml(lib):
    text = adapter.answers_yaml(
        {"agreement": {"title": "T"}, "clauses": {"premium": {"rate": Decimal("0.01")}}}
    )
    assert yaml.safe_load(text) == {
        "agreement": {"title": "T"},
        "clauses": {"premium": {"rate": "0.01"}},
    }


def test_render_files_writes_every_download(lib, tmp_path: Path):
    mapping = read_answers_file(EXAMPLES[0])
    result = adapter.draft(mapping, lib)
    files = adapter.render_files(
        result, tmp_path, now=datetime.fromisoformat("2026-01-01T00:00:00+00:00"), pdf=False
    )
    assert set(files) == {
        "json",
        "docx",
        "md",
        "redline",
        "deviations",
        "deviations_md",
        "deviations_json",
    }
    assert all(p.is_file() and p.stat().st_size > 0 for p in files.values())
    assert files["json"].read_text(encoding="utf-8") == result.agreement.to_json()


def test_a_constraint_between_a_clauses_values_is_shown_on_its_field(lib):
    values = form_values(
        lib,
        "term_and_renewal",
        "standard",
        {"auto_renew": True, "renewal_term_months": 6, "opt_out_notice_days": 200},
    )
    check = adapter.check_clause(lib, "term_and_renewal", "standard", values)
    assert set(check.problems) == {"opt_out_notice_days"}
    assert "lengthen the renewal term" in check.problems["opt_out_notice_days"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_omissions_to_record_follow_the_librarys_rule(example: Path, lib):
    """The interview asks why a clause is left out exactly when the record marks the omission
    required (no chosen clause carries its WSR element), whatever else is left out."""
    data = read_answers_file(example)
    for leave_out in ([], ["premium"], ["premium", "monitoring_access"]):
        answers = {
            **data,
            "clauses": {k: v for k, v in data["clauses"].items() if k not in leave_out},
        }
        record = assemble(parse_answers(answers, lib), lib)
        chosen = [s.clause_id for s in record.sections]
        wanted = [o.clause_id for o in record.omitted if o.required]
        assert adapter.omissions_to_record(lib, chosen) == wanted
    assert adapter.omissions_to_record(lib, list(lib.clauses)) == []
