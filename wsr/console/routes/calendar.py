"""Personal calendar feeds: ``/calendar`` (make, list and revoke one's feed URLs) and the feed
itself, ``/calendar/<secret>.ics`` (all-day VEVENTs, see :mod:`wsr._feeds` for what it holds).

The feed URL carries no session — calendar clients cannot sign in — so its secret is the
credential: shown once, on the page the making of it answers (rendered, not redirected to, so
the secret never sits in a cookie or a URL the browser keeps), stored hashed, revocable. An
unknown, revoked or disabled person's feed is a 404, the same for all three.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

from ..._feeds import (
    feed_agreements,
    feed_owner,
    feeds_of,
    followed,
    new_feed,
    personal_feed,
    visible_agreements,
)
from ..._feeds import revoke_feed as revoke
from .._access import Action, Viewer, may_write
from .._deps import console_of, csrf_check, get_now, require_action
from .._templates import render

router = APIRouter(include_in_schema=False)

_viewer = require_action(Action.CALENDAR.value)


def _store(request: Request) -> SqlAlchemyObligationStore:
    return console_of(request).store


def _url(request: Request, secret: str) -> str:
    base = console_of(request).settings.console_url.rstrip("/")
    return f"{base}/calendar/{secret}.ics"


def _page(
    request: Request,
    store: SqlAlchemyObligationStore,
    viewer: Viewer,
    *,
    made: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with store.read():
        with store.connection(write=False) as conn:
            feeds = feeds_of(conn, viewer.user_id)
            follows = followed(conn, viewer.email)
        visible = visible_agreements(store, viewer)
        default = feed_agreements(store, viewer, agreement_id=None, follows=follows)
    rows = [
        {
            "id": f.id,
            "scope": visible.get(f.agreement_id, f.agreement_id) if f.agreement_id else "",
            "created_at": f.created_at.isoformat(timespec="minutes"),
            "revoked_at": f.revoked_at.isoformat(timespec="minutes") if f.revoked_at else "",
        }
        for f in feeds
    ]
    return render(
        request,
        "calendar.html",
        status_code=status,
        feeds=rows,
        agreements=sorted(visible.items(), key=lambda kv: kv[1]),
        default_scope=[visible.get(a, a) for a in default],
        follows_any=bool(follows & set(visible)),
        made=made,
        webcal=made.replace("https://", "webcal://").replace("http://", "webcal://")
        if made
        else None,
        field_errors=errors or {},
    )


@router.get("/calendar")
def calendar_page(
    request: Request,
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
) -> Response:
    return _page(request, store, viewer)


@router.post("/calendar/feeds", dependencies=[Depends(csrf_check)])
def make_feed(
    request: Request,
    agreement: str = Form(""),
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
) -> Response:
    console = console_of(request)
    chosen = agreement.strip() or None
    if chosen is not None:
        with store.read():
            allowed = chosen in visible_agreements(store, viewer)
        if not allowed:
            message = "choose one of your agreements, or all of them"
            return _page(request, store, viewer, errors={"agreement": message}, status=422)
    with console.writing() as conn:
        _feed, secret = new_feed(conn, viewer.user_id, agreement_id=chosen, now=console.wall())
    return _page(request, store, viewer, made=_url(request, secret), status=201)


@router.post("/calendar/feeds/{feed_id}/revoke", dependencies=[Depends(csrf_check)])
def revoke_feed(
    request: Request,
    feed_id: int,
    viewer: Viewer = Depends(_viewer),
) -> Response:
    console = console_of(request)
    with console.writing() as conn:
        revoke(conn, viewer.user_id, feed_id, now=console.wall())
    response = RedirectResponse("/calendar", status_code=303)
    console.flash(response, f"Feed {feed_id} is revoked: calendars using it get nothing more.")
    return response


@router.get("/calendar/{secret}.ics")
def feed(
    request: Request,
    secret: str,
    service_now: datetime = Depends(get_now),
) -> Response:
    from clauses import NotFound

    console = console_of(request)
    with console.reading() as conn:
        found = feed_owner(conn, secret)
    viewer = None if found is None else found[1].viewer()
    if found is None or viewer is None or not may_write(viewer, Action.CALENDAR.value):
        raise NotFound("calendar feed", "(given)", path="feed", hint="it may have been revoked")
    body = personal_feed(console.store, viewer, agreement_id=found[0].agreement_id, now=service_now)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
