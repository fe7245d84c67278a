"""``wsr payroll import``: a supplier's payroll checked against the premium pass-through.

The file is read and checked inside the command's one transaction before anything is recorded,
so a bad file writes nothing. The check itself is the engine's (``parse_payroll_csv`` and
``ObligationService.import_payroll``); errors in the file print as ``<file>:<line>:<column>:
<message>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from ._cmd_obligations import JsonOpt, _echo_json, _opened
from ._cmd_output import _echo_changes
from .cli import app

payroll_app = typer.Typer(
    help="Suppliers' payrolls: the premium pass-through.", no_args_is_help=True
)
app.add_typer(payroll_app, name="payroll")

_SUMMARY = "Check a payroll worker by worker against the Workers' Share for a Premium Period."

_TEXT = """Check a payroll worker by worker against the Workers' Share for a Premium Period.

Each Qualifying Worker (earnings for work within the period) is owed the Workers' Share times
their earnings over all such workers' earnings, rounded down to the cent; the cents left over go
one each to the largest rounding losses, ties by worker reference. Shortfalls flag the
pass-through obligation with the missing amount per worker reference; workers with earnings but
no premium line, and lines for work outside the period, are reported.

The CSV is UTF-8 without a byte-order mark, comma-separated, with a header row naming these
columns (any order, each once, no others; one line per worker; no names):

{columns}
A later file for the same period (a catch-up payroll) repeats each worker's earnings and gives
the premium it adds. Errors in the file are printed as FILE:LINE:COLUMN: message (COLUMN counts
fields from 1); nothing is recorded then.
"""


def _help() -> str:
    """The full help; the column list comes from the engine, imported only when it is shown."""
    from obligations import PAYROLL_COLUMN_HELP, PAYROLL_COLUMNS

    columns = "\n".join(f"- {name}: {PAYROLL_COLUMN_HELP[name]}\n" for name in PAYROLL_COLUMNS)
    text = _TEXT.replace("{columns}", columns)
    # paragraphs as single lines (the help formatter wraps them to the terminal)
    return "\n\n".join(
        p if p.startswith("- ") else " ".join(p.split()) for p in text.strip().split("\n\n")
    )


class _HelpWithColumns(TyperCommand):
    """Builds its help text when help is shown, so `wsr --help` never imports the engine."""

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        self.help = _help()
        super().format_help_text(ctx, formatter)


@payroll_app.command("import", help=_SUMMARY, cls=_HelpWithColumns)
def payroll_import(
    ctx: typer.Context,
    agreement_id: Annotated[str, typer.Argument(help="The tracked agreement's id.")],
    supplier: Annotated[str, typer.Argument(help="The covered supplier whose payroll it is.")],
    file: Annotated[Path, typer.Argument(help="The payroll as CSV (columns below).")],
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Any day of the Premium Period (YYYY-MM-DD); default: the period in which the "
            "earliest work in the file began.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a payroll worker by worker (the help text is ``_help()``)."""
    from clauses import InputKind, read_input
    from obligations import parse_payroll_csv

    content = read_input(file, InputKind.PAYROLL).data
    with _opened(ctx) as (service, now):
        currency = service.store.get_agreement(agreement_id).currency
        payroll = parse_payroll_csv(content, source=str(file), currency=currency)
        result = service.import_payroll(agreement_id, supplier, payroll, period=period, now=now)
    checks = [o.data["payroll_check"] for o in result.changed if "payroll_check" in o.data]
    if as_json:
        _echo_json({**result.to_json(now), "check": checks[0] if checks else None})
        return
    ev = result.event
    typer.echo(
        f"recorded {ev.id}: payroll of {supplier} with {len(payroll.lines)} lines, "
        f"paid {ev.occurred_on.isoformat()}"
    )
    _echo_changes((), result.changed, result.messages, now)
