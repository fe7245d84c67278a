"""``wsr draft`` as a typer command: its options and help. What a draft does lives in
:mod:`wsr._draft`, which a plain ``wsr draft`` reaches without typer (:mod:`wsr._entry`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._draft import DEFAULT_FORMATS, run_draft
from .cli import app, settings


@app.command("draft")
def draft(
    ctx: typer.Context,
    answers: Annotated[Path, typer.Argument(help="The answers file (YAML or JSON).")],
    out_text: Annotated[
        str, typer.Option("--out", help="Folder to write the agreement files into.")
    ],
    formats: Annotated[
        str,
        typer.Option("--format", help="Comma-separated: docx, md, pdf (pdf needs LibreOffice)."),
    ] = DEFAULT_FORMATS,
    compare_standard: Annotated[
        bool,
        typer.Option(
            "--compare-standard",
            help="Also write a deviation report (.deviations.md/.json/.docx, and .pdf with "
            "pdf) and a redline DOCX against the all-standard text.",
        ),
    ] = False,
    library: Annotated[
        Path | None,
        typer.Option("--library", help="A clause library folder other than the shipped one."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse (exit 2) an agreement that leaves out a required WSR clause unless "
            "the answers record the omission under omit: with reason and approved_by.",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Readable start of the document file names, before the id "
            "(default: the title in lower case with hyphens).",
        ),
    ] = None,
) -> None:
    """Draft an agreement from ANSWERS: DIR/<id>.json plus DIR/<name>-<id>.<format> documents.

    Prints the agreement's title, every file written, each warning counsel must see (on
    stderr, as ``warning: <path>: <message>``) and the agreement id.
    """
    run_draft(
        settings(ctx),
        answers=answers,
        out_text=out_text,
        formats=formats,
        compare_standard=compare_standard,
        library=library,
        strict=strict,
        name=name,
        echo=typer.echo,
    )
