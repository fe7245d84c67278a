"""The audit log commands: ``wsr audit verify | checkpoint | show | rekey``.

Exit codes: 0 when the log and every table agree; 1 when ``verify`` finds a problem (each one
printed as ``<where>: <message>``), when a checkpoint is asked of a broken log, or when any
command meets a row the engine cannot have written (``error: <table>.<id>…``, see
:class:`obligations._audit.StoreCorrupted`); 2 for bad input (a checkpoint line that is not
one, an unusable key file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._cmd_obligations import _opened
from .cli import app

if TYPE_CHECKING:  # imported where used, so `--help` and other commands load none of them
    from clauses import Problem
    from obligations import AuditEntry, AuditHead, ObligationStore, StoreCorrupted

audit_app = typer.Typer(help="The signed, hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

_SEQ = re.compile(r"^audit\.(\d+)$")


def verify_store(
    store: ObligationStore,
    agreement_id: str | None = None,
    *,
    checkpoints: Sequence[tuple[str, str]] = (),
    tables: bool = True,
) -> tuple[int, list[Problem]]:
    """(entries checked, problems): the chain, its head and signatures, every table against the
    log (``tables``), and each ``(where, line)`` checkpoint.

    The chain is global, so it is always verified whole; ``agreement_id`` narrows the report to
    that agreement's entries and rows, plus the breaks that cannot be attributed to anyone (a
    removed entry, the head, a checkpoint).
    """
    from clauses import Problem
    from obligations import (
        StoreCorrupted,
        parse_checkpoint,
        reconcile,
        verify_chain,
        verify_checkpoint,
        verify_head,
    )

    try:
        chain = store.audit_entries()
        head = store.audit_head()
    except StoreCorrupted as exc:
        return 0, [Problem(exc.where, str(exc).split(": ", 1)[1].split("; nothing was")[0])]
    key = store.audit_key.load()
    problems = verify_chain(chain, key=key, legacy_seq=head.legacy_seq)
    problems += verify_head(head, chain, key=key, key_exists=key is not None)
    for where, line in checkpoints:
        cp = parse_checkpoint(line, where=where)
        problems += verify_checkpoint(cp, chain, key=key, where=where)
    if agreement_id is not None:
        mine = {e.seq for e in chain if e.agreement_id == agreement_id}
        kept = []
        for p in problems:
            m = _SEQ.match(p.path)
            if (
                m is None
                or int(m.group(1)) in mine
                or "removed" in p.message
                or "broken" in p.message
            ):
                kept.append(p)
        problems = kept
    if tables:
        try:
            problems += reconcile(store, chain, agreement_id=agreement_id)
        except StoreCorrupted as exc:
            problems.append(Problem(exc.where, _bare(exc)))
    count = (
        len(chain) if agreement_id is None else sum(e.agreement_id == agreement_id for e in chain)
    )
    return count, problems


def _bare(exc: StoreCorrupted) -> str:
    """The message without the advice to run verify (we are verify)."""
    return str(exc).split(": ", 1)[1].split("; nothing was written")[0]


def _checkpoint_args(values: list[str]) -> list[tuple[str, str]]:
    """Each ``--checkpoint`` as (where, line): a line as given, or every line of a file."""
    from clauses import InputError, InputKind, read_input_text

    out: list[tuple[str, str]] = []
    for value in values:
        path = Path(value)
        if value.startswith("wsr-audit-checkpoint/"):
            out.append(("--checkpoint", value))
            continue
        try:
            text = read_input_text(path, InputKind.CHECKPOINT, where="--checkpoint")
        except InputError as exc:
            reason = exc.problems[0].message
            raise InputError.single(
                "--checkpoint", f"{value!r} is neither a checkpoint line nor a readable file "
                f"({reason})"
            ) from None  # fmt: skip
        lines = [(f"{value}:{n}", ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]
        if not lines:
            raise InputError.single(value, "holds no checkpoint line")
        out.extend(lines)
    return out


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="Report on this one.")
    ] = None,
    checkpoint: Annotated[
        list[str] | None,
        typer.Option(
            "--checkpoint",
            help="A line from `wsr audit checkpoint`, or a file of them: the log must still "
            "extend each one. Repeatable.",
        ),
    ] = None,
) -> None:
    """Check the chain, its signatures and head, and every table against the log: exit 0 if
    all agree, 1 with each difference if not."""
    from obligations import StoreCorrupted

    lines = _checkpoint_args(checkpoint or [])
    with _opened(ctx) as (service, _now):
        store = service.store
        if agreement is not None:
            store.get_agreement(agreement)
        count, problems = verify_store(store, agreement, checkpoints=lines)
        key = store.audit_key
        unkeyed = not key.exists()
        try:
            head: AuditHead | None = store.audit_head()
        except StoreCorrupted:
            head = None
    if problems:
        for p in problems:
            typer.echo(str(p))
        typer.echo(f"audit log BROKEN: {len(problems)} problems in {count} entries", err=True)
        raise typer.Exit(1)
    if unkeyed and head is not None and head.seq > 0:
        if head.mac is None:
            typer.echo(
                f"audit log OK (unkeyed legacy chain): {count} entries — written before the "
                "log had a key, so anyone who can write to the database could rewrite it; "
                "`wsr audit rekey` signs it from now on",
            )
        else:
            typer.echo(
                f"audit log OK: {count} entries (signatures NOT checked: no key at "
                f"{key.where}; set WSR_AUDIT_KEY_FILE)"
            )
        return
    done = f" and {len(lines)} checkpoints" if lines else ""
    typer.echo(f"audit log OK: {count} entries{done}")


@audit_app.command("checkpoint")
def audit_checkpoint(ctx: typer.Context) -> None:
    """Print the head (seq, hash, time) as one signed line to keep outside the database.

    Publish it or e-mail it to the monitor; `wsr audit verify --checkpoint LINE` later proves
    the log still extends it, which even the holder of the key cannot fake.
    """
    from clauses import InputError
    from obligations import make_checkpoint

    with _opened(ctx) as (service, _now):
        store = service.store
        key = store.audit_key.load()
        if key is None:
            raise InputError.single(
                store.audit_key.where,
                "this log has no key yet (an empty log, or one from before keys: "
                "`wsr audit rekey` signs it); nothing to sign a checkpoint with",
            )
        count, problems = verify_store(store, tables=False)
        if problems:
            for p in problems:
                typer.echo(str(p))
            typer.echo(
                f"audit log BROKEN: {len(problems)} problems in {count} entries; no checkpoint "
                "is made of a broken log",
                err=True,
            )
            raise typer.Exit(1)
        head = store.audit_head()
        entries = store.audit_entries()
        at = entries[-1].recorded_at if entries else None
        cp = make_checkpoint(key, seq=head.seq, digest=head.hash, at=at or store.clock())
    typer.echo(cp.line())


def action_name(action: object) -> str:
    """An audit action as the log stores it, whether a plain string or an enum member."""
    return str(getattr(action, "value", action))


def _delta(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    parts.append(f"{hours:02d}:{minutes:02d}")
    return " ".join(parts)


def backward_jumps(entries: list[AuditEntry]) -> dict[int, timedelta]:
    """seq -> how far its business time (``at``) lies before the latest one recorded ahead of
    it: a change made at a ``--now`` earlier than changes already on the record."""
    out: dict[int, timedelta] = {}
    latest: datetime | None = None
    for e in entries:
        if latest is not None and e.at < latest and e.seq is not None:
            out[e.seq] = latest - e.at
        if latest is None or e.at > latest:
            latest = e.at
    return out


@audit_app.command("show")
def audit_show(
    ctx: typer.Context,
    agreement: Annotated[str | None, typer.Option("--agreement", help="Only this one.")] = None,
    obligation: Annotated[
        str | None, typer.Option("--obligation", help="Only this obligation.")
    ] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """The log's entries in the order recorded (wall clock), with filters; an entry whose
    business time goes back before one already recorded is marked."""
    with _opened(ctx) as (service, _now):
        store = service.store
        if agreement is not None:
            store.get_agreement(agreement)
        entries = store.audit_entries()
    jumps = backward_jumps(entries)
    shown = [
        e
        for e in entries
        if (agreement is None or e.agreement_id == agreement)
        and (obligation is None or e.obligation_id == obligation)
        and (action is None or action_name(e.action) == action)
    ]
    if as_json:
        docs: list[dict[str, Any]] = []
        for e in shown:
            back = jumps.get(e.seq or 0)
            docs.append(
                {
                    **e.to_dict(),
                    "business_time_back_seconds": None if back is None else back.total_seconds(),
                }
            )
        typer.echo(json.dumps(docs, indent=2, ensure_ascii=False))
        return
    for e in shown:
        recorded = "-" if e.recorded_at is None else e.recorded_at.isoformat(timespec="seconds")
        line = (
            f"{e.seq:>6}  recorded {recorded}  at {e.at.isoformat(timespec='seconds')}  "
            f"{action_name(e.action)}  {e.agreement_id}  {e.obligation_id or '-'}  {e.actor}"
        )
        if e.reason:
            line += f"  {e.reason}"
        back = jumps.get(e.seq or 0)
        if back is not None:
            line += f"  [business time back {_delta(back)}]"
        typer.echo(line)


@audit_app.command("rekey")
def audit_rekey(ctx: typer.Context) -> None:
    """Sign a log written before it had a key: verifies the chain, creates the key file (mode
    0600, outside the database) if there is none, and signs every entry and the head."""
    from clauses import Conflict
    from obligations import verify_chain, verify_head

    with _opened(ctx) as (service, _now):
        store = service.store
        head = store.audit_head()
        key = store.audit_key
        if head.mac is not None:
            raise Conflict("audit", f"the log is already signed (key {key.where}); nothing changed")
        chain = store.audit_entries()
        problems = verify_chain(chain, legacy_seq=head.legacy_seq)
        problems += verify_head(head, chain, key=None, key_exists=False)
        if problems:
            for p in problems:
                typer.echo(str(p))
            typer.echo(
                f"audit log BROKEN: {len(problems)} problems in {len(chain)} entries; a broken "
                "log is not signed (that would vouch for the damage)",
                err=True,
            )
            raise typer.Exit(1)
        material = key.load_or_create()
        count = store.sign_audit(material)
    typer.echo(f"audit log signed: {count} entries, key {key.where}")
