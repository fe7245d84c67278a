"""``wsr draft``: answers file -> agreement record + documents, all or nothing (without typer).

Everything is validated before anything touches the disk (bad answers or a DIR that cannot be
written: exit 2, DIR not even created), then every file is rendered into a private staging
folder next to DIR and moved into DIR as one set only when all of them succeeded
(:func:`clauses.atomic_outputs`), so a failed PDF conversion or a file that cannot be replaced
never leaves a half-drafted agreement, or a mix of old and new files, for someone to sign.

File names: the record is ``<id>.json`` (one JSON record per draft, found by id); the documents
people open are ``<name>-<id>.docx/.md/.pdf`` (and with ``--compare-standard``
``<name>-<id>.deviations.md`` / ``.redline.docx`` beside the machine-readable
``<id>.deviations.json``), where ``<name>`` is ``--name`` or a slug of the agreement's title,
so a folder of several drafts reads as titles while every file still carries its id.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used, so `wsr draft --help` loads none of them
    from clauses import Agreement, Library

    from ._settings import Settings

FORMATS = ("docx", "md", "pdf")
DEFAULT_FORMATS = "docx,md"
#: the longest file-name stem --name (or the title's slug) may give
MAX_NAME = 80
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def title_slug(title: str, *, max_len: int = 60) -> str:
    """``"Gulf Coast Tomato Fair Food Agreement"`` -> ``gulf-coast-tomato-fair-food-agreement``.

    ASCII letters and digits joined by hyphens, cut at a word boundary; ``agreement`` when the
    title has no letter or digit that survives.
    """
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    if len(text) > max_len:
        cut = text[: max_len + 1]
        text = cut.rsplit("-", 1)[0] if "-" in cut else text[:max_len]
    return text or "agreement"


def parse_name(name: str) -> str:
    """A ``--name`` that is safe as a file-name stem on every system; else InputError."""
    from clauses import InputError

    if not name or len(name) > MAX_NAME:
        raise InputError.single("--name", f"give 1 to {MAX_NAME} characters")
    if not _SAFE_NAME.match(name) or ".." in name or name.endswith("."):
        raise InputError.single(
            "--name",
            f"{name!r} is not a safe file name: use letters, digits, '-', '_' and '.', "
            "starting with a letter or digit (no '..', no trailing '.')",
        )
    return name


def parse_formats(text: str) -> list[str]:
    """``"docx, PDF"`` -> ``["docx", "pdf"]`` in canonical order; unknown names: InputError."""
    from clauses import InputError

    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError.single("--format", f"no format given (choose from {', '.join(FORMATS)})")
    problems = [n for n in names if n not in FORMATS]
    if problems:
        raise InputError.single(
            "--format", f"unknown format {problems[0]!r} (choose from {', '.join(FORMATS)})"
        )
    return [f for f in FORMATS if f in names]


def draft_files(
    agreement: Agreement,
    stage: Path,
    formats: list[str],
    *,
    standard: Agreement | None,
    redline_time: Callable[[], datetime],
    library: Library | None = None,
    name: str | None = None,
) -> list[str]:
    """Render every requested file into ``stage``; return their names in the order written.

    ``name`` is the readable part of the documents' names (default: the title's slug).
    """
    # each renderer is imported only when its format is asked for (start-up is part of a draft);
    # the house DOCX comes from the compiled cache's capture when there is one (no docxtpl)
    from clauses.render.docx_fast import render_docx

    aid = agreement.id
    doc = f"{name or title_slug(agreement.title)}-{aid}"
    names = [f"{aid}.json"]
    (stage / names[0]).write_text(agreement.to_json(), encoding="utf-8")
    docx_name = f"{doc}.docx"
    if "docx" in formats:
        render_docx(agreement, stage / docx_name)
        names.append(docx_name)
    if "md" in formats:
        from clauses.render.markdown import render_markdown

        (stage / f"{doc}.md").write_text(render_markdown(agreement), encoding="utf-8")
        names.append(f"{doc}.md")
    if "pdf" in formats:
        from clauses.render.pdf import render_pdf

        if "docx" in formats:
            render_pdf(stage / docx_name, stage)
        else:  # the PDF is made from a DOCX that is not itself delivered
            scratch = stage / "pdf-source"
            scratch.mkdir()
            render_pdf(render_docx(agreement, scratch / docx_name), stage)
            shutil.rmtree(scratch)
        names.append(f"{doc}.pdf")
    if standard is not None:
        from clauses import canonical_json, compare_to_standard
        from clauses.render.deviations import render_deviations_docx, render_deviations_pdf
        from clauses.render.redline import render_redline

        report = compare_to_standard(agreement, standard, library)
        (stage / f"{doc}.deviations.md").write_text(report.to_markdown(), encoding="utf-8")
        (stage / f"{aid}.deviations.json").write_text(
            canonical_json(report.to_json_dict(), indent=2) + "\n", encoding="utf-8"
        )
        report_docx = render_deviations_docx(report, stage / f"{doc}.deviations.docx")
        names += [f"{doc}.deviations.md", f"{aid}.deviations.json", report_docx.name]
        if "pdf" in formats:
            names.append(render_deviations_pdf(report_docx, stage).name)
        render_redline(agreement, standard, stage / f"{doc}.redline.docx", now=redline_time())
        names.append(f"{doc}.redline.docx")
    return names


def run_draft(
    conf: Settings,
    *,
    answers: Path,
    out_text: str,
    formats: str = DEFAULT_FORMATS,
    compare_standard: bool = False,
    library: Path | None = None,
    strict: bool = False,
    name: str | None = None,
    echo: Callable[..., None],
) -> None:
    """The draft itself, for both ways in: typer's ``wsr draft`` (:mod:`wsr._cmd_draft`) and
    the typer-free start of a plain draft (:mod:`wsr._entry`), so the two cannot differ in what
    they check, write or print. ``echo(text, err=False)`` prints one line."""
    from clauses import (
        assemble,
        atomic_outputs,
        check_out_path,
        load_library,
        parse_answers,
        require_complete,
    )

    chosen = parse_formats(formats)
    stem = parse_name(name) if name is not None else None
    out = check_out_path(out_text, "--out", folder=True)
    conf.now()  # a bad --now is an input error before anything is written
    lib = load_library(library)
    parsed = parse_answers(answers, lib)
    agreement = assemble(parsed, lib)
    if strict:
        require_complete(agreement)  # InputError (exit 2) before anything is written
    standard = assemble(parsed.as_standard(lib), lib) if compare_standard else None
    if "pdf" in chosen:
        from clauses.render.pdf import soffice_path

        soffice_path()  # ToolMissing (exit 1) before any rendering
    with atomic_outputs(out, option="--out") as stage:
        names = draft_files(
            agreement,
            stage,
            chosen,
            standard=standard,
            redline_time=conf.now,
            library=lib,
            name=stem,
        )
    echo(f"title: {agreement.title}")
    for written in names:
        echo(str(out / written))
    for warning in agreement.warnings:
        echo(f"warning: {warning.path}: {warning.message}", err=True)
    echo(f"agreement id: {agreement.id}")
