"""The declared escalation ladder end to end on real SQLite and PostgreSQL: overdue notice →
breach notice → the cure period starting on the notice's DELIVERY (the engine's `escalation`
rule) → powers; and a bounce moving the notice to the party's next notice address."""

# ruff: noqa: F811  (the store fixtures are imported from tests/obligations)
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from clauses import InputError
from clauses._agreement import seal
from clauses._schema import ObligationSpec
from obligations import LegalState, ObligationService, reconcile, verify_chain
from obligations.stores._sqltables import notices
from scheduler import on_bounce, on_delivered, sweep
from scheduler.notify import OutboxNotifier
from tests.obligations.conftest import pg_engine, sql_store  # noqa: F401  (fixtures)
from tests.obligations.factories import agreement, section, spec

NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 1, 5, 9, tzinfo=NY)
DUE = date(2026, 1, 15)  # ten days after execution
URL = "https://console.example"


def report_spec(**escalation) -> dict:
    s = spec(
        "transparency_reporting",
        "annual_report",
        kind="report",
        trigger={"on": "execution"},
        anchor="execution",
        days=10,
        cure={"days": 14, "powers": ["suspend_reporting_party"]},
    )
    if escalation:
        s["escalation"] = escalation
    return s


def record(*, escalation: dict, notice_emails: list[str] | None = None):
    sec = section("2", "transparency_reporting", {}, [report_spec(**escalation)])
    sec["powers"] = [
        {
            "id": "suspend_reporting_party",
            "title": "Suspend the buyer's reporting rights",
            "holder": "worker_organization",
            "against": "buyer",
            "action": "suspend",
            "trigger": "violation:annual_report",
        }
    ]
    rec = agreement(sec)
    if notice_emails is None:
        return rec
    body = rec.model_dump(mode="json")
    body["parties"][0]["notice_emails"] = notice_emails
    body["parties"][0]["language"] = "es"
    return seal(body)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NY)


def tracked(store, rec):
    service = ObligationService(store, actor="test")
    with store.transaction():
        service.track(rec, signed_on=date(2026, 1, 5), now=T0)
    (ob,) = store.find_obligations(spec_id="transparency_reporting.annual_report")
    return service, ob


def rows(store, **where):
    q = sa.select(notices).order_by(notices.c.id)
    for k, v in where.items():
        q = q.where(notices.c[k] == v)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def test_the_keyword_is_validated_where_it_is_declared():
    base = {
        "id": "annual_report",
        "title": "Publish the annual report",
        "kind": "report",
        "obligor": "buyer",
        "beneficiary": "worker_organization",
        "trigger": {"on": "execution"},
        "deadline": {"anchor": "execution", "days": 10},
    }
    with pytest.raises(ValueError, match="needs a `cure`"):
        ObligationSpec.model_validate({**base, "escalation": {"cure_from": "delivery"}})
    with pytest.raises(ValueError, match="overdue_every"):
        ObligationSpec.model_validate({**base, "escalation": {"overdue_every": -1}})
    ok = ObligationSpec.model_validate(
        {**base, "cure": {"days": 14}, "escalation": {"cure_from": "delivery"}}
    )
    assert ok.escalation is not None and ok.escalation.overdue_every == 7


def test_the_cure_runs_from_the_delivery_of_the_breach_notice(sql_store, tmp_path):
    rec = record(escalation={"overdue_every": 7, "cure_from": "delivery"})
    service, ob = tracked(sql_store, rec)
    box = OutboxNotifier(tmp_path / "outbox", from_email="n@example.org")

    week_late = at(DUE + timedelta(7))
    done = sweep(sql_store, box, now=week_late, actor="test", console_url=URL)
    assert {r["step"] for r in rows(sql_store)} == {"overdue_7"}
    assert done.notices_json()["sent"] == 3  # obligor, monitor, beneficiary

    confirmed_on = DUE + timedelta(8)
    with sql_store.transaction():
        service.confirm_breach(ob.id, on=confirmed_on, reason="no report", now=at(confirmed_on))
    # no cure yet: it waits for the notice to reach the buyer
    assert sql_store.find_obligations(spec_id="transparency_reporting.annual_report.cure") == []
    sweep(sql_store, box, now=at(confirmed_on, 10), actor="test", console_url=URL)
    served = rows(sql_store, step="breach_notice")
    assert {r["recipient_role"] for r in served} == {"obligor", "monitor", "beneficiary"}
    assert all(r["state"] == "sent" for r in served)
    assert (
        "cure period of 14 days runs from the day this notice is delivered"
        in (next(r for r in served if r["recipient_role"] == "obligor")["body_text"])
    )

    obligor_copy = next(r for r in served if r["recipient_role"] == "obligor")
    monitor_copy = next(r for r in served if r["recipient_role"] == "monitor")
    delivered = at(confirmed_on + timedelta(3), 11)
    with sql_store.engine.begin() as conn:
        assert on_delivered(conn, monitor_copy["id"], delivered) is None  # not the obligor's
        result = on_delivered(conn, obligor_copy["id"], delivered)
    assert result is not None
    (cure,) = sql_store.find_obligations(spec_id="transparency_reporting.annual_report.cure")
    assert cure.state is LegalState.IN_EFFECT
    assert cure.due == delivered.date() + timedelta(14)  # from delivery, not confirmation
    with sql_store.engine.begin() as conn:  # the same delivery reported again changes nothing
        assert on_delivered(conn, obligor_copy["id"], delivered + timedelta(hours=1)) is None
    assert len(sql_store.find_obligations(spec_id=cure.spec_id)) == 1

    # the cure missed: the escalation notice names the powers, to their holder and the monitor
    sweep(sql_store, box, now=at(cure.due + timedelta(7)), actor="test", console_url=URL)
    escalated = rows(sql_store, step="escalation")
    assert {r["recipient_role"] for r in escalated} == {"holder", "monitor"}
    assert all("Suspend the buyer's reporting rights" in r["body_text"] for r in escalated)

    entries = sql_store.audit_entries()
    actions = [e.action for e in entries]
    assert "notice_decided" in actions and "event_recorded" in actions
    assert reconcile(sql_store, entries) == []
    key = sql_store.audit_key.load()
    assert verify_chain(entries, key=key, legacy_seq=sql_store.audit_head().legacy_seq) == []


def test_without_cure_from_delivery_the_cure_starts_at_confirmation(sql_store):
    rec = record(escalation={"overdue_every": 0})
    service, ob = tracked(sql_store, rec)
    day = DUE + timedelta(2)
    with sql_store.transaction():
        service.confirm_breach(ob.id, on=day, reason="no report", now=at(day))
    (cure,) = sql_store.find_obligations(spec_id="transparency_reporting.annual_report.cure")
    assert cure.due == day + timedelta(14)
    # overdue_every: 0 — no overdue notices, only the due-day one
    sweep(sql_store, None, now=at(DUE + timedelta(9)), actor="test", console_url=URL)
    assert not [r for r in rows(sql_store) if r["step"].startswith("overdue")]


def test_a_delivery_event_cannot_start_a_cure_without_a_confirmed_breach(sql_store):
    rec = record(escalation={"cure_from": "delivery"})
    service, ob = tracked(sql_store, rec)
    with sql_store.transaction(), pytest.raises(InputError, match="no confirmed breach"):
        service.record_event(
            rec.id,
            "breach_notice_delivered",
            on="2026-01-20",
            fields={"obligation": ob.id, "notice": "n-1"},
            now=at(date(2026, 1, 20)),
        )


def test_a_bounce_goes_to_the_next_notice_address_and_tells_the_monitor(sql_store, tmp_path):
    rec = record(escalation={"cure_from": "delivery"}, notice_emails=["Backup@Grocers.example"])
    service, ob = tracked(sql_store, rec)
    box = OutboxNotifier(tmp_path / "outbox", from_email="n@example.org")
    sweep(sql_store, box, now=at(DUE), actor="test", console_url=URL)
    (first,) = rows(sql_store, step="due", recipient="legal@grocers.example")
    assert first["language"] == "es" and first["subject"].startswith("Vence hoy")

    with sql_store.engine.begin() as conn:
        added = on_bounce(conn, first["id"], at(DUE, 10), "550 mailbox unavailable")
    assert len(added) == 2
    (again,) = rows(sql_store, step="due", recipient="backup@grocers.example")
    assert again["state"] == "pending" and again["recipient_role"] == "obligor"
    (told,) = [r for r in rows(sql_store) if r["step"].startswith("bounce_")]
    assert told["recipient"] == "council@standards.example"
    assert "legal@grocers.example" in told["body_text"]
    assert "backup@grocers.example" in told["body_text"]

    # the next sweep sends them; a bounce of the last address tells the monitor it has none
    done = sweep(sql_store, box, now=at(DUE, 12), actor="test", console_url=URL)
    assert done.notices_json()["sent"] == 2
    with sql_store.engine.begin() as conn:
        added = on_bounce(conn, again["id"], at(DUE, 13), "550")
    assert len(added) == 1
    last = [r for r in rows(sql_store) if r["step"].startswith("bounce_")]
    assert any("no other notice address" in r["body_text"] for r in last)
    assert [e.action for e in sql_store.audit_entries()].count("notice_bounced") == 2
    assert reconcile(sql_store, sql_store.audit_entries()) == []
