"""How the obligation commands print obligations: one line each, or a table (rich, imported
only when a table is printed), and JSON on standard output (so it can be piped)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:  # imported where used, so `--help` and other commands load none of them
    from rich.console import Console

    from obligations import Obligation


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _money(ob: Obligation) -> str:
    if ob.amount is None:
        return ""
    text = str(ob.amount)
    if ob.paid:
        text += f" (paid {ob.paid})"
    return text


def _when(ob: Obligation, *, due: str = "") -> str:
    """When it is owed: its deadline (after ``due``, if given), or a prohibition's window (its
    ``due`` is the day it takes effect, not a deadline), worded as the console's obligation
    page words it: "in force from … until …"."""
    if ob.kind != "prohibition":
        return due + ob.due.isoformat()
    until = "" if ob.period_end is None else f" until {ob.period_end.isoformat()}"
    return f"in force from {ob.due.isoformat()}{until}"


def _ob_line(ob: Obligation, now: datetime) -> str:
    parts = [ob.id, ob.spec_id, ob.subject or "-", _when(ob, due="due "), ob.state.value]
    timing = ob.timing(now)
    if timing is not None:
        parts.append(timing.value)
    if ob.flags:
        parts.append("[" + ", ".join(sorted(ob.flags)) + "]")
    if ob.amount is not None:
        parts.append(_money(ob))
    return "  ".join(parts)


def _echo_changes(
    created: Sequence[Obligation],
    changed: Sequence[Obligation],
    messages: Sequence[str],
    now: datetime,
    *,
    indent: str = "",
) -> None:
    """What a write created and changed, a line each, then its messages (``note: …``)."""
    for ob in created:
        typer.echo(f"{indent}created  {_ob_line(ob, now)}")
    for ob in changed:
        typer.echo(f"{indent}changed  {_ob_line(ob, now)}")
    for message in messages:
        typer.echo(f"{indent}note: {message}")


def _console() -> Console:
    from rich.console import Console

    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def _table(obligations: Sequence[Obligation], now: datetime) -> None:
    from rich.table import Table

    table = Table(show_lines=False, title=f"{len(obligations)} obligations at {now.isoformat()}")
    # a prohibition's cell is its window, not a deadline (see _when)
    for col in ("id", "spec", "subject", "due / in force", "state", "timing", "flags", "amount"):
        table.add_column(col, no_wrap=col in ("id", "spec", "due / in force"))
    for ob in obligations:
        timing = ob.timing(now)
        table.add_row(
            ob.id,
            ob.spec_id,
            ob.subject or "",
            _when(ob),
            ob.state.value,
            "" if timing is None else timing.value,
            ", ".join(sorted(ob.flags)),
            _money(ob),
        )
    _console().print(table)


def _print_one(ob: Obligation, now: datetime, as_json: bool) -> None:
    if as_json:
        _echo_json(ob.to_view(now))
    else:
        typer.echo(_ob_line(ob, now))
