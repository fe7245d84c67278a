"""The arbitration bundle's document as a DOCX (python-docx, imported where used), which
:func:`wsr._bundle_files.build_pdf` converts with LibreOffice.

Its sections: the agreement's facts, the chronology (one paragraph per entry, written as XML
in one go: a long Word table converts too slowly), the obligations, the notices with their
proof of service, the exhibits and where each ended up, and the agreement (or clause) as
signed. Times are local to the agreement with their UTC offset; text no XML can hold is
replaced (:func:`_x`), so a typed note never breaks the document.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ._bundle import Bundle

if TYPE_CHECKING:
    from ._bundle_files import _Placed

#: characters XML 1.0 (and so a DOCX) cannot hold; replaced so a typed note never breaks it
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _local(bundle: Bundle, at: datetime | None) -> str:
    if at is None:
        return "—"
    local = at.astimezone(ZoneInfo(bundle.agreement.timezone))
    return local.isoformat(sep=" ", timespec="minutes")


def _table(
    doc: Any,
    rows: list[list[str]],
    *,
    header: bool = True,
    size: int = 8,
    widths: tuple[float, ...] | None = None,
) -> None:
    """A grid table; ``widths`` in inches (the page holds 7.3), else equal columns."""
    from docx.shared import Inches, Pt

    table = doc.add_table(rows=0, cols=len(rows[0]))
    table.style = "Table Grid"
    if widths is not None:  # LibreOffice reads the grid's widths, Word the cells'
        table.autofit = False
        for column, inches in zip(table.columns, widths, strict=True):
            column.width = Inches(inches)
    for i, r in enumerate(rows):
        cells = table.add_row().cells
        for j, (cell, value) in enumerate(zip(cells, r, strict=True)):
            cell.text = _x(value)
            if widths is not None:
                cell.width = Inches(widths[j])
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(size)
                run.bold = (header and i == 0) or (not header and j == 0)


#: where the chronology's columns start, in inches: number, date, kind, then what it says
_LINE_STOPS = (0.4, 1.7, 2.4)


def _line_style(doc: Any) -> Any:
    """One paragraph style for every chronology line: its tab stops, hanging indent and size
    are stated once, not on each of thousands of paragraphs."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Inches, Pt

    style = doc.styles.add_style("Chronology line", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(7)
    fmt = style.paragraph_format
    fmt.left_indent = Inches(_LINE_STOPS[-1])
    fmt.first_line_indent = -Inches(_LINE_STOPS[-1])
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(3)
    fmt.keep_together = True  # an entry is never split across two pages
    for stop in _LINE_STOPS:
        fmt.tab_stops.add_tab_stop(Inches(stop))
    return style


def _lines(doc: Any, rows: list[list[str]]) -> None:
    """The chronology as one paragraph per entry, not one table row per entry.

    LibreOffice lays out a long Word table slowly (a 10,000-row chronology did not convert
    within its 180 s timeout): a paragraph each, with the number, date and kind at tab stops
    and what happened, the detail and who did it as lines under one another at the hanging
    indent, says the same words in the same order and converts in a fraction of the time.
    ``rows[0]`` is the header line (bold), in the same shape.

    The paragraphs are written as XML and parsed in one go, then put in place before the body's
    closing section properties: python-docx's ``add_paragraph(style=...)`` looks the style up
    among all styles and searches the body for where to insert on every call, and its runs add
    text character by character — for 10,000 entries that was most of the time the DOCX took.
    """
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    style_id = escape(_line_style(doc).style_id, {'"': "&quot;"})
    paragraphs = []
    for i, (number, at, kind, what, detail, by) in enumerate(rows):
        text = "\n".join(t for t in (f"{number}\t{at}\t{kind}\t{what}", detail, by) if t)
        paragraphs.append(
            f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r>'
            + ("<w:rPr><w:b/></w:rPr>" if i == 0 else "")
            + _run_xml(_x(text), escape)
            + "</w:r></w:p>"
        )
    parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(paragraphs)}</w:body>")
    body = doc.element.body
    end = body.find(qn("w:sectPr"))
    for p in list(parsed):
        if end is not None:
            end.addprevious(p)
        else:
            body.append(p)


def _run_xml(text: str, escape: Any) -> str:
    """A run's content: the text with its tabs and line breaks as ``w:tab`` and ``w:br``."""
    parts = []
    for n, line in enumerate(text.split("\n")):
        if n:
            parts.append("<w:br/>")
        for m, piece in enumerate(line.split("\t")):
            if m:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return "".join(parts)


def _docx(bundle: Bundle, placed: list[_Placed]) -> Any:
    from docx import Document

    agr, record = bundle.agreement, bundle.record
    from docx.shared import Inches

    doc = Document()
    for part in doc.sections:  # narrow margins: the chronology is a wide table
        part.left_margin = part.right_margin = Inches(0.6)
        part.top_margin = part.bottom_margin = Inches(0.7)
    doc.add_heading(_x(bundle.title), level=0)
    facts = [
        ["Agreement", f"{agr.title} ({agr.id})"],
        ["Content hash of the agreement as signed", record.content_hash],
        ["Signed on", agr.signed_on.isoformat()],
        ["Effective", f"{agr.effective_date.isoformat()} to {agr.term_end.isoformat()}"],
        ["Status", agr.status.value],
        ["Parties", "; ".join(f"{p.name} ({p.role})" for p in record.parties)],
    ]
    if bundle.obligation is not None:
        facts.append(["Obligation in dispute", bundle.obligation.id])
    facts += [
        ["Prepared for", bundle.prepared_for],
        ["Prepared at", _local(bundle, bundle.generated_at)],
        ["Times", f"local to the agreement ({agr.timezone}), with their UTC offset"],
    ]
    _table(doc, facts, header=False, size=9, widths=(2.2, 5.1))

    doc.add_heading("1. Chronology", level=1)
    doc.add_paragraph(
        "Every event recorded, every change in the audit log (state, deadline, evidence and "
        "its decisions, breaches, powers), every notice with the delivery evidence of "
        "SendGrid's signed webhook, and every piece of evidence submitted, in date order."
    )
    if bundle.chronology:
        rows = [["#", "Date", "Kind", "What", "Detail", "By"]]
        rows += [
            [str(i), _local(bundle, e.at), e.kind, e.what
             + (f" [{e.obligation_id}]" if e.obligation_id and bundle.obligation is None else ""),
             e.detail, e.actor]
            for i, e in enumerate(bundle.chronology, 1)
        ]  # fmt: skip
        _lines(doc, rows)
    else:
        doc.add_paragraph("Nothing has been recorded.")

    doc.add_heading("2. Obligations", level=1)
    rows = [["Obligation", "Clause", "What", "Owed", "Due", "State", "Flags", "Amount",
             "Evidence"]]  # fmt: skip
    rows += [
        [o["id"], o["clause"], o["title"] + (f" — {o['subject']}" if o["subject"] else ""),
         o["owed"], o["due"], o["state"], o["flags"], o["amount"], o["evidence"]]
        for o in bundle.obligations
    ]  # fmt: skip
    _table(doc, rows, size=7, widths=(0.95, 0.8, 1.7, 0.8, 0.7, 0.65, 0.7, 0.6, 0.6))

    doc.add_heading("3. Notices and proof of service", level=1)
    if not bundle.notices:
        doc.add_paragraph("No notice has been decided for this scope.")
    for n in bundle.notices:
        doc.add_heading(_x(f"Notice {n.id[:12]} — {n.step}"), level=2)
        _table(
            doc,
            [
                ["Notice", n.id],
                ["Obligation", n.obligation_id],
                ["To", n.recipient],
                ["Subject", n.subject],
                ["Due on", n.due_on],
                ["Decided at", _local(bundle, n.decided_at)],
                ["Sent at", _local(bundle, n.sent_at)],
                ["State", n.state],
                ["Provider and message id", f"{n.provider or '—'} {n.provider_message_id}"],
                ["SHA-256 of the message as sent", n.sha256],
                [
                    "SHA-256 recomputed from the stored text",
                    "matches" if n.hash_matches else "DOES NOT MATCH",
                ],
                [
                    "In the ZIP",
                    f"notices/{n.id}.json"
                    + (
                        " (its SHA-256 is this one)"
                        if n.verbatim and n.hash_matches
                        else " (with withheld details; its SHA-256 differs)"
                    ),
                ],
            ],
            header=False,
            size=8,
            widths=(2.2, 5.1),
        )
        if n.deliveries:
            rows = [["Delivery event", "At", "SendGrid message id", "Webhook request",
                     "Signature"]]  # fmt: skip
            rows += [
                [d.event, _local(bundle, d.at), d.message_id, f"#{d.request_id}",
                 "verified (ECDSA)" if d.verified else "not verified"]
                for d in n.deliveries
            ]  # fmt: skip
            doc.add_paragraph("")
            _table(doc, rows, size=8, widths=(1.0, 1.2, 2.6, 1.0, 1.1))
        else:
            doc.add_paragraph("No delivery event has been recorded for this notice.")

    doc.add_heading("4. Exhibits", level=1)
    doc.add_paragraph(
        "The evidence files, each with the SHA-256 of its content as stored; the ZIP that comes "
        "with this PDF holds the originals and a manifest of their hashes. PDF exhibits follow "
        "this document in the order below."
    )
    if placed:
        rows = [["Exhibit", "File", "SHA-256", "Bytes", "Obligation", "Submitted", "Note",
                 "Where"]]  # fmt: skip
        rows += [
            [p.exhibit.number, p.exhibit.filename, p.exhibit.sha256, str(p.exhibit.size),
             p.exhibit.obligation_id, _local(bundle, p.exhibit.submitted_at), p.exhibit.note,
             p.status]
            for p in placed
        ]  # fmt: skip
        _table(doc, rows, size=7, widths=(0.5, 0.9, 1.5, 0.45, 0.95, 0.95, 0.9, 1.15))
    else:
        doc.add_paragraph("No evidence has been submitted for this scope.")

    heading = "5. The agreement as signed" if bundle.obligation is None else "5. The clause"
    doc.add_heading(heading, level=1)
    doc.add_paragraph(
        f"{agr.title}, signed on {agr.signed_on.isoformat()}; content hash "
        f"{record.content_hash} (SHA-256 of the canonical record, which is in the ZIP)."
    )
    for section in bundle.sections:
        doc.add_heading(
            _x(
                f"{section.number}. {section.title} ({section.clause_id} "
                f"{section.clause_version}, {section.alternative})"
            ),
            level=2,
        )
        for para in section.paragraphs:
            doc.add_paragraph(_x(f"{para.number} {para.text}"))
    return doc
