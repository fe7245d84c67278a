"""The signed event webhook, served by uvicorn, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from clauses import InputError
from obligations.stores._sqltables import notice_events, notices, webhook_requests
from scheduler import DeliveryHooks, webhook_app
from tests.scheduler.conftest import add_notice
from tests.scheduler.webhook_client import Served, Signer, body_of, event


@pytest.fixture
def signer() -> Signer:
    return Signer()


def rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()


def test_signed_events_are_recorded_on_their_notice_once(engine, signer):
    delivered, bounced = [], []
    hooks = DeliveryHooks(
        on_delivered=lambda conn, nid, at: delivered.append((nid, at)),
        on_bounce=lambda conn, nid, at, why: bounced.append((nid, why)),
    )
    breach = add_notice(engine, 1, step="breach_notice")
    other = add_notice(engine, 2)
    now = int(time.time())
    events = [
        event(breach, "processed", now - 30),
        event(breach, "delivered", now - 20),
        event(other, "bounce", now - 10, mid="msg2", reason="550 5.1.1 no such user"),
        event(other, "open", now - 5, mid="msg2"),
        event("f" * 40, "delivered", now - 5, mid="msg9"),  # not one of ours
    ]
    body = body_of(events)
    with Served(webhook_app(engine, signer.public_b64, hooks=hooks)) as web:
        status, answer = web.post(body, signer.headers(body))
        assert status == 200, answer
        assert (answer["recorded"], answer["duplicates"], answer["ignored"]) == (4, 0, 1)
        assert answer["unknown_notice"] == 1
        # SendGrid retries the same events with new event ids: nothing is recorded twice
        again = [dict(e, sg_event_id="retry-" + e["sg_event_id"]) for e in events]
        body2 = body_of(again)
        status, answer = web.post(body2, signer.headers(body2))
        assert status == 200 and (answer["recorded"], answer["duplicates"]) == (0, 4)
    assert [n for n, _ in delivered] == [breach]
    assert bounced == [(other, "550 5.1.1 no such user")]
    with engine.connect() as conn:
        state = dict(conn.execute(sa.select(notices.c.id, notices.c.delivery)).all())
        first = conn.execute(
            sa.select(notices.c.delivered_at).where(notices.c.id == breach)
        ).scalar_one()
    assert state == {breach: "delivered", other: "bounce"}
    assert int(first.timestamp()) == now - 20
    recorded = rows(engine, notice_events)
    assert len(recorded) == 4
    assert {r.notice_id for r in recorded} == {breach, other, None}
    assert json.loads(recorded[2].payload)["reason"] == "550 5.1.1 no such user"
    requests = rows(engine, webhook_requests)
    assert [r.verified for r in requests] == [True, True]
    assert requests[0].raw_body == body  # stored exactly as received


def test_unsigned_forged_and_stale_requests_are_refused_and_kept(engine, signer):
    notice = add_notice(engine, 1)
    body = body_of([event(notice, "delivered", int(time.time()))])
    good = signer.headers(body)
    reserialised = json.dumps(json.loads(body), indent=1)  # same events, other bytes
    stale = signer.headers(body, ts=int(time.time()) - 301)
    with Served(webhook_app(engine, signer.public_b64)) as web:
        cases = [
            (body, {}),
            (body, {k: v for k, v in good.items() if "Signature" in k}),
            (body.replace("delivered", "bounce"), good),
            (reserialised, good),
            (body, {**good, "X-Twilio-Email-Event-Webhook-Signature": "not base64!"}),
            (body, stale),
            (body, Signer().headers(body)),  # signed, but by another key
        ]
        answers = [web.post(b, h) for b, h in cases]
    assert [s for s, _ in answers] == [403] * len(cases)
    reasons = [a["error"] for _, a in answers]
    assert reasons[0].startswith("unsigned") and reasons[1].startswith("unsigned")
    assert all(r.startswith("forged") for r in reasons[2:5] + reasons[6:])
    assert reasons[5].startswith("stale")
    assert rows(engine, notice_events) == []
    stored = rows(engine, webhook_requests)
    assert len(stored) == len(cases)
    assert not any(r.verified for r in stored)
    assert [r.reason for r in stored] == reasons


def test_a_verified_body_that_is_not_events_is_400(engine, signer):
    body = '{"event": "delivered"}'
    with Served(webhook_app(engine, signer.public_b64)) as web:
        status, answer = web.post(body, signer.headers(body))
    assert status == 400 and "array" in answer["error"]
    (row,) = rows(engine, webhook_requests)
    assert row.verified and row.reason.startswith("unreadable")


def test_a_bad_verification_key_is_refused_naming_the_setting(engine):
    with pytest.raises(InputError) as info:
        webhook_app(engine, "not a key")
    assert info.value.problems[0].path == "WSR_SENDGRID_WEBHOOK_KEY"
