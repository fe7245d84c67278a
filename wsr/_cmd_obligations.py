"""Obligation tracking commands: track, event, determination, terminate, fulfil, breach
confirm, waive, sweep, whatif, obligations, agreements, calendar, db upgrade (the audit commands
are in :mod:`wsr._cmd_audit`).

Each command opens the store named by ``--db`` (a new database is migrated on first use), runs
in ONE store transaction (an error anywhere writes nothing) and acts at ``--now``/``WSR_NOW``.
Reads (obligations, agreements, calendar, whatif, audit verify) run in a read-only one: they
show the state as ``wsr sweep`` at ``--now`` would leave it and never write.
Engine errors propagate to :func:`wsr.cli.main`, which prints ``<path>: <message>`` and exits 2.
Standard output carries only the result (an id, a table, JSON, a calendar), so it can be piped.

The commands live in modules of one job each: ``_cmd_writes`` (the write commands and sweep),
``_cmd_whatif``, ``_cmd_listing`` (obligations, agreements, calendar), on ``_cmd_plumbing``
(the store a command opens, its inputs) and ``_cmd_output`` (lines, tables, JSON). This module
imports them in the order their commands are registered (so ``wsr --help`` lists them as
before), holds ``wsr db``, and keeps the names the other command modules import from it.
"""

from __future__ import annotations

import typer

# the command modules in the order their commands are registered (`wsr --help` lists them so)
from ._cmd_writes import (
    breach_app,
    breach_confirm,
    determination,
    event,
    fulfil,
    sweep,
    terminate,
    track,
    waive,
)

# isort: split
from ._cmd_whatif import _shown, parse_event_groups, whatif

# isort: split
from ._cmd_listing import MAX_DUE_WITHIN, agreements, calendar, obligations

# isort: split
from ._cmd_output import _console, _echo_json, _money, _ob_line, _print_one, _table
from ._cmd_plumbing import (
    JsonOpt,
    _actor,
    _date,
    _fields,
    _listing,
    _opened,
    _read_agreement,
    check_text,
    require_reason,
)
from .cli import app, settings

__all__ = [
    "MAX_DUE_WITHIN",
    "JsonOpt",
    "_actor",
    "_console",
    "_date",
    "_echo_json",
    "_fields",
    "_listing",
    "_money",
    "_ob_line",
    "_opened",
    "_print_one",
    "_read_agreement",
    "_shown",
    "_table",
    "agreements",
    "breach_app",
    "breach_confirm",
    "calendar",
    "check_text",
    "db_app",
    "db_upgrade",
    "determination",
    "event",
    "fulfil",
    "obligations",
    "parse_event_groups",
    "require_reason",
    "sweep",
    "terminate",
    "track",
    "waive",
    "whatif",
]

db_app = typer.Typer(help="The obligation database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the database to this version's schema (creates it if new)."""
    from obligations import make_engine, upgrade

    engine = make_engine(settings(ctx).db_url)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    typer.echo(f"database at revision {revision}")
