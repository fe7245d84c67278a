"""``wsr users add | token | revoke | list``: the web console's people and API tokens.

A password is asked for twice at the terminal (never an option: it would stay in the shell
history and the process list), or read as one line from standard input with
``--password-stdin`` for scripts. ``token`` prints a new API token on standard output and
nothing else, so ``TOKEN=$(wsr users token ana@example.org)`` works; only its sha256 is stored.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from .cli import app, settings

if TYPE_CHECKING:
    from sqlalchemy import Connection

users_app = typer.Typer(help="The web console's users and their API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@contextmanager
def _connection(ctx: typer.Context) -> Iterator[Connection]:
    """One unit of work on the configured database (migrated first if it is new)."""
    from obligations import open_store

    store = open_store(settings(ctx).db_url)
    try:
        with store.engine.begin() as conn:
            yield conn
    finally:
        store.engine.dispose()


def _password(from_stdin: bool) -> str:
    from clauses import InputError

    from .console._users import MIN_PASSWORD

    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
    else:
        text = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(text) < MIN_PASSWORD:
        raise InputError.single(
            "password", f"must be at least {MIN_PASSWORD} characters (a passphrase is best)"
        )
    return text


@users_app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email; they sign in with it.")],
    role: Annotated[str, typer.Option("--role", help="admin, monitor, negotiator or counsel.")],
    brand: Annotated[
        str | None,
        typer.Option("--brand", help="Counsel only: the buyer party's name as agreements give it."),
    ] = None,
    new_brand: Annotated[
        bool,
        typer.Option(
            "--new-brand", help="Accept a brand that is not yet the buyer of a tracked agreement."
        ),
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password as one line of stdin.")
    ] = False,
) -> None:
    """Add a console user (the password is asked for, or read with --password-stdin)."""
    from .console._auth import hash_password, wall_clock
    from .console._users import add_user, check_brand, check_email, find_user, parse_role

    address = check_email(email)
    chosen = parse_role(role)
    with _connection(ctx) as conn:
        # every check before the prompt: nobody types a password for a refused user
        shown_brand = check_brand(conn, chosen, brand, new_brand=new_brand)
        if find_user(conn, address) is not None:
            from clauses import Conflict

            raise Conflict("email", f"a user {address!r} exists already (see `wsr users list`)")
        hashed = hash_password(_password(password_stdin))
        user = add_user(
            conn, address, chosen, brand=shown_brand, password_hash=hashed, now=wall_clock()
        )
    typer.echo(f"added {user.email} ({user.role.value}{f', {user.brand}' if user.brand else ''})")


@users_app.command("token")
def token(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
) -> None:
    """Print a new API token for EMAIL on stdout (send it as `Authorization: Bearer <token>`)."""
    from clauses import Conflict

    from .console._auth import wall_clock
    from .console._users import get_user, new_token

    with _connection(ctx) as conn:
        user = get_user(conn, email)
        if user.disabled_at is not None:
            raise Conflict("email", f"{user.email} is revoked; add the user again to reuse it")
        token_id, secret = new_token(conn, user, now=wall_clock())
    typer.echo(secret)
    typer.echo(
        f"token {token_id} for {user.email} (revoke: wsr users revoke {user.email} "
        f"--token-id {token_id})",
        err=True,
    )


@users_app.command("revoke")
def revoke(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user.")],
    token_id: Annotated[
        int | None,
        typer.Option(
            "--token-id",
            help="Revoke only this token; without it: every token and the user's sign-in.",
        ),
    ] = None,
) -> None:
    """Revoke one API token, or all of a user's tokens and their sign-in."""
    from .console._auth import wall_clock
    from .console._users import get_user
    from .console._users import revoke as revoke_tokens

    with _connection(ctx) as conn:
        user = get_user(conn, email)
        count = revoke_tokens(conn, user, token_id=token_id, now=wall_clock())
    if token_id is not None:
        typer.echo(f"revoked token {token_id} of {user.email}")
    else:
        typer.echo(f"revoked {user.email}: {count} token(s), sign-in disabled, sessions ended")


@users_app.command("list")
def list_(ctx: typer.Context) -> None:
    """The users, their roles, brands and tokens."""
    from .console._users import list_users, tokens_of

    with _connection(ctx) as conn:
        rows = [(u, tokens_of(conn, u)) for u in list_users(conn)]
    if not rows:
        typer.echo("no users yet; add one with `wsr users add EMAIL --role admin`", err=True)
        return
    for user, tokens in rows:
        state = "revoked" if user.disabled_at is not None else "active"
        live = [t.id for t in tokens if t.revoked_at is None]
        typer.echo(
            f"{user.email}\t{user.role.value}\t{user.brand or '-'}\t{state}\t"
            f"tokens: {', '.join(map(str, live)) or '-'}"
        )
