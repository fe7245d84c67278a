"""Personal calendar feeds: made on the page (the secret shown once, stored hashed), served to a
client that cannot sign in, limited to what the owner may see, and dead once revoked."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient
from icalendar import Calendar

from obligations.stores._sqltables import feed_tokens, users
from tests.wsr.console.conftest import COMPLAINANT_REFS

_URL = re.compile(r'id="feed-url" value="http://localhost:8000(/calendar/(wsrcal_[^"]+)\.ics)"')


def _make(client, agreement: str = "") -> tuple[str, str]:
    made = client.post("/calendar/feeds", data={"csrf_token": client.csrf, "agreement": agreement})
    assert made.status_code == 201, made.text
    found = _URL.search(made.text)
    assert found is not None, made.text
    return found.group(1), found.group(2)


def _events(app, path: str) -> dict[str, object]:
    with TestClient(app, base_url="http://localhost") as anonymous:  # a calendar client
        got = anonymous.get(path)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(got.content)
    assert cal.walk("VTODO") == []
    for ref in COMPLAINANT_REFS:
        assert ref.encode() not in got.content
    return {str(e["uid"]).split("@")[0]: e for e in cal.walk("VEVENT")}


def _agreement_ids(events) -> set[str]:
    return {
        next(ln for ln in str(e["description"]).splitlines() if ln.startswith("Agreement:"))
        .rsplit("(", 1)[1]
        .rstrip(")")
        for e in events.values()
    }


def test_counsel_makes_a_feed_of_its_brands_deadlines(client_for, console_app, seeded):
    counsel = client_for("counsel")
    path, secret = _make(counsel)
    events = _events(console_app, path)
    assert events and _agreement_ids(events) == {seeded.fair_food}
    some = next(iter(events.values()))
    assert some.decoded("dtstamp") == seeded.now
    assert (some.decoded("dtend") - some.decoded("dtstart")).days == 1
    # stored hashed: the secret is nowhere in the database
    engine = sa.create_engine(seeded.db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(feed_tokens)).all()
    engine.dispose()
    assert len(rows) == 1 and secret not in str(rows[0]) and rows[0].token_hash != secret
    # the page lists it without the secret
    page = counsel.get("/calendar")
    assert page.status_code == 200 and secret not in page.text and "#1" in page.text


def test_the_monitor_sees_every_agreement_or_the_one_chosen(client_for, console_app, seeded):
    monitor = client_for("monitor")
    all_path, _ = _make(monitor)
    assert _agreement_ids(_events(console_app, all_path)) == {seeded.fair_food, seeded.accord}
    one_path, _ = _make(monitor, seeded.accord)
    assert _agreement_ids(_events(console_app, one_path)) == {seeded.accord}


def test_a_feed_holds_the_agreements_its_owner_follows(client_for, console_app, seeded):
    from datetime import UTC, datetime

    from obligations.stores._sqltables import notice_follows

    engine = sa.create_engine(seeded.db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(notice_follows).values(
                agreement_id=seeded.accord,
                email="monitor@wsr.example",
                name="Monitor",
                language="en",
                added_at=datetime(2026, 4, 1, tzinfo=UTC),
            )
        )
    engine.dispose()
    monitor = client_for("monitor")
    assert "the agreements you follow" in monitor.get("/calendar").text
    path, _ = _make(monitor)
    assert _agreement_ids(_events(console_app, path)) == {seeded.accord}


def test_counsel_cannot_limit_a_feed_to_another_brands_agreement(client_for, seeded):
    counsel = client_for("counsel")
    refused = counsel.post(
        "/calendar/feeds", data={"csrf_token": counsel.csrf, "agreement": seeded.accord}
    )
    assert refused.status_code == 422
    assert "choose one of your agreements" in refused.text
    assert "wsrcal_" not in refused.text


def test_a_revoked_feed_and_a_disabled_owner_get_nothing(client_for, console_app, seeded):
    counsel = client_for("counsel")
    path, _ = _make(counsel)
    other = client_for("counsel_other")
    # someone else's feed is answered as one that does not exist
    assert (
        other.post("/calendar/feeds/1/revoke", data={"csrf_token": other.csrf}).status_code == 404
    )
    _events(console_app, path)  # still live
    done = counsel.post(
        "/calendar/feeds/1/revoke", data={"csrf_token": counsel.csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "revoked" in counsel.get("/calendar").text
    with TestClient(console_app, base_url="http://localhost") as anonymous:
        assert anonymous.get(path).status_code == 404
        path2, _ = _make(counsel)
        assert anonymous.get(path2).status_code == 200
        engine = sa.create_engine(seeded.db_url)
        with engine.begin() as conn:
            conn.execute(
                sa.update(users)
                .where(users.c.email == "counsel@freshmarkets.example")
                .values(disabled_at=seeded.now)
            )
        engine.dispose()
        assert anonymous.get(path2).status_code == 404
        for guess in ("/calendar/nope.ics", "/calendar/wsrcal_guessed.ics"):
            assert anonymous.get(guess).status_code == 404


def test_feed_forms_need_the_csrf_token_and_a_session(client_for, console_app):
    counsel = client_for("counsel")
    assert counsel.post("/calendar/feeds", data={"agreement": ""}).status_code == 403
    with TestClient(console_app, base_url="http://localhost") as anonymous:
        got = anonymous.get("/calendar", follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"].startswith("/login")


def test_other_brands_counsel_gets_an_empty_calendar(client_for, console_app):
    path, _ = _make(client_for("counsel_other"))
    assert _events(console_app, path) == {}
