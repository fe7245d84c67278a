"""The deviation report as DOCX (and, through LibreOffice, PDF) for counsel.

Counsel annotates and forwards Word files; the Markdown report is for the repository. Both are
written from the same blocks (:meth:`~clauses._deviations.DeviationReport.blocks`), so they say
the same thing; tables are real Word tables (``w:tbl``) with a repeating header row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .._deviations import DeviationReport
from .._report_blocks import Block, Bullets, Heading, Para, Quote, Table
from .docx import save_docx
from .pdf import render_pdf


def _header_row(row: Any) -> None:
    """Bold, shaded, and repeated on every page the table runs over."""
    tr_pr = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    tr_pr.append(repeat)
    for cell in row.cells:
        for p in cell.paragraphs:
            for r in p.runs:
                r.bold = True
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:color"), "auto")
        shade.set(qn("w:fill"), "E7E6E6")
        cell._tc.get_or_add_tcPr().append(shade)


def _table(doc: Any, block: Table) -> None:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    for row, texts in zip(table.rows, (block.header, *block.rows), strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for r in p.runs:
                    r.font.size = Pt(9)
    _header_row(table.rows[0])
    doc.add_paragraph()


def _write(doc: Any, block: Block) -> None:
    if isinstance(block, Heading):
        doc.add_heading(block.text, level=0 if block.level == 1 else block.level - 1)
    elif isinstance(block, Para):
        p = doc.add_paragraph()
        if block.lead:
            p.add_run(block.lead + " ").bold = True
        p.add_run(block.text)
    elif isinstance(block, Quote):
        for text in block.text.split("\n\n"):
            if text.strip():
                doc.add_paragraph(" ".join(text.split()), style="Quote")
    elif isinstance(block, Bullets):
        for item in block.items:
            doc.add_paragraph(item, style="List Bullet")
    else:
        _table(doc, block)


def _field(paragraph: Any, instruction: str) -> None:
    """A simple Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")  # 8 pt, as the footer text
    rpr.append(size)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _footer(section: Any, report: DeviationReport) -> None:
    p = section.footer.paragraphs[0]
    p.text = f"Deviations from the standard \u2014 {report.agreement_id} \u2014 page "
    _field(p, "PAGE")
    p.add_run(" of ")
    _field(p, "NUMPAGES")
    for r in p.runs:
        r.font.size = Pt(8)


def render_deviations_docx(report: DeviationReport, path: Path | str) -> Path:
    """Write the report as a DOCX at ``path`` (parent must exist) and return the path."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE  # the fee table has five columns
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    _footer(section, report)
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(10.5)
    for block in report.blocks():
        _write(doc, block)
    props = doc.core_properties
    props.title = f"Deviations from the standard: {report.title}"
    props.subject = report.agreement_id
    props.author = "WSR engine"
    props.comments = f"Compared with {report.standard_id}"
    return save_docx(doc, Path(path))


def render_deviations_pdf(docx_path: Path | str, out_dir: Path | str) -> Path:
    """The report's DOCX as PDF through LibreOffice (``<stem>.pdf`` in ``out_dir``)."""
    return render_pdf(docx_path, out_dir)
