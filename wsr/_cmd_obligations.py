"""Obligation tracking commands: track, event, determination, terminate, fulfil, breach
confirm, waive, sweep, whatif, obligations, agreements, calendar, db upgrade (the audit commands
are in :mod:`wsr._cmd_audit`).

Each command opens the store named by ``--db`` (a new database is migrated on first use), runs
in ONE store transaction (an error anywhere writes nothing) and acts at ``--now``/``WSR_NOW``.
Reads (obligations, agreements, calendar, whatif, audit verify) run in a read-only one: they
show the state as ``wsr sweep`` at ``--now`` would leave it and never write.
Engine errors propagate to :func:`wsr.cli.main`, which prints ``<path>: <message>`` and exits 2.
Standard output carries only the result (an id, a table, JSON, a calendar), so it can be piped.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli import app, settings

if TYPE_CHECKING:  # imported where used, so `--help` and other commands load none of them
    from rich.console import Console

    from clauses import Agreement, Problem
    from obligations import Hypothetical, Obligation, ObligationService

breach_app = typer.Typer(help="Decisions about suspected breaches.", no_args_is_help=True)
db_app = typer.Typer(help="The obligation database.", no_args_is_help=True)
app.add_typer(breach_app, name="breach")
app.add_typer(db_app, name="db")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


# -- plumbing -----------------------------------------------------------------------------------


def _actor() -> str:
    """Who the audit log names: WSR_ACTOR, else the login name (``cli:<user>``)."""
    if os.environ.get("WSR_ACTOR"):
        from clauses import identifier_problem

        actor = os.environ["WSR_ACTOR"]
        if (problem := identifier_problem(actor, limit=128)) is not None:
            from clauses import InputError

            raise InputError.single("WSR_ACTOR", problem)  # the audit log's actor column
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli"


@contextmanager
def _opened(
    ctx: typer.Context, *, write: bool = True
) -> Iterator[tuple[ObligationService, datetime]]:
    """The service on the configured store, inside one transaction (a read-only one unless
    the command writes), and the command's now."""
    from obligations import ObligationService, open_store

    st = settings(ctx)
    now = st.now()
    store = open_store(st.db_url)
    try:
        with store.transaction() if write else store.read():
            yield ObligationService(store, actor=_actor()), now
    finally:
        store.engine.dispose()


@contextmanager
def _listing(ctx: typer.Context) -> Iterator[tuple[ObligationService, datetime]]:
    """The service for a listing: on the DBAPI read path (no SQLAlchemy; one connection, one
    read-only transaction) when it can read the database, else on the SQL store, which
    migrates a new database, refuses an outdated one and names any other problem."""
    from obligations import ObligationService, open_fast

    st = settings(ctx)
    now = st.now()
    store = open_fast(st.db_url)
    if store is None:
        with _opened(ctx, write=False) as opened:
            yield opened
        return
    try:
        yield ObligationService(store, actor=_actor()), now
    finally:
        store.close()


#: the widest --due-within window, in days
MAX_DUE_WITHIN = 36_600


def _date(text: str, option: str) -> date:
    from clauses import InputError, day_problem

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.single(option, f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    if (problem := day_problem(day)) is not None:
        raise InputError.single(option, problem)
    return day


def _fields(pairs: Sequence[str]) -> dict[str, str]:
    from clauses import InputError, Problem

    out: dict[str, str] = {}
    problems = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem("--set", f"{pair!r} is not key=value"))
        elif key in out:
            problems.append(Problem(f"--set {key}", "given twice"))
        else:
            out[key] = value
    if problems:
        raise InputError(problems)
    return out


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _read_agreement(path: Path) -> Agreement:
    """The agreement record from ``wsr draft``; refused if unreadable, invalid or edited."""
    from pydantic import ValidationError

    from clauses import Agreement, InputError, InputKind, Problem, read_document, seal

    name = str(path)
    body = read_document(path, InputKind.RECORD, where=name, json_only=True)
    if not isinstance(body, dict):
        raise InputError.single(name, "an agreement record is a JSON object")
    try:
        agreement = Agreement.model_validate(body)
        resealed = seal(body)
    except ValidationError as exc:
        raise InputError(
            Problem(f"{name}: " + ".".join(str(p) for p in err["loc"]), err["msg"])
            for err in exc.errors()
        ) from None
    if resealed.content_hash != agreement.content_hash or resealed.id != agreement.id:
        raise InputError.single(
            f"{name}: content_hash",
            "does not match the record's content: it was changed after drafting "
            "(draft it again rather than editing the JSON)",
        )
    return agreement


def _money(ob: Obligation) -> str:
    if ob.amount is None:
        return ""
    text = str(ob.amount)
    if ob.paid:
        text += f" (paid {ob.paid})"
    return text


def _ob_line(ob: Obligation, now: datetime) -> str:
    parts = [ob.id, ob.spec_id, ob.subject or "-", f"due {ob.due.isoformat()}", ob.state.value]
    timing = ob.timing(now)
    if timing is not None:
        parts.append(timing.value)
    if ob.flags:
        parts.append("[" + ", ".join(sorted(ob.flags)) + "]")
    if ob.amount is not None:
        parts.append(_money(ob))
    return "  ".join(parts)


def _console() -> Console:
    from rich.console import Console

    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=200)


def _table(obligations: Sequence[Obligation], now: datetime) -> None:
    from rich.table import Table

    table = Table(show_lines=False, title=f"{len(obligations)} obligations at {now.isoformat()}")
    for col in ("id", "spec", "subject", "due", "state", "timing", "flags", "amount"):
        table.add_column(col, no_wrap=col in ("id", "spec", "due"))
    for ob in obligations:
        timing = ob.timing(now)
        table.add_row(
            ob.id,
            ob.spec_id,
            ob.subject or "",
            ob.due.isoformat(),
            ob.state.value,
            "" if timing is None else timing.value,
            ", ".join(sorted(ob.flags)),
            _money(ob),
        )
    _console().print(table)


# -- commands -----------------------------------------------------------------------------------


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
    for ob in result.created:
        typer.echo(f"created  {_ob_line(ob, now)}")
    for ob in result.changed:
        typer.echo(f"changed  {_ob_line(ob, now)}")
    for message in result.messages:
        typer.echo(f"note: {message}")


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
        for ob in result.created:
            typer.echo(f"  created  {_ob_line(ob, now)}")
        for ob in result.changed:
            typer.echo(f"  changed  {_ob_line(ob, now)}")
        for message in result.messages:
            typer.echo(f"  note: {message}")
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


def require_reason(reason: str) -> None:
    """Refuse a blank ``--reason`` before opening the store: decisions go on the record."""
    from clauses import InputError

    if not reason.strip():
        raise InputError.single("--reason", "say why; the reason goes on the record")
    check_text(reason, "--reason")


def check_text(text: str, option: str) -> None:
    """Refuse text for the record that no document can hold, or that is absurdly long."""
    from clauses import MAX_RECORD_TEXT, InputError, text_problem

    if (problem := text_problem(text)) is not None:
        raise InputError.single(option, problem)
    if len(text) > MAX_RECORD_TEXT:
        raise InputError.single(
            option, f"at most {MAX_RECORD_TEXT:,} characters; attach it as evidence"
        )


def _print_one(ob: Obligation, now: datetime, as_json: bool) -> None:
    if as_json:
        _echo_json(ob.to_view(now))
    else:
        typer.echo(_ob_line(ob, now))


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


# -- database -----------------------------------------------------------------------------------


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
