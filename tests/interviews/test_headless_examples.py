"""Each example agreement, drafted by stepping the interview screen by screen in
docassemble.base's own engine: the screens asked, in order; the DOCX; and the record, which
must be the one `wsr draft` makes from the same answers (the same content hash)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from driver import Negotiator, load_answers
from headless import file_path
from wsr_cli import docx_text, wsr_draft

from clauses import load_library
from clauses._answers import applicable_variables

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def expected_screens(answers: dict, record: dict) -> list[str]:
    """The screens a negotiator sees for these answers, worked out from the answers and the
    record `wsr draft` made (not from the interview)."""
    lib = load_library()
    roles = [p["role"] for p in answers["parties"]]
    screens = ["intro", "start from", "programme", "term", "buyer"]
    screens += ["worker organization", "more worker organizations"] * roles.count(
        "worker_organization"
    )
    screens += ["monitor", "choose clauses"]
    # the library's rule: an omission is asked about only when the record needs its reason
    # (no chosen clause carries the same WSR element), or when the answers recorded one
    recorded = answers.get("omit") or {}
    screens += [
        f"omission[{o['clause_id']}]"
        for o in record["omitted"]
        if o["required"] or o["clause_id"] in recorded
    ]
    for section in record["sections"]:
        cid = section["clause_id"]
        screens.append(f"clause alternative[{cid}]")
        if applicable_variables(lib.get(cid), section["alternative"]):
            screens.append(f"clause values[{cid}]")
        if ((answers.get("clauses") or {}).get(cid) or {}).get("override"):
            screens.append(f"floor override[{cid}]")
    screens.append("supplier method")
    screens += ["supplier", "more suppliers"] * len(answers.get("suppliers") or [])
    return [*screens, "review", "download", "done"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_drafts_through_the_interview(example: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WSR_INTERVIEW_PDF", "1" if example.stem == "fair-food-produce" else "0")
    answers = load_answers(example)
    record, cli_docx = wsr_draft(example, tmp_path / "cli")

    negotiator = Negotiator(answers)
    negotiator.run()

    assert negotiator.asked == expected_screens(answers, record)
    ud = negotiator.s.user_dict
    agreement = ud["draft_result"].agreement
    assert agreement.content_hash == record["content_hash"]
    files = ud["wsr_files"]
    assert json.loads(file_path(files["json"]).read_text(encoding="utf-8")) == record
    text = docx_text(file_path(files["docx"]))
    assert text == docx_text(cli_docx)
    assert record["title"] in text
    assert all(any(s["title"] in line for line in text) for s in record["sections"])
    for kind in ("redline", "deviations", "answers"):
        assert file_path(files[kind]).stat().st_size > 0
    if example.stem == "fair-food-produce":
        assert file_path(files["pdf"]).read_bytes().startswith(b"%PDF")
    else:
        assert "pdf" not in files

    # a server pickles the session after every screen: the answers must survive it
    from docassemble.base.functions import pickleable_objects

    kept = pickle.loads(pickle.dumps(pickleable_objects(ud)))
    assert kept["draft_result"].agreement.content_hash == record["content_hash"]

    review = next(s for s in negotiator.screens if s["questionText"] == "Review the agreement")
    assert agreement.id in review["subquestionText"]
    assert "Deviations from the standard" in review["subquestionText"]


@pytest.mark.parametrize("example", EXAMPLES[:1], ids=lambda p: p.stem)
def test_saved_answers_are_a_wsr_draft_file(example: Path, tmp_path: Path, monkeypatch):
    """The answers the interview offers for download draft, with `wsr draft`, the same record."""
    monkeypatch.setenv("WSR_INTERVIEW_PDF", "0")
    negotiator = Negotiator(load_answers(example))
    negotiator.run()
    saved = file_path(negotiator.s.user_dict["wsr_files"]["answers"])
    record, _ = wsr_draft(saved, tmp_path / "again")
    assert record["content_hash"] == negotiator.s.user_dict["draft_result"].agreement.content_hash
