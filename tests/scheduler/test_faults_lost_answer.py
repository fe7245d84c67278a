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
