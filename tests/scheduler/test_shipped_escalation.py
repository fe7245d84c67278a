"""The escalation ladder the SHIPPED library declares, end to end on real SQLite and PostgreSQL:
a premium payment overdue → breach suspected → confirmed → the breach notice sent through the
outbox → its delivery → the cure, due termination's ``cure_days`` after that delivery → the
cure missed → the powers the termination clause gives; each rung an audit entry."""

# ruff: noqa: F811  (the store fixtures are imported from tests/obligations)
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clauses import assemble, load_library, parse_answers
from obligations import Flag, LegalState, ObligationService, reconcile, verify_chain
from obligations.stores._sqltables import notices
from scheduler import on_delivered, sweep
from scheduler.notify import OutboxNotifier
from tests.obligations.conftest import pg_engine, sql_store  # noqa: F401  (fixtures)

NY = ZoneInfo("America/New_York")
URL = "https://console.example"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
SPEC = "premium.payment"


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NY)


def notice_rows(store, step: str) -> list[dict]:
    q = sa.select(notices).where(notices.c.step == step).order_by(notices.c.id)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def test_an_unpaid_premium_climbs_the_declared_ladder_to_the_termination_powers(
    sql_store, tmp_path
):
    lib = load_library()
    rec = assemble(parse_answers(EXAMPLE, lib), lib)
    cure_days = next(s for s in rec.sections if s.clause_id == "termination").variables["cure_days"]
    bound = next(s for sec in rec.sections for s in sec.obligations if s.id == SPEC)
    assert bound.cure is not None and bound.cure.days == cure_days  # bound from termination
    assert bound.escalation is not None and bound.escalation.cure_from == "delivery"

    service = ObligationService(sql_store, actor="test")
    signed = date(2026, 1, 5)
    with sql_store.transaction():
        service.track(rec, signed_on=signed, now=at(signed))
    service.record_event(
        rec.id,
        "purchase_recorded",
        on="2026-01-07",
        fields={"supplier": "GROWER-A", "quantity": "200000", "unit": "lb"},
        now=at(date(2026, 1, 7)),
    )
    (ob,) = sql_store.find_obligations(spec_id=SPEC)
    box = OutboxNotifier(tmp_path / "outbox", from_email="n@example.org")

    # overdue: overdue notices, but no breach until the text's thirty days have passed
    sweep(sql_store, box, now=at(ob.due + timedelta(7)), actor="test", console_url=URL)
    assert notice_rows(sql_store, "overdue_7")
    (ob,) = sql_store.find_obligations(spec_id=SPEC)
    assert Flag.BREACH_SUSPECTED not in ob.flags
    late = ob.due + timedelta(31)
    sweep(sql_store, box, now=at(late), actor="test", console_url=URL)
    (ob,) = sql_store.find_obligations(spec_id=SPEC)
    assert Flag.BREACH_SUSPECTED in ob.flags

    # confirmed: no cure yet (it runs from delivery), and no termination power yet
    confirmed_on = late + timedelta(1)
    after = service.confirm_breach(
        ob.id, on=confirmed_on, reason="premium unpaid", now=at(confirmed_on)
    )
    assert after.state is LegalState.VIOLATED
    assert not [p for p in after.data.get("available_powers", []) if "uncured" in p["id"]]
    assert sql_store.find_obligations(spec_id=f"{SPEC}.cure") == []

    # the breach notice goes out through the outbox, to the buyer among others
    sweep(sql_store, box, now=at(confirmed_on, 10), actor="test", console_url=URL)
    served = notice_rows(sql_store, "breach_notice")
    obligor_copy = next(r for r in served if r["recipient_role"] == "obligor")
    assert obligor_copy["state"] == "sent"
    assert list((tmp_path / "outbox").rglob("*.eml"))

    # delivered three days later: the cure is due cure_days after the DELIVERY
    delivered = at(confirmed_on + timedelta(3), 11)
    with sql_store.engine.begin() as conn:
        assert on_delivered(conn, obligor_copy["id"], delivered) is not None
    (cure,) = sql_store.find_obligations(spec_id=f"{SPEC}.cure")
    assert cure.due == delivered.date() + timedelta(cure_days)
    assert cure.state is LegalState.IN_EFFECT

    # the cure missed, then confirmed: the powers the termination clause gives become available
    missed = cure.due + timedelta(2)
    sweep(sql_store, box, now=at(missed), actor="test", console_url=URL)
    (cure,) = sql_store.find_obligations(spec_id=f"{SPEC}.cure")
    assert cure.state is LegalState.IN_EFFECT and cure.due < missed
    cured_not = service.confirm_breach(
        cure.id, on=missed, reason="still unpaid after the cure period", now=at(missed, 10)
    )
    powers = {p["id"].split("/")[-1]: p for p in cured_not.data["available_powers"]}
    assert set(powers) == {"terminate_for_uncured_payment", "enforce_uncured_payment"}
    assert {p["state"] for p in powers.values()} == {"available"}

    entries = sql_store.audit_entries()
    actions = [e.action for e in entries]
    for rung in ("breach_suspected", "violated", "notice_decided", "event_recorded"):
        assert rung in actions, rung

    def rungs(ob_id: str) -> list[str]:
        return [e.action for e in entries if e.obligation_id == ob_id and e.action != "activated"]

    # the ladder in order: overdue notices, suspected at thirty days, confirmed, breach notice
    ladder = rungs(ob.id)
    assert ladder.index("notice_decided") < ladder.index("breach_suspected")
    assert ladder.index("breach_suspected") < ladder.index("violated")
    assert ladder[-1] == "notice_decided"  # the breach notice, decided after the confirmation
    assert rungs(cure.id)[0] == "created" and "violated" in rungs(cure.id)
    assert reconcile(sql_store, entries) == []
    key = sql_store.audit_key.load()
    assert verify_chain(entries, key=key, legacy_seq=sql_store.audit_head().legacy_seq) == []
