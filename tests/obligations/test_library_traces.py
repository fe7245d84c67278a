"""Run every trace scenario in the clause library (``tests:`` in each YAML) through the engine.

Each trace is assembled into an agreement through the real library (``parse_answers`` +
``assemble``) with only its own clause chosen, tracked on ``signed_on``, fed its events, and
compared with its expectations at ``now``. An event field ``obligation: <spec id>`` names the
earliest open instance of that spec (the trace cannot know generated ids).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from clauses import assemble, load_library, parse_answers
from clauses._schema import ClauseDef, TraceTest
from obligations import OPEN, ObligationService, reconcile
from obligations.stores import MemoryObligationStore

LIB = load_library()
TRACES = [(c, t) for c in LIB.clauses.values() for t in c.tests]


def answers(clause: ClauseDef, trace: TraceTest) -> dict[str, Any]:
    suppliers = {"SUP-1", "SUP-2"} | {
        str(e.set["supplier"]) for e in trace.events if "supplier" in e.set
    }
    return {
        "agreement": {
            "title": f"Trace: {trace.name}",
            "effective_date": trace.signed_on,
            "timezone": "America/New_York",
            "currency": "USD",
            "governing_law": "State of Florida",
        },
        "parties": [
            {
                "role": r,
                "name": f"Example {r}",
                "address": "1 Main St",
                "email": f"{r}@example.org",
                "signatory": "A. Signer",
            }
            for r in ("buyer", "worker_organization", "monitor")
        ],
        "suppliers": [{"id": s, "name": f"{s} Ltd", "country": "US"} for s in sorted(suppliers)],
        "clauses": {clause.id: {"alternative": "standard", **trace.variables}},
    }


def resolve(svc: ObligationService, agreement_id: str, fields: dict[str, Any]) -> dict[str, str]:
    out = {k: str(v) for k, v in fields.items()}
    ref = out.get("obligation")
    if ref is not None and not ref.startswith("ob-"):
        open_ = svc.store.find_obligations(agreement_id=agreement_id, spec_id=ref, states=OPEN)
        assert open_, f"trace names {ref} but no instance is open"
        out["obligation"] = open_[0].id
    return out


@pytest.mark.parametrize(("clause", "trace"), TRACES, ids=[f"{c.id}:{t.name}" for c, t in TRACES])
def test_library_trace(clause: ClauseDef, trace: TraceTest) -> None:
    agreement = assemble(parse_answers(answers(clause, trace), LIB), LIB)
    now = datetime.fromisoformat(trace.now)
    svc = ObligationService(MemoryObligationStore(), actor="trace")
    svc.track(agreement, signed_on=date.fromisoformat(trace.signed_on), now=now)
    for ev in trace.events:
        svc.record_event(
            agreement.id, ev.type, on=ev.on, fields=resolve(svc, agreement.id, ev.set), now=now
        )
    obs = svc.obligations(agreement_id=agreement.id, now=now)
    for exp in trace.expect:
        found = [
            o
            for o in obs
            if o.spec_id == exp.spec and (exp.subject is None or o.subject == exp.subject)
        ]
        if exp.count is not None:
            assert len(found) == exp.count, f"{exp.spec}: {len(found)} instances"
            if exp.count == 0:
                continue  # the trace says the spec must not fire
        assert found, f"no instance of {exp.spec}"
        ob = found[0]
        if exp.due is not None:
            assert ob.due.isoformat() == exp.due
        if exp.amount is not None:
            assert ob.amount is not None and ob.amount.value == Decimal(exp.amount)
        if exp.state is not None:
            assert ob.state.value == exp.state
        if exp.timing is not None:
            timing = ob.timing(now)
            assert timing is not None and timing.value == exp.timing
        if exp.flags is not None:
            assert set(exp.flags) <= ob.flags
        if exp.not_flags is not None:
            assert not set(exp.not_flags) & ob.flags
        if exp.ends is not None:
            assert ob.period_end is not None and ob.period_end.isoformat() == exp.ends
    # the audit log rebuilds every table exactly: `wsr audit verify` finds no difference
    assert reconcile(svc.store, svc.store.audit_entries()) == []


def test_every_clause_with_obligations_has_traces_run_here() -> None:
    with_specs = {c.id for c in LIB.clauses.values() if c.obligations}
    traced = {c.id for c, _ in TRACES}
    assert len(TRACES) >= 10
    assert with_specs - traced == set()
