"""The obligation listings: obligations, agreements, calendar.

Reads never write: each shows the state as ``wsr sweep`` at ``--now`` would leave it, in a
read-only transaction. ``wsr obligations --json`` has a start-up fast path: on a swept store
:func:`obligations.fast_views` answers from the rows without importing the time step or
SQLAlchemy (``tests/wsr/test_cli_imports.py`` checks what it loads); otherwise the listing runs
on :func:`wsr._cmd_plumbing._listing`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._cmd_output import _console, _echo_json, _table
from ._cmd_plumbing import JsonOpt, _listing, _opened
from .cli import app, settings

#: the widest --due-within window, in days
MAX_DUE_WITHIN = 36_600


@app.command()
def obligations(
    ctx: typer.Context,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="Only this agreement.")
    ] = None,
    due_within: Annotated[
        int | None,
        typer.Option("--due-within", help="Only open ones due within DAYS (not yet overdue)."),
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open, overdue ones.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N rows.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List obligations with state, due date, timing, flags and amount at --now."""
    from clauses import InputError

    if overdue and due_within is not None:
        raise InputError.single("--overdue", "give either --overdue or --due-within, not both")
    if due_within is not None and not 0 <= due_within <= MAX_DUE_WITHIN:
        raise InputError.single(
            "--due-within", f"give a number of days from 0 to {MAX_DUE_WITHIN:,} (100 years)"
        )
    if as_json:  # on a swept store, the rows as views without importing the time step
        from obligations import fast_views

        st = settings(ctx)
        views = fast_views(
            st.db_url,
            now=st.now(),
            agreement=agreement,
            due_within=due_within,
            overdue=overdue,
            limit=limit,
        )
        if views is not None:
            _echo_json(views)
            return
    with _listing(ctx) as (service, now):
        if agreement is not None:
            service.store.get_agreement(agreement)  # NotFound before anything else
        if as_json:  # straight from the rows to the view (no Obligation values built)
            views = service.views(
                now=now, agreement_id=agreement, due_within=due_within, overdue=overdue, limit=limit
            )
            _echo_json(views)
            return
        if overdue:
            found = service.overdue(now=now, limit=None if agreement else limit)
        elif due_within is not None:
            found = service.due_within(now=now, days=due_within)
        else:
            found = service.obligations(agreement_id=agreement, now=now)
    if agreement is not None:
        found = [o for o in found if o.agreement_id == agreement]
    if limit is not None:
        found = found[:limit]
    if as_json:
        _echo_json([o.to_view(now) for o in found])
    else:
        _table(found, now)


@app.command()
def agreements(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Tracked agreements with their status (executed, active, expired, terminated) at --now."""
    from rich.table import Table

    with _opened(ctx, write=False) as (service, now):
        found = service.agreements(now=now)
    if as_json:
        _echo_json([a.view() for a in found])
        return
    table = Table(title=f"{len(found)} tracked agreements at {now.isoformat()}")
    for col in ("id", "title", "status", "signed on", "effective", "term end"):
        table.add_column(col)
    for a in found:
        table.add_row(
            a.id,
            a.title,
            a.status.value,
            a.signed_on.isoformat(),
            a.effective_date.isoformat(),
            a.term_end.isoformat(),
        )
    _console().print(table)


@app.command()
def calendar(
    ctx: typer.Context,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="Only this agreement.")
    ] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", help="Write the feed to this file (whole or not at all)."),
    ] = None,
    vtodo: Annotated[
        bool,
        typer.Option("--vtodo", help="To-dos (VTODO) for task clients instead of events."),
    ] = False,
) -> None:
    """Deadlines as an iCalendar (RFC 5545) feed of all-day VEVENTs (or VTODOs with --vtodo)
    on standard output (or --out FILE)."""
    from clauses import atomic_write, check_out_path

    from ._feeds import deadline_feed

    target = check_out_path(out, "--out", folder=False) if out is not None else None
    with _listing(ctx) as (service, now):
        ids = None if agreement is None else [agreement]
        feed = deadline_feed(service, ids, now=now, component="vtodo" if vtodo else "vevent")
    if target is None:
        typer.echo(feed.decode("utf-8"), nl=False)
        return
    atomic_write(target, feed, option="--out")
    typer.echo(str(target))
