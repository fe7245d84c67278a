"""FastAPI dependencies every console route uses.

``get_viewer`` (a session cookie or ``Authorization: Bearer <token>``), ``require(role, ...)``,
``get_service`` (the engine service acting as the viewer, so every write is in the audit log
with the user's email), ``get_now`` (the app's business clock) and ``csrf_check`` (page
POSTs). A route opens its own unit of work on the service's store
(``with service.store.read():`` or ``.transaction():``): the store keeps its connection per
thread, and FastAPI may run a dependency and the route on different threads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import Depends, Request

from obligations import ObligationService

from ._access import Role, Viewer, may_see_agreement
from ._auth import SESSION_COOKIE, find_session, same_token
from ._errors import Forbidden, NotSignedIn
from ._users import touch_token, user_of_token

if TYPE_CHECKING:
    from .app import Console

#: how stale ``api_tokens.last_used_at`` may be before a request updates it (not every call
#: writes: a busy API client would otherwise queue every read behind a write)
TOKEN_TOUCH = timedelta(minutes=5)


def console_of(request: Request) -> Console:
    return request.app.state.console  # type: ignore[no-any-return]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("give the token as `Authorization: Bearer <token>`")
    return token.strip()


def get_viewer(request: Request) -> Viewer:
    """Who is asking. Sets ``request.state.viewer`` (and ``.csrf`` for a session)."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    console = console_of(request)
    now = console.wall()
    token = _bearer(request)
    if token is not None:
        with console.reading() as conn:
            found = user_of_token(conn, token)
        if found is None:
            raise NotSignedIn("the token is unknown or revoked; make one with `wsr users token`")
        user, token_id, last_used = found
        if last_used is None or now - last_used > TOKEN_TOUCH:
            with console.writing() as conn:
                touch_token(conn, token_id, now)
        request.state.viewer = user.viewer()
        request.state.csrf = None
        request.state.by_token = True
        return request.state.viewer  # type: ignore[no-any-return]
    cookie = request.cookies.get(SESSION_COOKIE)
    secret = console.signer.unsign(cookie) if cookie else None
    if secret is None:
        raise NotSignedIn("sign in first")
    with console.reading() as conn:
        session = find_session(conn, secret, now=now)
    if session is None:
        raise NotSignedIn("your session has ended; sign in again")
    request.state.viewer = session.user.viewer()
    request.state.csrf = session.csrf
    request.state.session_secret = secret
    request.state.by_token = False
    return request.state.viewer  # type: ignore[no-any-return]


def optional_viewer(request: Request) -> Viewer | None:
    try:
        return get_viewer(request)
    except NotSignedIn:
        return None


def require(*roles: Role) -> Callable[..., Viewer]:
    """A dependency that lets only ``roles`` through (403 for the others)."""
    allowed = frozenset(roles)

    def check(viewer: Viewer = Depends(get_viewer)) -> Viewer:
        if viewer.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"only {names} may do this; you are {viewer.role.value}")
        return viewer

    return check


def require_action(action: str) -> Callable[..., Viewer]:
    """A dependency that lets through the roles the write matrix gives ``action``."""
    from ._access import may_write

    def check(viewer: Viewer = Depends(get_viewer)) -> Viewer:
        if not may_write(viewer, action):
            raise Forbidden(f"a {viewer.role.value} may not do this ({action})")
        return viewer

    return check


def check_agreement(viewer: Viewer, agreement_id: str, record_json: str) -> None:
    """Counsel asking for another brand's agreement gets the answer for an agreement that
    does not exist (404, same message): a 403 would tell them the id is real."""
    if not may_see_agreement(viewer, record_json):
        from clauses import NotFound

        raise NotFound("agreement", agreement_id, path="agreement")


def get_service(request: Request, viewer: Viewer = Depends(get_viewer)) -> ObligationService:
    return ObligationService(console_of(request).store, actor=viewer.email)


def get_now(request: Request) -> datetime:
    return console_of(request).clock()


async def csrf_check(request: Request, viewer: Viewer = Depends(get_viewer)) -> None:
    """A page POST must carry the session's CSRF token (form field ``csrf_token`` or header
    ``X-CSRF-Token``); bearer-token calls need none."""
    if getattr(request.state, "by_token", False):
        return
    expected = getattr(request.state, "csrf", None)
    given = request.headers.get("x-csrf-token")
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if expected is None or not same_token(given, expected):
        raise Forbidden("the form has expired or did not come from this console; reload the page")
