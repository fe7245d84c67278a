"""MemoryObligationStore specifics: copy-on-transaction rollback and nested units of work."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clauses import Conflict, NotFound
from obligations import AuditEntry, TrackedAgreement
from obligations.stores import MemoryObligationStore

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def tracked(i: str = "agr-1") -> TrackedAgreement:
    return TrackedAgreement(
        id=i,
        title="T",
        timezone="UTC",
        currency="USD",
        signed_on=date(2026, 1, 5),
        effective_date=date(2026, 1, 5),
        term_end=date(2029, 1, 5),
        status="active",
        record_json="{}",
        created_at=T0,
    )


def test_a_failed_transaction_leaves_nothing_even_when_nested():
    store = MemoryObligationStore()
    store.add_agreement(tracked("agr-0"))
    with pytest.raises(RuntimeError), store.transaction():
        store.add_agreement(tracked("agr-1"))
        with store.transaction():  # joins the outer unit of work
            store.append_audit([AuditEntry(agreement_id="agr-1", at=T0, actor="t", action="x")])
        raise RuntimeError("boom")
    assert [a.id for a in store.list_agreements()] == ["agr-0"]
    assert store.audit_entries() == []


def test_inner_failure_caught_outside_still_rolls_back_everything():
    store = MemoryObligationStore()
    with pytest.raises(Conflict), store.transaction():
        store.add_agreement(tracked("agr-1"))
        store.add_agreement(tracked("agr-1"))
    assert store.list_agreements() == []


def test_evidence_is_content_addressed():
    store = MemoryObligationStore()
    with pytest.raises(NotFound):
        store.put_evidence(b"x", filename="f", obligation_id="ob-x", note="", submitted_at=T0)
    with pytest.raises(NotFound):
        store.evidence_content("00")
