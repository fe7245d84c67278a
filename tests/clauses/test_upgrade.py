"""Agreement records drafted before the declared semantics (schema_version 1) still read:
their specs are upgraded to what the engine of the time inferred from their shape. New
drafts and ``seal`` accept only the current version."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest
from pydantic import ValidationError

from clauses import SCHEMA_VERSION, Agreement
from clauses._agreement import seal
from obligations import LegalState, ObligationService
from obligations.stores import MemoryObligationStore
from tests.obligations.factories import fair_food

NEW_KEYS = ("accrue", "settled_by", "ends_on", "violated_by", "ends")


def as_v1(agr: Agreement) -> dict[str, Any]:
    """The record as the version-1 drafter wrote it: the semantics only in the spec's shape."""
    body = json.loads(agr.to_json())
    body["schema_version"] = 1
    for section in body["sections"]:
        for spec in section["obligations"]:
            trigger = spec["trigger"]
            trigger.update({"accrue": None, "period": None, "until": None})
            if spec["accrue"]:
                trigger.update({"accrue": "per_period", "period": spec["accrue"]["per"]})
            if spec["ends_on"]:
                trigger["until"] = spec["ends_on"][0]["event"]
            for key in NEW_KEYS:
                spec.pop(key)
    return body


def test_a_version_1_record_reads_with_the_semantics_it_had() -> None:
    current = fair_food()
    old = Agreement.from_json(json.dumps(as_v1(current)))
    assert old.schema_version == SCHEMA_VERSION == 2
    assert (old.id, old.content_hash) == (current.id, current.content_hash)
    by_id = {s.id: s for s in current.specs}
    for spec in old.specs:
        want = by_id[spec.id]
        assert spec.accrue == want.accrue, spec.id
        assert spec.violated_by == want.violated_by, spec.id
        assert [h.by for h in spec.settled_by] == [h.by for h in want.settled_by], spec.id
        assert [(e.event, e.outcome, e.if_suspected) for e in spec.ends_on] == [
            (e.event, e.outcome, e.if_suspected) for e in want.ends_on
        ], spec.id


def test_a_tracked_version_1_record_keeps_working() -> None:
    store = MemoryObligationStore()
    agr = fair_food()
    ObligationService(store).track(agr, signed_on=date(2026, 1, 5), now=_at("2026-01-05"))
    tracked = store.get_agreement(agr.id)
    with store.transaction():
        store.update_agreement(attrs.evolve(tracked, record_json=json.dumps(as_v1(agr))))
    svc = ObligationService(store)  # a fresh service reads the stored (old) record

    def ev(type: str, on: str, **fields: str) -> Any:
        return svc.record_event(agr.id, type, on=on, fields=fields, now=_at(on))

    ev("purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="250000", unit="lb")
    [pay] = store.find_obligations(agreement_id=agr.id, spec_id="premium.payment")
    assert pay.amount is not None and str(pay.amount.value) == "2500.00"
    ev("supplier_suspended", "2026-03-02", supplier="GROWER-H")
    ev("purchase_recorded", "2026-03-12", supplier="GROWER-H", quantity="1", unit="lb")
    [cut] = store.find_obligations(agreement_id=agr.id, spec_id="sourcing_cutoff.cease_purchases")
    assert "breach_suspected" in cut.flags
    ev("supplier_reinstated", "2026-04-14", supplier="GROWER-H")
    assert store.get_obligation(cut.id).state is LegalState.DISCHARGED


def test_sealing_refuses_a_version_1_body() -> None:
    body = as_v1(fair_food())
    with pytest.raises(ValidationError, match="schema_version 1.*`wsr draft`"):
        seal(body)


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
