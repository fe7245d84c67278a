"""Writing an arbitration bundle: one PDF (LibreOffice, then the PDF exhibits appended with
pypdf) and one ZIP of the originals with a manifest, both or neither.

The PDF is made the way the certificate of service is (:mod:`scheduler._certificate_files`):
a DOCX built with python-docx, converted by :func:`clauses.render.pdf.render_pdf`. Exhibits
that are PDFs are appended after it, in exhibit order, each with a bookmark; any other file (or
a PDF that cannot be read or is encrypted) is in the ZIP only, and the exhibit list says which.
The ZIP holds the agreement record exactly as tracked, every exhibit's original bytes, each
notice's text as sent, the chronology as JSON and ``manifest.json`` naming every member with
its SHA-256 and size (and the PDF's, so the two files vouch for each other). Its entries are
dated ``generated_at``, so the same bundle at the same ``--now`` is the same ZIP.

Both are written into the staging folder of :func:`clauses.atomic_outputs`: they appear in the
output folder together, or not at all.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from ._bundle import Bundle
from ._bundle_evidence import Exhibit

#: characters XML 1.0 (and so a DOCX) cannot hold; replaced so a typed note never breaks it
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


@attrs.frozen
class _Placed:
    """Where an exhibit ended up: appended to the PDF (its page count) or in the ZIP only."""

    exhibit: Exhibit
    pages: int
    status: str


def _place(ex: Exhibit) -> tuple[_Placed, Any]:
    """Whether ``ex`` can be appended to the PDF, and its reader when it can."""
    if ex.content is None:
        return _Placed(ex, 0, ex.withheld), None
    if not ex.looks_like_pdf:
        return _Placed(ex, 0, "in the ZIP only (not a PDF)"), None
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(ex.content))
        if reader.is_encrypted and not reader.decrypt(""):
            return _Placed(ex, 0, "in the ZIP only (an encrypted PDF)"), None
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        return _Placed(ex, 0, f"in the ZIP only (unreadable as PDF: {type(exc).__name__})"), None
    if pages == 0:
        return _Placed(ex, 0, "in the ZIP only (a PDF without pages)"), None
    return _Placed(ex, pages, f"appended to this PDF ({pages} page{'s' * (pages != 1)})"), reader


def bundle_names(bundle: Bundle) -> tuple[str, str]:
    return f"{bundle.stem}.pdf", f"{bundle.stem}.zip"


def write_bundle(bundle: Bundle, out_dir: Path) -> list[Path]:
    """Write ``<stem>.pdf`` and ``<stem>.zip`` into ``out_dir``, both or neither; their paths."""
    from clauses import atomic_outputs

    pdf_name, zip_name = bundle_names(bundle)
    placed = [_place(ex) for ex in bundle.exhibits]
    with atomic_outputs(out_dir) as stage:
        pdf = build_pdf(bundle, placed)
        (stage / pdf_name).write_bytes(pdf)
        (stage / zip_name).write_bytes(build_zip(bundle, pdf_name=pdf_name, pdf=pdf))
    return [out_dir / pdf_name, out_dir / zip_name]


#: why a bundle's PDF cannot be made here, and the remedy (``wsr bundle`` and the console's
#: downloads say the same; the console adds that the ZIP does not need it)
NO_LIBREOFFICE = (
    "LibreOffice is not installed, and the bundle's PDF is made with it: install the Debian "
    "package libreoffice-writer-nogui (apt-get install libreoffice-writer-nogui)"
)


def build_pdf(bundle: Bundle, placed: list[tuple[_Placed, Any]] | None = None) -> bytes:
    """The bundle's PDF: the document itself, then each readable PDF exhibit. ToolMissing
    (:data:`NO_LIBREOFFICE`) before anything is rendered where LibreOffice is not installed."""
    from pypdf import PdfReader, PdfWriter

    from clauses import ToolMissing
    from clauses.render.pdf import render_pdf, soffice_path

    try:
        soffice_path()
    except ToolMissing:
        raise ToolMissing(NO_LIBREOFFICE) from None

    if placed is None:
        placed = [_place(ex) for ex in bundle.exhibits]
    with tempfile.TemporaryDirectory(prefix="wsr-bundle-") as tmp:
        docx = Path(tmp) / f"{bundle.stem}.docx"
        _docx(bundle, [p for p, _ in placed]).save(str(docx))
        main = render_pdf(docx, Path(tmp) / "pdf")
        writer = PdfWriter()
        writer.append(PdfReader(main), outline_item=bundle.title)
    for where, reader in placed:
        if reader is not None:
            ex = where.exhibit
            writer.append(reader, outline_item=_x(f"Exhibit {ex.number} — {ex.filename}"))
    writer.add_metadata(
        {
            "/Title": _x(bundle.title),
            "/Subject": f"Agreement {bundle.agreement.id} ({bundle.record.content_hash})",
            "/Producer": "WSR agreement engine",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- the ZIP ------------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_zip(bundle: Bundle, *, pdf_name: str | None = None, pdf: bytes | None = None) -> bytes:
    """The originals and ``manifest.json`` (deterministic for the same bundle); the manifest
    names the bundle's PDF and its SHA-256 when given it (``wsr bundle`` writes both)."""
    members: list[tuple[str, bytes, dict[str, Any]]] = []
    agr = bundle.agreement
    members.append(
        (f"agreement/{agr.id}.json", agr.record_json.encode("utf-8"), {"role": "agreement record"})
    )
    chronology = [e.to_json() for e in bundle.chronology]
    members.append(
        (
            "chronology.json",
            (json.dumps(chronology, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
            {"role": "chronology"},
        )
    )
    members.extend(
        (
            f"notices/{notice.id}.json",
            notice.document,
            {
                "role": "notice as sent (canonical JSON of to, subject, text, html)",
                "notice_id": notice.id,
                "notice_sha256": notice.sha256,
                "verbatim": notice.verbatim,
            },
        )
        for notice in bundle.notices
    )
    withheld = []
    for ex in bundle.exhibits:
        if ex.content is None:
            withheld.append(
                {
                    "exhibit": ex.number,
                    "sha256": ex.sha256,
                    "size": ex.size,
                    "obligation_id": ex.obligation_id,
                    "reason": ex.withheld,
                }
            )
            continue
        members.append(
            (
                ex.zip_name(),
                ex.content,
                {
                    "role": "exhibit",
                    "exhibit": ex.number,
                    "filename": ex.filename,
                    "obligation_id": ex.obligation_id,
                    "submitted_at": ex.submitted_at.isoformat(),
                },
            )
        )
    manifest = {
        "bundle": bundle.stem,
        "generated_at": bundle.generated_at.isoformat(),
        "prepared_for": bundle.prepared_for,
        "agreement": {
            "id": agr.id,
            "title": agr.title,
            "content_hash": bundle.record.content_hash,
            "signed_on": agr.signed_on.isoformat(),
        },
        "obligation": None if bundle.obligation is None else bundle.obligation.id,
        "pdf": None if pdf is None else {"name": pdf_name, "sha256": _sha(pdf), "size": len(pdf)},
        "files": [
            {"name": name, "sha256": _sha(data), "size": len(data), **extra}
            for name, data, extra in members
        ],
        "withheld": withheld,
    }
    stamp = bundle.generated_at.astimezone(UTC)
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        body = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        for name, data in [("manifest.json", body.encode("utf-8"))] + [
            (n, d) for n, d, _ in members
        ]:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


# -- the DOCX -----------------------------------------------------------------------------------


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
