"""The service: one transaction per call, decisions by people, queries, horizon, audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clauses import Conflict, InputError, InvalidTransition, NotFound
from obligations import AgreementStatus, LegalState, ObligationService, replay, verify_chain
from tests.obligations.factories import (
    agreement,
    cutoff_section,
    fair_food,
    fees_section,
    premium_section,
    reporting_section,
    term_section,
)

NOW = datetime(2026, 1, 5, 15, tzinfo=UTC)
#: after every event and decision the tests date (events may not be dated after now)
LATER = datetime(2028, 12, 1, 15, tzinfo=UTC)


@pytest.fixture
def svc(store):
    return ObligationService(store, actor="tester")


def snapshot(store):
    return (
        store.list_agreements(),
        store.find_obligations(),
        store.audit_entries(),
        [e for a in store.list_agreements() for e in store.list_events(a.id)],
    )


def test_track_records_the_agreement_and_refuses_twice(svc, store):
    agr = agreement(term_section())
    result = svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    assert (result.agreement_id, result.obligations) == (agr.id, 1)
    tracked = store.get_agreement(agr.id)
    assert tracked.status is AgreementStatus.ACTIVE and tracked.term_end == date(2029, 1, 4)
    assert tracked.record_json == agr.to_json()
    before = snapshot(store)
    with pytest.raises(Conflict) as exc:
        svc.track(agr, signed_on=date(2026, 1, 6), now=NOW)
    assert str(exc.value.problems[0]) == (
        f"agreement: agreement {agr.id} is already tracked (since 2026-01-05T15:00:00+00:00); "
        "nothing changed"
    )
    assert snapshot(store) == before
    actions = [e.action for e in store.audit_entries()]
    assert actions == ["agreement_tracked", "created", "activated"]
    assert store.audit_entries()[0].actor == "tester"


def test_track_before_the_effective_date_is_executed_status(svc, store):
    agr = fair_food(effective_date=date(2026, 2, 1))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    assert store.get_agreement(agr.id).status is AgreementStatus.EXECUTED
    [a] = svc.agreements(now=datetime(2026, 2, 1, 12, tzinfo=UTC))
    assert a.status is AgreementStatus.ACTIVE
    # the read only showed it; the sweep records it
    assert store.audit_entries()[-1].action != "agreement_status"
    svc.sweep(now=datetime(2026, 2, 1, 12, tzinfo=UTC))
    assert store.get_agreement(agr.id) == a
    assert store.audit_entries()[-1].action == "agreement_status"
    assert store.audit_entries()[-1].reason == "executed → active"
    assert store.audit_entries()[-1].actor == "sweep"


def test_naive_now_is_refused(svc):
    with pytest.raises(InputError, match="now: .* has no UTC offset"):
        svc.track(fair_food(), signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5))


def test_a_failing_event_writes_nothing(svc, store):
    agr = agreement(fees_section(boundary=None))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    before = snapshot(store)
    with pytest.raises(InputError) as exc:
        svc.record_event(
            agr.id,
            "volume_declared",
            on="2026-01-15",
            fields={"year": "2025", "amount": "100000000"},
            now=LATER,
        )
    assert str(exc.value.problems[0]) == (
        "clauses.monitoring_fees.boundary: the value 100000000 falls on the tier boundary "
        "100000000; set boundary to lower_inclusive or upper_inclusive"
    )
    assert snapshot(store) == before
    with pytest.raises(NotFound, match="no agreement with the id 'agr-nope'"):
        svc.record_event("agr-nope", "dispute_notice", on="2026-01-15", fields={}, now=NOW)


def test_fulfil_with_evidence_and_lateness(svc, store):
    agr = agreement(term_section(opt_out_days=90))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    [ob] = store.find_obligations(agreement_id=agr.id)
    done = svc.fulfil(
        ob.id,
        on="2028-10-09",
        evidence=("notice.pdf", b"%PDF-1.4 notice"),
        note="sent by courier",
        now=LATER,
    )
    assert done.state is LegalState.FULFILLED and done.late and "late" in done.flags
    assert done.evidence.value == "submitted" and done.data["days_late"] == 3
    [ref] = store.list_evidence(ob.id)
    assert (
        ref.filename == "notice.pdf"
        and ref.size == 15
        and done.data["evidence"][0]["sha256"] == ref.sha256
    )
    before = snapshot(store)
    with pytest.raises(InvalidTransition, match="is fulfilled; it cannot be fulfilled"):
        svc.fulfil(ob.id, on=date(2028, 10, 9), evidence=("again.pdf", b"x"), note="", now=LATER)
    assert snapshot(store) == before and len(store.list_evidence(ob.id)) == 1
    with pytest.raises(NotFound, match="no obligation with the id 'ob-nope'"):
        svc.fulfil("ob-nope", on=date(2028, 10, 9), evidence=None, note="", now=LATER)


def test_fulfil_on_time_without_evidence(svc, store):
    agr = agreement(term_section(opt_out_days=90))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    [ob] = store.find_obligations(agreement_id=agr.id)
    done = svc.fulfil(ob.id, on=date(2028, 10, 6), evidence=None, note="", now=LATER)
    assert (
        not done.late and done.evidence.value == "none" and done.fulfilled_on == date(2028, 10, 6)
    )
    with pytest.raises(InputError, match="on: 2025-12-31 is before the agreement was executed"):
        svc.fulfil(ob.id, on="2025-12-31", evidence=None, note="", now=LATER)


def test_confirm_breach_needs_a_suspicion_then_creates_the_cure(svc, store):
    agr = agreement(premium_section(), cutoff_section(cure_days=14))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    t = datetime(2026, 3, 3, 14, tzinfo=UTC)
    [cut] = svc.record_event(
        agr.id, "supplier_suspended", on="2026-03-02", fields={"supplier": "GROWER-H"}, now=t
    ).created
    with pytest.raises(Conflict, match="has no suspected breach and it is not overdue"):
        svc.confirm_breach(cut.id, on="2026-03-03", reason="bought anyway", now=t)
    t = datetime(2026, 3, 13, 14, tzinfo=UTC)
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-03-12",
        fields={"supplier": "GROWER-H", "quantity": "500", "unit": "lb"},
        now=t,
    )
    with pytest.raises(InputError, match="reason: a breach needs a reason"):
        svc.confirm_breach(cut.id, on="2026-03-13", reason=" ", now=t)
    violated = svc.confirm_breach(
        cut.id, on="2026-03-13", reason="purchase order 4411 confirmed", now=t
    )
    assert violated.state is LegalState.VIOLATED and "breach_suspected" in violated.flags
    [cure] = store.find_obligations(
        agreement_id=agr.id, spec_id="sourcing_cutoff.cease_purchases.cure"
    )
    assert cure.due == date(2026, 3, 27) and cure.subject == "GROWER-H" and cure.key == cut.id
    assert cure.data == {"cure_of": cut.id, "powers": ["arbitrate_purchase"]}
    assert store.audit_entries()[-3].action == "violated"
    assert store.audit_entries()[-3].reason == "purchase order 4411 confirmed"


def test_waive_needs_a_reason_and_discharges(svc, store):
    agr = agreement(term_section())
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    [ob] = store.find_obligations()
    with pytest.raises(InputError, match="reason: a waiver needs a reason"):
        svc.waive(ob.id, reason="", now=NOW)
    done = svc.waive(ob.id, reason="renewal agreed early", now=NOW)
    assert (
        done.state is LegalState.DISCHARGED
        and done.data["reason"] == "waived: renewal agreed early"
    )


def test_due_within_and_overdue(svc, store):
    agr = agreement(reporting_section(every="monthly", days=10))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    # January's report is due 2026-02-10 (end of that day in New York = 02-11 05:00 UTC)
    now = datetime(2026, 2, 5, 12, tzinfo=UTC)
    assert [o.due for o in svc.due_within(now=now, days=7)] == [date(2026, 2, 10)]
    assert svc.overdue(now=now) == []
    late = datetime(2026, 2, 11, 5, tzinfo=UTC)
    assert [o.due for o in svc.overdue(now=late)] == [date(2026, 2, 10)]
    assert svc.due_within(now=late, days=0) == []
    assert len(svc.overdue(now=datetime(2026, 6, 1, tzinfo=UTC), limit=2)) == 2
    with pytest.raises(InputError):
        svc.due_within(now=now, days=-1)


def test_queries_extend_the_horizon_idempotently(svc, store):
    agr = agreement(reporting_section(every="monthly", days=10))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    first = len(store.find_obligations())
    assert first == 13  # Jan … Dec 2026 are due by 2027-02-09; Jan 2027's (02-10) is the next
    later = NOW + timedelta(days=365)
    obs = svc.obligations(agreement_id=agr.id, now=later)
    assert len(obs) == 25
    assert len(svc.obligations(agreement_id=None, now=later)) == 25
    assert len({o.key for o in obs}) == 25
    # two years without a query: every missing month appears, none twice
    far = NOW + timedelta(days=1100)
    assert (
        len(svc.obligations(agreement_id=agr.id, now=far)) == 37
    )  # every month the term touches, Jan 2026 … Jan 2029


def test_audit_log_verifies_and_replays_to_the_stored_state(svc, store):
    agr = fair_food()
    svc.track(agr, signed_on=date(2026, 1, 5), now=LATER)
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-01-07",
        fields={"supplier": "GROWER-G", "quantity": "9", "unit": "lb"},
        now=LATER,
    )
    svc.record_event(
        agr.id, "supplier_suspended", on="2026-03-02", fields={"supplier": "GROWER-H"}, now=LATER
    )
    entries = store.audit_entries()
    assert verify_chain(entries) == []
    assert replay(entries) == {o.id: o for o in store.find_obligations()}
    assert [e.action for e in entries if e.obligation_id is None] == [
        "agreement_tracked",
        "event_recorded",
        "event_recorded",
    ]


def test_a_breach_pending_confirmation_after_reinstatement_can_still_be_confirmed(svc, store):
    agr = agreement(premium_section(), cutoff_section(cure_days=14))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    t = datetime(2026, 4, 20, 14, tzinfo=UTC)
    fields = {"supplier": "GROWER-H"}
    [cut] = svc.record_event(
        agr.id, "supplier_suspended", on="2026-03-02", fields=fields, now=t
    ).created
    # a prohibition past its cut-off date is not a breach by itself
    with pytest.raises(Conflict, match="has no suspected breach"):
        svc.confirm_breach(cut.id, on="2026-03-20", reason="time passed", now=t)
    purchase = {"supplier": "GROWER-H", "quantity": "500", "unit": "lb"}
    svc.record_event(agr.id, "purchase_recorded", on="2026-03-12", fields=purchase, now=t)
    svc.record_event(agr.id, "supplier_reinstated", on="2026-04-14", fields=fields, now=t)
    assert store.get_obligation(cut.id).state is LegalState.DISCHARGED
    confirmed = svc.confirm_breach(cut.id, on="2026-04-20", reason="PO 4411 verified", now=t)
    assert confirmed.state is LegalState.DISCHARGED  # final states absorb
    assert {"breach_suspected", "breach_confirmed"} <= confirmed.flags
    assert confirmed.data["powers"] == ["arbitrate_purchase"]
    [cure] = store.find_obligations(spec_id="sourcing_cutoff.cease_purchases.cure")
    assert cure.due == date(2026, 5, 4)
    assert store.audit_entries()[-3].action == "breach_confirmed"
