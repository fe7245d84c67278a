"""What the shipped library declares is what the engine does (issue 7 §2).

Each agreement here is drafted through the real clause library (``assemble``), so these are
the library's own semantics: the three behaviours the old shape-guessing rules got wrong
(an overdue order-reduction fulfilled by reinstatement, a retaliation watch nothing could
break, a KPI that could be confirmed in breach), the watch that closes when its end passes,
and the missed KPI flagged ``kpi_missed``. ``on_time`` is tested directly: it is the pure
hook the sweep applies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from clauses import Agreement, Conflict, InputError, NotFound, assemble, load_library, parse_answers
from obligations import LegalState, ObligationService, Timing
from obligations._context import AgreementContext
from obligations._rules import ListLookup, on_time
from obligations.stores import MemoryObligationStore

LIB = load_library()


def drafted(clauses: dict[str, dict[str, Any]]) -> Agreement:
    answers = {
        "agreement": {
            "title": "Declared semantics",
            "effective_date": "2026-01-05",
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
        "suppliers": [{"id": s, "name": f"{s} Ltd", "country": "US"} for s in ("SUP-1", "SUP-2")],
        "clauses": clauses,
    }
    return assemble(parse_answers(answers, LIB), LIB)


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


class Tracked:
    def __init__(self, agr: Agreement) -> None:
        self.agr = agr
        self.store = MemoryObligationStore()
        self.svc = ObligationService(self.store, actor="monitor")
        self.svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))

    def event(self, type: str, on: str, **fields: str):
        return self.svc.record_event(self.agr.id, type, on=on, fields=fields, now=at(on))

    def one(self, spec: str):
        [ob] = self.store.find_obligations(agreement_id=self.agr.id, spec_id=spec)
        return ob

    def time(self, now: datetime):
        """Apply ``on_time`` at ``now`` and store its outcome (what a sweep does)."""
        ctx = AgreementContext(
            agreement=self.agr, signed_on=date(2026, 1, 5), term_end=date(2029, 1, 4)
        )
        lookup = ListLookup(self.store.find_obligations(agreement_id=self.agr.id))
        outcome = on_time(ctx, lookup, now=now)
        with self.store.transaction():
            self.store.update_obligations(outcome.changed)
            self.store.append_audit(outcome.audit)
        return outcome


# -- 1. an overdue order reduction is still owed after reinstatement ---------------------------


def reduction() -> Tracked:
    return Tracked(drafted({"sourcing_cutoff": {"alternative": "order_reduction"}}))


def test_an_overdue_order_reduction_without_evidence_stays_owed_when_the_supplier_returns():
    t = reduction()
    t.event("supplier_suspended", "2026-03-02", supplier="SUP-1", reason="audit")
    ob = t.one("sourcing_cutoff.reduce_orders")
    assert ob.due == date(2026, 4, 1)  # 30 days to evidence the reduction
    r = t.event("supplier_reinstated", "2026-04-14", supplier="SUP-1")
    after = t.one("sourcing_cutoff.reduce_orders")
    # not fulfilled: the evidence was due on 2026-04-01 and never came
    assert after.state is LegalState.IN_EFFECT and after.timing(at("2026-04-14")) is Timing.OVERDUE
    assert any("stays open" in m and "still owed" in m for m in r.messages)
    done = t.svc.fulfil(after.id, on="2026-04-20", evidence=None, note="", now=at("2026-04-20"))
    assert done.state is LegalState.FULFILLED and done.late and "late" in done.flags


def test_an_order_reduction_not_yet_due_ends_with_the_reinstatement():
    t = reduction()
    t.event("supplier_suspended", "2026-03-02", supplier="SUP-1", reason="audit")
    t.event("supplier_reinstated", "2026-03-20", supplier="SUP-1")
    ob = t.one("sourcing_cutoff.reduce_orders")
    assert ob.state is LegalState.DISCHARGED and not ob.late
    assert ob.data["reason"] == "supplier_reinstated on 2026-03-20: the duty ended"


# -- 2. the retaliation watch can be broken, and its power exercised -----------------------------


def watch() -> Tracked:
    return Tracked(drafted({"non_retaliation": {"alternative": "standard", "watch_months": 12}}))


def test_a_retaliation_finding_in_the_watch_is_a_suspected_breach_with_its_power():
    t = watch()
    r = t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    ob = t.one("non_retaliation.no_retaliation")
    # declared separately: in force from the complaint, until the end of the twelve months
    assert (ob.due, ob.period_start, ob.period_end) == (
        date(2026, 4, 6),
        date(2026, 4, 6),
        date(2027, 4, 6),
    )
    assert "in force from 2026-04-06, in force until 2027-04-06" in r.messages[0]
    r = t.event("retaliation_found", "2026-06-01", supplier="SUP-1", text="dismissed")
    ob = t.one("non_retaliation.no_retaliation")
    assert "breach_suspected" in ob.flags and ob.data["breach_events"][0]["on"] == "2026-06-01"
    # the finding also starts the reinstatement the clause text requires (7 days)
    assert t.one("non_retaliation.reinstate_worker").due == date(2026, 6, 8)
    confirmed = t.svc.confirm_breach(ob.id, on="2026-06-03", reason="found", now=at("2026-06-03"))
    assert confirmed.state is LegalState.VIOLATED
    assert confirmed.data["powers"] == ["suspend_for_retaliation"]


def test_a_finding_about_another_supplier_breaks_nothing():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    t.event("retaliation_found", "2026-06-01", supplier="SUP-2")
    assert "breach_suspected" not in t.one("non_retaliation.no_retaliation").flags


def test_the_watch_closes_when_its_end_passes_fulfilled_if_unbroken():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    # the last day in force is 2027-04-06: nothing happens on it, the watch closes after it
    assert t.time(at("2027-04-06", 12)).changed == []
    out = t.time(at("2027-04-07", 12))
    [closed] = out.changed
    assert closed.state is LegalState.FULFILLED and closed.fulfilled_on == date(2027, 4, 6)
    assert [e.action for e in out.audit] == ["fulfilled"]
    assert t.time(at("2027-04-08")).changed == []  # idempotent


def test_a_broken_watch_closes_with_its_suspicion_kept_and_can_still_be_confirmed():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    t.event("retaliation_found", "2026-06-01", supplier="SUP-1")
    [closed] = t.time(at("2027-05-01")).changed
    assert closed.state is LegalState.DISCHARGED and "breach_suspected" in closed.flags
    assert closed.data["reason"] == "the watch ended on 2027-04-06; breach pending confirmation"
    confirmed = t.svc.confirm_breach(
        closed.id, on="2027-05-02", reason="found", now=at("2027-05-02")
    )
    assert "breach_confirmed" in confirmed.flags
    assert confirmed.data["powers"] == ["suspend_for_retaliation"]


def test_a_finding_after_the_watch_ended_breaks_nothing():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    t.event("retaliation_found", "2027-04-10", supplier="SUP-1")
    assert "breach_suspected" not in t.one("non_retaliation.no_retaliation").flags


# -- 3. a KPI is never a breach ------------------------------------------------------------------


def kpi() -> Tracked:
    t = Tracked(drafted({"complaint_mechanism": {"alternative": "standard"}}))
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    return t


def test_a_missed_kpi_is_flagged_kpi_missed_never_breach_suspected():
    t = kpi()
    target = t.one("complaint_mechanism.resolution_kpi")
    assert target.kpi and target.due == date(2026, 4, 20)
    assert t.time(at("2026-04-20", 12)).changed == []  # the target day has not ended
    out = t.time(at("2026-04-22"))
    missed = next(o for o in out.changed if o.spec_id == target.spec_id)
    assert "kpi_missed" in missed.flags and "breach_suspected" not in missed.flags
    assert missed.state is LegalState.IN_EFFECT  # still open: it can be resolved late
    assert "kpi_missed" in [e.action for e in out.audit]
    assert all(o.spec_id == target.spec_id for o in out.changed)  # the investigation: no flag
    assert t.time(at("2026-04-23")).changed == []  # flagged once


def test_confirming_a_breach_of_a_kpi_is_refused_and_names_it():
    t = kpi()
    target = t.one("complaint_mechanism.resolution_kpi")
    before = len(t.store.audit_entries())
    with pytest.raises(Conflict, match=r"complaint_mechanism\.resolution_kpi\) is a KPI"):
        t.svc.confirm_breach(target.id, on="2026-05-04", reason="late", now=at("2026-05-04"))
    assert len(t.store.audit_entries()) == before
    assert t.one("complaint_mechanism.resolution_kpi").state is LegalState.IN_EFFECT
    # the contractual investigation beside it can be confirmed once overdue
    inv = t.one("complaint_mechanism.investigation")
    done = t.svc.confirm_breach(inv.id, on="2026-05-04", reason="late", now=at("2026-05-04"))
    assert done.state is LegalState.VIOLATED


# -- what a spec does not declare, the engine does not do ----------------------------------------


def test_a_prohibition_is_not_fulfilled_by_a_person_it_has_no_settlement():
    t = Tracked(drafted({"sourcing_cutoff": {"alternative": "standard"}}))
    t.event("supplier_suspended", "2026-03-02", supplier="SUP-1", reason="audit")
    cut = t.one("sourcing_cutoff.cease_purchases")
    with pytest.raises(Conflict, match="is not settled by a person's record of performance"):
        t.svc.fulfil(cut.id, on="2026-03-20", evidence=None, note="", now=at("2026-03-20"))


# -- 4. powers are tracked: available → exercised ------------------------------------------------


def test_a_confirmed_breach_makes_its_power_available_until_a_person_exercises_it():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    t.event("retaliation_found", "2026-06-01", supplier="SUP-1")
    ob = t.one("non_retaliation.no_retaliation")
    assert ob.to_view(at("2026-06-01"))["powers"] == []  # suspected is not confirmed
    t.svc.confirm_breach(ob.id, on="2026-06-03", reason="found", now=at("2026-06-03"))
    [power] = t.one("non_retaliation.no_retaliation").to_view(at("2026-06-03"))["powers"]
    assert power == {
        "id": f"{ob.id}/suspend_for_retaliation",
        "power": "suspend_for_retaliation",
        "title": "Suspend a Covered Supplier that has retaliated",
        "holder": "monitor",
        "against": "supplier",
        "action": "suspend",
        "state": "available",
        "available_on": "2026-06-03",
        "exercised_on": None,
        "exercised_by": None,
        "reason": None,
    }
    with pytest.raises(InputError, match="before the power became available"):
        t.svc.exercise_power(power["id"], on="2026-06-02", reason="x", now=at("2026-06-05"))
    with pytest.raises(InputError, match="--reason"):
        t.svc.exercise_power(power["id"], on="2026-06-05", reason=" ", now=at("2026-06-05"))
    done = t.svc.exercise_power(
        power["id"], on="2026-06-05", reason="supplier suspended", now=at("2026-06-05")
    )
    [power] = done.to_view(at("2026-06-05"))["powers"]
    assert (power["state"], power["exercised_on"], power["exercised_by"]) == (
        "exercised",
        "2026-06-05",
        "monitor",
    )
    entry = t.store.audit_entries()[-1]
    assert entry.action == "power_exercised" and entry.obligation_id == ob.id
    assert "supplier suspended" in entry.reason
    assert entry.before is not None and entry.after is not None
    with pytest.raises(Conflict, match="already exercised on 2026-06-05 by monitor"):
        t.svc.exercise_power(power["id"], on="2026-06-06", reason="again", now=at("2026-06-06"))
    with pytest.raises(NotFound, match="no power with the id"):
        t.svc.exercise_power(
            f"{ob.id}/terminate", on="2026-06-06", reason="x", now=at("2026-06-06")
        )
    with pytest.raises(InputError, match="is not a power id"):
        t.svc.exercise_power("suspend", on="2026-06-06", reason="x", now=at("2026-06-06"))


def test_an_uncured_breach_makes_the_powers_its_cure_names_available():
    t = Tracked(drafted({"complaint_mechanism": {"alternative": "standard"}}))
    t.event("remedy_directed", "2026-05-04", supplier="SUP-1", remedy="reinstate")
    remedy = t.one("complaint_mechanism.implement_remedy")
    done = t.svc.confirm_breach(remedy.id, on="2026-05-20", reason="late", now=at("2026-05-20"))
    assert [p["power"] for p in done.to_view(at("2026-05-20"))["powers"]] == [
        "suspend_for_unremedied_violation"
    ]


def test_a_finding_about_one_complainant_breaks_only_that_complainants_watch():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="c", complainant_ref="W-1")
    t.event("complaint_filed", "2026-04-07", supplier="SUP-1", category="c", complainant_ref="W-2")
    t.event("retaliation_found", "2026-06-01", supplier="SUP-1", complainant_ref="W-2")

    def flagged() -> dict[str, bool]:
        return {
            o.data["trigger_fields"]["complainant_ref"]: "breach_suspected" in o.flags
            for o in t.store.find_obligations(spec_id="non_retaliation.no_retaliation")
        }

    assert flagged() == {"W-1": False, "W-2": True}
    # a finding that names nobody concerns every watch at the supplier
    t.event("retaliation_found", "2026-06-02", supplier="SUP-1")
    assert flagged() == {"W-1": True, "W-2": True}


# -- the time rules through the service: a read shows them, the sweep writes them ----------------


def test_reads_show_what_the_time_rules_do_and_the_sweep_writes_it():
    t = watch()
    t.event("complaint_filed", "2026-04-06", supplier="SUP-1", category="harassment")
    later = at("2027-04-08")
    before = len(t.store.audit_entries())
    [shown] = t.svc.obligations(agreement_id=t.agr.id, now=later)
    assert shown.state is LegalState.FULFILLED  # the watch ended unbroken: as a sweep would say
    assert t.one("non_retaliation.no_retaliation").state is LegalState.IN_EFFECT  # not written
    assert len(t.store.audit_entries()) == before
    t.svc.sweep(now=later)
    assert t.one("non_retaliation.no_retaliation").state is LegalState.FULFILLED
    actions = [e.action for e in t.store.audit_entries()[before:]]
    assert "fulfilled" in actions
    t.svc.sweep(now=later)  # idempotent
    assert [e.action for e in t.store.audit_entries()[before:]] == actions


def test_a_sweep_flags_a_missed_kpi():
    t = kpi()
    t.svc.sweep(now=at("2026-04-22"))
    target = t.one("complaint_mechanism.resolution_kpi")
    assert "kpi_missed" in target.flags and "breach_suspected" not in target.flags
    assert "kpi_missed" not in t.one("complaint_mechanism.investigation").flags
