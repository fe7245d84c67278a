"""The obligation write commands: track, event, determination, terminate, fulfil, breach
confirm, waive, and sweep (the one writer of time-driven change).

Each opens the store named by ``--db`` (a new database is migrated on first use), runs in ONE
store transaction (an error anywhere writes nothing) and acts at ``--now``/``WSR_NOW``; a
decision's ``--reason`` and a ``--note`` are checked before the store is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._cmd_output import _echo_changes, _echo_json, _ob_line, _print_one
from ._cmd_plumbing import (
    JsonOpt,
    _actor,
    _date,
    _fields,
    _opened,
    _read_agreement,
    check_text,
    require_reason,
)
from .cli import app, settings

breach_app = typer.Typer(help="Decisions about suspected breaches.", no_args_is_help=True)
app.add_typer(breach_app, name="breach")


@app.command()
def track(
    ctx: typer.Context,
    agreement_file: Annotated[Path, typer.Argument(help="The agreement JSON from `wsr draft`.")],
    signed_on: Annotated[str, typer.Option("--signed-on", help="Execution date (YYYY-MM-DD).")],
    as_json: JsonOpt = False,
) -> None:
    """Register an executed agreement and compile the obligations it creates."""
    agreement = _read_agreement(agreement_file)
    day = _date(signed_on, "--signed-on")
    with _opened(ctx) as (service, now):
        result = service.track(agreement, signed_on=day, now=now)
    if as_json:
        _echo_json(
            {
                "agreement_id": result.agreement_id,
                "obligations": result.obligations,
                "notes": result.notes,
            }
        )
    else:
        typer.echo(result.agreement_id)
        typer.echo(f"tracking {result.obligations} obligations", err=True)
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)


@app.command()
def event(
    ctx: typer.Context,
    agreement_id: Annotated[str, typer.Argument(help="The tracked agreement's id.")],
    type: Annotated[str, typer.Argument(help="Event type, e.g. purchase_recorded.")],
    on: Annotated[str, typer.Option("--on", help="When it happened: a date or an aware time.")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="An event field as key=value (repeat).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an event; prints the obligations it created or changed, and any messages."""
    fields = _fields(set_ or [])
    with _opened(ctx) as (service, now):
        result = service.record_event(agreement_id, type, on=on, fields=fields, now=now)
    if as_json:
        _echo_json(result.to_json(now))
        return
    ev = result.event
    typer.echo(f"recorded {ev.id}: {ev.type} on {ev.occurred_on.isoformat()}")
    _echo_changes(result.created, result.changed, result.messages, now)


@app.command()
def determination(
    ctx: typer.Context,
    type: Annotated[str, typer.Argument(help="supplier_suspended or supplier_reinstated.")],
    supplier: Annotated[str, typer.Option("--supplier", help="The supplier's id.")],
    on: Annotated[str, typer.Option("--on", help="When it was declared: a date or aware time.")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="A further field as key=value (repeat).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a monitor's determination about a supplier on EVERY agreement covering it."""
    fields = _fields(set_ or [])
    with _opened(ctx) as (service, now):
        # the scope first: once recorded, a reinstatement has ended what it needed
        scope = service.determination_scope(supplier, on=on, now=now, type=type)
        results = service.record_determination(
            type, supplier=supplier, on=on, fields=fields, now=now
        )
    if as_json:
        _echo_json(
            {
                "type": type,
                "supplier": supplier,
                "agreements": [
                    {"agreement_id": r.event.agreement_id, **r.to_json(now)} for r in results
                ],
                "skipped": [{"agreement_id": a, "reason": why} for a, why in scope.skipped],
            }
        )
        return
    for result in results:
        ev = result.event
        typer.echo(
            f"{ev.agreement_id}: recorded {ev.id}: {ev.type} for {supplier} "
            f"on {ev.occurred_on.isoformat()}"
        )
        _echo_changes(result.created, result.changed, result.messages, now, indent="  ")
    for agreement_id, why in scope.skipped:
        typer.echo(f"{agreement_id}: not recorded ({why})")


@app.command()
def terminate(
    ctx: typer.Context,
    agreement_id: Annotated[str, typer.Argument(help="The tracked agreement's id.")],
    on: Annotated[str, typer.Option("--on", help="The date it ends (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it ends (recorded).")],
    as_json: JsonOpt = False,
) -> None:
    """Terminate an agreement: its open obligations end, surviving ones stay."""
    require_reason(reason)
    with _opened(ctx) as (service, now):
        result = service.terminate(agreement_id, on=on, reason=reason, now=now)
    if as_json:
        _echo_json(result.to_json(now))
        return
    typer.echo(f"{agreement_id}: terminated on {result.terminated_on.isoformat()}: {reason}")
    for ob in result.closed:
        typer.echo(f"closed     {_ob_line(ob, now)}")
    for ob in result.surviving:
        typer.echo(f"surviving  {_ob_line(ob, now)}")


@app.command()
def fulfil(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    on: Annotated[str, typer.Option("--on", help="The date it was performed (YYYY-MM-DD).")],
    evidence: Annotated[
        Path | None, typer.Option("--evidence", help="A file proving it (stored by hash).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A note for the record.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record that an obligation was performed (late if after its due date)."""
    from clauses import InputError, InputKind, read_input, text_problem

    attached: tuple[str, bytes] | None = None
    check_text(note, "--note")
    if evidence is not None:
        # a regular file within the evidence limit, hashed as it streams (``_inputfile``)
        read = read_input(evidence, InputKind.EVIDENCE, where="--evidence")
        if (bad_name := text_problem(evidence.name)) is not None:
            raise InputError.single("--evidence", f"the file name {bad_name}")
        attached = (evidence.name, read.data)
    with _opened(ctx) as (service, now):
        ob = service.fulfil(obligation_id, on=on, evidence=attached, note=note, now=now)
    _print_one(ob, now, as_json)


@breach_app.command("confirm")
def breach_confirm(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    on: Annotated[str, typer.Option("--on", help="The date of the decision (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is a breach (recorded).")],
    as_json: JsonOpt = False,
) -> None:
    """Confirm a suspected breach: the obligation becomes violated; cure and powers follow."""
    require_reason(reason)
    with _opened(ctx) as (service, now):
        ob = service.confirm_breach(obligation_id, on=on, reason=reason, now=now)
    _print_one(ob, now, as_json)


@app.command()
def waive(
    ctx: typer.Context,
    obligation_id: Annotated[str, typer.Argument(help="The obligation's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is waived (recorded).")],
    as_json: JsonOpt = False,
) -> None:
    """Discharge an obligation by waiver, with the reason on the record."""
    require_reason(reason)
    with _opened(ctx) as (service, now):
        ob = service.waive(obligation_id, reason=reason, now=now)
    _print_one(ob, now, as_json)


@app.command()
def sweep(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Apply the passing of time at --now: status and renewals, closures on expiry, recurring
    instances up to the horizon, time-driven flags, and the notices they make due (recorded
    in the same transaction, then sent: an outbox folder of .eml files by default, WSR_OUTBOX,
    or SendGrid when SENDGRID_API_KEY is set). Idempotent: a second sweep at the same --now
    changes nothing and sends nothing new."""
    # -- issue 10: the notice step (scheduler.sweep = advance + decide + record + dispatch) --
    from ._cmd_notices import run_sweep

    st = settings(ctx)
    now = st.now()
    done = run_sweep(st, now=now, actor=_actor())
    result = done.result
    if as_json:
        _echo_json(done.to_json())
        return
    counts = result.counts()
    if not result.changed_anything:
        typer.echo(
            f"sweep at {now.isoformat()}: nothing to change "
            f"({counts['agreements_checked']} agreements checked)"
        )
    else:
        typer.echo(
            f"sweep at {now.isoformat()}: {counts['agreements_changed']} agreements changed, "
            f"{counts['obligations_created']} obligations created, "
            f"{counts['obligations_changed']} changed, {counts['audit_entries']} audit entries "
            f"({counts['agreements_checked']} agreements checked)"
        )
    for change in result.agreements:
        typer.echo(
            f"agreement {change.after.id}  {change.before.status.value} → "
            f"{change.after.status.value}  term ends {change.after.term_end.isoformat()}"
        )
    for ob in result.created:
        typer.echo(f"created  {_ob_line(ob, now)}")
    for ob in result.changed:
        typer.echo(f"changed  {_ob_line(ob, now)}")
    from ._cmd_notices import echo_notice_summary

    echo_notice_summary(done)
