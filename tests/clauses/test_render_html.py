from __future__ import annotations

import re
from pathlib import Path

import pytest

from clauses import Agreement, assemble, load_library, parse_answers
from clauses.render.html import render_html

FIX = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    lib = load_library(FIX / "mini")
    return assemble(parse_answers(FIX / "answers_mini.yaml", lib), lib)


def test_html_says_what_the_record_says(agreement: Agreement) -> None:
    out = render_html(agreement, top=2)
    assert out.startswith("<h2>Fair Produce Agreement</h2>\n")
    assert "Effective date: 5 January 2026" in out
    assert f"<code>{agreement.id}</code>" in out
    for s in agreement.sections:
        assert f"<h3>{s.number}. {s.title}</h3>\n" in out
        for p in s.paragraphs:
            assert f"<p><strong>{p.number}</strong> " in out
    assert "<li><strong>Acme Foods Inc.</strong> (Buyer)" in out
    assert "<li>Valley Growers (<code>GROWER-B</code>, Mexico)</li>" in out
    assert not re.search(r"<h1>", out)


def test_a_paragraphs_table_becomes_a_table() -> None:
    lib = load_library()
    agr = assemble(parse_answers(ROOT / "examples" / "accord-garment-safety.yaml", lib), lib)
    tabled = [p for s in agr.sections for p in s.paragraphs if "\n|" in p.text]
    assert tabled, "the example has no paragraph with a table"
    out = render_html(agr)
    for para in tabled:
        lead, _, rows = para.text.partition("\n|")
        header = [c.strip() for c in rows.split("\n")[0].strip("|").split("|")]
        assert "<thead><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr></thead>" in out
        body_rows = [r for r in rows.split("\n")[2:] if r.strip()]
        assert out.count("<tr>") >= len(body_rows) + 1
    assert "| ---" not in out and "|---" not in out


def test_text_is_escaped(agreement: Agreement) -> None:
    hostile = agreement.model_copy(update={"title": "A & B <script>"})
    assert render_html(hostile).startswith("<h1>A &amp; B &lt;script&gt;</h1>")
