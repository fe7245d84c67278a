"""``wsr whatif``: what an agreement would owe at ``--now`` if these events happened.

A read: it runs in a read-only transaction and writes nothing. Its events come as repeated
``--event TYPE --on DATE --set k=v …`` groups, parsed here from the extra arguments and then
checked and applied exactly as ``wsr event`` would, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._cmd_output import _echo_json, _ob_line, _table
from ._cmd_plumbing import JsonOpt, _fields, _opened
from .cli import app

if TYPE_CHECKING:
    from obligations import Hypothetical


_EVENT_OPTIONS = ("--event", "--on", "--set")


def parse_event_groups(args: Sequence[str]) -> list[Hypothetical]:
    """``--event TYPE --on DATE [--set k=v …]``, repeated, into hypothetical events.

    Each ``--event`` starts a group; the ``--on`` and ``--set`` after it belong to it (the
    ``--set`` values are typed and checked later, exactly as ``wsr event`` checks them).
    """
    from clauses import InputError, Problem
    from obligations import Hypothetical

    groups: list[tuple[str, list[str], list[str]]] = []
    problems: list[Problem] = []
    i = 0
    while i < len(args):
        token = args[i]
        name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        if name not in _EVENT_OPTIONS:
            problems.append(
                Problem(
                    token, "not an option of wsr whatif (give --event TYPE --on DATE --set k=v …)"
                )
            )
            i += 1
            continue
        if eq:
            value, i = inline, i + 1
        elif i + 1 < len(args):
            value, i = args[i + 1], i + 2
        else:
            problems.append(Problem(name, "needs a value"))
            break
        if name == "--event":
            groups.append((value, [], []))
        elif not groups:
            problems.append(Problem(name, "comes before any --event; start each event with it"))
        elif name == "--on":
            groups[-1][1].append(value)
        else:
            groups[-1][2].append(value)
    events: list[Hypothetical] = []
    for n, (type_, ons, sets) in enumerate(groups, start=1):
        where = f"--event {n} ({type_})"
        if len(ons) != 1:
            problems.append(
                Problem(where, "needs exactly one --on DATE" if not ons else "--on given twice")
            )
            continue
        try:
            fields = _fields(sets)
        except InputError as exc:
            problems.extend(Problem(f"{where}: {p.path}", p.message) for p in exc.problems)
            continue
        events.append(Hypothetical(type=type_, on=ons[0], fields=fields))
    if problems:
        raise InputError(problems)
    return events


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return f"{value['value']} {value['currency']}"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    epilog=(
        "Events: each --event TYPE starts one; the --on DATE (required) and --set key=value "
        "options after it belong to it, e.g. `wsr whatif agr-… --now 2026-03-13T09:00-05:00 "
        "--event supplier_suspended --on 2026-03-09 --set supplier=GROWER-A --set reason=audit "
        "--event purchase_recorded --on 2026-03-12 --set supplier=GROWER-A --set quantity=100 "
        "--set unit=lb`. They are checked and applied exactly as `wsr event` would, in order."
    ),
)
def whatif(
    ctx: typer.Context,
    agreement_id: Annotated[str, typer.Argument(help="The tracked agreement's id.")],
    as_json: JsonOpt = False,
) -> None:
    """What the agreement would owe at --now if these events happened: nothing is written.

    Shows the resulting obligations and flags and what differs from today's state (created;
    changed, with before → after of state, due, timing, amount, paid and flags).
    """
    events = parse_event_groups(ctx.args)
    with _opened(ctx, write=False) as (service, now):
        result = service.whatif(agreement_id, now=now, events=events)
    if as_json:
        _echo_json(result.to_json())
        return
    _table(result.obligations, now)
    if not events:
        typer.echo("no events given: this is today's state")
        return
    for ev in result.events:
        typer.echo(f"if {ev.type} on {ev.occurred_on.isoformat()}")
    if not (result.created or result.changed):
        typer.echo("no difference from today's state")
    for ob in result.created:
        typer.echo(f"created  {_ob_line(ob, now)}")
    for change in result.changed:
        ob = change.after
        diffs = "; ".join(
            f"{name} {_shown(before)} → {_shown(after)}"
            for name, (before, after) in change.fields.items()
        )
        typer.echo(f"changed  {ob.id}  {ob.spec_id}  {ob.subject or '-'}  {diffs}")
    for message in result.messages:
        typer.echo(f"note: {message}")
