"""The time step and the sweep: pure ``advance``, one writer, idempotent, the log in time order,
write commands acting on the state a listing showed, and what-ifs that write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clauses import InputError
from obligations import (
    AgreementStatus,
    Hypothetical,
    LegalState,
    ObligationService,
    advance,
    obligation_id,
    verify_chain,
)
from obligations._advance import AgreementState, ObligationList
from tests.obligations.dump import dump
from tests.obligations.factories import (
    agreement,
    cutoff_section,
    fair_food,
    premium_section,
    reporting_section,
    term_section,
)

T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)
LATE = datetime(2031, 6, 1, 12, tzinfo=UTC)


def renewing():
    return agreement(
        premium_section(),
        cutoff_section(),
        reporting_section(every="monthly", days=10),
        term_section(months=12, auto_renew=True, renewal_months=12, opt_out_days=30),
    )


@pytest.fixture
def svc(store):
    return ObligationService(store, actor="tester")


def test_advance_is_pure_and_deterministic(svc, store):
    agr = renewing()
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    tracked = store.get_agreement(agr.id)
    state = AgreementState(
        agreement=tracked,
        record=agr,
        lookup=ObligationList(store.find_obligations(agreement_id=agr.id)),
    )
    before = dump(store)
    first, second = advance(state, LATE), advance(state, LATE)
    assert dump(store) == before
    assert first == second
    assert first.agreement.term_end == date(2032, 1, 4) and first.agreement_changed
    assert first.audit[0].action == "agreement_status" and first.audit[0].actor == "sweep"
    assert first.on_time.created == [] and first.on_time.changed == []
    # ids are those of the natural key: (agreement, spec, subject, period start)
    for ob in first.created:
        assert ob.id == obligation_id(agr.id, ob.spec_id, ob.subject, ob.key)
        assert ob.state is LegalState.IN_EFFECT and ob.created_at == LATE


def test_sweep_applies_once_and_says_when_nothing_changed(svc, store):
    agr = renewing()
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    shown = svc.obligations(agreement_id=None, now=LATE)
    first = svc.sweep(now=LATE)
    assert first.changed_anything
    counts = first.counts()
    assert counts["agreements_changed"] == 1 and counts["obligations_created"] > 0
    assert counts["audit_entries"] == 1 + 2 * counts["obligations_created"]
    assert store.find_obligations() == shown
    doc = first.to_json()
    assert doc["agreements"][0]["term_end"] == {"before": "2027-01-04", "after": "2032-01-04"}
    assert len(doc["created"]) == counts["obligations_created"]
    after = dump(store)
    again = svc.sweep(now=LATE)
    assert not again.changed_anything and again.counts()["audit_entries"] == 0
    assert again.to_json()["changed_anything"] is False
    assert dump(store) == after
    assert verify_chain(store.audit_entries()) == []


def test_sweep_expires_and_closes_what_does_not_survive(svc, store):
    agr = agreement(cutoff_section(), term_section(months=12, opt_out_days=30))
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    svc.record_event(
        agr.id,
        "supplier_suspended",
        on="2026-06-01",
        fields={"supplier": "GROWER-G"},
        now=datetime(2026, 6, 1, 18, tzinfo=UTC),
    )
    result = svc.sweep(now=datetime(2027, 2, 1, tzinfo=UTC))
    assert [a.after.status for a in result.agreements] == [AgreementStatus.EXPIRED]
    [cut] = [o for o in result.changed if o.spec_id == "sourcing_cutoff.cease_purchases"]
    assert cut.state is LegalState.DISCHARGED
    assert store.get_agreement(agr.id).status is AgreementStatus.EXPIRED


def test_a_write_before_the_newest_audit_entry_is_refused(svc, store):
    agr = agreement(premium_section(), reporting_section(every="monthly", days=10))
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    assert svc.sweep(now=datetime(2026, 6, 1, tzinfo=UTC)).changed_anything
    before = dump(store)
    with pytest.raises(InputError, match="now: .* the log already has entries up to 2026-06-01"):
        svc.record_event(
            agr.id,
            "purchase_recorded",
            on="2026-03-01",
            fields={"supplier": "GROWER-G", "quantity": "10", "unit": "lb"},
            now=datetime(2026, 3, 2, tzinfo=UTC),
        )
    with pytest.raises(InputError, match="now: "):
        svc.sweep(now=datetime(2026, 5, 31, tzinfo=UTC))
    assert dump(store) == before
    # the same fact reported at a later now is recorded (facts may be reported late)
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-03-01",
        fields={"supplier": "GROWER-G", "quantity": "10", "unit": "lb"},
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    times = [e.at for e in store.audit_entries()]
    assert times == sorted(times)


def test_a_payment_can_be_recorded_against_an_instance_a_listing_showed(svc, store):
    agr = agreement(reporting_section(every="monthly", days=10))
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    now = datetime(2027, 6, 20, tzinfo=UTC)
    shown = svc.obligations(agreement_id=agr.id, now=now)
    unstored = [o for o in shown if o.id not in {s.id for s in store.find_obligations()}]
    assert unstored, "the listing at a later now shows instances no sweep has stored yet"
    target = unstored[0]
    done = svc.fulfil(target.id, on=date(2027, 6, 19), evidence=None, note="filed", now=now)
    assert done.id == target.id and done.state is LegalState.FULFILLED
    # the command applied the time step first, attributed to the sweep
    actors = {e.actor for e in store.audit_entries() if e.action == "created" and e.at == now}
    assert actors == {"sweep"}
    stored = store.get_obligation(target.id)
    assert stored == done


def test_whatif_writes_nothing_and_shows_the_differences(svc, store):
    agr = fair_food()
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    now = datetime(2026, 3, 13, 14, tzinfo=UTC)
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-03-10",
        fields={"supplier": "GROWER-G", "quantity": "1000", "unit": "lb"},
        now=now,
    )
    before = dump(store)
    today = svc.obligations(agreement_id=agr.id, now=now)
    result = svc.whatif(
        agr.id,
        now=now,
        events=[
            Hypothetical(
                type="supplier_suspended", on="2026-03-02", fields={"supplier": "GROWER-G"}
            ),
            Hypothetical(
                type="purchase_recorded",
                on="2026-03-12",
                fields={"supplier": "GROWER-G", "quantity": "500", "unit": "lb"},
            ),
        ],
    )
    assert dump(store) == before
    created = {o.spec_id for o in result.created}
    assert "sourcing_cutoff.cease_purchases" in created
    [cut] = [o for o in result.obligations if o.spec_id == "sourcing_cutoff.cease_purchases"]
    assert "breach_suspected" in cut.flags  # bought on 03-12, after the cut-off of 03-09
    [accrued] = [c for c in result.changed if c.after.spec_id == "premium.payment"]
    assert set(accrued.fields) == {"amount"}
    assert accrued.fields["amount"][0] == {"value": "10.00", "currency": "USD"}
    assert accrued.fields["amount"][1] == {"value": "15.00", "currency": "USD"}
    assert {o.id for o in today} <= {o.id for o in result.obligations}
    doc = result.to_json()
    assert [e["type"] for e in doc["events"]] == ["supplier_suspended", "purchase_recorded"]
    assert len(doc["differences"]["changed"]) == len(result.changed)


def test_whatif_refuses_bad_input_the_way_an_event_does(svc, store):
    agr = fair_food()
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    now = datetime(2026, 3, 13, 14, tzinfo=UTC)
    bad = {"supplier": "NOBODY", "quantity": "x", "unit": "lb"}
    with pytest.raises(InputError) as as_event:
        svc.record_event(agr.id, "purchase_recorded", on="2026-03-12", fields=bad, now=now)
    before = dump(store)
    with pytest.raises(InputError) as as_whatif:
        svc.whatif(
            agr.id,
            now=now,
            events=[Hypothetical(type="purchase_recorded", on="2026-03-12", fields=bad)],
        )
    assert [str(p) for p in as_whatif.value.problems] == [str(p) for p in as_event.value.problems]
    assert dump(store) == before


def test_reads_do_not_queue_behind_a_writer(sql_store):
    """A read takes no write lock: it finishes while another connection holds the writers'
    lock (SQLite's RESERVED lock from BEGIN IMMEDIATE; PostgreSQL's units-of-work lock)."""
    import threading

    from obligations.stores import sqlalchemy as sql

    svc = ObligationService(sql_store, actor="tester")
    agr = renewing()
    svc.track(agr, signed_on=date(2026, 1, 5), now=T0)
    raw = sql_store.engine.raw_connection()
    try:
        cur = raw.cursor()
        if sql_store.engine.dialect.name == "sqlite":
            raw.driver_connection.isolation_level = None
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (sql._UNIT_OF_WORK_LOCK,))
        got: list[object] = []
        reader = threading.Thread(
            target=lambda: got.append(svc.obligations(agreement_id=None, now=LATE))
        )
        reader.start()
        reader.join(timeout=8)
        assert not reader.is_alive(), "the read waited for the writer"
        assert got and got[0]
        raw.rollback()
    finally:
        raw.close()


def test_a_write_inside_a_read_is_refused(store):
    svc = ObligationService(store, actor="tester")
    with store.read(), pytest.raises(RuntimeError, match="reads never write"):
        svc.track(fair_food(), signed_on=date(2026, 1, 5), now=T0)
    assert store.list_agreements() == []
