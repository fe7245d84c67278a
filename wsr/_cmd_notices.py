"""Notice commands: the notice step of ``wsr sweep``, ``wsr notices``, ``wsr follow`` and the
``wsr scheduler`` service (issue 10). ``wsr notices certificate`` and ``wsr scheduler status``
are the delivery side's (registered on :data:`notices_app` / :data:`scheduler_app`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._settings import Settings
from .cli import app, settings

if TYPE_CHECKING:
    from scheduler import NoticeSweep

notices_app = typer.Typer(
    help="The notices the sweeps decided, with their state and proof of service.",
    invoke_without_command=True,
)
scheduler_app = typer.Typer(
    help="The long-running service: APScheduler wakes the sweep every few minutes.",
    invoke_without_command=True,
)
app.add_typer(notices_app, name="notices")
app.add_typer(scheduler_app, name="scheduler")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _notifier(st: Settings) -> Any:
    from scheduler.notify import notifier_from_settings

    return notifier_from_settings(os.environ, outbox=st.outbox)


def run_sweep(
    st: Settings,
    *,
    now: datetime,
    actor: str,
    lease: timedelta | None = None,
    limit: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> NoticeSweep:
    """One sweep at ``now`` on the configured store: advance + decide + record (one
    transaction), then dispatch through the configured notifier (one dispatcher at a time on
    SQLite)."""
    from obligations import open_store
    from scheduler import single_scheduler, sweep

    store = open_store(st.db_url)
    try:
        notifier = _notifier(st)
        with single_scheduler(store.engine, reenter=True):
            tuning: dict[str, Any] = {"should_stop": should_stop}
            if lease is not None:
                tuning["lease"] = lease
            if limit is not None:
                tuning["limit"] = limit
            return sweep(
                store, notifier, now=now, actor=actor, console_url=st.console_url, **tuning
            )
    finally:
        store.engine.dispose()


def echo_notice_summary(done: NoticeSweep) -> None:
    n = done.notices_json()
    typer.echo(
        f"notices: {n['decided']} decided, {n['sent']} sent, {n['retried']} to retry, "
        f"{n['failed']} failed, {n['reconciled']} reconciled, "
        f"{n['http_requests']} HTTP requests"
    )
    if n["unresolved"]:
        typer.echo(
            f"notices: {n['unresolved']} left in sending by an interrupted run could not be "
            "checked with the provider yet; none of them is resent until they are"
        )
    if done.outbox is not None and n["sent"]:
        typer.echo(f"outbox: {done.outbox}")
    if n["fatal"]:
        typer.echo(f"error: sending stopped: {n['fatal']}", err=True)
        raise typer.Exit(1)


@notices_app.callback()
def notices(
    ctx: typer.Context,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="Only this agreement's notices.")
    ] = None,
    obligation: Annotated[
        str | None, typer.Option("--obligation", help="Only this obligation's notices.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the notices: state, recipient, step, SHA-256 and the provider's message id."""
    if ctx.invoked_subcommand is not None:
        return
    from obligations import open_store
    from scheduler import list_notices

    st = settings(ctx)
    store = open_store(st.db_url)
    try:
        with store.read():
            rows = list_notices(store, agreement_id=agreement, obligation_id=obligation)
    finally:
        store.engine.dispose()
    if as_json:
        typer.echo(json.dumps([_notice_json(r) for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no notices")
        return
    for r in rows:
        typer.echo(
            f"{r['id'][:12]}  {r['state']:<7}  {r['step']:<16}  {r['due_on'].isoformat()}  "
            f"{r['recipient_role']:<11} {r['recipient']}  sha256:{r['sha256'][:16]}  "
            f"{r['provider_message_id'] or '-'}"
        )


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _notice_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "agreement_id": r["agreement_id"],
        "obligation_id": r["obligation_id"],
        "step": r["step"],
        "offset_days": r["offset_days"],
        "recipient": r["recipient"],
        "recipient_name": r["recipient_name"],
        "recipient_role": r["recipient_role"],
        "language": r["language"],
        "due_on": _iso(r["due_on"]),
        "decided_at": _iso(r["decided_at"]),
        "template": r["template"],
        "subject": r["subject"],
        "sha256": r["sha256"],
        "state": r["state"],
        "attempts": r["attempts"],
        "next_attempt_at": _iso(r["next_attempt_at"]),
        "provider": r["provider"],
        "provider_message_id": r["provider_message_id"],
        "sent_at": _iso(r["sent_at"]),
        "last_error": r["last_error"],
        "delivery": r["delivery"],
        "delivered_at": _iso(r["delivered_at"]),
    }


@app.command("follow")
def follow(
    ctx: typer.Context,
    agreement_id: Annotated[str, typer.Argument(help="The agreement to follow.")],
    email: Annotated[str, typer.Argument(help="Where the copies of its notices go.")],
    name: Annotated[str | None, typer.Option("--name", help="The follower's name.")] = None,
    language: Annotated[
        str, typer.Option("--language", help="Language of the notices: en or es.")
    ] = "en",
) -> None:
    """Follow an agreement: a copy of every notice it gives goes to EMAIL."""
    from obligations import open_store
    from scheduler import follow as add_follower

    st = settings(ctx)
    now = st.now()
    store = open_store(st.db_url)
    try:
        with store.transaction():
            added = add_follower(store, agreement_id, email, name=name, language=language, now=now)
    finally:
        store.engine.dispose()
    shown = email.strip().lower()
    typer.echo(
        f"{shown} follows {agreement_id}" if added else f"{shown} already follows {agreement_id}"
    )


@scheduler_app.callback()
def scheduler(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option("--interval", help="Minutes between two sweeps.", min=0.01)
    ] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="One (catch-up) sweep, then stop.")] = False,
    sweeps: Annotated[
        int | None, typer.Option("--sweeps", help="Stop after this many sweeps.", min=1)
    ] = None,
    lease: Annotated[
        float,
        typer.Option(
            "--lease",
            help="Seconds a claimed notice stays this process's before another may check it.",
            min=1,
        ),
    ] = 300.0,
    limit: Annotated[
        int, typer.Option("--limit", help="Notices claimed (and sent) at a time.", min=1)
    ] = 1000,
) -> None:
    """Run the service: a catch-up sweep at start, then one every --interval minutes, until
    SIGTERM or SIGINT (or --once / --sweeps N)."""
    if ctx.invoked_subcommand is not None:
        return
    import threading

    from obligations import open_store
    from scheduler import Heartbeat, SchedulerBusy, SendingStopped, run_service, single_scheduler

    from ._cmd_obligations import _actor

    st = settings(ctx)
    if st.now_text:
        st.now()  # a bad --now is refused before the service starts
    store = open_store(st.db_url)
    stopping = threading.Event()  # set by SIGTERM/SIGINT: the sweep stops between batches

    def one_sweep(now: datetime) -> dict[str, Any]:
        # --now pins every sweep to one instant (replays); otherwise each runs at its own time
        at = st.now() if st.now_text else now
        done = run_sweep(
            st,
            now=at,
            actor=_actor(),
            lease=timedelta(seconds=lease),
            limit=limit,
            should_stop=stopping.is_set,
        )
        n = done.notices_json()
        typer.echo(
            f"{at.isoformat()}: {n['decided']} decided, {n['sent']} sent, {n['retried']} to "
            f"retry, {n['failed']} failed, {n['reconciled']} reconciled, "
            f"{n['http_requests']} HTTP requests"
        )
        if n["fatal"]:
            raise SendingStopped(f"sending stopped: {n['fatal']}")
        return done.to_json()

    try:
        # SQLite: this process holds the database for its whole life, so a second
        # `wsr scheduler` is told at once (the sweeps inside re-enter the same lock)
        with single_scheduler(store.engine):
            heartbeat = Heartbeat(store.engine, interval=timedelta(minutes=interval))
            done = run_service(
                one_sweep,
                interval=timedelta(minutes=interval),
                heartbeat=heartbeat,
                max_sweeps=1 if once else sweeps,
                fatal_errors=(SchedulerBusy, SendingStopped),
                stopping=stopping,
            )
    finally:
        store.engine.dispose()
    typer.echo(
        f"scheduler {heartbeat.process_id} stopped ({done.stopped_by}): {done.sweeps} "
        f"sweep(s), {done.errors} failed"
    )
    if done.fatal:
        raise typer.Exit(1)
