"""The access matrix: every route of the console × every role × own / other brand.

Each row of :data:`ROWS` says how to call one route (method, path) on the seeded console and
which status each viewer gets, for a request aimed at counsel's own brand's agreement and at
another brand's. The route list comes from the app itself (``app.routes``), so a route added
without a row here fails :func:`test_every_route_has_a_row`. Every counsel response body is
also searched for the seeded complainants' references and the retaliation finding's text:
a brand never sees them, on any route.

Streams that add routes add their rows in their own block at the end of :data:`ROWS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.wsr.console.conftest import COMPLAINANT_REFS, RETALIATION_TEXT, Seeded

#: the viewers: one of each role, counsel of the fair-food buyer, counsel of no brand, nobody
VIEWERS = ("admin", "monitor", "negotiator", "counsel", "counsel_other", "anonymous")
TARGETS = ("own", "other")


@dataclass(frozen=True)
class Call:
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """How to call a route (``call(seeded, target)``) and the status each viewer gets:
    ``expect[viewer]`` is one status for both targets, or a (own, other) pair."""

    call: Callable[[Seeded, str], Call]
    expect: dict[str, int | tuple[int, int]]
    #: "page": signed in through the form; "api": a bearer token
    kind: str = "api"


def agreement_of(s: Seeded, target: str) -> str:
    return s.own if target == "own" else s.other


def obligation_of(s: Seeded, target: str) -> str:
    return s.complaint_obligation if target == "own" else s.other_obligation


def supplier_of(s: Seeded, target: str) -> str:
    return s.suppliers["fair_food" if target == "own" else "accord"]


#: what a read of one agreement's data answers: everyone on the worker side sees both,
#: counsel its own brand's only (another brand's is "not found"), nobody signed in 401
AGREEMENT_READ: dict[str, int | tuple[int, int]] = {
    "admin": 200,
    "monitor": 200,
    "negotiator": 200,
    "counsel": (200, 404),
    "counsel_other": 404,
    "anonymous": 401,
}
#: a read of lists filtered to what the viewer may see, or of the library
OPEN_READ: dict[str, int | tuple[int, int]] = {**dict.fromkeys(VIEWERS[:-1], 200), "anonymous": 401}
#: the public routes (sign-in form, the OpenAPI description and its docs, static files)
PUBLIC: dict[str, int | tuple[int, int]] = dict.fromkeys(VIEWERS, 200)

#: pages (stream pages): a page read is an agreement read, and nobody signed in is sent to
#: the sign-in form (303); the events forms are for the roles that record events
PAGE_READ: dict[str, int | tuple[int, int]] = {**AGREEMENT_READ, "anonymous": 303}
PAGE_EVENTS: dict[str, int | tuple[int, int]] = {
    "admin": 200,
    "monitor": 200,
    "negotiator": 403,
    "counsel": 403,
    "counsel_other": 403,
    "anonymous": 303,
}

ADD_EVIDENCE = 201


# -- review: drafts in review, made on first use in each test's database -----------------------
_REVIEW_DRAFTS: dict[str, dict[str, str]] = {}
_REVIEW_UPLOADS = iter(range(1, 1_000_000))


def _review_answers(name: str, title: str) -> str:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "examples" / name).read_text(encoding="utf-8")
    return re.sub(r"(?m)^  title: .*$", f"  title: {title}", text, count=1)


def review_draft(s: Seeded, target: str) -> str:
    """A draft in review of counsel's own brand (``own``) or of another brand (``other``)."""
    if s.db_url not in _REVIEW_DRAFTS:
        from clauses import load_library
        from obligations import open_store
        from wsr._review import Reviewer
        from wsr._review_draft import draft_from_upload
        from wsr._review_store import ReviewStore

        store = open_store(s.db_url)
        nego = Reviewer("negotiator@wsr.example", "negotiator")
        made = {}
        try:
            for key, name in (
                ("own", "fair-food-produce.yaml"),
                ("other", "accord-garment-safety.yaml"),
            ):
                text = _review_answers(name, f"Draft in review ({key})")
                d = draft_from_upload(text.encode(), name, load_library())
                rs = ReviewStore(store)
                review = rs.create(d.agreement, d.standard, d.answers_text, nego, now=s.now)
                rs.move(review.draft_id, "submit", nego, now=s.now)
                made[key] = review.draft_id
        finally:
            store.engine.dispose()
        _REVIEW_DRAFTS[s.db_url] = made
    return _REVIEW_DRAFTS[s.db_url][target]


def _review_create(s: Seeded, target: str) -> Call:
    title = f"Another draft {next(_REVIEW_UPLOADS)}"
    return Call("/api/agreements", {"json": {"answers": _review_answers(FAIR_FOOD_FILE, title)}})


def _review_upload(s: Seeded, target: str) -> Call:
    text = _review_answers(FAIR_FOOD_FILE, f"Uploaded draft {next(_REVIEW_UPLOADS)}")
    return Call("/review", {"files": {"answers": ("answers.yaml", text.encode(), "text/yaml")}})


FAIR_FOOD_FILE = "fair-food-produce.yaml"
#: a page read of one draft: like AGREEMENT_READ, but nobody signed in is sent to /login
REVIEW_PAGE_READ: dict[str, int | tuple[int, int]] = {**AGREEMENT_READ, "anonymous": 303}
#: submitting a draft already in review: the worker side passes the role check and is refused by
#: the state (409); monitors and counsel may not submit (403), another brand's draft is 404
REVIEW_SUBMIT: dict[str, int | tuple[int, int]] = {
    "admin": 409,
    "monitor": 403,
    "negotiator": 409,
    "counsel": (403, 404),
    "counsel_other": 404,
    "anonymous": 401,
}


def _event(s: Seeded, target: str) -> Call:
    return Call(
        f"/api/agreements/{agreement_of(s, target)}/events",
        {
            "json": {
                "type": "complaint_filed",
                "on": "2026-04-18",
                "fields": {"supplier": supplier_of(s, target), "category": "wages"},
            }
        },
    )


def _evidence(s: Seeded, target: str) -> Call:
    return Call(
        f"/api/obligations/{obligation_of(s, target)}/evidence",
        {"files": {"file": ("report.pdf", b"%PDF-1.4 audit report", "application/pdf")}},
    )


ROWS: dict[tuple[str, str], Row] = {
    # -- web: sign-in, placeholder home, the SendGrid webhook, OpenAPI ---------------------------
    # the form for nobody; someone signed in is sent on to the console
    ("GET", "/login"): Row(
        lambda s, t: Call("/login"), {**dict.fromkeys(VIEWERS[:-1], 303), "anonymous": 200}, "page"
    ),
    # a sign-in without the form's CSRF cookie is refused for everyone
    ("POST", "/login"): Row(
        lambda s, t: Call("/login", {"data": {"email": "x@y.z", "password": "p"}}),
        dict.fromkeys(VIEWERS, 403),
        "page",
    ),
    # signed in: out (303 to /login); nobody: 303 to /login as well
    ("POST", "/logout"): Row(lambda s, t: Call("/logout"), dict.fromkeys(VIEWERS, 303), "page"),
    ("GET", "/"): Row(
        lambda s, t: Call("/"), {**dict.fromkeys(VIEWERS[:-1], 200), "anonymous": 303}, "page"
    ),
    # not configured in the tests: 503 for everyone (its verification: test_web_auth.py)
    ("POST", "/webhooks/sendgrid"): Row(
        lambda s, t: Call("/webhooks/sendgrid", {"content": b"[]"}), dict.fromkeys(VIEWERS, 503)
    ),
    ("GET", "/openapi.json"): Row(lambda s, t: Call("/openapi.json"), PUBLIC),
    ("GET", "/api/docs"): Row(lambda s, t: Call("/api/docs"), PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Row(lambda s, t: Call("/docs/oauth2-redirect"), PUBLIC),
    ("GET", "/static/{path}"): Row(lambda s, t: Call("/static/console.css"), PUBLIC, "page"),
    # -- web: the REST API core ----------------------------------------------------------------
    ("GET", "/api/agreements"): Row(lambda s, t: Call("/api/agreements"), OPEN_READ),
    ("GET", "/api/agreements/{agreement_id}"): Row(
        lambda s, t: Call(f"/api/agreements/{agreement_of(s, t)}"), AGREEMENT_READ
    ),
    ("GET", "/api/agreements/{agreement_id}/events"): Row(
        lambda s, t: Call(f"/api/agreements/{agreement_of(s, t)}/events"), AGREEMENT_READ
    ),
    ("POST", "/api/agreements/{agreement_id}/events"): Row(
        _event,
        {
            "admin": 201,
            "monitor": 201,
            "negotiator": 403,
            "counsel": 403,
            "counsel_other": 403,
            "anonymous": 401,
        },
    ),
    ("GET", "/api/obligations"): Row(
        lambda s, t: Call("/api/obligations", {"params": {"agreement": agreement_of(s, t)}}),
        AGREEMENT_READ,
    ),
    ("GET", "/api/obligations/{obligation_id}"): Row(
        lambda s, t: Call(f"/api/obligations/{obligation_of(s, t)}"), AGREEMENT_READ
    ),
    ("POST", "/api/obligations/{obligation_id}/evidence"): Row(
        _evidence,
        {
            "admin": ADD_EVIDENCE,
            "monitor": ADD_EVIDENCE,
            "negotiator": 403,
            "counsel": 403,
            "counsel_other": 403,
            "anonymous": 401,
        },
    ),
    ("GET", "/api/library"): Row(lambda s, t: Call("/api/library"), OPEN_READ),
    ("GET", "/api/library/{clause_id}"): Row(
        lambda s, t: Call("/api/library/complaint_mechanism"), OPEN_READ
    ),
    ("GET", "/api/notices"): Row(
        lambda s, t: Call("/api/notices", {"params": {"agreement": agreement_of(s, t)}}),
        AGREEMENT_READ,
    ),
    # -- review: drafts, the clause-by-clause review, its moves and downloads --------------------
    ("GET", "/api/drafts"): Row(lambda s, t: Call("/api/drafts"), OPEN_READ),
    ("POST", "/api/agreements"): Row(
        _review_create,
        {
            "admin": 201,
            "monitor": 403,
            "negotiator": 201,
            "counsel": 403,
            "counsel_other": 403,
            "anonymous": 401,
        },
    ),
    ("GET", "/api/agreements/{agreement_id}/review"): Row(
        lambda s, t: Call(f"/api/agreements/{review_draft(s, t)}/review"), AGREEMENT_READ
    ),
    ("GET", "/api/agreements/{agreement_id}/downloads/{kind}"): Row(
        lambda s, t: Call(f"/api/agreements/{review_draft(s, t)}/downloads/md"), AGREEMENT_READ
    ),
    ("POST", "/api/agreements/{agreement_id}/status"): Row(
        lambda s, t: Call(
            f"/api/agreements/{review_draft(s, t)}/status", {"json": {"action": "submit"}}
        ),
        REVIEW_SUBMIT,
    ),
    # revising is the worker side's while a draft is not in review (409 now), never counsel's
    ("POST", "/api/agreements/{agreement_id}/answers"): Row(
        lambda s, t: Call(
            f"/api/agreements/{review_draft(s, t)}/answers",
            {"json": {"answers": _review_answers(FAIR_FOOD_FILE, "Revised")}},
        ),
        REVIEW_SUBMIT,
    ),
    ("POST", "/api/agreements/{agreement_id}/clauses/{clause_id}/comments"): Row(
        lambda s, t: Call(
            f"/api/agreements/{review_draft(s, t)}/clauses/dispute_resolution/comments",
            {"json": {"text": "A question on this clause"}},
        ),
        {
            "admin": 201,
            "monitor": 403,
            "negotiator": 201,
            "counsel": (201, 404),
            "counsel_other": 404,
            "anonymous": 401,
        },
    ),
    # deciding on a clause is counsel's of a brand party only (an admin does not decide for a brand)
    ("POST", "/api/agreements/{agreement_id}/clauses/{clause_id}/decision"): Row(
        lambda s, t: Call(
            f"/api/agreements/{review_draft(s, t)}/clauses/dispute_resolution/decision",
            {"json": {"decision": "approve"}},
        ),
        {
            "admin": 403,
            "monitor": 403,
            "negotiator": 403,
            "counsel": (200, 404),
            "counsel_other": 404,
            "anonymous": 401,
        },
    ),
    ("GET", "/review"): Row(
        lambda s, t: Call("/review"), {**dict.fromkeys(VIEWERS[:-1], 200), "anonymous": 303}, "page"
    ),
    ("POST", "/review"): Row(
        _review_upload,
        {
            "admin": 303,
            "monitor": 403,
            "negotiator": 303,
            "counsel": 403,
            "counsel_other": 403,
            "anonymous": 303,
        },
        "page",
    ),
    ("GET", "/review/{draft_id}"): Row(
        lambda s, t: Call(f"/review/{review_draft(s, t)}"), REVIEW_PAGE_READ, "page"
    ),
    ("GET", "/review/{draft_id}/answers"): Row(
        lambda s, t: Call(f"/review/{review_draft(s, t)}/answers"), REVIEW_PAGE_READ, "page"
    ),
    ("GET", "/review/{draft_id}/download/{kind}"): Row(
        lambda s, t: Call(f"/review/{review_draft(s, t)}/download/md"), REVIEW_PAGE_READ, "page"
    ),
    ("POST", "/review/{draft_id}/status"): Row(
        lambda s, t: Call(f"/review/{review_draft(s, t)}/status", {"data": {"action": "submit"}}),
        {**REVIEW_SUBMIT, "anonymous": 303},
        "page",
    ),
    ("POST", "/review/{draft_id}/revise"): Row(
        lambda s, t: Call(
            f"/review/{review_draft(s, t)}/revise",
            {
                "files": {
                    "answers": (
                        "answers.yaml",
                        _review_answers(FAIR_FOOD_FILE, "Revised").encode(),
                        "text/yaml",
                    )
                }
            },
        ),
        {**REVIEW_SUBMIT, "anonymous": 303},
        "page",
    ),
    ("POST", "/review/{draft_id}/clauses/{clause_id}/comments"): Row(
        lambda s, t: Call(
            f"/review/{review_draft(s, t)}/clauses/dispute_resolution/comments",
            {"data": {"text": "A question on this clause"}},
        ),
        {
            "admin": 303,
            "monitor": 403,
            "negotiator": 303,
            "counsel": (303, 404),
            "counsel_other": 404,
            "anonymous": 303,
        },
        "page",
    ),
    ("POST", "/review/{draft_id}/clauses/{clause_id}/decision"): Row(
        lambda s, t: Call(
            f"/review/{review_draft(s, t)}/clauses/dispute_resolution/decision",
            {"data": {"decision": "approve"}},
        ),
        {
            "admin": 403,
            "monitor": 403,
            "negotiator": 403,
            "counsel": (303, 404),
            "counsel_other": 404,
            "anonymous": 303,
        },
        "page",
    ),
    # -- pages: the monitoring pages (dashboard row above) --------------------------------------
    **{
        ("GET", path): Row(lambda s, t, p=path: Call(_page_url(s, t, p)), PAGE_READ, "page")
        for path in (
            "/agreements/{agreement_id}",
            "/agreements/{agreement_id}/events/{event_id}",
            "/agreements/{agreement_id}/whatif",
            "/agreements/{agreement_id}/whatif/fields",
            "/obligations/{obligation_id}",
        )
    },
    **{
        ("GET", path): Row(lambda s, t, p=path: Call(_page_url(s, t, p)), PAGE_EVENTS, "page")
        for path in (
            "/agreements/{agreement_id}/events/new",
            "/agreements/{agreement_id}/events/fields",
        )
    },
    # a what-if is a read: every viewer who may see the agreement (a row added, nothing saved)
    ("POST", "/agreements/{agreement_id}/whatif"): Row(
        lambda s, t: Call(f"/agreements/{agreement_of(s, t)}/whatif", {"data": {"action": "add"}}),
        PAGE_READ,
        "page",
    ),
    ("POST", "/agreements/{agreement_id}/events"): Row(
        lambda s, t: Call(
            f"/agreements/{agreement_of(s, t)}/events",
            {
                "data": {
                    "type": "complaint_filed",
                    "on": "2026-04-18",
                    "supplier": supplier_of(s, t),
                    "category": "wages",
                }
            },
        ),
        {**PAGE_EVENTS, "admin": 303, "monitor": 303},
        "page",
    ),
    # no file: the form comes back with the message on the file input
    ("POST", "/agreements/{agreement_id}/payroll"): Row(
        lambda s, t: Call(f"/agreements/{agreement_of(s, t)}/payroll", {"data": {}}),
        {**PAGE_EVENTS, "admin": 422, "monitor": 422},
        "page",
    ),
    ("POST", "/obligations/{obligation_id}/evidence"): Row(
        lambda s, t: Call(
            f"/obligations/{obligation_of(s, t)}/evidence",
            {"files": {"file": ("report.pdf", b"%PDF-1.4 audit report", "application/pdf")}},
        ),
        {**PAGE_EVENTS, "admin": 303, "monitor": 303},
        "page",
    ),
    # the decisions without a reason: refused by the engine's (the CLI's) check, 422
    **{
        ("POST", f"/obligations/{{obligation_id}}/{action}"): Row(
            lambda s, t, a=action: Call(
                f"/obligations/{obligation_of(s, t)}/{a.replace('{piece}', '1')}",
                {"data": {"reason": "", "on": "2026-04-20", "decision": "dismiss"}},
            ),
            {**PAGE_EVENTS, "admin": 422, "monitor": 422},
            "page",
        )
        for action in ("evidence/{piece}/decision", "breach", "waive", "powers")
    },
}

# -- bundle: arbitration bundle downloads and personal calendar feeds ---------------------------

#: a page read of one agreement's data: as AGREEMENT_READ, but nobody signed in goes to /login
PAGE_READ: dict[str, int | tuple[int, int]] = {**AGREEMENT_READ, "anonymous": 303}


def _feed_of(s: Seeded, email: str, *, revoked: bool = False) -> tuple[int, str]:
    """A feed of ``email``'s made straight in the database: (its id, its secret)."""
    import sqlalchemy as sa

    from wsr._feeds import new_feed, revoke_feed
    from wsr.console._users import get_user

    engine = sa.create_engine(s.db_url)
    try:
        with engine.begin() as conn:
            user = get_user(conn, email)
            feed, secret = new_feed(conn, user.id, agreement_id=None, now=s.now)
            if revoked:
                revoke_feed(conn, user.id, feed.id, now=s.now)
    finally:
        engine.dispose()
    return feed.id, secret


def _revoke(s: Seeded, target: str) -> Call:
    # own: a feed of counsel's; other: one of the monitor's — only its owner may revoke it
    owner = "counsel@freshmarkets.example" if target == "own" else "monitor@wsr.example"
    return Call(f"/calendar/feeds/{_feed_of(s, owner)[0]}/revoke")


def _feed(s: Seeded, target: str) -> Call:
    # the secret is the credential (calendar clients cannot sign in): a live feed answers
    # whoever holds its address, a revoked one nobody
    _id, secret = _feed_of(s, "counsel@freshmarkets.example", revoked=target == "other")
    return Call(f"/calendar/{secret}.ics")


for _ext in ("pdf", "zip"):
    ROWS[("GET", f"/agreements/{{agreement_id}}/bundle.{_ext}")] = Row(
        lambda s, t, e=_ext: Call(f"/agreements/{agreement_of(s, t)}/bundle.{e}"),
        PAGE_READ,
        "page",
    )
    ROWS[("GET", f"/api/agreements/{{agreement_id}}/bundle.{_ext}")] = Row(
        lambda s, t, e=_ext: Call(f"/api/agreements/{agreement_of(s, t)}/bundle.{e}"),
        AGREEMENT_READ,
    )
    ROWS[("GET", f"/obligations/{{obligation_id}}/bundle.{_ext}")] = Row(
        lambda s, t, e=_ext: Call(f"/obligations/{obligation_of(s, t)}/bundle.{e}"),
        PAGE_READ,
        "page",
    )
    ROWS[("GET", f"/api/obligations/{{obligation_id}}/bundle.{_ext}")] = Row(
        lambda s, t, e=_ext: Call(f"/api/obligations/{obligation_of(s, t)}/bundle.{e}"),
        AGREEMENT_READ,
    )
ROWS.update(
    {
        ("GET", "/agreements/{agreement_id}/bundle"): Row(
            lambda s, t: Call(f"/agreements/{agreement_of(s, t)}/bundle"), PAGE_READ, "page"
        ),
        ("GET", "/calendar"): Row(
            lambda s, t: Call("/calendar"),
            {**dict.fromkeys(VIEWERS[:-1], 200), "anonymous": 303},
            "page",
        ),
        # a feed of all one's agreements, or of one: counsel only of its own brand's (422)
        ("POST", "/calendar/feeds"): Row(
            lambda s, t: Call("/calendar/feeds", {"data": {"agreement": agreement_of(s, t)}}),
            {
                "admin": 201,
                "monitor": 201,
                "negotiator": 201,
                "counsel": (201, 422),
                "counsel_other": 422,
                "anonymous": 303,
            },
            "page",
        ),
        ("POST", "/calendar/feeds/{feed_id}/revoke"): Row(
            _revoke,
            {
                "admin": 404,
                "monitor": (404, 303),
                "negotiator": 404,
                "counsel": (303, 404),
                "counsel_other": 404,
                "anonymous": 303,
            },
            "page",
        ),
        ("GET", "/calendar/{secret}.ics"): Row(_feed, dict.fromkeys(VIEWERS, (200, 404)), "page"),
    }
)


# -- console: fulfil (monitors and admins: the roles that decide evidence) --------------------
# the targets are no-retaliation duties, which no person's record settles: the engine refuses
# with its reason (409 from the API, the form again with it from the page) — nothing written
ROWS.update(
    {
        ("POST", "/api/obligations/{obligation_id}/fulfil"): Row(
            lambda s, t: Call(
                f"/api/obligations/{obligation_of(s, t)}/fulfil", {"json": {"on": "2026-04-19"}}
            ),
            {
                "admin": 409,
                "monitor": 409,
                "negotiator": 403,
                "counsel": 403,
                "counsel_other": 403,
                "anonymous": 401,
            },
        ),
        ("POST", "/obligations/{obligation_id}/fulfil"): Row(
            lambda s, t: Call(
                f"/obligations/{obligation_of(s, t)}/fulfil", {"data": {"on": "2026-04-19"}}
            ),
            {**PAGE_EVENTS, "admin": 422, "monitor": 422},
            "page",
        ),
    }
)


def _page_url(s: Seeded, target: str, path: str) -> str:
    """A page's URL for the target agreement (its first event, its no-retaliation duty)."""
    from obligations import open_store

    agreement = agreement_of(s, target)
    url = path.replace("{agreement_id}", agreement)
    url = url.replace("{obligation_id}", obligation_of(s, target))
    if "{event_id}" in url:
        store = open_store(s.db_url)
        try:
            first = store.list_events(agreement)[0].id
        finally:
            store.engine.dispose()
        url = url.replace("{event_id}", str(first))
    return url


def console_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers (HEAD aside), mounts as ``/x/{path}``."""
    from starlette.routing import Mount

    try:  # FastAPI >= 0.165 keeps included routers as such: walk them
        from fastapi.routing import iter_route_contexts

        routes = [c.original_route for c in iter_route_contexts(app.routes)]
    except ImportError:
        routes = list(app.routes)
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            found.add(("GET", route.path.rstrip("/") + "/{path}"))
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_route_has_a_row(console_app):
    routes = console_routes(console_app)
    assert routes, "the app has routes"
    missing = sorted(routes - ROWS.keys())
    assert missing == [], f"routes without a row in the access matrix: {missing}"
    stale = sorted(ROWS.keys() - routes)
    assert stale == [], f"rows for routes the app no longer has: {stale}"


@pytest.fixture
def viewers(client_for, api_for, console_app) -> Callable[[str, str], TestClient]:
    made: dict[tuple[str, str], TestClient] = {}

    def get(viewer: str, kind: str) -> TestClient:
        key = (viewer, kind)
        if key not in made:
            if viewer == "anonymous":
                made[key] = TestClient(console_app, base_url="http://localhost")
            elif kind == "page":
                made[key] = client_for(viewer)
            else:
                made[key] = api_for(viewer)
        return made[key]

    return get


def _secrets_in(text: str) -> list[str]:
    return [s for s in (*COMPLAINANT_REFS, RETALIATION_TEXT) if s in text]


@pytest.mark.parametrize("route", sorted(ROWS), ids=lambda r: f"{r[0]} {r[1]}")
def test_access(route, seeded, viewers):
    method, path = route
    row = ROWS[route]
    if path == "/api/notices":  # a store with notices in it, sent by the scheduler's sweep
        from tests.wsr.console.conftest import send_notices

        send_notices(seeded.db_url, now=seeded.now)
    seen = []
    for viewer in VIEWERS:
        client = viewers(viewer, row.kind)
        for i, target in enumerate(TARGETS):
            call = row.call(seeded, target)
            kwargs = dict(call.kwargs)
            if method == "POST" and row.kind == "page" and getattr(client, "csrf", None):
                kwargs.setdefault("headers", {"X-CSRF-Token": client.csrf})
            answer = client.request(method, call.url, follow_redirects=False, **kwargs)
            want = row.expect[viewer]
            expected = want[i] if isinstance(want, tuple) else want
            seen.append((viewer, target, answer.status_code, expected))
            if viewer.startswith("counsel"):
                assert _secrets_in(answer.text) == [], (viewer, target, call.url)
            if method == "POST" and route == ("POST", "/logout") and viewer != "anonymous":
                # signed out now: sign the page client in again for the next target
                from tests.wsr.console.conftest import USERS, sign_in

                sign_in(client, USERS[viewer])
    wrong = [s for s in seen if s[2] != s[3]]
    assert wrong == [], f"(viewer, target, got, expected): {wrong}"


def test_the_worker_side_does_see_the_complainant(seeded, viewers):
    """The redaction check above can fail: the same reads show the secrets to a monitor."""
    monitor = viewers("monitor", "api")
    events = monitor.get(f"/api/agreements/{seeded.own}/events").text
    theirs = monitor.get(f"/api/agreements/{seeded.other}/events").text
    assert "C-0147" in events
    assert "W-5521" in theirs and RETALIATION_TEXT in theirs
