"""The obligation commands' plumbing: the store a command opens, who it acts as, and its inputs.

A write command runs in ONE store transaction (:func:`_opened`; an error anywhere writes
nothing); a read runs in a read-only one, and a listing on the DBAPI read path when it can
(:func:`_listing`). The checks here (dates, ``--set`` pairs, reasons, record text, an agreement
record) raise :class:`clauses.InputError` naming the option before anything is opened, so bad
input writes nothing. Engine packages are imported where used: ``--help`` loads none of them.
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

from .cli import settings

if TYPE_CHECKING:  # imported where used, so `--help` and other commands load none of them
    from clauses import Agreement
    from obligations import ObligationService

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


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

    from clauses import (
        Agreement,
        InputError,
        InputKind,
        Problem,
        error_message,
        read_document,
        seal,
    )

    name = str(path)
    body = read_document(path, InputKind.RECORD, where=name, json_only=True)
    if not isinstance(body, dict):
        raise InputError.single(name, "an agreement record is a JSON object")
    try:
        agreement = Agreement.model_validate(body)
        resealed = seal(body)
    except ValidationError as exc:
        raise InputError(
            Problem(f"{name}: " + ".".join(str(p) for p in err["loc"]), error_message(err))
            for err in exc.errors()
        ) from None
    if resealed.content_hash != agreement.content_hash or resealed.id != agreement.id:
        raise InputError.single(
            f"{name}: content_hash",
            "does not match the record's content: it was changed after drafting "
            "(draft it again rather than editing the JSON)",
        )
    return agreement


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
