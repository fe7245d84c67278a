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

Parts: :mod:`wsr._bundle_zip` (the ZIP and its manifest) and :mod:`wsr._bundle_docx` (the
document LibreOffice converts); this module places the exhibits, makes the PDF and writes the
two files, and keeps the names its importers and tests use.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import attrs

from ._bundle import Bundle
from ._bundle_docx import _docx, _line_style, _lines, _local, _run_xml, _table, _x
from ._bundle_evidence import Exhibit
from ._bundle_zip import _sha, build_zip

__all__ = [
    "NO_LIBREOFFICE",
    "_Placed",
    "_docx",
    "_line_style",
    "_lines",
    "_local",
    "_place",
    "_run_xml",
    "_sha",
    "_table",
    "_x",
    "build_pdf",
    "build_zip",
    "bundle_names",
    "write_bundle",
]


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
