"""A first end-to-end look: sign in through the form, see one's agreements, sign out."""

from __future__ import annotations

import pytest


def test_each_role_signs_in_and_sees_its_agreements(client_for, seeded, users):
    for role in ("admin", "monitor", "negotiator"):
        page = client_for(role).get("/")
        assert seeded.fair_food in page.text and seeded.accord in page.text
        assert users[role].email in page.text
    counsel = client_for("counsel").get("/")
    assert seeded.fair_food in counsel.text
    assert seeded.accord not in counsel.text
    other = client_for("counsel_other").get("/")
    assert seeded.fair_food not in other.text and seeded.accord not in other.text


def test_the_live_server_serves_the_console(live_server):
    import urllib.request

    with urllib.request.urlopen(f"{live_server}/login") as page:
        assert page.status == 200 and "Sign in" in page.read().decode()
    with urllib.request.urlopen(f"{live_server}/static/htmx.min.js") as script:
        assert script.read(20).startswith(b"var htmx=")


@pytest.mark.postgres
def test_signing_in_on_postgres(seeded_pg, tmp_path, users):
    """The whole sign-in path (users, sessions, CSRF, tokens) on a real PostgreSQL."""
    from fastapi.testclient import TestClient

    from tests.wsr.console.conftest import make_token, settings_for, sign_in
    from wsr.console import create_app

    app = create_app(settings_for(seeded_pg.db_url, tmp_path), clock=lambda: seeded_pg.now)
    try:
        client = TestClient(app, base_url="http://localhost")
        sign_in(client, users["counsel"])
        page = client.get("/")
        assert seeded_pg.fair_food in page.text and seeded_pg.accord not in page.text
        assert client.post("/logout", data={"csrf_token": client.csrf}).status_code == 200
        assert client.get("/", follow_redirects=False).status_code == 303
        token = make_token(seeded_pg.db_url, users["monitor"].email)
        api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        assert {a["id"] for a in api.get("/api/agreements").json()} == {
            seeded_pg.fair_food,
            seeded_pg.accord,
        }
    finally:
        app.state.console.store.engine.dispose()
