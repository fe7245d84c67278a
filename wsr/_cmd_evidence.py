"""``wsr breach dismiss`` and ``wsr evidence add|accept|reject|list``: a monitor's decisions
about suspected breaches and evidence (issue 12), the same service calls the console makes.

What the decisions mean for an obligation is in :mod:`obligations._evidence` and
:func:`obligations._decisions.dismiss_breach` (docs/design.md, "Evidence decisions").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._cmd_obligations import (
    JsonOpt,
    _echo_json,
    _opened,
    _print_one,
    breach_app,
    check_text,
    require_reason,
)
from .cli import app

evidence_app = typer.Typer(
    help="Evidence on an obligation: attach it, accept or reject it.", no_args_is_help=True
)
app.add_typer(evidence_app, name="evidence")


@breach_app.command("dismiss")
def breach_dismiss(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is no breach (recorded).")],
    on: Annotated[
        str | None,
        typer.Option("--on", help="The date of the decision (YYYY-MM-DD; default: today)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Dismiss a suspected breach: the flag is cleared, the obligation stays as it was."""
    require_reason(reason)
    with _opened(ctx) as (service, now):
        ob = service.dismiss_breach(obligation_id, on=on or now, reason=reason, now=now)
    _print_one(ob, now, as_json)


@evidence_app.command("add")
def evidence_add(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    file: Annotated[Path, typer.Argument(help="The evidence file (stored by its hash).")],
    note: Annotated[str, typer.Option("--note", help="A note for the record.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Attach evidence to an obligation without fulfilling it; it awaits a decision."""
    from clauses import InputError, InputKind, read_input, text_problem

    check_text(note, "--note")
    read = read_input(file, InputKind.EVIDENCE, where="FILE")
    if (bad_name := text_problem(file.name)) is not None:
        raise InputError.single("FILE", f"the file name {bad_name}")
    with _opened(ctx) as (service, now):
        ob = service.add_evidence(
            obligation_id, filename=file.name, content=read.data, note=note, now=now
        )
    _print_one(ob, now, as_json)


def _decide(
    ctx: typer.Context,
    obligation_id: str,
    *,
    accept: bool,
    reason: str,
    piece: int | None,
    as_json: bool,
) -> None:
    require_reason(reason)
    if piece is not None and piece < 1:
        from clauses import InputError

        raise InputError.single("--piece", "pieces are numbered from 1 (`wsr evidence list`)")
    with _opened(ctx) as (service, now):
        ob = service.decide_evidence(
            obligation_id, accept=accept, reason=reason, piece=piece, now=now
        )
    _print_one(ob, now, as_json)


PieceOpt = Annotated[
    int | None,
    typer.Option("--piece", help="Decide only this piece (its number in `wsr evidence list`)."),
]


@evidence_app.command("accept")
def evidence_accept(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is accepted (recorded).")],
    piece: PieceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept the evidence awaiting a decision (the obligation's state is unchanged)."""
    _decide(ctx, obligation_id, accept=True, reason=reason, piece=piece, as_json=as_json)


@evidence_app.command("reject")
def evidence_reject(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is rejected (recorded).")],
    piece: PieceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reject the evidence awaiting a decision; a fulfilment whose evidence is all rejected
    is owed again (back in effect, overdue if its due date has passed)."""
    _decide(ctx, obligation_id, accept=False, reason=reason, piece=piece, as_json=as_json)


@evidence_app.command("list")
def evidence_list(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    as_json: JsonOpt = False,
) -> None:
    """The obligation's evidence, oldest first, with each decision."""
    with _opened(ctx, write=False) as (service, _now):
        found = service.evidence(obligation_id)
    if as_json:
        _echo_json([p.to_json() for p in found])
        return
    for p in found:
        d = p.decision
        decided = "" if d is None else f"  {d.by} {d.at.date().isoformat()}: {d.reason}"
        typer.echo(
            f"{p.number}  {p.state.value:<9}  {p.ref.sha256[:12]}  {p.ref.filename}{decided}"
        )
