"""The catalogue's §5 scenarios A–E as executable traces: events in → obligations out, exact.

Each test's docstring says what is modelled and what is not. Agreements are built with
``factories`` (specs named as in the shipped library), stores are real, and the
service is driven exactly as the CLI drives it. Each runs on every store (``store`` fixture).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from clauses import InputError
from obligations import LegalState, ObligationService, Timing
from tests.obligations.factories import (
    agreement,
    complaints_section,
    cutoff_section,
    fair_food,
    fees_section,
    findings_section,
    premium_section,
    support_section,
)


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


class Trace:
    """A tracked agreement on a real store (memory, SQLite, PostgreSQL) and its events."""

    def __init__(self, store, agr, signed_on: str = "2026-01-05") -> None:
        self.store = store
        self.svc = ObligationService(self.store, actor="scenario")
        self.id = agr.id
        self.svc.track(agr, signed_on=date.fromisoformat(signed_on), now=at(signed_on))

    def event(self, type: str, on: str, **fields: str):
        return self.svc.record_event(self.id, type, on=on, fields=fields, now=at(on))

    def one(self, spec: str, subject: str | None = None):
        found = [
            o
            for o in self.store.find_obligations(agreement_id=self.id, spec_id=spec)
            if subject is None or o.subject == subject
        ]
        assert len(found) == 1, f"{spec}/{subject}: {len(found)} instances"
        return found[0]


def money(ob) -> Decimal:
    assert ob.amount is not None
    return ob.amount.value


def test_scenario_a_premium_pass_through_shortfall_and_suspension(store):
    """A — Fair Food Program: weekly premium, pass-through shortfall, suspension.

    Modelled: 1¢/lb on 250,000 lb in the week of 2026-01-05 → 2,500.00 due 2026-02-11 (the
    week's end + 31 days); paid on time on 2026-01-23 → the workers' 97% share (2,425.00) is due
    on the payroll of Fri 2026-01-30; that payroll carries 1,900.00 → pass_through_shortfall of
    525.00 flagged the same day; the audit of 2026-02-10 opens a corrective-action item due
    2026-02-25, overdue when nothing happens; suspension on 2026-03-02 + 7 days → cease
    purchases due 2026-03-09; a purchase on 2026-03-05 (before the cut-off) is allowed, one on
    2026-03-12 raises breach_suspected; reinstatement (the re-entry audit) on 2026-04-14 ends
    the cut-off — discharged with the suspicion kept for a person to confirm.
    Propagation of the one suspension to every buyer is the next test.
    Not modelled: the per-worker allocation report (per-worker figures are kept in the
    obligation's data), the CAP branch where the grower pays, a purchase during the cut-off
    period itself (the cut-off is a period to wind down orders, so 2026-03-05 is allowed).
    """
    t = Trace(
        store,
        agreement(premium_section(), cutoff_section(), complaints_section(), findings_section()),
    )
    t.event("purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="250000", unit="lb")
    premium = t.one("premium.payment", "GROWER-G")
    assert money(premium) == Decimal("2500.00")
    assert premium.due == date(2026, 2, 11)
    assert (premium.period_start, premium.period_end) == (date(2026, 1, 5), date(2026, 1, 11))

    r = t.event("payment_recorded", "2026-01-23", obligation=premium.id, amount="2500.00")
    paid = t.one("premium.payment", "GROWER-G")
    assert paid.state is LegalState.FULFILLED and not paid.late and paid.flags == frozenset()
    [share] = r.created
    assert (share.spec_id, share.subject, share.due) == (
        "premium.pass_through",
        "GROWER-G",
        date(2026, 1, 30),
    )
    assert money(share) == Decimal("2425.00")

    r = t.event(
        "payroll_recorded",
        "2026-01-30",
        supplier="GROWER-G",
        pay_date="2026-01-30",
        premium_paid="1900.00",
    )
    short = t.one("premium.pass_through", "GROWER-G")
    assert "pass_through_shortfall" in short.flags and short.data["shortfall"] == "525.00"
    assert short.state is LegalState.IN_EFFECT
    assert "525.00 USD short" in r.messages[0]

    r = t.event(
        "audit_finding", "2026-02-10", supplier="GROWER-G", severity="major", text="shortfall"
    )
    cap = t.one("monitoring_access.corrective_action", "GROWER-G")
    assert cap.due == date(2026, 2, 25)
    assert cap.timing(at("2026-02-26")) is Timing.OVERDUE
    # only critical findings oblige the buyer to ensure evacuation
    assert t.store.find_obligations(spec_id="monitoring_access.ensure_evacuation") == []

    t.event("supplier_suspended", "2026-03-02", supplier="GROWER-G", reason="CAP overdue")
    cut = t.one("sourcing_cutoff.cease_purchases", "GROWER-G")
    assert cut.due == date(2026, 3, 9)
    r = t.event("purchase_recorded", "2026-03-05", supplier="GROWER-G", quantity="100", unit="lb")
    assert "breach_suspected" not in t.one("sourcing_cutoff.cease_purchases").flags
    t.event("purchase_recorded", "2026-03-12", supplier="GROWER-G", quantity="500", unit="lb")
    cut = t.one("sourcing_cutoff.cease_purchases")
    assert "breach_suspected" in cut.flags
    assert [b["on"] for b in cut.data["breach_events"]] == ["2026-03-12"]

    t.event("supplier_reinstated", "2026-04-14", supplier="GROWER-G")
    closed = t.one("sourcing_cutoff.cease_purchases")
    assert closed.state is LegalState.DISCHARGED
    assert closed.data["reason"] == "supplier reinstated; breach pending confirmation"
    assert "breach_suspected" in closed.flags


def test_scenario_a_suspension_propagates_to_every_buyer(store):
    """A — "sanctions propagate to all buyers, not only B": the FFSC declares Grower G
    suspended once, on 2026-03-02 (``record_determination``), and every participating buyer's
    agreement covering G gets its own cease-purchases obligation — buyer B's cut-off after 7
    days (2026-03-09), buyer C's after 10 (2026-03-12). C's purchase of 2026-03-13 flags only
    C's cut-off; B bought nothing. The re-entry audit of 2026-04-14 (``supplier_reinstated``)
    is the only thing that ends both: B's is fulfilled, C's discharged with the suspicion kept.
    A buyer whose agreement does not cover G is untouched.
    """
    svc = ObligationService(store, actor="ffsc")
    b = agreement(premium_section(), cutoff_section(cutoff_days=7), title="Buyer B")
    c = agreement(premium_section(), cutoff_section(cutoff_days=10), title="Buyer C")
    d = agreement(premium_section(), cutoff_section(), title="Buyer D", suppliers=("GROWER-K",))
    for agr in (b, c, d):
        svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))

    def cut(agr):
        return store.find_obligations(
            agreement_id=agr.id, spec_id="sourcing_cutoff.cease_purchases"
        )

    results = svc.record_determination(
        "supplier_suspended",
        supplier="GROWER-G",
        on="2026-03-02",
        fields={"reason": "CAP overdue"},
        now=at("2026-03-02"),
    )
    assert sorted(r.event.agreement_id for r in results) == sorted([b.id, c.id])
    [cut_b], [cut_c] = cut(b), cut(c)
    assert (cut_b.subject, cut_b.due) == ("GROWER-G", date(2026, 3, 9))
    assert (cut_c.subject, cut_c.due) == ("GROWER-G", date(2026, 3, 12))
    assert cut(d) == []

    svc.record_event(
        c.id,
        "purchase_recorded",
        on="2026-03-13",
        fields={"supplier": "GROWER-G", "quantity": "800", "unit": "lb"},
        now=at("2026-03-13"),
    )
    [cut_b], [cut_c] = cut(b), cut(c)
    assert "breach_suspected" in cut_c.flags and "breach_suspected" not in cut_b.flags
    # a date passing reinstates nobody: both are still in effect a month later
    svc.obligations(agreement_id=None, now=at("2026-04-13"))
    assert {o.state for o in cut(b) + cut(c)} == {LegalState.IN_EFFECT}

    svc.record_determination(
        "supplier_reinstated", supplier="GROWER-G", on="2026-04-14", fields={}, now=at("2026-04-14")
    )
    [cut_b], [cut_c] = cut(b), cut(c)
    assert cut_b.state is LegalState.FULFILLED
    assert cut_c.state is LegalState.DISCHARGED and "breach_suspected" in cut_c.flags


def test_scenario_b_critical_finding_evacuation_and_remediation_finance(store):
    """B — Accord-style critical finding, CAP and remediation financing.

    Modelled: a critical structural finding reported on 2026-03-04 obliges the buyer to ensure
    evacuation by 2026-03-06 (48 hours, the event's `where: {severity: critical}` filter) and
    opens a corrective-action item; the CAP approved on 2026-04-15 (two items, 240,000.00 of
    cost) makes the buyer owe its 50% share, 120,000.00, by 2026-05-15; the CAP items and their
    due dates are kept on the event. The six-month income-protection window from the closure
    (2026-03-06 → 2026-09-05) is the calendar's month arithmetic, checked here directly.
    Not modelled (no vocabulary for them yet): partial closure, payroll of closed floors,
    escalation stages and their timers, joint-and-several obligations of several brands.
    """
    from obligations import due_date

    t = Trace(
        store,
        agreement(
            support_section(share="50", due_days=30),
            findings_section(),
            timezone="Asia/Dhaka",
            suppliers=("FACTORY-F",),
        ),
        signed_on="2026-03-01",
    )
    r = t.event(
        "audit_finding", "2026-03-04", supplier="FACTORY-F", severity="critical", text="floors 4-6"
    )
    assert sorted(o.spec_id for o in r.created) == [
        "monitoring_access.corrective_action",
        "monitoring_access.ensure_evacuation",
    ]
    evac = t.one("monitoring_access.ensure_evacuation", "FACTORY-F")
    assert evac.due == date(2026, 3, 6) and evac.obligor == "buyer"
    assert evac.due_at == datetime(2026, 3, 6, 18, tzinfo=UTC)  # midnight in Dhaka
    r = t.event(
        "cap_approved",
        "2026-04-15",
        supplier="FACTORY-F",
        cost="240000",
        items="structural retrofit@2026-08-31; fire doors@2026-06-30",
    )
    pay = t.one("supplier_support.remediation_payment", "FACTORY-F")
    assert money(pay) == Decimal("120000.00") and pay.due == date(2026, 5, 15)
    assert [i["due"] for i in r.event.payload["items"]] == [date(2026, 8, 31), date(2026, 6, 30)]
    assert due_date(date(2026, 3, 6), months=6, days=-1) == date(2026, 9, 5)


@pytest.mark.parametrize(
    ("boundary", "volume", "fee"),
    [
        ("lower_inclusive", "100000000", "175000.00"),
        ("upper_inclusive", "100000000", "75000.00"),
        ("lower_inclusive", "612000000", "500000.00"),
        ("upper_inclusive", "600000", "1000.00"),
    ],
)
def test_scenario_c_fee_tiers_cap_floor_and_boundary(store, boundary, volume, fee):
    """C — fee table (Accord 2013 bands), the cap, the minimum and the explicit boundary rule.

    Declared on 2026-01-15 with 30 days to pay → due 2026-02-14.
    """
    t = Trace(store, agreement(fees_section(boundary=boundary)))
    t.event("volume_declared", "2026-01-15", year="2025", amount=volume)
    ob = t.one("monitoring_fees.annual_fee")
    assert money(ob) == Decimal(fee) and ob.due == date(2026, 2, 14)


def test_scenario_c_no_boundary_rule_refuses_to_compute_and_writes_nothing(store):
    t = Trace(store, agreement(fees_section(boundary=None)))
    before = len(t.store.audit_entries())
    with pytest.raises(InputError) as exc:
        t.event("volume_declared", "2026-01-15", year="2025", amount="100000000")
    assert exc.value.problems[0].path == "clauses.monitoring_fees.boundary"
    assert len(t.store.audit_entries()) == before and t.store.list_events(t.id) == []
    # off the boundary the same table computes
    t.event("volume_declared", "2026-01-15", year="2025", amount="100000001")
    assert money(t.one("monitoring_fees.annual_fee")) == Decimal("175000.00")


def test_scenario_c_minimum_fee_and_late_payment(store):
    """C — a small licensee's indexed minimum (2,500 × 1.10 = 2,750, modelled as the fee floor,
    since indexation is not a clause variable yet) and a payment 16 days late."""
    t = Trace(
        store,
        agreement(fees_section(tiers=[{"up_to": None, "fee": "2500"}], floor="2750", cap=None)),
    )
    t.event("volume_declared", "2026-01-15", year="2025", amount="300000")
    fee = t.one("monitoring_fees.annual_fee")
    assert money(fee) == Decimal("2750.00") and fee.due == date(2026, 2, 14)
    r = t.event("payment_recorded", "2026-03-02", obligation=fee.id, amount="2750.00")
    paid = t.one("monitoring_fees.annual_fee")
    assert paid.state is LegalState.FULFILLED and paid.late and "late" in paid.flags
    assert paid.data["days_late"] == 16
    assert "late by 16 days (due 2026-02-14)" in r.messages[0]
    assert r.created == []  # fees have no pass-through


def test_scenario_d_complaint_investigation_remedy_and_order_reduction(store):
    """D — GBVH complaint → investigation → directed remedy → breach → order reduction.

    Modelled: the complaint of Mon 2026-04-06 opens the investigation (contractual, 14 days)
    and, kept apart, the 14-day resolution KPI, both due 2026-04-20; by the direction of
    2026-05-04 the KPI is overdue (28 days > 14: KPI missed) while the remedy is due
    2026-05-11; on 2026-05-25 a person confirms the breach (the remedy is overdue) → violated,
    and the cure obligation (order reduction evidenced within 30 days) is due 2026-06-24 with
    the reduce_orders power; the supplier's return to compliance on 2026-06-22 fulfils it.
    Not modelled: the referral step, the oversight committee as a party, the 12-month
    non-retaliation watch (the shipped non_retaliation clause has it; see its library trace).
    """
    t = Trace(store, fair_food(suppliers=("FACTORY-S",), timezone="Africa/Maseru"))
    t.event("complaint_filed", "2026-04-06", supplier="FACTORY-S", category="sexual harassment")
    inv = t.one("complaint_mechanism.investigation", "FACTORY-S")
    kpi = t.one("complaint_mechanism.resolution_kpi", "FACTORY-S")
    assert inv.due == kpi.due == date(2026, 4, 20)
    assert kpi.kpi and not inv.kpi

    t.event(
        "remedy_directed", "2026-05-04", supplier="FACTORY-S", complaint="C-1", remedy="dismiss"
    )
    assert kpi.timing(at("2026-05-04")) is Timing.OVERDUE
    remedy = t.one("complaint_mechanism.implement_remedy", "FACTORY-S")
    assert remedy.due == date(2026, 5, 11)
    assert remedy.timing(at("2026-05-12")) is Timing.OVERDUE

    violated = t.svc.confirm_breach(
        remedy.id, on="2026-05-25", reason="material breach recorded", now=at("2026-05-25")
    )
    assert violated.state is LegalState.VIOLATED
    cure = t.one("complaint_mechanism.implement_remedy.cure", "FACTORY-S")
    assert cure.due == date(2026, 6, 24) and cure.data["powers"] == ["reduce_orders"]
    done = t.svc.fulfil(
        cure.id,
        on="2026-06-22",
        evidence=("orders.csv", b"po,qty\n"),
        note="compliance restored",
        now=at("2026-06-22"),
    )
    assert (
        done.state is LegalState.FULFILLED and not done.late and done.evidence.value == "submitted"
    )
    assert (done.fulfilled_on - date(2026, 4, 6)).days == 77


def test_scenario_e_bonus_on_each_paycheck(store):
    """E — Milk-with-Dignity-type premium per hundredweight passed through on each paycheck.

    Modelled: 1,500,000 lb of milk in February at 0.10 per cwt (15,000 cwt) → 1,500.00 due
    2026-03-15; paid 2026-02-06, so the workers' 100% share is due on the next pay date,
    Fri 2026-02-13; that payroll pays 3 of 5 workers 300.00 each → shortfall 600.00; the
    2026-02-27 payroll adds the back-bonus for the other two → fulfilled, 14 days late; the
    hotline complaint of 2026-02-17 opens an investigation due 2026-03-03.
    Not modelled: per-worker paystub lines (only totals and counts are recorded), weekly rest
    windows, the pay-frequency check and the three-strike escalation.
    """
    t = Trace(
        store,
        agreement(
            premium_section(
                rate="0.10",
                unit="cwt",
                period="monthly",
                payment_due_days=15,
                worker_share_pct="100",
                pass_through_days=7,
            ),
            complaints_section(),
            suppliers=("FARM-H",),
        ),
    )
    t.event("purchase_recorded", "2026-02-02", supplier="FARM-H", quantity="1500000", unit="lb")
    premium = t.one("premium.payment", "FARM-H")
    assert money(premium) == Decimal("1500.00") and premium.due == date(2026, 3, 15)
    assert Decimal(premium.data["quantity"]) == Decimal(15000)
    [share] = t.event(
        "payment_recorded", "2026-02-06", obligation=premium.id, amount="1500"
    ).created
    assert share.due == date(2026, 2, 13) and money(share) == Decimal("1500.00")
    r = t.event(
        "payroll_recorded",
        "2026-02-13",
        supplier="FARM-H",
        pay_date="2026-02-13",
        premium_paid="900",
        workers="3",
        per_worker="300",
    )
    assert t.one("premium.pass_through").data["shortfall"] == "600.00"
    assert "600.00 USD short" in r.messages[0]
    t.event("complaint_filed", "2026-02-17", supplier="FARM-H", category="weekly rest")
    assert t.one("complaint_mechanism.investigation").due == date(2026, 3, 3)
    t.event(
        "payroll_recorded",
        "2026-02-27",
        supplier="FARM-H",
        pay_date="2026-02-27",
        premium_paid="600",
        workers="2",
        per_worker="300",
    )
    done = t.one("premium.pass_through")
    assert done.state is LegalState.FULFILLED and done.late and done.data["days_late"] == 14
    assert [p["workers"] for p in done.data["payrolls"]] == [3, 2]
