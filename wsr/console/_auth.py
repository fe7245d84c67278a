"""Signing in: argon2 passwords, database sessions behind a signed cookie, CSRF tokens, API
tokens and the login rate limit.

Choices, and why:

* **Passwords** are hashed with argon2id (argon2-cffi's defaults, which follow RFC 9106's
  second recommendation); a hash made with older parameters is re-hashed at the next sign-in.
* **Sessions** live in the ``sessions`` table. The cookie (``wsr_session``) carries only a
  random 256-bit secret, signed with itsdangerous (the signer Starlette's own session cookie
  uses) so a forged or truncated cookie is refused before the database is asked; the table
  stores the secret's sha256, so a copy of the database does not let anyone sign in. The
  cookie is ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` unless the console's URL
  (``WSR_CONSOLE_URL``) is plain http on localhost / 127.0.0.1 / [::1] — a console served to
  other machines over plain http therefore cannot keep anyone signed in, on purpose. A session
  lasts :data:`SESSION_HOURS` from sign-in; signing out deletes its row.
* **CSRF**: each session has its own random token (the ``csrf`` column). Every page form
  carries it as ``csrf_token`` and htmx sends it as ``X-CSRF-Token``; a POST without the
  session's token is refused with 403. The sign-in form, before any session, uses a
  double-submit cookie (``wsr_login_csrf``) instead. Bearer-token API calls need no CSRF token:
  a browser never adds an ``Authorization`` header on its own.
* **Login rate limit**: failed sign-ins are rows in ``login_attempts`` (in the database, not in
  memory, so every console process and a restart count the same attempts); after
  :data:`MAX_FAILURES` failures for one email from one address within :data:`WINDOW`, that
  pair is refused until the oldest counted failure leaves the window, with a message saying
  how long to wait. A correct password does not get through during the lock-out. A success
  clears the pair's failures.

Security times (session expiry, lock-outs, token use) are the wall clock, never the business
time of ``--now``/``WSR_NOW``: a console replaying 2026-04-20 still ends sessions in real time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, func, insert, select

from obligations.stores.tables import login_attempts, sessions, users

from ._users import User, find_user, set_password, user_by_id

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SESSION_COOKIE = "wsr_session"
LOGIN_CSRF_COOKIE = "wsr_login_csrf"
SESSION_HOURS = 12
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def wall_clock() -> datetime:
    return datetime.now(UTC)


# -- passwords ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


#: a hash to verify against when the email is unknown, so both answers take as long
_DUMMY: list[str] = []


def check_password(conn: Connection, email: str, password: str) -> User | None:
    """The enabled user whose password this is, else None (same time either way)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    user = find_user(conn, email)
    if user is None or user.password_hash is None or user.disabled_at is not None:
        if not _DUMMY:
            _DUMMY.append(hash_password(secrets.token_hex(8)))
        try:
            _hasher().verify(_DUMMY[0], password)
        except VerificationError:
            pass
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        set_password(conn, user.id, hash_password(password))
    return user


# -- cookies ------------------------------------------------------------------------------------


def cookie_secure(console_url: str) -> bool:
    """Secure cookies unless the console is plain http on this machine (development)."""
    parts = urlsplit(console_url)
    local = (parts.hostname or "") in ("localhost", "127.0.0.1", "::1")
    return not (parts.scheme == "http" and local)


@dataclass(frozen=True)
class Signer:
    """Signs the session secret that the cookie carries (itsdangerous)."""

    secret: str

    def sign(self, value: str) -> str:
        from itsdangerous import Signer as _Signer

        return _Signer(self.secret, salt="wsr-session").sign(value).decode("ascii")

    def unsign(self, cookie: str) -> str | None:
        from itsdangerous import BadSignature
        from itsdangerous import Signer as _Signer

        try:
            return _Signer(self.secret, salt="wsr-session").unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeError, ValueError):
            return None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# -- sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


def start_session(conn: Connection, user: User, *, now: datetime) -> tuple[str, str]:
    """A new session for ``user``: the secret for its cookie and its CSRF token. Expired
    sessions of anyone are removed on the way (so the table does not grow for ever)."""
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    conn.execute(
        insert(sessions).values(
            id=_digest(secret),
            user_id=user.id,
            csrf=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    return secret, csrf


def find_session(conn: Connection, secret: str, *, now: datetime) -> Session | None:
    row = conn.execute(
        select(sessions.c.user_id, sessions.c.csrf, sessions.c.expires_at)
        .join(users, users.c.id == sessions.c.user_id)
        .where(
            sessions.c.id == _digest(secret),
            sessions.c.expires_at > now,
            users.c.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    user = user_by_id(conn, int(row.user_id))
    if user is None:
        return None
    return Session(user=user, csrf=row.csrf, expires_at=row.expires_at)


def end_session(conn: Connection, secret: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id == _digest(secret)))


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


# -- login rate limit ---------------------------------------------------------------------------


def locked_for(conn: Connection, email: str, address: str, *, now: datetime) -> timedelta | None:
    """How long (email, address) must still wait, or None if it may try now."""
    since = now - WINDOW
    times: list[datetime] = [
        r.at
        for r in conn.execute(
            select(login_attempts.c.at)
            .where(
                login_attempts.c.email == email,
                login_attempts.c.address == address,
                login_attempts.c.at > since,
            )
            .order_by(login_attempts.c.at)
        )
    ]
    if len(times) < MAX_FAILURES:
        return None
    # the wait ends when enough failures have left the window to leave one try
    return times[len(times) - MAX_FAILURES] + WINDOW - now


def record_failure(conn: Connection, email: str, address: str, *, now: datetime) -> None:
    conn.execute(delete(login_attempts).where(login_attempts.c.at < now - WINDOW))
    conn.execute(insert(login_attempts).values(email=email, address=address[:64], at=now))


def clear_failures(conn: Connection, email: str, address: str) -> None:
    conn.execute(
        delete(login_attempts).where(
            login_attempts.c.email == email, login_attempts.c.address == address
        )
    )


def failures(conn: Connection, email: str, address: str, *, now: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(login_attempts)
            .where(
                login_attempts.c.email == email,
                login_attempts.c.address == address,
                login_attempts.c.at > now - WINDOW,
            )
        ).scalar_one()
    )


def wait_words(wait: timedelta) -> str:
    minutes = max(1, int((wait.total_seconds() + 59) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
