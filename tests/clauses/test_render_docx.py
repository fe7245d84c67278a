from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document

from clauses._agreement import seal
from clauses._codes import COUNTRY_NAMES
from clauses.render.docx import (
    HOUSE_TEMPLATE,
    PROPERTY_MAX,
    clause_versions,
    custom_properties,
    docx_context,
    render_docx,
)
from tests.clauses.docx_reading import (
    W,
    document_xml,
    level_texts,
    part_xml,
    style_numbering,
    styled_paragraphs,
    word_numbers,
)
from tests.clauses.render_fixtures import negotiated_agreement, standard_agreement

BUILDER = Path(__file__).resolve().parents[2] / "clauses" / "templates" / "build_house_template.py"


@pytest.fixture(scope="module")
def agreement():
    return negotiated_agreement(suppliers=12)


@pytest.fixture(scope="module")
def rendered(agreement, tmp_path_factory) -> Path:
    return render_docx(agreement, tmp_path_factory.mktemp("docx") / "agreement.docx")


def test_title_subtitle_and_header(rendered, agreement):
    paras = styled_paragraphs(rendered)
    assert paras[0] == ("WSR Title", agreement.title)
    assert paras[1] == ("WSR Subtitle", "Effective date: 5 January 2026")
    header = Document(str(rendered)).sections[0].header
    assert header.paragraphs[0].text == agreement.title


def test_parties_in_order_with_roles(rendered, agreement):
    parties = [t for s, t in styled_paragraphs(rendered) if s == "WSR Party"]
    assert parties == [
        "(a)\tExample Grocers & Sons LLC, of 100 Market St, Tampa, FL;",
        "(b)\tExample Farmworker Coalition, of 1 Main St, Immokalee, FL; and",
        "(c)\tExample Standards Council, of 2 Oak Ave, Sarasota, FL.",
    ]
    # named on the cover, defined once: in Section 1.1 of the record
    assert not any("\u201c" in p for p in parties)
    doc = Document(str(rendered))
    bold = [r.text for p in doc.paragraphs if p.style.name == "WSR Party" for r in p.runs if r.bold]
    assert bold == [p.name for p in agreement.parties]


def test_definitions_bold_terms_in_quotes(rendered):
    doc = Document(str(rendered))
    defs = [p for p in doc.paragraphs if p.style.name == "WSR Definition"]
    assert [p.text for p in defs] == [
        "\u201cCovered Supplier\u201d means a grower listed in Schedule 1, as that list is updated "
        "under this Agreement.",
        "\u201cPremium\u201d means the amount per unit of product set out in section 2.",
    ]
    assert [[r.text for r in p.runs if r.bold] for p in defs] == [["Covered Supplier"], ["Premium"]]


def test_every_heading_and_paragraph_in_record_order(rendered, agreement):
    got = [
        (s, t) for s, t in styled_paragraphs(rendered) if s in ("WSR Section Heading", "WSR Clause")
    ]
    expected = []
    for section in agreement.sections:
        expected.append(("WSR Section Heading", section.title))
        expected += [("WSR Clause", p.text) for p in section.paragraphs]
    assert got == expected


def test_numbering_is_real_word_numbering_matching_the_record(rendered, agreement):
    numbered = style_numbering(rendered)
    house = {k for k, (num_id, _) in numbered.items() if num_id == numbered["WSRClause"][0]}
    assert house == {"WSRSectionHeading", "WSRClause"}
    (heading_num, heading_lvl), (clause_num, clause_lvl) = (
        numbered["WSRSectionHeading"],
        numbered["WSRClause"],
    )
    assert heading_num == clause_num
    assert (heading_lvl, clause_lvl) == (0, 1)
    levels = level_texts(rendered, heading_num)
    assert levels[0] == "%1." and levels[1] == "%1.%2"
    # No number is typed into the text: Word generates them.
    expected = []
    for section in agreement.sections:
        expected.append((section.number, section.title))
        expected += [(p.number, p.text) for p in section.paragraphs]
    assert word_numbers(rendered) == expected
    body = document_xml(rendered).find(f"{W}body")
    assert not any(t.text and t.text.startswith("2.1") for t in body.iter(f"{W}t"))


def test_supplier_schedule_is_a_table_with_repeating_header(rendered, agreement):
    doc = Document(str(rendered))
    assert len(doc.tables) == 1
    table = doc.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Supplier ID", "Name", "Country"]
    assert rows[1:] == [[s.id, s.name, COUNTRY_NAMES[s.country]] for s in agreement.suppliers]
    assert len(rows) == 1 + 12
    first_tr = table.rows[0]._tr
    assert first_tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert table.rows[1]._tr.find(f"{W}trPr/{W}tblHeader") is None


def test_special_characters_are_escaped_not_dropped(rendered):
    doc = Document(str(rendered))
    assert doc.tables[0].rows[1].cells[1].text == "Farm 1 <Ridge> & Co"


def test_signature_block_for_every_party(rendered, agreement):
    paras = styled_paragraphs(rendered)
    heads = [t for s, t in paras if s == "WSR Signature Party"]
    assert heads == [
        "For Example Grocers & Sons LLC (Buyer)",
        "For Example Farmworker Coalition (Worker Organization)",
        "For Example Standards Council (Monitor)",
    ]
    lines = [t for s, t in paras if s == "WSR Signature Line"]
    assert len(lines) == 4 * len(agreement.parties)
    assert lines.count("Signature: ________________________________") == 3
    assert lines.count("Title: ________________________________") == 3  # no capacity given
    assert lines.count("Date: ________________________________") == 3
    assert [t for t in lines if t.startswith("Name:")] == [
        f"Name: {p.signatory}" for p in agreement.parties
    ]
    # name, title and date follow each signature line, in that order
    assert [t.split(":")[0] for t in lines[:4]] == ["Signature", "Name", "Title", "Date"]


def test_signatory_title_fills_the_title_line(tmp_path):
    body = standard_agreement().model_dump(mode="json")
    body["parties"][0]["signatory_title"] = "General Counsel"
    out = render_docx(seal(body), tmp_path / "a.docx")
    lines = [t for s, t in styled_paragraphs(out) if s == "WSR Signature Line"]
    assert lines[2] == "Title: General Counsel"


def test_signature_page_carries_no_hash_or_versions(rendered, agreement):
    after = False
    for style, text in styled_paragraphs(rendered):
        after = after or text == "Signatures"
        if after:
            assert agreement.content_hash not in text and "sha256" not in text
            assert "1.0.0" not in text and "WSR Record" != style


def test_document_properties_identify_the_record(rendered, agreement):
    core = Document(str(rendered)).core_properties
    assert core.title == agreement.title
    assert core.identifier == agreement.id
    assert agreement.content_hash in core.keywords
    custom = part_xml(rendered, "docProps/custom.xml")
    for name, value in custom_properties(agreement):
        assert f'name="{name}"><vt:lpwstr>{value}</vt:lpwstr>' in custom
        assert len(value) <= PROPERTY_MAX
    assert clause_versions(agreement)[1] == "premium@1.0.0"
    assert "WSR Clause 02" in custom and agreement.content_hash in custom
    rels = part_xml(rendered, "_rels/.rels")
    assert "relationships/custom-properties" in rels and "docProps/custom.xml" in rels
    types = part_xml(rendered, "[Content_Types].xml")
    assert "custom-properties+xml" in types


def test_page_fields(rendered, agreement):
    footer = part_xml(rendered, "word/footer1.xml")
    assert 'w:instr=" PAGE ' in footer and 'w:instr=" NUMPAGES ' in footer
    assert agreement.id in footer


def test_no_template_tags_survive(rendered):
    for name in ("word/document.xml", "word/header1.xml", "word/footer1.xml"):
        xml = part_xml(rendered, name)
        assert "{{" not in xml and "{%" not in xml and "%}" not in xml, name


def test_empty_supplier_list_drops_the_table(tmp_path):
    body = standard_agreement(suppliers=0).model_dump(mode="json")
    out = render_docx(seal(body), tmp_path / "a.docx")
    doc = Document(str(out))
    assert doc.tables == []
    assert "No suppliers are covered at the Effective Date." in [p.text for p in doc.paragraphs]


def test_rendering_is_deterministic(agreement, tmp_path):
    a = render_docx(agreement, tmp_path / "a.docx").read_bytes()
    b = render_docx(agreement, tmp_path / "b.docx").read_bytes()
    assert a == b


def test_context_is_plain_data(agreement):
    ctx = docx_context(agreement)
    assert [s["title"] for s in ctx["sections"]] == [s.title for s in agreement.sections]
    assert ctx["parties"][1]["tail"].endswith("; and")


def test_house_template_is_regenerated_byte_for_byte(tmp_path):
    build = runpy.run_path(str(BUILDER))["build"]
    fresh = build(tmp_path / "agreement.docx")
    assert fresh.read_bytes() == HOUSE_TEMPLATE.read_bytes(), (
        "clauses/templates/agreement.docx is stale: run build_house_template.py"
    )


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_it_and_numbers_it_like_the_record(rendered, agreement, tmp_path):
    """LibreOffice's own text export shows the list numbers it generated."""
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(tmp_path),
            str(rendered),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = (tmp_path / "agreement.txt").read_text(encoding="utf-8-sig")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    numbered = [line for line in lines if line[0].isdigit()]
    expected = []
    for section in agreement.sections:
        expected.append(f"{section.number}. {section.title}")
        expected += [f"{p.number} {p.text}" for p in section.paragraphs]
    assert numbered == expected


@pytest.mark.parametrize(
    "example", sorted(p.name for p in (Path(__file__).parents[2] / "examples").glob("*.yaml"))
)
def test_example_docx_has_the_full_contract_structure(example, tmp_path):
    """Drafted from the shipped library: termination and general provisions close every
    agreement, the cover names the parties without defining them, the schedule names
    countries, and no number is spelled as bare figures in front of a unit."""
    from clauses import assemble, load_library, parse_answers

    lib = load_library()
    ag = assemble(parse_answers(Path(__file__).parents[2] / "examples" / example, lib), lib)
    doc = Document(str(render_docx(ag, tmp_path / "a.docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name == "WSR Section Heading"]
    assert headings == [s.title for s in ag.sections]
    assert headings[-2:] == ["Termination and Survival", "General Provisions"]
    body = [p.text for p in doc.paragraphs]
    assert any(t.startswith("Governing law. This Agreement") for t in body)
    assert any(t.startswith("The following survive the expiry or termination") for t in body)
    cover = [p.text for p in doc.paragraphs if p.style.name == "WSR Party"]
    assert cover and not any("\u201c" in t or '"' in t for t in cover)
    defined = [p.text for p in doc.paragraphs if p.style.name == "WSR Definition"]
    assert not any(t.startswith(("\u201cEffective Date", "\u201cAgreement\u201d")) for t in defined)
    table = doc.tables[-1]  # the supplier schedule (a fee schedule, if any, comes before it)
    assert table.rows[0].cells[0].text == "Supplier ID"
    countries = {r.cells[2].text for r in table.rows[1:]}
    assert countries == {COUNTRY_NAMES[s.country] for s in ag.suppliers}
    intro = next(t for t in body if t.startswith("The following ") and "covered by" in t)
    assert f"({len(ag.suppliers)}) suppliers are covered" in intro
