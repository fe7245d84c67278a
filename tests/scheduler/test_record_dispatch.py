# ruff: noqa: F811  (the store fixtures are imported from tests/obligations)
"""Recording notices in the sweep and the dispatch loop, on real SQLite and PostgreSQL, through
the real notifiers (the outbox folder, and the official SendGrid client against the local stub).
"""

from __future__ import annotations

import email
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from obligations import LegalState, ObligationService, reconcile
from obligations.stores._sqltables import notices
from scheduler import (
    NoticeState,
    SchedulerBusy,
    dispatch,
    message_sha256,
    record_notices,
    single_scheduler,
    sweep,
)
from scheduler._dispatch import FIRST_BACKOFF, claim
from scheduler.notify import OutboxNotifier, SendGridNotifier
from tests.obligations.conftest import pg_engine, sql_store  # noqa: F401  (fixtures)
from tests.obligations.factories import assembled
from tests.scheduler.sendgrid_stub import KEY

NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 1, 5, 9, tzinfo=NY)
URL = "https://console.example/wsr"


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"


def track(store):
    """The shipped Fair Food example, tracked at T0 (its first duties fall due in February)."""
    service = ObligationService(store, actor="test")
    with store.transaction():
        result = service.track(assembled(EXAMPLE), signed_on=date(2026, 1, 5), now=T0)
    return result.agreement_id


def first_reminder_day(store) -> datetime:
    """9:00 local on the day of the earliest 7-day reminder of a duty tracked at T0."""
    obs = store.find_obligations(states={LegalState.IN_EFFECT})
    due = min(o.due for o in obs if o.kind != "prohibition" and o.due >= date(2026, 1, 20))
    day = due - timedelta(7)
    return datetime(day.year, day.month, day.day, 9, tzinfo=NY)


def rows(store, **where):
    q = sa.select(notices).order_by(notices.c.id)
    for k, v in where.items():
        q = q.where(notices.c[k] == v)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def outbox(tmp_path) -> OutboxNotifier:
    return OutboxNotifier(tmp_path / "outbox", from_email="notices@example.org")


def sendgrid(stub, key: str = KEY) -> SendGridNotifier:
    return SendGridNotifier(key, host=stub.url + "/", from_email="notices@example.org")


def test_a_sweep_records_then_sends_and_a_second_sweep_at_the_same_now_sends_nothing(
    sql_store, tmp_path
):
    track(sql_store)
    now = first_reminder_day(sql_store)
    box = outbox(tmp_path)
    done = sweep(sql_store, box, now=now, actor="test", console_url=URL, owner="t1")
    decided = done.notices_json()["decided"]
    assert decided > 0
    assert done.notices_json()["sent"] == decided
    assert done.result.to_json()["counts"]  # the engine's keys are still there
    stored = rows(sql_store)
    assert len(stored) == decided
    assert {r["state"] for r in stored} == {NoticeState.SENT.value}
    assert {r["step"] for r in stored} == {"reminder_7"}
    for r in stored:
        # the outbox file is the message hashed at decision time, byte for byte in its text
        msg = email.message_from_bytes(box.path_of(r["id"]).read_bytes())
        assert msg["X-WSR-SHA256"] == r["sha256"]
        assert msg["Message-ID"] == r["provider_message_id"]
        body = msg.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
        assert body == r["body_text"]
        assert message_sha256(r["recipient"], r["subject"], r["body_text"], None) == r["sha256"]
        assert f"{URL}/obligations/{r['obligation_id']}" in r["body_text"]
        assert "Section " in r["body_text"] and r["provider"] == "outbox"
    files = sorted(p.name for p in box.folder.iterdir())

    again = sweep(sql_store, box, now=now, actor="test", console_url=URL, owner="t1")
    assert again.notices_json()["decided"] == again.notices_json()["sent"] == 0
    assert sorted(p.name for p in box.folder.iterdir()) == files
    assert len(rows(sql_store)) == decided


def test_each_rung_reached_is_an_audit_entry_and_the_log_still_matches_every_table(sql_store):
    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        report = record_notices(sql_store, now=now, actor="test", console_url=URL)
    entries = sql_store.audit_entries()
    decided = [e for e in entries if e.action == "notice_decided"]
    assert len(decided) == report.audit_entries == len({r["obligation_id"] for r in report.rows})
    assert all(e.obligation_id and "reminder_7" in e.reason for e in decided)
    assert reconcile(sql_store, entries) == []


def test_notices_commit_with_the_time_step_or_not_at_all(sql_store, monkeypatch, tmp_path):
    track(sql_store)
    now = first_reminder_day(sql_store)
    before = len(sql_store.audit_entries())

    def broken(*args, **kw):
        raise RuntimeError("template exploded")

    monkeypatch.setattr("scheduler._record.render", broken)
    with pytest.raises(RuntimeError, match="exploded"):
        sweep(sql_store, outbox(tmp_path), now=now, actor="test", console_url=URL)
    assert rows(sql_store) == []
    assert len(sql_store.audit_entries()) == before  # the time step rolled back with them


def test_followers_get_copies_in_their_language(sql_store, tmp_path):
    from scheduler import follow

    aid = track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        assert follow(sql_store, aid, "Staff@Example.org", name="Staff", language="es", now=T0)
        assert not follow(sql_store, aid, "staff@example.org", name=None, language="es", now=T0)
    sweep(sql_store, None, now=now, actor="test", console_url=URL)
    copies = rows(sql_store, recipient="staff@example.org")
    assert copies and {(r["recipient_role"], r["language"]) for r in copies} == {("follower", "es")}
    assert all(r["subject"].startswith("Recordatorio:") for r in copies)
    assert all(r["state"] == NoticeState.PENDING.value for r in copies)  # recorded, not sent


def test_a_crash_after_the_claim_is_reconciled_before_anything_is_resent(sql_store, stub):
    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        record_notices(sql_store, now=now, actor="test", console_url=URL)
    t = datetime(2026, 12, 1, 12, tzinfo=NY)
    batch = claim(sql_store.engine, now=now, owner="crashed", lease=timedelta(minutes=1),
                  limit=100, clock=lambda: t)  # fmt: skip
    assert len(batch) >= 2
    half = batch[: len(batch) // 2]
    sendgrid(stub).send(half, now=now)  # the provider took these, then the process died
    assert {r["state"] for r in rows(sql_store)} == {NoticeState.SENDING.value}

    # another scheduler while the lease still runs: it leaves the in-flight rows alone
    early = dispatch(sql_store.engine, sendgrid(stub), now=now, owner="other",
                     clock=lambda: t + timedelta(seconds=30))  # fmt: skip
    assert (early.reconciled, early.claimed) == (0, 0)

    later = dispatch(sql_store.engine, sendgrid(stub), now=now, owner="restarted",
                     clock=lambda: t + timedelta(minutes=2))  # fmt: skip
    assert later.reconciled_sent == len(half)
    assert later.reconciled_resent == len(batch) - len(half)
    assert later.reconciled == len(batch)
    assert {r["state"] for r in rows(sql_store)} == {NoticeState.SENT.value}
    sent_ids = [a["notice_id"] for a in stub.accepted]
    assert sorted(sent_ids) == sorted(m.notice_id for m in batch)  # each exactly once


def test_a_provider_that_cannot_be_asked_blocks_the_resend(sql_store, tmp_path):
    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        record_notices(sql_store, now=now, actor="test", console_url=URL)
    t = datetime(2026, 12, 1, 12, tzinfo=NY)
    batch = claim(sql_store.engine, now=now, owner="x", lease=timedelta(minutes=1), limit=5,
                  clock=lambda: t)  # fmt: skip
    down = SendGridNotifier(KEY, host="http://127.0.0.1:9/", from_email="n@example.org",
                            timeout=2)  # fmt: skip
    report = dispatch(sql_store.engine, down, now=now, owner="y",
                      clock=lambda: t + timedelta(minutes=5))  # fmt: skip
    assert report.unresolved == len(batch) and report.reconciled == 0
    assert len(rows(sql_store, state=NoticeState.SENDING.value)) == len(batch)


def test_5xx_is_retried_with_backoff_and_sent_when_due(sql_store, stub):
    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        decided = len(record_notices(sql_store, now=now, actor="test", console_url=URL).rows)
    stub.mode({"status": 503})  # down for every request until it is cleared
    first = dispatch(sql_store.engine, sendgrid(stub), now=now, owner="a")
    stub.mode(None)
    assert first.retried == decided and first.sent == 0
    assert first.retries[0]["next_attempt_at"] == (now + FIRST_BACKOFF).isoformat()
    assert {r["attempts"] for r in rows(sql_store)} == {1}
    # not due again yet at the same now: nothing claimed, nothing sent twice
    assert dispatch(sql_store.engine, sendgrid(stub), now=now, owner="a").claimed == 0
    second = dispatch(sql_store.engine, sendgrid(stub), now=now + FIRST_BACKOFF, owner="a")
    assert second.sent == decided
    assert second.http_requests >= 1
    assert len(stub.accepted) == decided


def test_a_bad_key_stops_the_run_with_one_error_and_leaves_the_notices_pending(sql_store, stub):
    track(sql_store)
    now = first_reminder_day(sql_store)
    with sql_store.transaction():
        record_notices(sql_store, now=now, actor="test", console_url=URL)
    report = dispatch(sql_store.engine, sendgrid(stub, key="SG.wrong"), now=now, owner="a",
                      limit=2)  # fmt: skip
    assert report.fatal and report.sent == 0 and report.retried == 0
    assert stub.requests == 1  # no retry storm
    assert {(r["state"], r["attempts"]) for r in rows(sql_store)} == {("pending", 0)}


def test_on_sqlite_a_second_scheduler_is_told_plainly(tmp_path):
    from obligations import open_store

    store = open_store(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        with single_scheduler(store.engine):
            with pytest.raises(SchedulerBusy, match="SQLite allows one scheduler at a time"):
                with single_scheduler(store.engine):
                    pass
        with single_scheduler(store.engine):  # released: the next one may run
            pass
    finally:
        store.engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_claims_skip_rows_another_scheduler_holds(pg_engine):
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
    from tests.obligations.conftest import _empty

    _empty(pg_engine)
    store = SqlAlchemyObligationStore(pg_engine)
    track(store)
    now = first_reminder_day(store)
    with store.transaction():
        total = len(record_notices(store, now=now, actor="test", console_url=URL).rows)
    assert total >= 2
    with pg_engine.connect() as holder:
        tx = holder.begin()
        held = holder.execute(
            sa.select(notices.c.id).order_by(notices.c.template, notices.c.language,
                                             notices.c.id).limit(1).with_for_update()
        ).scalars().all()  # fmt: skip
        # a second scheduler does not wait for the lock: it takes the rows nobody holds
        got = claim(pg_engine, now=now, owner="b", lease=timedelta(minutes=5), limit=total)
        assert {m.notice_id for m in got}.isdisjoint(held)
        assert len(got) == total - len(held)
        tx.rollback()
