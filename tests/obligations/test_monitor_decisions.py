"""A monitor's decisions (issue 12): dismissing a suspected breach, attaching evidence without
fulfilling, accepting or rejecting it — and a fulfilment whose evidence is all rejected being
owed again. On every store (memory, SQLite, PostgreSQL): each decision is one audited unit of
work with the actor, and a refusal writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clauses import Conflict, InputError, assemble, load_library, parse_answers
from obligations import (
    EvidenceState,
    Flag,
    LegalState,
    ObligationService,
    Timing,
    reconcile,
    replay,
    verify_chain,
)
from tests.obligations.factories import agreement, cutoff_section, premium_section, term_section

NOW = datetime(2026, 1, 5, 15, tzinfo=UTC)
LATER = datetime(2028, 12, 1, 15, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"


@pytest.fixture
def svc(store):
    return ObligationService(store, actor="monitor@example.org")


def snapshot(store):
    return (
        store.find_obligations(),
        store.audit_entries(),
        [(e.sha256, e.obligation_id) for e in store.all_evidence()],
    )


def suspected(svc, store):
    """A cut-off instance with a suspected breach (a purchase after the cut-off date)."""
    agr = agreement(premium_section(), cutoff_section(cure_days=14))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    t = datetime(2026, 3, 3, 14, tzinfo=UTC)
    [cut] = svc.record_event(
        agr.id, "supplier_suspended", on="2026-03-02", fields={"supplier": "GROWER-H"}, now=t
    ).created
    t = datetime(2026, 3, 13, 14, tzinfo=UTC)
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-03-12",
        fields={"supplier": "GROWER-H", "quantity": "500", "unit": "lb"},
        now=t,
    )
    ob = store.get_obligation(cut.id)
    assert Flag.BREACH_SUSPECTED in ob.flags
    return ob, t


def test_dismissing_a_suspected_breach_clears_the_flag_and_keeps_the_state(svc, store):
    ob, t = suspected(svc, store)
    before = snapshot(store)
    with pytest.raises(InputError, match="reason: say why the suspicion is dismissed"):
        svc.dismiss_breach(ob.id, on="2026-03-13", reason="  ", now=t)
    assert snapshot(store) == before
    after = svc.dismiss_breach(
        ob.id, on="2026-03-13", reason="the purchase order predates the suspension", now=t
    )
    assert after.state is ob.state is LegalState.IN_EFFECT
    assert Flag.BREACH_SUSPECTED not in after.flags
    assert after.data["breach_dismissals"] == [
        {
            "at": t.isoformat(),
            "on": "2026-03-13",
            "reason": "the purchase order predates the suspension",
            "by": "monitor@example.org",
        }
    ]
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.actor, entry.obligation_id) == (
        "breach_dismissed",
        "monitor@example.org",
        ob.id,
    )
    assert entry.reason == "the purchase order predates the suspension"
    assert (
        entry.before["flags"] == sorted(ob.flags) and "breach_suspected" not in entry.after["flags"]
    )
    # nothing left to dismiss, nor (the prohibition not being overdue) to confirm
    before = snapshot(store)
    with pytest.raises(Conflict, match="has no suspected breach to dismiss"):
        svc.dismiss_breach(ob.id, on="2026-03-13", reason="again", now=t)
    with pytest.raises(Conflict, match="has no suspected breach"):
        svc.confirm_breach(ob.id, on="2026-03-13", reason="bought", now=t)
    assert snapshot(store) == before
    assert not verify_chain(store.audit_entries())
    assert replay(store.audit_entries())[ob.id] == store.get_obligation(ob.id)


def test_a_confirmed_breach_is_not_dismissed(svc, store):
    ob, t = suspected(svc, store)
    svc.confirm_breach(ob.id, on="2026-03-13", reason="purchase order 4411", now=t)
    before = snapshot(store)
    with pytest.raises(Conflict, match="was already confirmed"):
        svc.dismiss_breach(ob.id, on="2026-03-13", reason="changed our mind", now=t)
    assert snapshot(store) == before


def test_a_new_purchase_after_a_dismissal_is_suspected_again(svc, store):
    ob, t = suspected(svc, store)
    svc.dismiss_breach(ob.id, on="2026-03-13", reason="not a purchase", now=t)
    t2 = datetime(2026, 3, 20, 14, tzinfo=UTC)
    svc.record_event(
        ob.agreement_id,
        "purchase_recorded",
        on="2026-03-19",
        fields={"supplier": "GROWER-H", "quantity": "10", "unit": "lb"},
        now=t2,
    )
    assert Flag.BREACH_SUSPECTED in store.get_obligation(ob.id).flags


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NY)


def test_the_sweep_does_not_raise_again_a_lateness_a_person_dismissed(store):
    """The shipped premium payment: 30 days late is a material breach (suspect_after_days)."""
    lib = load_library()
    rec = assemble(parse_answers(EXAMPLE, lib), lib)
    svc = ObligationService(store, actor="monitor@example.org")
    svc.track(rec, signed_on=date(2026, 1, 5), now=at(date(2026, 1, 5)))
    svc.record_event(
        rec.id,
        "purchase_recorded",
        on="2026-01-07",
        fields={"supplier": "GROWER-A", "quantity": "200000", "unit": "lb"},
        now=at(date(2026, 1, 7)),
    )
    (ob,) = store.find_obligations(spec_id="premium.payment")
    late = ob.due + timedelta(31)
    svc.sweep(now=at(late))
    assert Flag.BREACH_SUSPECTED in store.get_obligation(ob.id).flags
    svc.dismiss_breach(ob.id, on=late, reason="paid by wire; bank record pending", now=at(late))
    for days in (1, 20):
        svc.sweep(now=at(late + timedelta(days)))
        assert Flag.BREACH_SUSPECTED not in store.get_obligation(ob.id).flags
    assert [o for o in svc.views(now=at(late + timedelta(20)), overdue=True) if o["id"] == ob.id]


def test_evidence_attached_without_fulfilling_then_accepted(svc, store):
    agr = agreement(term_section(opt_out_days=90))
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    [ob] = store.find_obligations(agreement_id=agr.id)
    with pytest.raises(Conflict, match="has no evidence to decide on"):
        svc.decide_evidence(ob.id, accept=True, reason="fine", now=NOW)
    before = snapshot(store)
    with pytest.raises(InputError) as bad:
        svc.add_evidence(ob.id, filename="../x.pdf", content=b"", note="", now=NOW)
    assert [str(p) for p in bad.value.problems] == [
        "filename: give the file's own name (no folders)",
        "file: the file is empty; attach the evidence itself",
    ]
    assert snapshot(store) == before
    after = svc.add_evidence(
        ob.id, filename="letter.pdf", content=b"%PDF-1.4 letter", note="by courier", now=NOW
    )
    assert after.state is LegalState.IN_EFFECT and after.evidence is EvidenceState.SUBMITTED
    [ref] = store.list_evidence(ob.id)
    assert (ref.filename, ref.note, ref.size) == ("letter.pdf", "by courier", 15)
    assert store.evidence_content(ref.sha256) == b"%PDF-1.4 letter"
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.actor) == ("evidence_submitted", "monitor@example.org")
    [piece] = svc.evidence(ob.id)
    assert (piece.number, piece.state, piece.decision) == (1, EvidenceState.SUBMITTED, None)
    with pytest.raises(InputError, match="piece: .* has no piece 2 of evidence; it has pieces 1"):
        svc.decide_evidence(ob.id, accept=True, reason="ok", piece=2, now=NOW)
    accepted = svc.decide_evidence(ob.id, accept=True, reason="signed and dated", now=NOW)
    assert accepted.state is LegalState.IN_EFFECT and accepted.evidence is EvidenceState.ACCEPTED
    [piece] = svc.evidence(ob.id)
    assert piece.decision is not None
    assert (piece.decision.state, piece.decision.reason, piece.decision.by) == (
        EvidenceState.ACCEPTED,
        "signed and dated",
        "monitor@example.org",
    )
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.reason) == ("evidence_accepted", "accepted: signed and dated")
    with pytest.raises(Conflict, match="no evidence on .* awaits a decision"):
        svc.decide_evidence(ob.id, accept=False, reason="no", now=NOW)
    with pytest.raises(Conflict, match="piece 1 of .* was already accepted by monitor@"):
        svc.decide_evidence(ob.id, accept=False, reason="no", piece=1, now=NOW)


def fulfilled_late(svc, store):
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
    assert done.state is LegalState.FULFILLED and done.late and done.data["days_late"] == 3
    return done


def test_a_fulfilment_whose_only_evidence_is_rejected_is_owed_again(svc, store):
    done = fulfilled_late(svc, store)
    reopened = svc.decide_evidence(
        done.id, accept=False, reason="the courier receipt is for another address", now=LATER
    )
    assert reopened.state is LegalState.IN_EFFECT
    assert reopened.evidence is EvidenceState.REJECTED
    assert reopened.fulfilled_on is None and not reopened.late
    assert Flag.LATE not in reopened.flags and "days_late" not in reopened.data
    assert reopened.timing(LATER) is Timing.OVERDUE
    [kept] = reopened.data["reopened"]
    assert kept["fulfilled_on"] == "2028-10-09" and kept["days_late"] == 3 and kept["late"]
    assert kept["rejected"] == "the courier receipt is for another address"
    assert kept["note"] == "sent by courier" and kept["by"] == "monitor@example.org"
    rejected, moved = store.audit_entries()[-2:]
    assert (rejected.action, moved.action) == ("evidence_rejected", "reopened")
    assert moved.before["state"] == "fulfilled" and moved.after["state"] == "in_effect"
    assert moved.actor == "monitor@example.org"
    # it is listed as overdue again, and a new record of performance may be made
    assert [v["id"] for v in svc.views(now=LATER, overdue=True)] == [done.id]
    again = svc.fulfil(done.id, on="2028-11-02", evidence=None, note="re-sent", now=LATER)
    assert again.state is LegalState.FULFILLED and again.data["days_late"] == 27
    assert not verify_chain(store.audit_entries())
    assert replay(store.audit_entries())[done.id] == store.get_obligation(done.id)


def test_a_fulfilment_with_evidence_still_standing_stays_fulfilled(svc, store):
    done = fulfilled_late(svc, store)
    svc.add_evidence(
        done.id, filename="receipt.png", content=b"\x89PNG receipt", note="", now=LATER
    )
    assert store.get_obligation(done.id).evidence is EvidenceState.SUBMITTED
    kept = svc.decide_evidence(done.id, accept=False, reason="unsigned", piece=1, now=LATER)
    assert kept.state is LegalState.FULFILLED and kept.evidence is EvidenceState.SUBMITTED
    kept = svc.decide_evidence(done.id, accept=True, reason="the receipt shows it", now=LATER)
    assert kept.state is LegalState.FULFILLED and kept.evidence is EvidenceState.ACCEPTED
    assert [p.state for p in svc.evidence(done.id)] == [
        EvidenceState.REJECTED,
        EvidenceState.ACCEPTED,
    ]


def test_a_reopened_duty_that_had_accrued_survives_the_agreements_end(svc, store):
    """Reopened on a terminated agreement, a duty due before the termination had accrued:
    it stays owed, as the agreement's end leaves every accrued duty (``close_ended``)."""
    done = fulfilled_late(svc, store)
    svc.terminate(done.agreement_id, on="2028-11-01", reason="ended by agreement", now=LATER)
    after = svc.decide_evidence(done.id, accept=False, reason="forged", now=LATER)
    assert after.state is LegalState.IN_EFFECT
    assert [e.action for e in store.audit_entries()[-2:]] == ["evidence_rejected", "reopened"]
    assert store.get_obligation(done.id) == after


def test_every_decision_reconciles_with_the_log(sql_store):
    svc = ObligationService(sql_store, actor="monitor@example.org")
    done = fulfilled_late(svc, sql_store)
    svc.decide_evidence(done.id, accept=False, reason="forged", now=LATER)
    svc.add_evidence(done.id, filename="new.pdf", content=b"new", note="", now=LATER)
    svc.decide_evidence(done.id, accept=True, reason="genuine", now=LATER)
    assert reconcile(sql_store, sql_store.audit_entries()) == []
