"""Drafts from answers for the console: the same reading, validation and files as `wsr draft`.

An answers file arrives as uploaded bytes (the YAML `wsr draft` takes, or the one the guided
interview downloads — the same format, :func:`clauses.interview.answers_yaml`). It is put in a
private folder under its own name and read by the very function `wsr draft` reads a named file
with (size limit, UTF-8, YAML or JSON by suffix, no duplicated keys, no text a document cannot
hold), then validated and assembled as `wsr draft` does; every problem keeps the CLI's path and
message. The downloads are rendered by :func:`wsr._draft.draft_files`, the function behind
`wsr draft`, into a private folder, and handed back as bytes.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from clauses import (
    LIMITS,
    Agreement,
    InputError,
    InputKind,
    Library,
    assemble,
    parse_answers,
    read_document,
)

#: the form field / JSON member the answers come in, which file-level problems are put on
ANSWERS_FIELD = "answers"
_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Drafted:
    """What an answers file drafts: the agreement, its all-standard twin, the text as given."""

    agreement: Agreement
    standard: Agreement
    answers_text: str


def _upload_name(filename: str | None) -> str:
    """A safe file name for the upload that keeps its suffix (YAML unless it says JSON)."""
    base = Path(filename or "").name
    suffix = Path(base).suffix.lower()
    return "answers" + (suffix if suffix in _SUFFIXES else ".yaml")


def draft_from_upload(data: bytes, filename: str | None, lib: Library) -> Drafted:
    """Validate and assemble uploaded answers; InputError with the CLI's problems otherwise.

    File-level problems (too big, not UTF-8, bad YAML) are reported at ``answers``, the field
    the file came in; problems inside the answers keep their paths (``clauses.premium.rate``).
    """
    limit = LIMITS[InputKind.ANSWERS]
    if not data.strip():
        raise InputError.single(ANSWERS_FIELD, "the answers file is empty; choose the file")
    if len(data) > limit:  # read_document says the same; this spares writing it to disk
        raise InputError.single(
            ANSWERS_FIELD,
            f"is {len(data):,} bytes; the answers file may be at most {limit >> 20} MiB",
        )
    with tempfile.TemporaryDirectory(prefix="wsr-answers-") as folder:
        path = Path(folder) / _upload_name(filename)
        path.write_bytes(data)
        parsed_data = read_document(path, InputKind.ANSWERS, where=ANSWERS_FIELD)
    answers = parse_answers(parsed_data, lib)
    agreement = assemble(answers, lib)
    standard = assemble(answers.as_standard(lib), lib)
    return Drafted(agreement, standard, data.decode("utf-8-sig"))


class Download(StrEnum):
    """The files a draft offers, each made by `wsr draft`'s own renderer."""

    DOCX = "docx"
    PDF = "pdf"
    MARKDOWN = "md"
    REDLINE = "redline"
    DEVIATIONS = "deviations"
    DEVIATIONS_PDF = "deviations-pdf"
    RECORD = "json"


#: what to ask `draft_files` for, and how the wanted file's name ends
_PLAN: dict[Download, tuple[list[str], bool, str]] = {
    Download.DOCX: (["docx"], False, r"-agr-[0-9a-f]+\.docx$"),
    Download.PDF: (["pdf"], False, r"-agr-[0-9a-f]+\.pdf$"),
    Download.MARKDOWN: (["md"], False, r"-agr-[0-9a-f]+\.md$"),
    Download.REDLINE: ([], True, r"\.redline\.docx$"),
    Download.DEVIATIONS: ([], True, r"\.deviations\.docx$"),
    Download.DEVIATIONS_PDF: (["pdf"], True, r"\.deviations\.pdf$"),
    Download.RECORD: ([], False, r"^agr-[0-9a-f]+\.json$"),
}

MEDIA_TYPES: dict[str, str] = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
}


def needs_libreoffice(kind: Download) -> bool:
    return kind in (Download.PDF, Download.DEVIATIONS_PDF)


def render_download(
    kind: Download | str,
    agreement: Agreement,
    standard: Agreement,
    lib: Library,
    *,
    redline_time: datetime,
) -> tuple[str, bytes]:
    """``(file name, bytes)`` of one download, rendered by `wsr draft`'s ``draft_files``.

    ``redline_time`` dates the tracked changes (the draft's creation, so the same draft always
    gives the same redline). ToolMissing when a PDF is asked for without LibreOffice.
    """
    from ._draft import draft_files

    try:
        want = Download(kind)
    except ValueError:
        names = ", ".join(d.value for d in Download)
        raise InputError.single(
            "kind", f"unknown download {kind!r} (choose from {names})"
        ) from None
    formats, compare, pattern = _PLAN[want]
    if needs_libreoffice(want):
        from clauses.render.pdf import soffice_path

        soffice_path()  # ToolMissing before anything is rendered
    with tempfile.TemporaryDirectory(prefix="wsr-download-") as folder:
        stage = Path(folder)
        written = draft_files(
            agreement,
            stage,
            formats,
            standard=standard if compare else None,
            redline_time=lambda: redline_time,
            library=lib,
        )
        [name] = [n for n in written if re.search(pattern, n)]
        return name, (stage / name).read_bytes()


def parse_signed_on(text: str | None) -> date:
    """The signing date as `wsr track --signed-on` reads it, named ``signed_on``."""
    from clauses import day_problem

    if text is None or not text.strip():
        raise InputError.single("signed_on", "give the date the agreement was signed (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.single("signed_on", f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    if (problem := day_problem(day)) is not None:
        raise InputError.single("signed_on", problem)
    return day


def pdf_available() -> bool:
    """Whether LibreOffice is installed (the PDF downloads are offered only then)."""
    from clauses import ToolMissing
    from clauses.render.pdf import soffice_path

    try:
        soffice_path()
    except ToolMissing:
        return False
    return True
