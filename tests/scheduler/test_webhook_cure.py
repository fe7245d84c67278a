"""End to end through the signed webhook: SendGrid's `delivered` event for the breach notice,
POSTed to the app served by uvicorn, starts the cure period from that delivery (the notices
stream's rule, reached through the app's default hooks); the retried call changes nothing."""

# ruff: noqa: F811  (the store fixtures are imported from tests/obligations)
from __future__ import annotations

from datetime import timedelta

from obligations import LegalState
from scheduler import sweep, webhook_app
from scheduler.notify import OutboxNotifier
from tests.obligations.conftest import pg_engine, sql_store  # noqa: F401  (fixtures)
from tests.scheduler.test_escalation import DUE, URL, at, record, rows, tracked
from tests.scheduler.webhook_client import Served, Signer, body_of, event

CURE = "transparency_reporting.annual_report.cure"


def test_a_signed_delivered_event_starts_the_cure_from_delivery(sql_store, tmp_path):
    service, ob = tracked(sql_store, record(escalation={"cure_from": "delivery"}))
    box = OutboxNotifier(tmp_path / "outbox", from_email="n@example.org")
    confirmed_on = DUE + timedelta(8)
    with sql_store.transaction():
        service.confirm_breach(ob.id, on=confirmed_on, reason="no report", now=at(confirmed_on))
    sweep(sql_store, box, now=at(confirmed_on, 10), actor="test", console_url=URL)
    served = rows(sql_store, step="breach_notice")
    (notice,) = [r for r in served if r["recipient_role"] == "obligor"]
    assert sql_store.find_obligations(spec_id=CURE) == []  # sent is not served

    delivered = at(confirmed_on + timedelta(3), 11)
    signer = Signer()
    body = body_of([event(notice["id"], "processed", int(delivered.timestamp()) - 60),
                    event(notice["id"], "delivered", int(delivered.timestamp()))])  # fmt: skip
    with Served(webhook_app(sql_store.engine, signer.public_b64)) as web:
        status, answer = web.post(body, signer.headers(body))
        assert (status, answer["recorded"]) == (200, 2), answer
        again, answer = web.post(body, signer.headers(body))  # SendGrid's retry
        assert (again, answer["duplicates"]) == (200, 2)
    (cure,) = sql_store.find_obligations(spec_id=CURE)
    assert cure.state is LegalState.IN_EFFECT
    assert cure.due == delivered.date() + timedelta(14)  # from delivery, not confirmation
    (row,) = rows(sql_store, id=notice["id"])
    assert (row["delivery"], row["delivered_at"]) == ("delivered", delivered)
