"""An answer lost on the way back (SendGrid accepted, the connection broke) is not a retry:
the dispatch loop reconciles it like a crash, so nothing is sent twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler import NoticeState, dispatch, record_notices
from tests.obligations.conftest import pg_engine, sql_store  # noqa: F401  (fixtures)
from tests.scheduler.test_record_dispatch import URL, first_reminder_day, rows, sendgrid, track


def test_a_dropped_answer_is_reconciled_not_resent(sql_store, stub):  # noqa: F811
    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        decided = len(record_notices(sql_store, now=now, actor="test", console_url=URL).rows)
    assert decided >= 2
    stub.script({"drop": True})  # the first request is accepted, its answer never arrives
    first = dispatch(sql_store.engine, sendgrid(stub), now=now, owner="one")
    assert first.unknown > 0 and first.sent == decided - first.unknown
    assert first.retried == 0
    lost = rows(sql_store, state=NoticeState.SENDING.value)
    assert len(lost) == first.unknown
    # the next run (same business time, a moment later) asks the stub before resending
    later = dispatch(
        sql_store.engine, sendgrid(stub), now=now, owner="two",
        clock=lambda: datetime.now().astimezone() + timedelta(seconds=1),
    )  # fmt: skip
    assert later.reconciled_sent == first.unknown and later.reconciled_resent == 0
    assert {r["state"] for r in rows(sql_store)} == {NoticeState.SENT.value}
    accepted = [a["notice_id"] for a in stub.accepted]
    assert len(accepted) == len(set(accepted)) == decided  # each exactly once


def test_webhook_evidence_resolves_an_interrupted_send_when_the_provider_cannot_be_asked(
    sql_store,  # noqa: F811
):
    import json
    from datetime import UTC

    from scheduler import record_request
    from scheduler._dispatch import claim
    from scheduler.notify import SendGridNotifier

    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        record_notices(sql_store, now=now, actor="test", console_url=URL)
    t = datetime(2026, 12, 1, 12, tzinfo=UTC)
    batch = claim(sql_store.engine, now=now, owner="crashed", lease=timedelta(minutes=1),
                  limit=100, clock=lambda: t)  # fmt: skip
    assert len(batch) >= 2
    served = batch[0].notice_id  # the process died; SendGrid's webhook says it was processed
    body = json.dumps([{"event": "processed", "timestamp": int(t.timestamp()),
                        "sg_message_id": "abc123.filter1", "notice_id": served}])  # fmt: skip
    record_request(sql_store.engine, received_at=t, raw_body=body, signature="s",
                   timestamp=str(int(t.timestamp())), refusal=None)  # fmt: skip
    unreachable = SendGridNotifier("SG.x", host="http://127.0.0.1:9", from_email="n@example.org")
    report = dispatch(sql_store.engine, unreachable, now=now, owner="restarted",
                      clock=lambda: t + timedelta(minutes=2))  # fmt: skip
    assert report.reconciled_sent == 1
    assert report.unresolved == len(batch) - 1  # no evidence and nobody to ask: not resent
    (row,) = rows(sql_store, id=served)
    assert (row["state"], row["provider_message_id"]) == (NoticeState.SENT.value, "abc123")
    assert len(rows(sql_store, state=NoticeState.SENDING.value)) == len(batch) - 1
