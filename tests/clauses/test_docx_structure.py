"""The DOCX structure counsel relies on, on agreements assembled from the shipped library: the fee
schedule as a real table, cross-references as REF fields on bookmarks that exist, the paper size
consistent with the margins -- read back from the XML and, where LibreOffice is installed, from
the PDF it prints."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from docx import Document
from lxml import etree

from clauses import Agreement, assemble, load_library, parse_answers
from clauses._paper import MARGIN, PAGE_SIZES, Paper, default_paper
from clauses.render.docx import TABLE_WIDTH, render_docx, split_table
from clauses.render.markdown import render_markdown
from tests.clauses.docx_reading import W, document_xml, part_xml, word_numbers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and pdftotext not installed",
)


@pytest.fixture(scope="module")
def lib():
    return load_library()


@pytest.fixture(scope="module")
def accord(lib) -> Agreement:
    return assemble(parse_answers(EXAMPLES / "accord-garment-safety.yaml", lib), lib)


@pytest.fixture(scope="module")
def accord_docx(accord, tmp_path_factory) -> Path:
    return render_docx(accord, tmp_path_factory.mktemp("docx") / "accord.docx")


def _fields(path: Path) -> list[tuple[str, str]]:
    """(instruction, stored result) of every complex field in the body, in order."""
    body = document_xml(path).find(f"{W}body")
    out, instr, result, state = [], "", "", None
    for el in body.iter(f"{W}fldChar", f"{W}instrText", f"{W}t"):
        if el.tag == f"{W}fldChar":
            kind = el.get(f"{W}fldCharType")
            if kind == "begin":
                instr, result, state = "", "", "instr"
            elif kind == "separate":
                state = "result"
            else:
                out.append((instr.strip(), result))
                state = None
        elif el.tag == f"{W}instrText" and state == "instr":
            instr += el.text or ""
        elif el.tag == f"{W}t" and state == "result":
            result += el.text or ""
    return out


def _bookmarks(path: Path) -> dict[str, str]:
    """bookmark name -> the text of the paragraph that holds it."""
    body = document_xml(path).find(f"{W}body")
    out = {}
    for start in body.iter(f"{W}bookmarkStart"):
        p = start.getparent()
        out[start.get(f"{W}name")] = "".join(t.text or "" for t in p.iter(f"{W}t"))
    return out


# -- the fee schedule ---------------------------------------------------------------------------


def test_fee_schedule_is_a_real_table(accord, accord_docx):
    doc = Document(str(accord_docx))
    assert len(doc.tables) == 2  # the fee schedule, then the supplier schedule
    fees = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in fees.rows]
    tiers = accord.section("monitoring_fees").variables["tiers"]
    assert rows[0] == ["Declared Volume", "Annual fee"]
    assert len(rows) == 1 + len(tiers)
    assert rows[1] == ["Up to USD 1,000,000.00", "USD 1,000.00"]
    assert rows[-1] == ["USD 500,000,000.00 and above", "USD 500,000.00"]
    assert fees.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    # the table sits right after the paragraph that introduces it, inside section 9
    body = document_xml(accord_docx).find(f"{W}body")
    tbl = body.find(f"{W}tbl")
    intro = tbl.getprevious()
    assert "".join(t.text or "" for t in intro.iter(f"{W}t")).endswith("the following table:")
    assert intro.find(f"{W}pPr/{W}keepNext") is not None
    # no run-on band list in any paragraph
    texts = [p.text for p in doc.paragraphs]
    assert not any("an annual fee of USD" in t or "| Up to" in t for t in texts)


def test_numbering_continues_past_the_table(accord, accord_docx):
    expected = []
    for s in accord.sections:
        expected.append((s.number, s.title))
        expected += [(p.number, split_table(p.text)[0]) for p in s.paragraphs]
    assert word_numbers(accord_docx) == expected


def test_table_fits_the_text_width_of_both_papers(accord_docx):
    grid = document_xml(accord_docx).find(f"{W}body").find(f"{W}tbl").find(f"{W}tblGrid")
    total = sum(int(c.get(f"{W}w")) for c in grid)
    assert total == TABLE_WIDTH
    for size in PAGE_SIZES.values():
        assert 567 + total <= size.width - 2 * MARGIN


def test_markdown_has_a_markdown_table(accord):
    md = render_markdown(accord)
    assert (
        "the following table:\n\n| Declared Volume | Annual fee |\n| --- | --- |\n"
        "| Up to USD 1,000,000.00 | USD 1,000.00 |\n" in md
    )


# -- cross-references ---------------------------------------------------------------------------


def test_every_ref_field_points_at_a_bookmark_on_the_right_heading(accord, accord_docx):
    fields = [(i, r) for i, r in _fields(accord_docx) if i.startswith("REF ")]
    marks = _bookmarks(accord_docx)
    by_title = {s.title: s.number for s in accord.sections}
    assert len(fields) >= 6
    for instr, result in fields:
        name = instr.split()[1]
        assert instr.split()[2:] == ["\\r", "\\h"]
        assert name in marks, f"REF to missing bookmark {name}"
        assert len(name) <= 40
        heading = marks[name]
        assert by_title[heading] == result, (instr, heading, result)
    # each section heading has exactly one bookmark
    assert sorted(marks.values()) == sorted(by_title)


def test_ref_results_read_like_the_record(accord, accord_docx):
    """The DOCX text (field results included) is the record's text, number for number."""
    doc = Document(str(accord_docx))
    defs = {
        p.text.split("\u201d", 1)[1].strip()
        for p in doc.paragraphs
        if p.style.name == "WSR Definition"
    }
    volume = next(d for d in accord.defined_terms if d.term == "Declared Volume")
    assert f"means {volume.definition}" in defs
    fees = accord.section("monitoring_fees").number
    assert f"under Section {fees}." in volume.definition


def test_markdown_keeps_plain_numbers(accord):
    md = render_markdown(accord)
    fees = accord.section("monitoring_fees").number
    assert f"under Section {fees}." in md and "REF" not in md


def test_schedule_reference_is_schedule_one(lib):
    for name in ("accord-garment-safety", "fair-food-produce", "gbvh-apparel"):
        ag = assemble(parse_answers(EXAMPLES / f"{name}.yaml", lib), lib)
        covered = next(d for d in ag.defined_terms if d.term == "Covered Supplier")
        assert covered.definition.startswith("each supplier listed in Schedule 1 ")


# -- paper ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("law", "paper"),
    [
        ("the State of Florida", Paper.LETTER),
        ("State of New York, United States", Paper.LETTER),
        ("the Province of Ontario, Canada", Paper.LETTER),
        ("the Netherlands", Paper.A4),
        ("England and Wales", Paper.A4),
        ("the Kingdom of Lesotho", Paper.A4),
        ("", Paper.LETTER),
    ],
)
def test_default_paper_follows_the_governing_law(law, paper):
    assert default_paper(law) is paper


def _answers(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_page_size_and_margins_match_the_chosen_paper(lib, tmp_path, paper):
    answers = _answers("fair-food-produce")
    answers["agreement"]["paper"] = paper
    ag = assemble(parse_answers(answers, lib), lib)
    assert ag.paper == paper
    out = render_docx(ag, tmp_path / "a.docx")
    sect = document_xml(out).find(f"{W}body").find(f"{W}sectPr")
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    want = PAGE_SIZES[Paper(paper)]
    assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (want.width, want.height)
    left, right = int(margins.get(f"{W}left")), int(margins.get(f"{W}right"))
    assert left == right == MARGIN
    footer = etree.fromstring(part_xml(out, "word/footer1.xml").encode())
    [tab] = [t for t in footer.iter(f"{W}tab") if t.get(f"{W}val") == "right"]
    assert int(tab.get(f"{W}pos")) == want.width - left - right


def test_paper_defaults_by_law_and_is_validated(lib):
    assert assemble(parse_answers(EXAMPLES / "fair-food-produce.yaml", lib), lib).paper == "letter"
    assert assemble(parse_answers(EXAMPLES / "gbvh-apparel.yaml", lib), lib).paper == "a4"
    answers = _answers("gbvh-apparel")
    answers["agreement"]["paper"] = "legal"
    with pytest.raises(Exception) as exc:
        parse_answers(answers, lib)
    assert [str(p) for p in exc.value.problems] == [  # type: ignore[attr-defined]
        "agreement.paper: unknown paper size 'legal' (choose letter or a4)"
    ]


def test_a_title_too_long_for_the_title_property_is_refused(lib):
    answers = _answers("gbvh-apparel")
    answers["agreement"]["title"] = "A" * 256
    with pytest.raises(Exception) as exc:
        parse_answers(answers, lib)
    assert [p.path for p in exc.value.problems] == ["agreement.title"]  # type: ignore[attr-defined]


# -- LibreOffice: what a reader of the PDF sees -------------------------------------------------


def _pdf_text(docx: Path, tmp: Path, *, layout: bool = False) -> str:
    profile = (tmp / "profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp), str(docx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp / f"{docx.stem}.pdf"
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return text if layout else " ".join(text.split())


def _insert_section_before(docx: Path, number: str, out: Path) -> None:
    """What counsel does in Word: a new numbered section (heading + clause) before ``number``."""
    doc = Document(str(docx))
    heads = [p for p in doc.paragraphs if p.style.name == "WSR Section Heading"]
    clause = next(p for p in doc.paragraphs if p.style.name == "WSR Clause")
    target = heads[int(number) - 1]._p
    new_head = copy.deepcopy(heads[0]._p)
    for mark in new_head.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd"):
        mark.getparent().remove(mark)
    for t in new_head.iter(f"{W}t"):
        t.text = ""
    next(new_head.iter(f"{W}t")).text = "Inserted By Counsel"
    new_clause = copy.deepcopy(clause._p)
    target.addprevious(new_head)
    target.addprevious(new_clause)
    doc.save(str(out))


@pytest.mark.libreoffice
@needs_soffice
def test_libreoffice_prints_the_right_numbers_and_updates_them(accord, accord_docx, tmp_path):
    text = _pdf_text(accord_docx, tmp_path)
    volume = " ".join(
        next(d for d in accord.defined_terms if d.term == "Declared Volume").definition.split()
    )
    assert volume in text  # "... under Section <monitoring fees>."
    table = _pdf_text(accord_docx, tmp_path / "layout", layout=True)
    assert re.search(
        r"Declared Volume +Annual fee\n +Up to USD 1,000,000.00 +USD 1,000.00\n", table
    )
    assert re.search(r"\n +USD 500,000,000.00 and above +USD 500,000.00\n", table)
    number = {s.clause_id: int(s.number) for s in accord.sections}
    general = number["general_provisions"]
    assert f"Schedule under Section {general}." in text
    # counsel inserts a section before section 3: every reference to 3 and later moves up one
    assert number["term_and_renewal"] == 2 and number["monitoring_fees"] > 3
    edited = tmp_path / "edited.docx"
    _insert_section_before(accord_docx, "3", edited)
    after = _pdf_text(edited, tmp_path / "after")
    assert "3. Inserted By Counsel" in after
    fees = number["monitoring_fees"] + 1
    assert f"as declared by the Buyer to the Monitor under Section {fees}." in after
    assert "for which this Agreement renews under Section 2." in after  # term stays 2
    assert f"Schedule under Section {general + 1}." in after
    assert re.search(rf"{fees}\. Monitoring Fees", after)


def test_redline_has_no_reference_to_a_missing_bookmark(lib, accord, tmp_path):
    from datetime import UTC, datetime

    from clauses.render.redline import render_redline

    answers = parse_answers(EXAMPLES / "accord-garment-safety.yaml", lib)
    standard = assemble(answers.as_standard(lib), lib)
    out = render_redline(
        accord, standard, tmp_path / "r.docx", now=datetime(2026, 1, 2, tzinfo=UTC)
    )
    marks = _bookmarks(out)
    for instr, _ in _fields(out):
        if instr.startswith("REF "):
            assert instr.split()[1] in marks, instr
    general = accord.section("general_provisions").number
    assert f"Schedule under Section {general}." in " ".join(
        "".join(t.text or "" for t in p.iter(f"{W}t")) for p in document_xml(out).iter(f"{W}p")
    )
