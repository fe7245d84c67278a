"""Random event sequences through the service: the log stays the record, final states stay put.

Whatever order purchases, suspensions, reinstatements, payments and payrolls arrive in, and
whether each is valid or refused:
- a refused event changes nothing (one transaction per call);
- the audit chain verifies and replaying it rebuilds exactly the stored obligations;
- an obligation that reached a final state is never changed again;
- an open payment obligation has never been paid in full.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauses import EngineError
from obligations import FINAL, ObligationService, replay, verify_chain
from obligations.stores import MemoryObligationStore
from tests.obligations.factories import fair_food

AGREEMENT = fair_food()
START = date(2026, 1, 5)
NOW = datetime(2026, 12, 31, tzinfo=UTC)
SUPPLIERS = st.sampled_from(["GROWER-G", "GROWER-H", "NOBODY"])
DAYS = st.integers(-3, 120)

steps = st.one_of(
    st.tuples(st.just("purchase"), SUPPLIERS, DAYS, st.sampled_from(["100", "2500.5", "-1"])),
    st.tuples(st.just("suspend"), SUPPLIERS, DAYS, st.just("")),
    st.tuples(st.just("reinstate"), SUPPLIERS, DAYS, st.just("")),
    st.tuples(st.just("pay"), st.integers(0, 5), DAYS, st.sampled_from(["1.00", "2500", "0.001"])),
    st.tuples(st.just("payroll"), SUPPLIERS, DAYS, st.sampled_from(["1", "100000"])),
)


def apply(svc: ObligationService, step: tuple) -> None:
    kind, who, offset, value = step
    on = (START + timedelta(days=offset)).isoformat()
    if kind == "purchase":
        fields = {"supplier": who, "quantity": value, "unit": "lb"}
        svc.record_event(AGREEMENT.id, "purchase_recorded", on=on, fields=fields, now=NOW)
    elif kind == "suspend":
        svc.record_event(
            AGREEMENT.id, "supplier_suspended", on=on, fields={"supplier": who}, now=NOW
        )
    elif kind == "reinstate":
        svc.record_event(
            AGREEMENT.id, "supplier_reinstated", on=on, fields={"supplier": who}, now=NOW
        )
    elif kind == "pay":
        payable = [o for o in svc.store.find_obligations() if o.kind == "payment"]
        target = payable[who % len(payable)].id if payable else "ob-none"
        fields = {"obligation": target, "amount": value}
        svc.record_event(AGREEMENT.id, "payment_recorded", on=on, fields=fields, now=NOW)
    else:
        fields = {"supplier": who, "pay_date": on, "premium_paid": value}
        svc.record_event(AGREEMENT.id, "payroll_recorded", on=on, fields=fields, now=NOW)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, max_size=14))
def test_random_event_sequences_keep_the_invariants(sequence):
    store = MemoryObligationStore()
    svc = ObligationService(store, actor="property")
    svc.track(AGREEMENT, signed_on=START, now=datetime(2026, 1, 5, 15, tzinfo=UTC))
    finals: dict[str, object] = {}
    for step in sequence:
        before = (store.find_obligations(), store.audit_entries(), store.list_events(AGREEMENT.id))
        try:
            apply(svc, step)
        except EngineError:
            after = (
                store.find_obligations(),
                store.audit_entries(),
                store.list_events(AGREEMENT.id),
            )
            assert after == before
        for ob in store.find_obligations():
            if ob.id in finals:
                assert ob == finals[ob.id]
            elif ob.state in FINAL:
                finals[ob.id] = ob
            if ob.kind == "payment" and ob.amount is not None and ob.state not in FINAL:
                assert ob.paid < ob.amount.value
    entries = store.audit_entries()
    assert verify_chain(entries) == []
    assert replay(entries) == {o.id: o for o in store.find_obligations()}
