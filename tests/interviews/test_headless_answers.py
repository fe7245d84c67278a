"""Answer sets, the library's verdicts on a screen, a clause added to the library, and
tracking, each driven through docassemble.base's engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from driver import Negotiator, load_answers
from headless import file_path
from wsr_cli import wsr, wsr_draft

from clauses import InputError, load_library, parse_answers

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fair-food-produce.yaml"
ACCORD = ROOT / "examples" / "accord-garment-safety.yaml"
EXTRA = Path(__file__).parent / "fixtures" / "living_wage_report.yaml"


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch):
    monkeypatch.setenv("WSR_INTERVIEW_PDF", "0")


@pytest.mark.parametrize("example", [EXAMPLE, ACCORD], ids=lambda p: p.stem)
def test_a_new_agreement_from_earlier_answers(example: Path, tmp_path: Path):
    """Start from an earlier answers file and accept every screen as it comes: each screen
    offers the earlier values, so the record is the one the earlier answers draft."""
    record, _ = wsr_draft(example, tmp_path / "cli")
    negotiator = Negotiator(load_answers(example), keep_defaults=True)
    negotiator.earlier_text = example.read_text(encoding="utf-8")
    negotiator.run()
    assert negotiator.asked[:3] == ["intro", "start from", "earlier answers"]
    assert negotiator.s.user_dict["draft_result"].agreement.content_hash == record["content_hash"]


def test_earlier_answers_the_library_refuses_are_shown(tmp_path: Path):
    negotiator = Negotiator(load_answers(EXAMPLE))
    negotiator.earlier_text = "agreement: {title: Draft}\nparties: []\n"
    s = negotiator.s
    s.set("intro_seen", True)
    s.set("start_from", "earlier")
    status = s.step()
    assert status.question.id == "earlier answers"
    s.set("earlier_file", None)
    s.set("earlier_text", negotiator.earlier_text)
    message, _ = s.validate(status)
    with pytest.raises(InputError) as exc:
        parse_answers(yaml.safe_load(negotiator.earlier_text), load_library())
    assert message == "; ".join(f"{p.path}: {p.message}" for p in exc.value.problems)
    assert "agreement.effective_date" in message


def _walk_to(negotiator: Negotiator, label: str):
    """Answer screens until the one labelled ``label`` (e.g. ``clause values[premium]``)."""
    for _ in range(200):
        status = negotiator.s.step()
        data = negotiator._expanded(negotiator.s.data(status))
        index = negotiator._index(data)
        here = f"{status.question.id}[{index}]" if index else status.question.id
        if here == label:
            return status, data
        negotiator.answer(status.question.id, status, data)
    raise AssertionError(f"never reached {label}")


def test_a_refused_value_shows_the_librarys_message_on_its_field():
    negotiator = Negotiator(load_answers(EXAMPLE))
    status, data = _walk_to(negotiator, "clause values[premium]")
    given = negotiator.clause("premium")
    negotiator.fill(data, lambda name: negotiator._clause_value("premium", name, given))
    negotiator.set("clause_values['premium']['payment_due_days']", 200)
    message, field = negotiator.s.validate(status)
    assert field == "clause_values['premium']['payment_due_days']"
    bad = load_answers(EXAMPLE)
    bad["clauses"]["premium"]["payment_due_days"] = 200
    with pytest.raises(InputError) as exc:
        parse_answers(bad, load_library())
    (expected,) = [
        p.message for p in exc.value.problems if p.path == "clauses.premium.payment_due_days"
    ]
    assert message == expected  # the library's own bound, in its own words
    fields = {f["variable_name"]: f for f in data["fields"]}
    due = fields["clause_values['premium']['payment_due_days']"]
    assert due["label"] == "Payment deadline (days after the period ends)"
    assert "WSR floor: at most 45" in due["helptext"]


def test_a_floor_breach_asks_for_the_override_and_records_it(tmp_path: Path):
    answers = load_answers(EXAMPLE)
    answers["clauses"]["premium"]["payment_due_days"] = 60
    answers["clauses"]["premium"]["override"] = {
        "reason": "The Buyer's payment run is every 60 days; agreed for the first year only.",
        "approved_by": "Luis Ortega",
    }
    negotiator = Negotiator(answers)
    negotiator.run()
    assert "floor override[premium]" in negotiator.asked
    agreement = negotiator.s.user_dict["draft_result"].agreement
    (override,) = agreement.overrides
    assert (override.clause_id, override.approved_by) == ("premium", "Luis Ortega")
    saved = tmp_path / "answers.yaml"
    shutil.copy(file_path(negotiator.s.user_dict["wsr_files"]["answers"]), saved)
    record, _ = wsr_draft(saved, tmp_path / "cli")
    assert record["content_hash"] == agreement.content_hash


def test_a_clause_added_to_the_library_is_asked_without_editing_yaml(tmp_path, monkeypatch):
    library = tmp_path / "library"
    shutil.copytree(ROOT / "clauses" / "library", library)
    shutil.copy(EXTRA, library)
    monkeypatch.setenv("WSR_LIBRARY", str(library))
    answers = load_answers(EXAMPLE)
    answers["clauses"]["living_wage_report"] = {
        "alternative": "private_report",
        "report_due_days": 100,
    }
    negotiator = Negotiator(answers)
    negotiator.run()
    at = negotiator.asked.index("clause alternative[living_wage_report]")
    assert negotiator.asked[at + 1] == "clause values[living_wage_report]"
    screen = negotiator.screens[at + 1]
    labels = [f["label"] for f in screen["fields"]]
    assert labels == ["Living wage benchmark", "Report deadline (days after each calendar year)"]
    agreement = negotiator.s.user_dict["draft_result"].agreement
    section = agreement.section("living_wage_report")
    assert section.alternative == "private_report"
    assert section.variables["report_due_days"] == 100
    proc = wsr(
        "draft",
        str(_saved(negotiator, tmp_path)),
        "--out",
        str(tmp_path / "cli"),
        "--library",
        str(library),
    )
    assert proc.returncode == 0, proc.stderr
    assert f"agreement id: {agreement.id}" in proc.stdout


def _saved(negotiator: Negotiator, tmp_path: Path) -> Path:
    saved = tmp_path / "saved-answers.yaml"
    shutil.copy(file_path(negotiator.s.user_dict["wsr_files"]["answers"]), saved)
    return saved


def test_the_executed_agreement_is_registered_for_tracking(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'track.db'}"
    monkeypatch.setenv("WSR_DATABASE_URL", url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    negotiator = Negotiator(load_answers(EXAMPLE), track_on="2026-01-05")
    negotiator.run()
    assert negotiator.asked[-3:] == ["download", "signed on", "tracked"]
    agreement_id, count, _notes = negotiator.s.user_dict["tracking_result"]
    assert agreement_id == negotiator.s.user_dict["draft_result"].agreement.id
    assert count > 0
    proc = wsr(
        "--db",
        url,
        "obligations",
        "--agreement",
        agreement_id,
        "--json",
        "--now",
        "2026-01-06T12:00:00+00:00",
    )
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert listed and {o["agreement_id"] for o in listed} == {agreement_id}


def test_without_a_tracking_database_the_screen_says_what_to_set(monkeypatch):
    monkeypatch.delenv("WSR_DATABASE_URL", raising=False)
    negotiator = Negotiator(load_answers(EXAMPLE), track_on="2026-01-05")
    negotiator.run()
    agreement_id, count, notes = negotiator.s.user_dict["tracking_result"]
    assert (agreement_id, count) == ("", 0)
    assert "database url" in notes[0]


def _suppliers_csv(answers: dict) -> str:
    rows = ["id,name,country"] + [
        f"{s['id']},{s['name']},{s['country']}" for s in answers["suppliers"]
    ]
    return "\n".join(rows) + "\n"


def test_suppliers_uploaded_as_csv_draft_the_same_agreement(tmp_path: Path):
    answers = load_answers(EXAMPLE)
    record, _ = wsr_draft(EXAMPLE, tmp_path / "cli")
    negotiator = Negotiator(answers)
    negotiator.suppliers_csv = _suppliers_csv(answers)
    negotiator.run()
    at = negotiator.asked.index("supplier method")
    assert negotiator.asked[at + 1 : at + 3] == ["supplier csv", "review"]
    assert negotiator.s.user_dict["draft_result"].agreement.content_hash == record["content_hash"]


def test_a_refused_csv_row_is_named_on_the_upload_screen():
    answers = load_answers(EXAMPLE)
    negotiator = Negotiator(answers)
    status, _ = _walk_to(negotiator, "supplier method")
    negotiator.set("supplier_method", "csv")
    status = negotiator.s.step()
    assert status.question.id == "supplier csv"
    negotiator.upload(
        "supplier_csv", "suppliers.csv", "id,name,country\nG-1,Farm,US\nG-1,Farm,ZZ\n"
    )
    message, _ = negotiator.s.validate(status)
    assert "suppliers.csv: row 3 (id): duplicate supplier id 'G-1'" in message
    assert "row 3 (country)" in message


def test_an_omission_the_library_needs_recorded_is_asked_and_kept(tmp_path: Path):
    """Leaving out both clauses that carry supplier support makes the omissions required: the
    interview asks about those two only (library order), keeps the recorded one and leaves the
    blank one as the library's warning, and drafts the record `wsr draft` drafts."""
    answers = load_answers(EXAMPLE)
    del answers["clauses"]["premium"]
    answers["omit"] = {
        "premium": {
            "reason": "The growers' own fund pays the premium.",
            "approved_by": "Luis Ortega",
        }
    }
    source = tmp_path / "answers.yaml"
    source.write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    record, _ = wsr_draft(source, tmp_path / "cli")
    required = [o["clause_id"] for o in record["omitted"] if o["required"]]
    assert required and "premium" in required

    negotiator = Negotiator(answers)
    negotiator.run()
    asked = [q for q in negotiator.asked if q.startswith("omission[")]
    assert asked == [f"omission[{cid}]" for cid in required]
    agreement = negotiator.s.user_dict["draft_result"].agreement
    assert agreement.content_hash == record["content_hash"]
    kept = {o.clause_id: o for o in agreement.omitted}
    assert kept["premium"].approved_by == "Luis Ortega"
    assert [w.path for w in agreement.warnings] == [
        f"clauses.{cid}" for cid in required if cid != "premium"
    ]
