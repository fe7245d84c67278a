"""Regenerate the house template ``clauses/templates/agreement.docx`` with python-docx.

The template is a build product of this script, not a hand-edited file: every style, the
multilevel numbering, the header/footer and the docxtpl tags are written here, so a change to
the look of our agreements is a reviewable diff of code rather than of a binary. The output is
byte-for-byte deterministic (fixed zip timestamps and core properties), so regenerating it
without changing this script leaves git clean.

Run from the repository root::

    .venv/bin/python clauses/templates/build_house_template.py [OUT.docx]

Layout decisions (why they are what they are):

- Page: US Letter with 25 mm margins. The renderer sets each agreement's real paper (Letter or
  A4, ``Agreement.paper``) and moves the footer's right tab to the text width of that paper;
  every table is at most 160 mm wide, the text width of A4, so it fits both.
- Body font: "Times New Roman" (LibreOffice substitutes the metric-compatible Liberation Serif),
  11 pt, justified clauses.
- Numbering: one multilevel list (ilvl 0 ``%1.``, ilvl 1 ``%1.%2``) bound to the paragraph
  styles "WSR Section Heading" and "WSR Clause". Word and LibreOffice generate the numbers; the
  renderer never types them, so the numbers a reader sees are the list's, and the tests check
  they agree with the numbers stored in the agreement record.
- Docxtpl tags: paragraph tags (``{%p ... %}``) for loops over parties, definitions, sections,
  clauses and signature blocks; row tags (``{%tr ... %}``) for the supplier schedule, whose
  header row repeats on every page. Section headings, clause paragraphs and definitions are
  run tags (``{{r ... }}``): the renderer supplies their runs, so a heading carries the bookmark
  that cross-references point at and a clause carries REF fields where it cites a section. A
  clause paragraph that ends with a table (the fee schedule) is followed by a paragraph tag
  (``{{p ... }}``) that the renderer fills with a real ``w:tbl``.
- No record line on the signature page: the agreement id, content hash and clause versions are
  in the document properties (core and custom), where they identify the file without being
  part of what is signed.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "agreement.docx"

FONT = "Times New Roman"
SECTION_STYLE = "WSR Section Heading"
CLAUSE_STYLE = "WSR Clause"
#: numbering ids used by the house list; renderers and tests look them up by style instead
ABSTRACT_NUM_ID = 90
NUM_ID = 90
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_PROPS_TIME = datetime(2026, 1, 1, tzinfo=UTC)
_INDENT = 567  # twips: 10 mm, the gap between a number and its text


def _set_doc_defaults(doc: object) -> None:
    """Make the serif font the document default, replacing the theme (Calibri) fonts."""
    styles_el = doc.styles.element  # type: ignore[attr-defined]
    rpr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr_default.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr_default.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for name in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{name}"), FONT)
    for tag, val in (("w:sz", "22"), ("w:szCs", "22")):
        el = rpr_default.find(qn(tag))
        if el is None:
            el = parse_xml(f'<{tag} {nsdecls("w")} w:val="{val}"/>')
            rpr_default.append(el)
        el.set(qn("w:val"), val)
    lang = rpr_default.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-GB")


def _para_style(doc: object, name: str, *, base: str = "Normal") -> ParagraphStyle:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[attr-defined]
    style.base_style = doc.styles[base]  # type: ignore[attr-defined]
    style.quick_style = True
    style.font.name = FONT
    return style  # type: ignore[no-any-return]


def _styles(doc: object) -> None:
    normal = doc.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1

    title = _para_style(doc, "WSR Title")
    title.font.size = Pt(18)
    title.font.bold = True
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(24)
    title.paragraph_format.space_after = Pt(6)

    sub = _para_style(doc, "WSR Subtitle")
    sub.font.size = Pt(11)
    sub.font.italic = True
    sub.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.paragraph_format.space_after = Pt(24)

    body = _para_style(doc, "WSR Body")
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    party = _para_style(doc, "WSR Party", base="WSR Body")
    party.paragraph_format.left_indent = Mm(10)
    party.paragraph_format.space_after = Pt(6)

    plain_heading = _para_style(doc, "WSR Heading")
    plain_heading.font.bold = True
    plain_heading.font.size = Pt(12)
    plain_heading.paragraph_format.space_before = Pt(18)
    plain_heading.paragraph_format.space_after = Pt(6)
    plain_heading.paragraph_format.keep_with_next = True

    definition = _para_style(doc, "WSR Definition", base="WSR Body")
    definition.paragraph_format.left_indent = Mm(10)

    section = _para_style(doc, SECTION_STYLE)
    section.font.bold = True
    section.font.size = Pt(12)
    section.paragraph_format.space_before = Pt(14)
    section.paragraph_format.space_after = Pt(6)
    section.paragraph_format.keep_with_next = True
    section.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))

    clause = _para_style(doc, CLAUSE_STYLE, base="WSR Body")
    clause.paragraph_format.space_after = Pt(6)

    for style, ilvl in ((section, 0), (clause, 1)):
        ppr = style.element.get_or_add_pPr()
        numpr = parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{NUM_ID}"/></w:numPr>'
        )
        # numPr comes early in pPr (after keepNext/keepLines/pageBreakBefore/framePr/widowControl)
        anchor = None
        for tag in ("w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:widowControl"):
            found = ppr.find(qn(tag))
            if found is not None:
                anchor = found
        if anchor is None:
            ppr.insert(0, numpr)
        else:
            anchor.addnext(numpr)
        ind = parse_xml(f'<w:ind {nsdecls("w")} w:left="{_INDENT}" w:hanging="{_INDENT}"/>')
        old = ppr.find(qn("w:ind"))
        if old is not None:
            ppr.remove(old)
        _insert_in_order(ppr, ind)

    small = _para_style(doc, "WSR Record")
    small.font.size = Pt(8)
    small.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    small.paragraph_format.space_before = Pt(18)

    sig_head = _para_style(doc, "WSR Signature Party")
    sig_head.font.bold = True
    sig_head.paragraph_format.space_before = Pt(18)
    sig_head.paragraph_format.keep_with_next = True

    sig_line = _para_style(doc, "WSR Signature Line")
    sig_line.paragraph_format.space_before = Pt(10)
    sig_line.paragraph_format.keep_with_next = True
    sig_line.paragraph_format.keep_together = True

    cell = _para_style(doc, "WSR Table Text")
    cell.paragraph_format.space_after = Pt(0)
    cell.font.size = Pt(10)

    for name in ("Header", "Footer"):
        style = doc.styles[name]  # type: ignore[attr-defined]
        style.font.name = FONT
        style.font.size = Pt(9)
        # The stock styles carry tab stops for Letter with 1-inch margins; ours are set per
        # paragraph to fit the real text width.
        tabs = style.element.get_or_add_pPr().find(qn("w:tabs"))
        if tabs is not None:
            tabs.getparent().remove(tabs)


_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]


def _insert_in_order(ppr: object, child: object) -> None:
    """Insert ``child`` into a w:pPr at the position the schema requires."""
    local = child.tag.split("}")[1]  # type: ignore[attr-defined]
    rank = _PPR_ORDER.index(local)
    for i, existing in enumerate(ppr):  # type: ignore[arg-type,var-annotated]
        name = existing.tag.split("}")[1]
        if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
            ppr.insert(i, child)  # type: ignore[attr-defined]
            return
    ppr.append(child)  # type: ignore[attr-defined]


def _numbering(doc: object) -> None:
    """Add the house multilevel list (abstractNum + num) and nothing else."""
    numbering = doc.part.numbering_part.element  # type: ignore[attr-defined]
    levels = []
    for ilvl in range(9):
        text = ".".join(f"%{i + 1}" for i in range(ilvl + 1)) + ("." if ilvl == 0 else "")
        pstyle = {0: "WSRSectionHeading", 1: "WSRClause"}.get(ilvl)
        pstyle_xml = f'<w:pStyle w:val="{pstyle}"/>' if pstyle else ""
        left = _INDENT * max(ilvl, 1)
        levels.append(
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            f"{pstyle_xml}"
            f'<w:suff w:val="tab"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:tabs><w:tab w:val="num" w:pos="{left}"/></w:tabs>'
            f'<w:ind w:left="{left}" w:hanging="{_INDENT}"/></w:pPr>'
            + ("<w:rPr><w:b/></w:rPr>" if ilvl == 0 else '<w:rPr><w:b w:val="0"/></w:rPr>')
            + "</w:lvl>"
        )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{ABSTRACT_NUM_ID}">'
        f'<w:nsid w:val="5753520A"/><w:multiLevelType w:val="multilevel"/>'
        f'<w:name w:val="WSR Agreement Sections"/>{"".join(levels)}</w:abstractNum>'
    )
    num = parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{NUM_ID}">'
        f'<w:abstractNumId w:val="{ABSTRACT_NUM_ID}"/></w:num>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)
    numbering.append(num)


def _field(paragraph: Paragraph, instr: str, placeholder: str) -> None:
    paragraph._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr=" {instr} \\* MERGEFORMAT ">'
            f"<w:r><w:t>{placeholder}</w:t></w:r></w:fldSimple>"
        )
    )


def _page_setup(doc: object) -> None:
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.page_width = Twips(12240)  # US Letter; the renderer sets each agreement's paper
    section.page_height = Twips(15840)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(25))
    section.header_distance = Mm(12)
    section.footer_distance = Mm(12)

    width = section.page_width - section.left_margin - section.right_margin
    header = section.header.paragraphs[0]
    header.text = ""
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = header.add_run("{{ title }}")
    run.italic = True

    footer = section.footer.paragraphs[0]
    footer.text = ""
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run("{{ id }}")
    footer.add_run("\tPage ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")


def _tag(doc: object, text: str) -> None:
    """A paragraph that holds only a docxtpl paragraph tag (removed when rendered)."""
    doc.add_paragraph(text, style="WSR Body")  # type: ignore[attr-defined]


def _body(doc: object) -> None:
    doc.add_paragraph("{{ title }}", style="WSR Title")  # type: ignore[attr-defined]
    doc.add_paragraph("{{ subtitle }}", style="WSR Subtitle")  # type: ignore[attr-defined]

    doc.add_paragraph("This Agreement is made between:", style="WSR Body")  # type: ignore[attr-defined]
    _tag(doc, "{%p for p in parties %}")
    party = doc.add_paragraph(style="WSR Party")  # type: ignore[attr-defined]
    party.add_run("({{ p.ordinal }})\t")
    party.add_run("{{ p.name }}").bold = True
    party.add_run("{{ p.tail }}")
    party.paragraph_format.first_line_indent = Mm(-10)
    party.paragraph_format.tab_stops.add_tab_stop(Mm(10))
    _tag(doc, "{%p endfor %}")

    doc.add_paragraph("Background", style="WSR Heading")  # type: ignore[attr-defined]
    doc.add_paragraph("{{ recital }}", style="WSR Body")  # type: ignore[attr-defined]

    _tag(doc, "{%p if definitions %}")
    doc.add_paragraph("Definitions", style="WSR Heading")  # type: ignore[attr-defined]
    doc.add_paragraph(  # type: ignore[attr-defined]
        "In this Agreement the following words have the meanings given to them below.",
        style="WSR Body",
    )
    _tag(doc, "{%p for d in definitions %}")
    definition = doc.add_paragraph(style="WSR Definition")  # type: ignore[attr-defined]
    definition.add_run("\u201c")
    definition.add_run("{{ d.term }}").bold = True
    definition.add_run("\u201d ")
    definition.add_run("{{r d.runs }}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endif %}")

    _tag(doc, "{%p for s in sections %}")
    doc.add_paragraph("{{r s.heading }}", style=SECTION_STYLE)  # type: ignore[attr-defined]
    _tag(doc, "{%p for c in s.paragraphs %}")
    _tag(doc, "{%p if c.table %}")
    lead = doc.add_paragraph("{{r c.runs }}", style=CLAUSE_STYLE)  # type: ignore[attr-defined]
    lead.paragraph_format.keep_with_next = True  # the words that introduce a table stay with it
    doc.add_paragraph("{{p c.table }}", style="WSR Body")  # type: ignore[attr-defined]
    _tag(doc, "{%p else %}")
    doc.add_paragraph("{{r c.runs }}", style=CLAUSE_STYLE)  # type: ignore[attr-defined]
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")

    # Schedule of covered suppliers, on its own page.
    schedule = doc.add_paragraph("Schedule 1 \u2013 Covered Suppliers", style="WSR Heading")  # type: ignore[attr-defined]
    schedule.paragraph_format.page_break_before = True
    doc.add_paragraph("{{r schedule_runs }}", style="WSR Body")  # type: ignore[attr-defined]
    _tag(doc, "{%p if suppliers %}")
    table = doc.add_table(rows=4, cols=3)  # type: ignore[attr-defined]
    table.style = doc.styles["Table Grid"]  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(40), Mm(90), Mm(30))
    # LibreOffice lays a table out by its grid, not by the cell widths: give the grid the widths
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width.twips)))
    rows = [
        ("Supplier ID", "Name", "Country"),
        ("{%tr for sup in suppliers %}", "", ""),
        ("{{ sup.id }}", "{{ sup.name }}", "{{ sup.country }}"),
        ("{%tr endfor %}", "", ""),
    ]
    for r, values in enumerate(rows):
        row = table.rows[r]
        trpr = row._tr.get_or_add_trPr()
        trpr.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if r == 0:
            trpr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for c, value in enumerate(values):
            cell = row.cells[c]
            cell.width = widths[c]
            para = cell.paragraphs[0]
            para.style = doc.styles["WSR Table Text"]  # type: ignore[attr-defined]
            run = para.add_run(value)
            if r == 0:
                run.bold = True
                cell._tc.get_or_add_tcPr().append(
                    parse_xml(
                        f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="E7E6E6"/>'
                    )
                )
    _tag(doc, "{%p endif %}")

    # Signature blocks.
    sign = doc.add_paragraph("Signatures", style="WSR Heading")  # type: ignore[attr-defined]
    sign.paragraph_format.page_break_before = True
    doc.add_paragraph(  # type: ignore[attr-defined]
        "Each party signs this Agreement by its authorised representative on the date written "
        "next to that representative\u2019s signature. The Agreement may be signed in "
        "counterparts.",
        style="WSR Body",
    )
    _tag(doc, "{%p for p in parties %}")
    doc.add_paragraph("For {{ p.name }} ({{ p.label }})", style="WSR Signature Party")  # type: ignore[attr-defined]
    doc.add_paragraph("Signature: ________________________________", style="WSR Signature Line")  # type: ignore[attr-defined]
    doc.add_paragraph("Name: {{ p.signatory }}", style="WSR Signature Line")  # type: ignore[attr-defined]
    doc.add_paragraph("Title: {{ p.capacity }}", style="WSR Signature Line")  # type: ignore[attr-defined]
    doc.add_paragraph("Date: ________________________________", style="WSR Signature Line")  # type: ignore[attr-defined]
    _tag(doc, "{%p endfor %}")


def _properties(doc: object) -> None:
    props = doc.core_properties  # type: ignore[attr-defined]
    props.title = "WSR brand agreement (house template)"
    props.author = "WSR agreement engine"
    props.last_modified_by = "WSR agreement engine"
    props.comments = "Generated by clauses/templates/build_house_template.py; do not edit by hand."
    props.created = _FIXED_PROPS_TIME
    props.modified = _FIXED_PROPS_TIME
    props.revision = 1


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite a .docx zip with fixed member timestamps so equal content gives equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build(out: Path = DEFAULT_OUT) -> Path:
    """Build the house template at ``out`` and return the path."""
    doc = Document()
    # The default python-docx body holds one empty paragraph; start from nothing.
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _set_doc_defaults(doc)
    _styles(doc)
    _numbering(doc)
    _page_setup(doc)
    _body(doc)
    _properties(doc)
    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(deterministic_zip(buf.getvalue()))
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    build(out)
    sys.stdout.write(f"{out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
