"""The two docxtpl passes the house renderer skips change nothing: same bytes as with them.

``clauses.render.docx._HouseDocxTemplate`` skips ``resolve_listing`` when the rendered XML has
no tab, BEL, newline or form feed, and ``fix_tables`` when every table row has one cell per grid
column. Each test renders the same record twice, once through the house class and once through
``_HouseTemplate`` (docxtpl with only the house's empty-run clean-up, both passes run), and
compares the saved files byte for byte (the save is
deterministic: fixed zip timestamps).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from docxtpl import DocxTemplate
from lxml import etree

from clauses import assemble, load_library, parse_answers
from clauses.render import docx as docx_render
from tests.clauses.render_fixtures import negotiated_agreement, standard_agreement

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def render_both(
    context: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[bytes, bytes]:
    """(house renderer's bytes, the bytes with docxtpl's own passes) for one context."""
    fast = tmp_path / "fast.docx"
    plain = tmp_path / "plain.docx"
    tpl = docx_render.render_template(context, title="T")
    docx_render.save_docx(tpl.docx, fast)
    with monkeypatch.context() as m:
        m.setattr(docx_render, "_HouseDocxTemplate", docx_render._HouseTemplate)
        tpl = docx_render.render_template(context, title="T")
        assert type(tpl) is docx_render._HouseTemplate
        docx_render.save_docx(tpl.docx, plain)
    return fast.read_bytes(), plain.read_bytes()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_render_to_the_same_bytes_as_docxtpl(path, tmp_path, monkeypatch):
    lib = load_library()
    agreement = assemble(parse_answers(path, lib), lib)
    fast, plain = render_both(docx_render.docx_context(agreement), tmp_path, monkeypatch)
    assert fast == plain


@pytest.mark.parametrize("make", [standard_agreement, negotiated_agreement])
def test_records_with_many_suppliers_render_to_the_same_bytes(make, tmp_path, monkeypatch):
    agreement = make(suppliers=300)
    fast, plain = render_both(docx_render.docx_context(agreement), tmp_path, monkeypatch)
    assert fast == plain


@pytest.mark.parametrize("char", ["\t", "\n", "\a", "\f"])
def test_text_with_listing_characters_still_goes_through_resolve_listing(
    char, tmp_path, monkeypatch
):
    context = copy.deepcopy(docx_render.docx_context(negotiated_agreement(suppliers=3)))
    context["sections"][0]["paragraphs"][0]["text"] = f"first{char}second"
    fast, plain = render_both(context, tmp_path, monkeypatch)
    assert fast == plain
    tpl = docx_render.render_template(context, title="T")
    body = etree.tostring(tpl.docx.element.body).decode()
    assert f"first{char}second" not in body  # docxtpl's pass did run and rewrote it


def test_a_table_whose_rows_outgrow_the_grid_is_still_fixed_by_docxtpl():
    xml = (
        f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl><w:tblGrid>'
        '<w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid>'
        "<w:tr><w:tc/><w:tc/><w:tc/></w:tr></w:tbl></w:body></w:document>"
    )
    house = docx_render._HouseDocxTemplate.__new__(docx_render._HouseDocxTemplate)
    plain = DocxTemplate.__new__(DocxTemplate)
    fixed = etree.tostring(house.fix_tables(xml))
    assert fixed == etree.tostring(plain.fix_tables(xml))
    assert fixed.count(b"gridCol") == 3  # the column docxtpl adds


def test_a_consistent_table_is_left_as_parsed():
    xml = (
        f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl><w:tblGrid>'
        '<w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid>'
        "<w:tr><w:tc/><w:tc/></w:tr><w:tr><w:tc/><w:tc/></w:tr></w:tbl></w:body></w:document>"
    )
    house = docx_render._HouseDocxTemplate.__new__(docx_render._HouseDocxTemplate)
    plain = DocxTemplate.__new__(DocxTemplate)
    assert etree.tostring(house.fix_tables(xml)) == etree.tostring(plain.fix_tables(xml))
