"""Writing a certificate of service: Markdown, and PDF through LibreOffice (as the drafts are).

The PDF is made from a DOCX built with python-docx from the same sections as the Markdown,
converted by :func:`clauses.render.pdf.render_pdf`; both are written into the staging folder of
:func:`clauses._atomic.atomic_outputs` and appear in the output folder together, or not at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ._certificate import Certificate, sections, to_markdown


def certificate_stem(cert: Certificate) -> str:
    return f"certificate-{cert.notice['id'][:12]}"


def write_certificate(cert: Certificate, out_dir: Path, *, pdf: bool = True) -> list[Path]:
    """Write ``<stem>.md`` (and ``<stem>.pdf``) into ``out_dir``; the paths written."""
    from clauses import atomic_outputs

    stem = certificate_stem(cert)
    names = [f"{stem}.md"] + ([f"{stem}.pdf"] if pdf else [])
    with atomic_outputs(out_dir) as stage:
        (stage / names[0]).write_bytes(to_markdown(cert).encode("utf-8"))
        if pdf:
            from clauses.render.pdf import render_pdf

            with tempfile.TemporaryDirectory(prefix="wsr-cert-") as tmp:
                docx = Path(tmp) / f"{stem}.docx"
                _docx(cert).save(str(docx))
                render_pdf(docx, stage)
    return [out_dir / n for n in names]


def _docx(cert: Certificate):  # type: ignore[no-untyped-def]
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.add_heading(f"Certificate of service — notice {cert.notice['id'][:12]}", level=0)
    for title, part in sections(cert):
        doc.add_heading(title, level=1)
        if isinstance(part, str):
            for para in part.split("\n"):
                p = doc.add_paragraph(para)
                if title.startswith("The message"):
                    for run in p.runs:
                        run.font.name = "Liberation Mono"
                        run.font.size = Pt(9)
            continue
        rows = [list(r) for r in part]
        facts = bool(part) and isinstance(part[0], tuple)
        table = doc.add_table(rows=0, cols=len(rows[0]))
        table.style = "Table Grid"
        for i, r in enumerate(rows):
            cells = table.add_row().cells
            for cell, value in zip(cells, r, strict=True):
                cell.text = str(value)
                bold = (facts and cell is cells[0]) or (not facts and i == 0)
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(8 if not facts else 9)
                    run.bold = bold
    return doc
