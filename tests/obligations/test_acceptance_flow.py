"""The acceptance flow of /work/shared/acceptance/run, through the service (no CLI).

Drafting is the real one (``parse_answers`` + ``assemble`` over the shipped library), so this
also checks that the library's specs and the engine agree on names and meanings.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from obligations import ObligationService, replay, verify_chain
from tests.obligations.factories import assembled

AT = datetime.fromisoformat("2026-03-13T09:00:00-05:00")


def test_fair_food_style_acceptance(store) -> None:
    """On every store: memory, SQLite and PostgreSQL."""
    agreement = assembled()
    svc = ObligationService(store)
    svc.track(agreement, signed_on=date(2026, 1, 5), now=AT)
    steps = [
        (
            "purchase_recorded",
            "2026-01-07",
            {"supplier": "GROWER-G", "quantity": "250000", "unit": "lb"},
        ),
        ("supplier_suspended", "2026-03-02", {"supplier": "GROWER-H", "reason": "audit"}),
        (
            "purchase_recorded",
            "2026-03-12",
            {"supplier": "GROWER-H", "quantity": "500", "unit": "lb"},
        ),
    ]
    for type, on, fields in steps:
        svc.record_event(agreement.id, type, on=on, fields=fields, now=AT)
    views = [o.to_view(AT) for o in svc.obligations(agreement_id=agreement.id, now=AT)]

    [premium] = [
        v for v in views if v["spec_id"] == "premium.payment" and v["subject"] == "GROWER-G"
    ]
    assert premium["due"] == "2026-02-11"
    assert premium["amount"] == {"value": "2500.00", "currency": "USD"}
    assert premium["timing"] == "overdue" and premium["state"] == "in_effect"

    [cut] = [v for v in views if v["spec_id"] == "sourcing_cutoff.cease_purchases"]
    assert cut["subject"] == "GROWER-H" and cut["due"] == "2026-03-09"
    assert cut["flags"] == ["breach_suspected"]

    # the late purchase also accrues GROWER-H's premium for its week
    [h] = [v for v in views if v["spec_id"] == "premium.payment" and v["subject"] == "GROWER-H"]
    assert Decimal(h["amount"]["value"]) == Decimal("5.00") and h["due"] == "2026-04-15"

    assert verify_chain(store.audit_entries()) == []
    assert replay(store.audit_entries()) == {o.id: o for o in store.find_obligations()}
