"""The captured house template (``clauses.render.docx_fast``) writes docxtpl's very bytes.

A capture is made from one record's docxtpl draft; every other record rendered from it must give
byte for byte the file ``clauses.render.docx.render_docx`` (docxtpl, python-docx, lxml) writes
for that record — or ``fast_bytes`` must refuse it (None) and the draft goes through docxtpl.
Records: every example, and hostile ones (ampersands, apostrophes, quotes, ``<``/``>``,
non-ASCII, A4, 600 suppliers, empty fields); tabs and line breaks are refused.
"""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path
from typing import Any

import pytest

from clauses import assemble, load_library, parse_answers
from clauses._agreement import Agreement, seal
from clauses.render import docx_capture, docx_fast
from clauses.render.docx import render_docx as docxtpl_render
from tests.clauses.render_fixtures import _body, negotiated_agreement

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("capture") / "first.docx"
    agreement = negotiated_agreement(suppliers=3)
    docxtpl_render(agreement, out)
    found = docx_capture.capture_template(agreement, out, docx_fast.HOUSE_TEMPLATE)
    assert found is not None
    return found


def docxtpl_members(agreement: Agreement, tmp_path: Path) -> list[tuple[str, bytes]]:
    path = docxtpl_render(agreement, tmp_path / "docxtpl.docx")
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def assert_same_file(capture: dict[str, Any], agreement: Agreement, tmp_path: Path) -> None:
    members = docx_fast.fast_bytes(capture, agreement)
    assert members is not None, "the capture refused a record it should cover"
    assert members == docxtpl_members(agreement, tmp_path)
    fast = docx_fast.write_zip(tmp_path / "fast.docx", members)
    assert fast.read_bytes() == (tmp_path / "docxtpl.docx").read_bytes()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_renders_to_docxtpls_bytes(capture, path, tmp_path):
    lib = load_library()
    assert_same_file(capture, assemble(parse_answers(path, lib), lib), tmp_path)


def hostile(**changes: Any) -> Agreement:
    body = copy.deepcopy(_body(suppliers=600))
    for i, s in enumerate(body["suppliers"]):
        s["name"] = [
            "O'Hara & Sons <Knit> Ltd",
            'The "Best" Denim Ltd',
            "Ça Va Tekstil Sanayi Ağ Şti — 縫製",
            "A > B & C",
            "Plain Ltd",
        ][i % 5]
    body["parties"][0]["name"] = 'L\'Enseigne "Ét\u00e9" & Fils <SA>'
    body["parties"][1]["address"] = ""
    body["title"] = 'Tom\'s "Fair" Food & <Dignity> Agreement \u2013 Été'
    body["sections"][0]["paragraphs"][0]["text"] += ' It\'s the "term" & <scope> \u2014 ok.'
    body.update(changes)
    return seal(body)


@pytest.mark.parametrize(
    "changes",
    [{}, {"paper": "a4"}, {"paper": "letter"}, {"suppliers": []}],
    ids=["letter-default", "a4", "letter", "no-suppliers"],
)
def test_hostile_records_render_to_docxtpls_bytes(capture, changes, tmp_path):
    assert_same_file(capture, hostile(**changes), tmp_path)


@pytest.mark.parametrize("char", ["\t", "\n", "\a", "\f", "\r"])
def test_text_the_capture_cannot_vouch_for_is_refused(capture, char, tmp_path):
    body = copy.deepcopy(_body(suppliers=3))
    body["sections"][0]["paragraphs"][0]["text"] = f"first{char}second"
    agreement = seal(body)
    assert docx_fast.fast_bytes(capture, agreement) is None


def test_a_refused_record_is_drafted_through_docxtpl(tmp_path, monkeypatch):
    monkeypatch.setenv("WSR_CACHE_DIR", str(tmp_path / "cache"))
    body = copy.deepcopy(_body(suppliers=3))
    body["sections"][0]["paragraphs"][0]["text"] = "first\tsecond"
    tabbed = seal(body)
    docx_fast.render_docx(tabbed, tmp_path / "a.docx")
    assert docx_fast.load_capture() is None  # it cannot be proved on a record it refuses
    docx_fast.render_docx(negotiated_agreement(suppliers=3), tmp_path / "b.docx")
    assert docx_fast.load_capture() is not None  # proved on this one
    again = docx_fast.render_docx(tabbed, tmp_path / "c.docx")  # refused: docxtpl again
    assert again.read_bytes() == (tmp_path / "a.docx").read_bytes()
    assert again.read_bytes() == docxtpl_render(tabbed, tmp_path / "d.docx").read_bytes()


def test_the_canonical_form_is_what_lxml_writes():
    from lxml import etree

    xml = (
        '<w:body xmlns:w="urn:w"><w:p a="x&#34;y&#39;z"><w:r><w:t xml:space="preserve">'
        "O&#39;Hara &amp; &#34;Co&#34; &lt;b&gt;</w:t></w:r><w:r><w:t></w:t></w:r></w:p></w:body>"
    )
    lxml_form = etree.tostring(etree.fromstring(xml), encoding="unicode")
    assert docx_fast._canonical(xml, blanks_ok=True) == lxml_form
    for refused in ("&#13;", "&#x41;", "<!-- c -->", "a\tb", "a\nb", "\x01"):
        assert docx_fast._canonical(xml.replace("Hara", f"Hara{refused}"), blanks_ok=True) is None


def test_irregular_tables_are_left_to_docxtpls_fix_tables():
    grid = '<w:tblGrid><w:gridCol w:w="1"/><w:gridCol w:w="1"/></w:tblGrid>'
    ok = f"<w:tbl>{grid}<w:tr><w:tc/><w:tc><w:p/></w:tc></w:tr></w:tbl>"
    assert docx_fast._regular(ok)
    assert not docx_fast._regular(ok.replace("<w:tc/>", "<w:tc/><w:tc/>"))
    assert not docx_fast._regular(ok.replace("<w:p/>", "<w:tcPr><w:gridSpan w:val='2'/></w:tcPr>"))
    assert not docx_fast._regular(ok.replace("<w:p/>", ok))  # nested


def test_a_capture_that_does_not_reproduce_its_draft_is_not_kept(tmp_path, monkeypatch):
    agreement = negotiated_agreement(suppliers=3)
    out = docxtpl_render(agreement, tmp_path / "first.docx")
    real = docx_capture.fast_bytes

    def off_by_one_byte(capture: dict[str, Any], record: Agreement) -> Any:
        members = real(capture, record)
        assert members is not None
        return [(n, b + b" ") if n == "word/styles.xml" else (n, b) for n, b in members]

    monkeypatch.setattr(docx_capture, "fast_bytes", off_by_one_byte)
    assert docx_capture.capture_template(agreement, out, docx_fast.HOUSE_TEMPLATE) is None
