"""Signing in and out through the real forms: passwords, cookies, CSRF, the rate limit,
API tokens, and what an unsigned or forged request gets."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.wsr.console.conftest import PASSWORD, make_token, settings_for, sign_in
from wsr.console import create_app
from wsr.console._auth import MAX_FAILURES, SESSION_COOKIE, cookie_secure

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _client(app) -> TestClient:
    return TestClient(app, base_url="http://localhost")


def _attempt(client, email, password):
    token = CSRF.search(client.get("/login").text).group(1)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_a_page_without_a_session_redirects_to_sign_in(console_app):
    answer = _client(console_app).get("/?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2F%3Fx%3D1"


def test_the_api_without_a_token_is_401_json(console_app):
    answer = _client(console_app).get("/api/agreements")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["errors"][0]["path"] == "Authorization"


def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_the_session(console_app, users):
    client = _client(console_app)
    done = _attempt(client, users["monitor"].email, PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/"
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http://localhost: a development console
    stolen = client.cookies.get(SESSION_COOKIE)
    page = client.get("/")
    assert users["monitor"].email in page.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 200  # -> /login
    # the old cookie is worthless now: the session row is gone
    again = _client(console_app)
    again.cookies.set(SESSION_COOKIE, stolen)
    assert again.get("/", follow_redirects=False).status_code == 303


def test_cookies_are_secure_unless_the_console_is_local_http():
    assert not cookie_secure("http://localhost:8000")
    assert not cookie_secure("http://127.0.0.1:9000/")
    assert cookie_secure("https://console.example.org")
    assert cookie_secure("http://console.example.org")  # plain http elsewhere: no session


def test_a_secure_console_marks_its_cookie_secure(seeded, tmp_path, users):
    app = create_app(
        settings_for(seeded.db_url, tmp_path, console_url="https://console.example.org"),
        clock=lambda: seeded.now,
    )
    client = TestClient(app, base_url="https://localhost")
    done = _attempt(client, users["admin"].email, PASSWORD)
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "Secure" in cookie
    app.state.console.store.engine.dispose()


def test_a_wrong_password_is_said_beside_the_field(console_app, users):
    answer = _attempt(_client(console_app), users["admin"].email, "not the password")
    assert answer.status_code == 401
    assert 'id="password-error"' in answer.text
    assert "the email or the password is not right" in answer.text
    # an unknown email gets the same answer (no way to find out who has an account)
    unknown = _attempt(_client(console_app), "nobody@wsr.example", "whatever it is")
    assert unknown.status_code == 401 and "the email or the password is not right" in unknown.text


def test_the_login_form_needs_its_csrf_token(console_app, users):
    client = _client(console_app)
    client.get("/login")
    answer = client.post(
        "/login",
        data={"email": users["admin"].email, "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and "expired" in answer.text


def test_failed_sign_ins_are_rate_limited_per_email_and_address(console_app, users):
    client = _client(console_app)
    email = users["negotiator"].email
    for _ in range(MAX_FAILURES):
        assert _attempt(client, email, "wrong password!").status_code == 401
    locked = _attempt(client, email, PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.text and "try again in 15 minutes" in locked.text
    # another user from the same address is not locked out
    assert _attempt(client, users["monitor"].email, PASSWORD).status_code == 303


def test_a_success_clears_the_failures(console_app, users):
    client = _client(console_app)
    email = users["admin"].email
    for _ in range(MAX_FAILURES - 1):
        _attempt(client, email, "wrong password!")
    assert _attempt(client, email, PASSWORD).status_code == 303
    other = _client(console_app)
    for _ in range(MAX_FAILURES - 1):
        assert _attempt(other, email, "wrong password!").status_code == 401
    assert _attempt(other, email, PASSWORD).status_code == 303


def test_next_only_leads_back_into_the_console(console_app, users):
    client = _client(console_app)
    page = client.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in page.text
    token = CSRF.search(page.text).group(1)
    done = client.post(
        "/login",
        data={
            "email": users["admin"].email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/"


def test_a_forged_cookie_is_refused(console_app):
    client = _client(console_app)
    client.cookies.set(SESSION_COOKIE, "made-up.signature")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_page_posts_need_the_session_csrf_token(client_for):
    client = client_for("monitor")
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": client.csrf}).status_code == 200


def test_bearer_tokens_work_until_revoked(console_app, seeded, users):
    from sqlalchemy import create_engine

    from wsr.console._auth import wall_clock
    from wsr.console._users import get_user, revoke

    token = make_token(seeded.db_url, users["monitor"].email)
    client = TestClient(console_app, headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/agreements").status_code == 200
    engine = create_engine(seeded.db_url)
    with engine.begin() as conn:
        revoke(conn, get_user(conn, users["monitor"].email), token_id=None, now=wall_clock())
    engine.dispose()
    answer = client.get("/api/agreements")
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.json()["errors"][0]["message"]
    # and the revoked user can no longer sign in with the password
    assert _attempt(_client(console_app), users["monitor"].email, PASSWORD).status_code == 401


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer wsr_not-a-token"])
def test_a_bad_authorization_header_is_401(console_app, header):
    answer = TestClient(console_app, headers={"Authorization": header}).get("/api/agreements")
    assert answer.status_code == 401


def test_an_unexpected_error_is_a_plain_page_without_a_traceback(console_app, users, caplog):
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    console_app.include_router(router)
    client = TestClient(console_app, raise_server_exceptions=False)
    sign_in(client, users["admin"])
    answer = client.get("/boom")
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert "secret internals" in caplog.text  # it is in the log instead


def test_the_sendgrid_webhook_is_served_and_verifies(seeded, tmp_path):
    from tests.scheduler.webhook_client import Signer  # the scheduler tests' signing helper

    unconfigured = create_app(settings_for(seeded.db_url, tmp_path), clock=lambda: seeded.now)
    answer = TestClient(unconfigured).post("/webhooks/sendgrid", content=b"[]")
    assert answer.status_code == 503 and "WSR_SENDGRID_WEBHOOK_KEY" in answer.json()["error"]
    unconfigured.state.console.store.engine.dispose()

    signer = Signer()
    app = create_app(
        settings_for(seeded.db_url, tmp_path, webhook_key=signer.public_b64),
        clock=lambda: seeded.now,
    )
    client = TestClient(app)
    assert client.post("/webhooks/sendgrid", content=b"[]").status_code == 403  # unsigned
    body = "[]"
    signed = client.post("/webhooks/sendgrid", content=body, headers=signer.headers(body))
    assert signed.status_code == 200, signed.text
    assert signed.json()["recorded"] == 0
    app.state.console.store.engine.dispose()


def test_flash_messages_carry_any_text_once(console_app, users):
    """A flash holds the engine's messages as they are ("→", "—", accents), shown once."""
    from fastapi import APIRouter
    from fastapi.responses import RedirectResponse

    router = APIRouter()
    said = "payment 1 → 2 — réglé"

    @router.get("/flash-test")
    def flashing():
        response = RedirectResponse("/", status_code=303)
        console_app.state.console.flash(response, said, "second")
        return response

    console_app.include_router(router)
    client = _client(console_app)
    sign_in(client, users["monitor"])
    page = client.get("/flash-test")
    assert said in page.text and "second" in page.text
    assert said not in client.get("/").text  # once
    forged = _client(console_app)
    sign_in(forged, users["monitor"])
    forged.cookies.set("wsr_flash", "eyJhIjoxfQ.forged")
    assert forged.get("/").status_code == 200
