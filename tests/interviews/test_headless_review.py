"""The review screen as docassemble sends it (``status.as_data``, the JSON of
/api/session/question): the deviation report and the agreement arrive as real HTML that
docassemble's Markdown and SmartyPants left alone."""

from __future__ import annotations

import functools
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from driver import Negotiator, load_answers

from clauses._report_blocks import Table

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    ROOT / "examples" / "fair-food-produce.yaml",
    ROOT / "examples" / "accord-garment-safety.yaml",
]
HEADING = re.compile(r"<h(\d)[^>]*>(.*?)</h\1>", re.S)


@functools.cache
def _review(example: Path) -> tuple[str, Any]:
    """The review screen's text and the draft it shows, reached by answering every screen."""
    negotiator = Negotiator(load_answers(example))
    for _ in range(300):
        status = negotiator.s.step()
        data = negotiator._expanded(negotiator.s.data(status))
        if status.question.id == "review":
            return str(data["subquestionText"]), negotiator.s.user_dict["draft_result"]
        negotiator.answer(status.question.id, status, data)
    raise AssertionError("never reached the review screen")


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.stem)
def review(request, monkeypatch) -> tuple[str, Any]:
    monkeypatch.setenv("WSR_INTERVIEW_PDF", "0")
    return _review(request.param)


def _plain(fragment: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _tables(text: str) -> list[list[list[str]]]:
    """Every table on the screen as rows of cell texts (header row first)."""
    out = []
    for table in re.findall(r"<table[^>]*>(.*?)</table>", text, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        out.append(
            [[_plain(c) for c in re.findall(r"<t[hd]>(.*?)</t[hd]>", r, re.S)] for r in rows]
        )
    return out


def test_the_reports_tables_are_real_tables_with_its_rows(review):
    text, result = review
    shown = _tables(text)
    wanted = [b for b in result.report.blocks() if isinstance(b, Table)]
    assert wanted, "the report has no table to show"
    for table in wanted:
        rows = [list(table.header)] + [list(r) for r in table.rows]
        assert rows in shown, f"the report's table {table.header} is not a table on the screen"
    # no Markdown table left as text, no rule turned into dashes by SmartyPants
    assert not re.search(r"\|\s*(---|—|–)", text)


def test_the_report_title_is_shown_once_below_the_screens_own_heading(review):
    text, result = review
    headings = [(level, _plain(h)) for level, h in HEADING.findall(text)]
    about = [(level, h) for level, h in headings if h.startswith("Deviations from the standard")]
    assert about == [("2", f"Deviations from the standard: {result.agreement.title}")]
    assert all(level != "1" for level, _ in headings), "the screen's question is its only <h1>"


def test_the_agreement_shows_its_numbered_sections_and_paragraphs(review):
    text, result = review
    agreement = result.agreement
    headings = [(level, _plain(h)) for level, h in HEADING.findall(text)]
    assert ("2", agreement.title) in headings
    for s in agreement.sections:
        assert ("3", f"{s.number}. {s.title}") in headings
        for para in s.paragraphs:
            lead = para.text.partition("\n|")[0]
            shown = re.search(rf"<strong>{re.escape(para.number)}</strong> (.*?)</p>", text, re.S)
            assert shown and _plain(shown.group(1)) == lead.strip(), para.number
    tabled = [p for s in agreement.sections for p in s.paragraphs if "\n|" in p.text]
    shown = _tables(text)
    for para in tabled:
        header = [c.strip() for c in para.text.partition("\n|")[2].split("\n")[0].split("|")]
        assert [c for c in header if c] in [t[0] for t in shown]


def test_signature_lines_stay_lines(review):
    """docassemble's Markdown turned a signature line's underscores into italics: every
    character it reads as markup reaches the screen as a character reference instead."""
    text, result = review
    plain = _plain(text)
    for party in result.agreement.parties:
        assert f"For {party.name}: ______________________ (" in plain, party.name
    assert "<em>" not in text and "<strong>_" not in text
    assert "__" not in re.sub(r"<[^>]+>", "", text), "underscores left for Markdown to read"
