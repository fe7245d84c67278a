"""The console's users and their API tokens in the database (migration 0006_web).

Shared by ``wsr users`` and the console, so a token printed by the CLI is checked by exactly
the code that made it. Nothing here imports FastAPI: ``wsr users`` stays a quick command.
Every function takes an open SQLAlchemy connection (the caller's transaction), so a command
that checks then writes does both in one unit of work.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from clauses import Conflict, InputError, NotFound
from obligations.stores.tables import api_tokens, users

from ._access import Role, Viewer, buyer_names

#: what every API token begins with, so a leaked one is recognisable in a log or a paste
TOKEN_PREFIX = "wsr_"
#: the shortest password ``wsr users add`` accepts
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: Role
    brand: str | None
    password_hash: str | None
    created_at: datetime
    disabled_at: datetime | None

    def viewer(self) -> Viewer:
        return Viewer(user_id=self.id, email=self.email, role=self.role, brand=self.brand)


@dataclass(frozen=True)
class TokenRow:
    id: int
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def normal_email(email: str) -> str:
    """The stored spelling of an email: trimmed, lower case (``Ana@X.org`` signs in as ana)."""
    return email.strip().lower()


def check_email(email: str, path: str = "email") -> str:
    value = normal_email(email)
    if not _EMAIL.match(value) or len(value) > 320:
        raise InputError.single(path, f"{email!r} is not an email address, e.g. ana@example.org")
    return value


def parse_role(text: str, path: str = "--role") -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError.single(path, f"{text!r} is not a role; use one of: {allowed}") from None


def known_brands(conn: Connection) -> set[str]:
    """The buyer party names of every tracked agreement."""
    from obligations.stores.tables import agreements

    names: set[str] = set()
    for (record,) in conn.execute(select(agreements.c.record_json)):
        names |= buyer_names(record)
    return names


def check_brand(
    conn: Connection, role: Role, brand: str | None, *, new_brand: bool = False
) -> str | None:
    """Counsel needs a brand, the others none. The brand must be a buyer party's name as a
    tracked agreement gives it: a misspelt brand would silently show counsel nothing, so it
    is refused (naming the brands there are) unless ``new_brand`` says it is one whose first
    agreement is not tracked yet."""
    if role is not Role.COUNSEL:
        if brand is not None:
            raise InputError.single("--brand", f"only counsel has a brand, not {role.value}")
        return None
    if brand is None or not brand.strip():
        raise InputError.single(
            "--brand", "counsel speaks for a brand: give the buyer party's name, e.g. --brand NAME"
        )
    brand = brand.strip()
    if new_brand:
        return brand
    known = known_brands(conn)
    if brand not in known:
        listed = "; ".join(sorted(known)) or "none: no agreement is tracked yet"
        raise InputError.single(
            "--brand",
            f"{brand!r} is not the buyer party of any tracked agreement (buyers: {listed}); "
            "spell it as the agreement does, or add --new-brand for a brand whose first "
            "agreement is not tracked yet",
        )
    return brand


def _user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(
        id=r["id"],
        email=r["email"],
        role=Role(r["role"]),
        brand=r["brand"],
        password_hash=r["password_hash"],
        created_at=r["created_at"],
        disabled_at=r["disabled_at"],
    )


def add_user(
    conn: Connection,
    email: str,
    role: Role,
    *,
    brand: str | None,
    password_hash: str | None,
    now: datetime,
) -> User:
    if find_user(conn, email) is not None:
        raise Conflict("email", f"a user {normal_email(email)!r} exists already")
    new_id = conn.execute(
        insert(users).values(
            email=normal_email(email),
            role=role.value,
            brand=brand,
            password_hash=password_hash,
            created_at=now,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    found = user_by_id(conn, int(new_id))
    assert found is not None
    return found


def find_user(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(users).where(users.c.email == normal_email(email))).first()
    return None if row is None else _user(row)


def get_user(conn: Connection, email: str, path: str = "email") -> User:
    found = find_user(conn, email)
    if found is None:
        raise NotFound("user", normal_email(email), path=path, hint="see `wsr users list`")
    return found


def user_by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _user(row)


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.email))]


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def token_hash(token: str) -> str:
    """Tokens are random (256 bits), so a plain sha256 is the right store: no salt or slow
    hash is needed to stop guessing, and a lookup by hash is one index probe per request."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(conn: Connection, user: User, *, now: datetime) -> tuple[int, str]:
    """A new API token for ``user``: its id and the secret (shown once, stored hashed)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    new_id = conn.execute(
        insert(api_tokens).values(user_id=user.id, token_hash=token_hash(secret), created_at=now)
    ).inserted_primary_key[0]  # type: ignore[index]
    return int(new_id), secret


def tokens_of(conn: Connection, user: User) -> list[TokenRow]:
    rows = conn.execute(
        select(api_tokens).where(api_tokens.c.user_id == user.id).order_by(api_tokens.c.id)
    )
    return [
        TokenRow(
            id=r.id, created_at=r.created_at, revoked_at=r.revoked_at, last_used_at=r.last_used_at
        )
        for r in rows
    ]


def revoke(conn: Connection, user: User, *, token_id: int | None, now: datetime) -> int:
    """Revoke one token of ``user`` (``token_id``) or, without it, all of them and the user's
    sign-in (the user is disabled: sessions end, the password no longer works). Returns how
    many tokens were revoked."""
    from obligations.stores.tables import sessions

    if token_id is not None:
        mine = {t.id: t for t in tokens_of(conn, user)}
        if token_id not in mine:
            raise NotFound("token", str(token_id), path="--token-id", hint="see `wsr users list`")
        if mine[token_id].revoked_at is not None:
            raise Conflict("--token-id", f"token {token_id} is revoked already")
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))
        return 1
    done = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    conn.execute(update(users).where(users.c.id == user.id).values(disabled_at=now))
    conn.execute(sessions.delete().where(sessions.c.user_id == user.id))
    return int(done or 0)


def user_of_token(conn: Connection, token: str) -> tuple[User, int, datetime | None] | None:
    """The enabled user a live token belongs to, the token's id and when it was last used."""
    row = conn.execute(
        select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(
            api_tokens.c.token_hash == token_hash(token),
            api_tokens.c.revoked_at.is_(None),
            users.c.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    return _user(row), int(row.token_id), row.last_used_at


def touch_token(conn: Connection, token_id: int, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())
