"""Delivery commands (issue 10): ``wsr notices certificate`` (proof of service) and
``wsr scheduler status`` (each scheduler process's heartbeat)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._cmd_notices import JsonOpt, notices_app, scheduler_app
from .cli import settings


@notices_app.command("certificate")
def certificate(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(help="The notice (its id from `wsr notices`).")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the Markdown and PDF (default: here).")
    ] = Path("."),
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF (needs LibreOffice).")
    ] = True,
) -> None:
    """A certificate of service for one notice: what was sent, to whom, when, its SHA-256,
    the provider's message id and every delivery event with its verification result."""
    from clauses import check_out_path
    from obligations import open_store
    from scheduler._certificate import load_certificate
    from scheduler._certificate_files import write_certificate

    st = settings(ctx)
    now = st.now()
    check_out_path(out, "--out", folder=True)  # refused before anything is read or rendered
    store = open_store(st.db_url)
    try:
        cert = load_certificate(store.engine, notice_id.strip(), now=now)
    finally:
        store.engine.dispose()
    for path in write_certificate(cert, out, pdf=pdf):
        typer.echo(str(path))


@scheduler_app.command("status")
def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """When each scheduler process last swept, and whether it is still running."""
    from datetime import UTC, datetime

    from obligations import open_store
    from scheduler import scheduler_status

    st = settings(ctx)
    store = open_store(st.db_url)
    try:
        rows = scheduler_status(store.engine, wall=datetime.now(UTC))
    finally:
        store.engine.dispose()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no scheduler has run on this database")
        return
    for r in rows:
        typer.echo(
            f"{r['process_id']}  {r['state']:<7}  started {r['started_at']}  "
            f"last sweep {r['last_sweep_at'] or 'never'} (business time {r['last_now'] or '-'})  "
            f"{r['sweeps']} sweep(s)"
        )
