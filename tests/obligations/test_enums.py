"""States, kinds and audit actions are enums; every action the engine writes is one."""

from __future__ import annotations

from datetime import date

from clauses import ObligationKind
from obligations import AuditAction, ObligationService
from obligations.stores import MemoryObligationStore
from tests.obligations.factories import fair_food
from tests.obligations.test_scenarios import at


def test_every_audit_action_written_in_a_season_is_an_audit_action() -> None:
    store = MemoryObligationStore()
    svc = ObligationService(store, actor="t")
    agr = fair_food()
    svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))

    def ev(type: str, on: str, **fields: str):
        return svc.record_event(agr.id, type, on=on, fields=fields, now=at(on))

    ev("purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="100", unit="lb")
    ev("purchase_recorded", "2026-01-08", supplier="GROWER-G", quantity="100", unit="lb")
    [pay] = store.find_obligations(agreement_id=agr.id, spec_id="premium.payment")
    ev("payment_recorded", "2026-01-20", obligation=pay.id, amount="1.00")
    ev("payment_recorded", "2026-01-21", obligation=pay.id, amount="1.00")
    ev(
        "payroll_recorded",
        "2026-01-22",
        supplier="GROWER-G",
        pay_date="2026-01-22",
        premium_paid="0.50",
    )
    ev("supplier_suspended", "2026-03-02", supplier="GROWER-G")
    ev("purchase_recorded", "2026-03-12", supplier="GROWER-G", quantity="1", unit="lb")
    [cut] = store.find_obligations(agreement_id=agr.id, spec_id="sourcing_cutoff.cease_purchases")
    ev("supplier_reinstated", "2026-04-14", supplier="GROWER-G")
    svc.confirm_breach(cut.id, on="2026-04-15", reason="bought", now=at("2026-04-15"))
    svc.terminate(agr.id, on="2026-05-01", reason="ended", now=at("2026-05-01"))
    actions = {e.action for e in store.audit_entries()}
    assert actions <= {a.value for a in AuditAction}
    assert {"accrued", "payment_recorded", "pass_through_shortfall", "breach_suspected"} <= actions
    assert {"breach_confirmed", "agreement_terminated", "event_recorded"} <= actions
    kinds = {o.kind for o in store.find_obligations(agreement_id=agr.id)}
    assert kinds <= set(ObligationKind)
