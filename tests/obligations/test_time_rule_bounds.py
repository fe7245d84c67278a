"""The time rules' bounds never hide an instance a rule would change.

The time step asks the store only for the open instances each spec's rules can act on: due
before a bound (``Rule.acts_before``), in the states they change (``time_states``), without the
flags that make them skip (``time_skips``). A bound too tight would make reads and sweeps
silently do less. Here the same step runs with
a lookup that honours the bound and one that ignores it, on the acceptance agreement drafted
through the shipped library (the premium ladder's ``suspect_after_days``, the complaint KPI,
the cut-off's watch), with purchases, complaints and a suspension recorded, at a ``now`` every
few days over the term: the outcomes must be identical.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

from obligations import LegalState, ObligationService, advance
from obligations._advance import AgreementState, ObligationList
from obligations._model import Obligation
from obligations._rulebase import RULES
from obligations.stores import MemoryObligationStore
from tests.obligations.factories import assembled


class Unbounded(ObligationList):
    """Every open instance, whatever bounds the rules give."""

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        return super().open(subject=subject, spec_ids=spec_ids)


class Counting(ObligationList):
    """Honours the bound, and remembers how many instances it handed over."""

    handed: int = 0

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        found = super().open(
            subject=subject,
            spec_ids=spec_ids,
            due_before=due_before,
            states=states,
            without_flags=without_flags,
        )
        self.handed += len(found)
        return found


def _tracked() -> tuple[ObligationService, MemoryObligationStore, str]:
    record = assembled()
    store = MemoryObligationStore()
    svc = ObligationService(store, actor="test")
    svc.track(record, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 15, tzinfo=UTC))
    day = date(2026, 1, 12)
    for week in range(30):
        on = day + timedelta(days=7 * week)
        at = datetime(on.year, on.month, on.day, 18, tzinfo=UTC)
        supplier = "GROWER-G" if week % 3 else "GROWER-H"
        svc.record_event(
            record.id,
            "purchase_recorded",
            on=on,
            fields={"supplier": supplier, "quantity": str(500 + 37 * week), "unit": "lb"},
            now=at,
        )
        if week in (4, 17, 27, 29):
            svc.record_event(
                record.id,
                "complaint_filed",
                on=on,
                fields={"supplier": supplier, "category": "wages"},
                now=at,
            )
        if week == 20:
            svc.record_event(
                record.id, "supplier_suspended", on=on, fields={"supplier": "GROWER-H"}, now=at
            )
    # part-pay two of the late premiums: flags other than the ones the rules skip
    late = datetime(2026, 8, 10, 18, tzinfo=UTC)
    premiums = [
        o
        for o in store.find_obligations(agreement_id=record.id, spec_id="premium.payment")
        if o.amount is not None and o.state is LegalState.IN_EFFECT and o.due_at > late
    ]
    for ob in premiums[:2]:
        assert ob.amount is not None
        half = (ob.amount.value / 2).quantize(ob.amount.value)
        svc.record_event(
            record.id,
            "payment_recorded",
            on=late.date(),
            fields={"obligation": ob.id, "amount": str(half)},
            now=late,
        )
    assert any("partially_paid" in o.flags for o in store.find_obligations(agreement_id=record.id))
    return svc, store, record.id


def test_bounded_and_unbounded_time_steps_are_equal():
    svc, store, agreement_id = _tracked()
    tracked = store.get_agreement(agreement_id)
    record = svc._record(tracked)
    stored = store.find_obligations(agreement_id=agreement_id)
    bounded_rules = [r for r in RULES.values() if r.timed]
    assert {type(r).__name__ for r in bounded_rules} >= {"EscalationRule", "KpiRule"}
    acted = handed = everything = 0
    # the edges where a bound matters: each instance's due instant, just before and after it,
    # and about the ladder's 30 days later; plus a now every few days over the term
    tick = timedelta(microseconds=1)
    edges = {
        o.due_at + delta
        for o in stored
        for delta in (-tick, timedelta(0), tick, timedelta(days=30), timedelta(days=31, hours=1))
    }
    start = datetime(2026, 1, 20, 9, tzinfo=UTC)
    steady = {start + timedelta(days=d, hours=d % 24) for d in range(0, 1100, 7)}
    for now in sorted(edges | steady):
        counting = Counting(stored)
        bounded = advance(AgreementState(agreement=tracked, record=record, lookup=counting), now)
        unbounded = advance(
            AgreementState(agreement=tracked, record=record, lookup=Unbounded(stored)), now
        )
        assert bounded.created == unbounded.created, now
        assert bounded.changed == unbounded.changed, now
        assert bounded.messages == unbounded.messages, now
        assert [e.to_dict() for e in bounded.audit] == [e.to_dict() for e in unbounded.audit]
        acted += len(bounded.on_time.changed)
        handed += counting.handed
        everything += len(Unbounded(stored).open())
    # the comparison means something: the rules acted, and the bound did cut what they read
    assert acted > 0
    assert handed < everything
