"""Monitor determinations: one suspension or reinstatement, recorded on every buyer's agreement.

The monitoring body declares a supplier suspended once (catalogue §6 note 2); each buyer has
its own agreement, with its own cut-off period, and each must stop buying (§5 scenario A:
"sanctions propagate to all buyers, not only B"). Runs on every store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clauses import InputError
from obligations import LegalState, ObligationService, reconcile
from tests.obligations.factories import agreement, cutoff_section, premium_section, spec

CUT = "sourcing_cutoff.cease_purchases"


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def buyers(store, *, second_cutoff_days: int = 14):
    """Two buyers' agreements covering GROWER-G (cut-offs of 7 and 14 days) and a third buyer
    whose agreement covers only GROWER-X."""
    svc = ObligationService(store, actor="monitor")
    one = agreement(premium_section(), cutoff_section(cutoff_days=7), title="Buyer One")
    two = agreement(
        premium_section(), cutoff_section(cutoff_days=second_cutoff_days), title="Buyer Two"
    )
    other = agreement(premium_section(), cutoff_section(), title="Other", suppliers=("GROWER-X",))
    for agr in (one, two, other):
        svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))
    return svc, one.id, two.id, other.id


def cutoffs(store, agreement_id: str):
    return store.find_obligations(agreement_id=agreement_id, spec_id=CUT)


def test_a_suspension_reaches_every_buyer_with_its_own_cutoff(store):
    svc, one, two, other = buyers(store)
    results = svc.record_determination(
        "supplier_suspended",
        supplier="GROWER-G",
        on="2026-03-02",
        fields={"reason": "CAP overdue"},
        now=at("2026-03-02"),
    )
    assert sorted(r.event.agreement_id for r in results) == sorted([one, two])
    by_agreement = {r.event.agreement_id: r for r in results}
    for agreement_id, due in ((one, date(2026, 3, 9)), (two, date(2026, 3, 16))):
        [created] = by_agreement[agreement_id].created
        assert (created.spec_id, created.subject, created.due) == (CUT, "GROWER-G", due)
        assert created.state is LegalState.IN_EFFECT
        assert [o.id for o in cutoffs(store, agreement_id)] == [created.id]
        [event] = store.list_events(agreement_id)
        assert event.payload == {"reason": "CAP overdue", "supplier": "GROWER-G"}
    assert cutoffs(store, other) == [] and store.list_events(other) == []

    # buyer two buys after ITS cut-off (2026-03-16): only its cut-off is suspected
    r = svc.record_event(
        two,
        "purchase_recorded",
        on="2026-03-18",
        fields={"supplier": "GROWER-G", "quantity": "400", "unit": "lb"},
        now=at("2026-03-18"),
    )
    assert any("breach suspected" in m for m in r.messages)
    [cut_two] = cutoffs(store, two)
    [cut_one] = cutoffs(store, one)
    assert "breach_suspected" in cut_two.flags
    assert [b["on"] for b in cut_two.data["breach_events"]] == ["2026-03-18"]
    assert "breach_suspected" not in cut_one.flags

    # the re-entry audit: one reinstatement closes both cut-offs
    results = svc.record_determination(
        "supplier_reinstated",
        supplier="GROWER-G",
        on="2026-04-14",
        fields={},
        now=at("2026-04-14"),
    )
    assert len(results) == 2
    [cut_one] = cutoffs(store, one)
    [cut_two] = cutoffs(store, two)
    assert cut_one.state is LegalState.FULFILLED and cut_one.fulfilled_on == date(2026, 4, 14)
    assert cut_two.state is LegalState.DISCHARGED and "breach_suspected" in cut_two.flags
    assert cut_two.data["reason"] == "supplier reinstated; breach pending confirmation"


def test_a_determination_is_all_or_nothing_across_agreements(store):
    """Buyer two's agreement refuses the suspension (its clause's formula names a variable it
    does not define); buyer one's, recorded first (agreements go in id order), is rolled back."""
    svc = ObligationService(store, actor="monitor")
    one = agreement(premium_section(), cutoff_section(), title="Buyer One")
    broken = cutoff_section()
    broken["obligations"] = [
        *broken["obligations"],
        spec(
            "sourcing_cutoff",
            "penalty",
            kind="payment",
            subject="supplier",
            trigger={"on": "event", "event": "supplier_suspended"},
            days=30,
            formula="undefined_rate * 2",
        ),
    ]
    # agreements are recorded in id order, and ids are content hashes: pick a title for the
    # broken one that sorts after buyer one's, so the rollback really undoes a recorded change
    two = next(
        a
        for n in range(100)
        if (a := agreement(premium_section(), broken, title=f"Buyer Two {n}")).id > one.id
    )
    for agr in (one, two):
        svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))
    assert one.id < two.id
    audit_before = len(store.audit_entries())
    with pytest.raises(InputError, match="undefined_rate"):
        svc.record_determination(
            "supplier_suspended",
            supplier="GROWER-G",
            on="2026-03-02",
            fields={"reason": "audit"},
            now=at("2026-03-02"),
        )
    assert len(store.audit_entries()) == audit_before
    for agr in (one, two):
        assert store.list_events(agr.id) == [] and cutoffs(store, agr.id) == []


def test_ended_agreements_are_passed_by(store):
    svc, one, two, _ = buyers(store)
    svc.terminate(two, on="2026-02-20", reason="buyer left the programme", now=at("2026-02-21"))
    scope = svc.determination_scope("GROWER-G", on="2026-03-02", now=at("2026-03-02"))
    assert [a.id for a in scope.agreements] == [one]
    assert scope.skipped == [(two, f"agreement {two} was terminated on 2026-02-20")]
    results = svc.record_determination(
        "supplier_suspended",
        supplier="GROWER-G",
        on="2026-03-02",
        fields={"reason": "audit"},
        now=at("2026-03-02"),
    )
    assert [r.event.agreement_id for r in results] == [one]
    assert store.list_events(two) == []
    # a determination dated before the termination still reaches it (a late-recorded fact)
    late = svc.record_determination(
        "supplier_suspended",
        supplier="GROWER-H",
        on="2026-02-10",
        fields={"reason": "audit"},
        now=at("2026-03-03"),
    )
    assert sorted(r.event.agreement_id for r in late) == sorted([one, two])
    [closed] = [r for r in late if r.event.agreement_id == two][0].created
    assert closed.state is LegalState.TERMINATED  # it ends with its agreement


def test_bad_determinations_are_refused_and_write_nothing(store):
    svc, one, _, _ = buyers(store)
    before = len(store.audit_entries())
    with pytest.raises(InputError) as exc:
        svc.record_determination(
            "supplier_suspended",
            supplier="GROWER-NOPE",
            on="2026-03-02",
            fields={},
            now=at("2026-03-02"),
        )
    assert str(exc.value.problems[0]) == (
        "supplier: no tracked agreement covers supplier 'GROWER-NOPE'; nothing was recorded"
    )
    with pytest.raises(InputError, match="'purchase_recorded' is not a monitor determination"):
        svc.record_determination(
            "purchase_recorded",
            supplier="GROWER-G",
            on="2026-03-02",
            fields={},
            now=at("2026-03-02"),
        )
    with pytest.raises(InputError) as exc:
        svc.record_determination(
            "supplier_suspended",
            supplier="GROWER-G",
            on="2026-05-01",
            fields={"reason": "audit"},
            now=datetime.fromisoformat("2026-04-20T09:00:00-04:00"),
        )
    assert str(exc.value.problems[0]) == (
        "on: 2026-05-01 is after now (2026-04-20 09:00 -04:00); "
        "record events once they have happened"
    )
    with pytest.raises(InputError, match="contradicts the supplier"):
        svc.record_determination(
            "supplier_suspended",
            supplier="GROWER-G",
            on="2026-03-02",
            fields={"supplier": "GROWER-H", "reason": "x"},
            now=at("2026-03-02"),
        )
    with pytest.raises(InputError, match="unknown field for supplier_suspended"):
        svc.record_determination(
            "supplier_suspended",
            supplier="GROWER-G",
            on="2026-03-02",
            fields={"severity": "major"},
            now=at("2026-03-02"),
        )
    assert len(store.audit_entries()) == before and store.list_events(one) == []


def test_a_buyer_signing_while_a_supplier_is_suspended_is_bound_too(store):
    svc, one, two, _ = buyers(store)
    svc.record_determination(
        "supplier_suspended",
        supplier="GROWER-G",
        on="2026-03-02",
        fields={"reason": "CAP overdue"},
        now=at("2026-03-02"),
    )
    late = agreement(premium_section(), cutoff_section(cutoff_days=10), title="Late Buyer")
    result = svc.track(late, signed_on=date(2026, 4, 1), now=at("2026-04-01"))
    [cut] = cutoffs(store, late.id)
    # bound from its own execution: cut-off = 2026-04-01 + its 10 days
    assert (cut.subject, cut.due, cut.state) == (
        "GROWER-G",
        date(2026, 4, 11),
        LegalState.IN_EFFECT,
    )
    assert result.obligations == 1 and len(result.notes) == 1
    assert "GROWER-G was suspended on 2026-03-02" in result.notes[0]
    [event] = store.list_events(late.id)
    assert event.type == "supplier_suspended" and event.occurred_on == date(2026, 4, 1)
    # recorded on both buyers' agreements: the note names one of them
    assert one in event.payload["reason"] or two in event.payload["reason"]

    # a purchase after its cut-off is suspected like any other buyer's
    r = svc.record_event(
        late.id,
        "purchase_recorded",
        on="2026-04-14",
        fields={"supplier": "GROWER-G", "quantity": "10", "unit": "lb"},
        now=at("2026-04-14"),
    )
    assert any("breach suspected" in m for m in r.messages)

    # after the reinstatement nothing carries over to a buyer signing later still
    svc.record_determination(
        "supplier_reinstated", supplier="GROWER-G", on="2026-04-20", fields={}, now=at("2026-04-20")
    )
    later = agreement(premium_section(), cutoff_section(), title="Later Buyer")
    result = svc.track(later, signed_on=date(2026, 5, 1), now=at("2026-05-01"))
    assert result.notes == [] and cutoffs(store, later.id) == []
    assert store.list_events(later.id) == []
    assert reconcile(store, store.audit_entries()) == []  # every table as the log says
