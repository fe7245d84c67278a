"""The event rules, driven through the service over a real in-memory store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from clauses import InputError
from obligations import LegalState, Money, ObligationService
from obligations._context import AgreementContext
from obligations._decisions import agreement_status
from obligations._enums import AgreementStatus
from obligations._events import validate_event
from obligations._rules import ListLookup, apply_event
from obligations.stores import MemoryObligationStore
from tests.obligations.factories import agreement, fair_food, premium_section, support_section

NOW = datetime(2026, 3, 13, 14, tzinfo=UTC)


@pytest.fixture
def svc():
    return ObligationService(MemoryObligationStore(), actor="test")


def tracked(svc, agr=None):
    agr = agr or fair_food()
    svc.track(agr, signed_on=date(2026, 1, 5), now=NOW)
    return agr.id


def event(svc, agr_id, type, on, **fields):
    # recorded at NOW, or on the day itself for a later event (events cannot be dated after now)
    day = datetime.fromisoformat(str(on)[:10]).replace(hour=20, tzinfo=UTC)
    return svc.record_event(agr_id, type, on=on, fields=fields, now=max(NOW, day))


def find(svc, agr_id, spec, subject=None):
    return [
        o
        for o in svc.store.find_obligations(agreement_id=agr_id, spec_id=spec)
        if subject is None or o.subject == subject
    ]


def test_purchases_in_one_period_accrue_into_one_instance(svc):
    a = tracked(svc)
    event(
        svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="200000", unit="lb"
    )
    r = event(
        svc, a, "purchase_recorded", "2026-01-11", supplier="GROWER-G", quantity="50000", unit="lb"
    )
    [ob] = find(svc, a, "premium.payment", "GROWER-G")
    assert ob.amount is not None and ob.amount.value == Decimal("2500.00")
    assert ob.due == date(2026, 2, 11) and ob.period_start == date(2026, 1, 5)
    assert ob.data["quantity"] == "250000" and ob.data["purchases"] == 2
    assert r.changed == [ob] and r.created == []
    # the next Monday is a new week and a new instance
    event(svc, a, "purchase_recorded", "2026-01-12", supplier="GROWER-G", quantity="100", unit="lb")
    assert len(find(svc, a, "premium.payment", "GROWER-G")) == 2


def test_purchases_in_other_units_are_converted_exactly(svc):
    a = tracked(svc)
    event(svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="10", unit="cwt")
    event(
        svc,
        a,
        "purchase_recorded",
        "2026-01-07",
        supplier="GROWER-G",
        quantity="0.45359237",
        unit="kg",
    )
    [ob] = find(svc, a, "premium.payment", "GROWER-G")
    assert Decimal(ob.data["quantity"]) == Decimal("1001")
    assert ob.amount.value == Decimal("10.01")
    with pytest.raises(InputError, match="unit: cannot convert unit to lb"):
        event(
            svc,
            a,
            "purchase_recorded",
            "2026-01-07",
            supplier="GROWER-G",
            quantity="3",
            unit="unit",
        )


def test_fractional_cents_accumulate_exactly(svc):
    a = tracked(svc)
    for _ in range(3):
        event(
            svc,
            a,
            "purchase_recorded",
            "2026-01-07",
            supplier="GROWER-G",
            quantity="0.5",
            unit="lb",
        )
    [ob] = find(svc, a, "premium.payment", "GROWER-G")
    assert ob.data["amount_exact"] == "0.015"
    assert ob.amount.value == Decimal("0.02")  # 1.5 cents, rounded once at the end


def test_partial_then_full_payment_and_pass_through(svc):
    a = tracked(svc)
    event(
        svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="250000", unit="lb"
    )
    [ob] = find(svc, a, "premium.payment")
    r = event(svc, a, "payment_recorded", "2026-01-20", obligation=ob.id, amount="2000")
    assert r.messages[0].startswith("2000.00 USD paid; 500.00 USD remains open")
    [partial] = r.changed
    assert partial.state is LegalState.IN_EFFECT and "partially_paid" in partial.flags
    assert partial.paid == Decimal(2000)
    [pt] = r.created
    assert pt.spec_id == "premium.pass_through" and pt.subject == "GROWER-G"
    assert pt.amount.value == Decimal("1940.00") and pt.due == date(2026, 1, 27)
    r = event(svc, a, "payment_recorded", "2026-01-23", obligation=ob.id, amount="500.00 USD")
    [done] = r.changed
    assert done.state is LegalState.FULFILLED and not done.late
    assert "partially_paid" not in done.flags and done.fulfilled_on == date(2026, 1, 23)
    with pytest.raises(InputError, match="is fulfilled; a payment can only be credited"):
        event(svc, a, "payment_recorded", "2026-01-24", obligation=ob.id, amount="1")


def test_late_payment_is_flagged(svc):
    a = tracked(svc)
    event(svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="100", unit="lb")
    [ob] = find(svc, a, "premium.payment")
    r = event(svc, a, "payment_recorded", "2026-02-13", obligation=ob.id, amount="1.00")
    [done] = r.changed
    assert done.late and "late" in done.flags and done.data["days_late"] == 2
    assert "late by 2 days (due 2026-02-11)" in r.messages[0]


def test_payment_refused_for_non_payment_obligations(svc):
    a = tracked(svc)
    [cut] = event(svc, a, "supplier_suspended", "2026-03-02", supplier="GROWER-H").created
    with pytest.raises(InputError, match="is not a payment obligation"):
        event(svc, a, "payment_recorded", "2026-03-03", obligation=cut.id, amount="1")


def test_payroll_shortfall_then_catch_up(svc):
    a = tracked(svc)
    event(
        svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="250000", unit="lb"
    )
    [ob] = find(svc, a, "premium.payment")
    [pt] = event(svc, a, "payment_recorded", "2026-01-23", obligation=ob.id, amount="2500").created
    r = event(
        svc,
        a,
        "payroll_recorded",
        "2026-01-30",
        supplier="GROWER-G",
        pay_date="2026-01-30",
        premium_paid="1900",
        workers="35",
        per_worker="54.29",
    )
    [short] = r.changed
    assert short.id == pt.id and short.state is LegalState.IN_EFFECT
    assert "pass_through_shortfall" in short.flags and short.data["shortfall"] == "525.00"
    assert short.data["payrolls"][0]["workers"] == 35
    assert short.data["payrolls"][0]["per_worker"] == "54.29"
    assert r.messages == [
        "pass-through shortfall for GROWER-G: 2425.00 USD due, 1900.00 USD on the payroll of "
        "2026-01-30; 525.00 USD short"
    ]
    r = event(
        svc,
        a,
        "payroll_recorded",
        "2026-02-20",
        supplier="GROWER-G",
        pay_date="2026-02-20",
        premium_paid="525",
    )
    [done] = r.changed
    assert (
        done.state is LegalState.FULFILLED
        and done.late
        and "pass_through_shortfall" not in done.flags
    )
    r = event(
        svc,
        a,
        "payroll_recorded",
        "2026-02-27",
        supplier="GROWER-G",
        pay_date="2026-02-27",
        premium_paid="5",
    )
    assert r.changed == [] and "no open pass-through obligation" in r.messages[0]


def test_cutoff_watch_and_reinstatement_without_breach(svc):
    a = tracked(svc)
    [cut] = event(
        svc, a, "supplier_suspended", "2026-03-02", supplier="GROWER-H", reason="audit"
    ).created
    assert (
        cut.due == date(2026, 3, 9)
        and cut.key.startswith("ev-")
        and cut.trigger_event_id == cut.key
    )
    r = event(
        svc, a, "purchase_recorded", "2026-03-09", supplier="GROWER-H", quantity="5", unit="lb"
    )
    assert "allowed" in r.messages[0]
    assert "breach_suspected" not in svc.store.get_obligation(cut.id).flags
    # a purchase from another supplier is no concern of this cut-off
    event(svc, a, "purchase_recorded", "2026-03-12", supplier="GROWER-G", quantity="5", unit="lb")
    r = event(svc, a, "supplier_reinstated", "2026-04-14", supplier="GROWER-H")
    [done] = [o for o in r.changed if o.id == cut.id]
    assert done.state is LegalState.FULFILLED and done.fulfilled_on == date(2026, 4, 14)


def test_generic_events_create_instances_with_amounts(svc):
    a = tracked(svc, agreement(premium_section(), support_section(share="50", due_days=30)))
    r = event(svc, a, "cap_approved", "2026-04-15", supplier="GROWER-G", cost="120000")
    [pay] = r.created
    assert pay.spec_id == "supplier_support.remediation_payment"
    assert pay.amount.value == Decimal("60000.00") and pay.due == date(2026, 5, 15)
    assert pay.subject == "GROWER-G" and pay.trigger_event_id == r.event.id
    assert r.messages == [
        "created supplier_support.remediation_payment for GROWER-G of 60000.00 USD, due 2026-05-15"
    ]


def test_events_without_matching_specs_are_only_recorded(svc):
    a = tracked(svc)
    r = event(svc, a, "dispute_notice", "2026-03-01", text="fees", between="monitor")
    assert r.created == [] and r.changed == [] and r.event.id.startswith("ev-")
    assert [e.type for e in svc.store.list_events(a)] == ["dispute_notice"]


def test_apply_event_is_pure_over_a_list_lookup():
    agr = fair_food()
    ctx = AgreementContext(agreement=agr, signed_on=date(2026, 1, 5), term_end=date(2029, 1, 5))
    ev = validate_event(
        ctx,
        "complaint_filed",
        on="2026-04-06",
        fields={"supplier": "GROWER-G", "category": "harassment"},
        now=NOW,
        find=lambda _id: None,
    )
    with pytest.raises(ValueError, match="stored event"):
        apply_event(ctx, ev, ListLookup([]))
    out = apply_event(ctx, ev.with_sequence(1), ListLookup([]))
    assert sorted((o.spec_id, o.kpi, o.due.isoformat()) for o in out.created) == [
        ("complaint_mechanism.investigation", False, "2026-04-20"),
        ("complaint_mechanism.resolution_kpi", True, "2026-04-20"),
    ]
    assert [e.action for e in out.audit] == ["created", "activated"] * 2
    assert "KPI target, not a contractual deadline" in out.messages[1]
    # applying the same stored event again over its own results creates nothing new
    again = apply_event(ctx, ev.with_sequence(1), ListLookup(out.created))
    assert again.created == []


def test_agreement_status():
    kw = {
        "effective_date": date(2026, 2, 1),
        "term_end": date(2029, 2, 1),
        "auto_renew": False,
        "renewal_term_months": 0,
    }
    executed = AgreementStatus.EXECUTED
    assert (
        agreement_status(current=executed, today=date(2026, 1, 20), **kw)[0]
        is AgreementStatus.EXECUTED
    )
    assert (
        agreement_status(current=executed, today=date(2026, 2, 1), **kw)[0]
        is AgreementStatus.ACTIVE
    )
    assert (
        agreement_status(current=executed, today=date(2029, 2, 1), **kw)[0]
        is AgreementStatus.ACTIVE
    )
    assert (
        agreement_status(current=executed, today=date(2029, 2, 2), **kw)[0]
        is AgreementStatus.EXPIRED
    )
    renew = {**kw, "auto_renew": True, "renewal_term_months": 36}
    assert agreement_status(current=executed, today=date(2033, 1, 1), **renew) == (
        AgreementStatus.ACTIVE,
        date(2035, 2, 1),
    )
    assert agreement_status(current=AgreementStatus.TERMINATED, today=date(2027, 1, 1), **kw)[
        0
    ] is (AgreementStatus.TERMINATED)


def test_a_purchase_for_a_settled_period_is_owed_anew(svc):
    a = tracked(svc)
    event(svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="100", unit="lb")
    [ob] = find(svc, a, "premium.payment")
    event(svc, a, "payment_recorded", "2026-01-20", obligation=ob.id, amount="1.50")
    settled = svc.store.get_obligation(ob.id)
    assert settled.data["overpaid"] == "0.50"
    r = event(
        svc, a, "purchase_recorded", "2026-01-09", supplier="GROWER-G", quantity="200", unit="lb"
    )
    assert "is already fulfilled; the additional amount is a separate obligation" in r.messages[0]
    [extra] = r.created
    assert extra.key == f"2026-01-05+{r.event.id}" and extra.amount.value == Decimal("2.00")
    assert extra.due == date(2026, 2, 11)


def test_where_filters_and_list_lookup():
    from obligations._rulebase import matches as _matches

    assert _matches({"severity": ["major", "critical"]}, {"severity": "critical"})
    assert not _matches({"severity": "critical"}, {"severity": "minor"})
    assert _matches({"amount": "5.00"}, {"amount": Money(value=Decimal(5), currency="USD")})
    ob = fair_food_obligation()
    look = ListLookup([ob])
    assert look.get(ob.id) is ob and look.get("ob-x") is None
    assert look.by_key(ob.spec_id, ob.subject, ob.key) is ob
    assert look.by_key(ob.spec_id, None, ob.key) is None
    assert look.open(subject="GROWER-H") == [] and look.open() == [ob]


def fair_food_obligation():
    from obligations._compile import new_instance
    from obligations._lifecycle import birth

    agr = fair_food()
    ctx = AgreementContext(agreement=agr, signed_on=date(2026, 1, 5), term_end=date(2029, 1, 5))
    spec = ctx.spec("sourcing_cutoff.cease_purchases")
    ob = new_instance(ctx, spec, subject="GROWER-G", key="k", due=date(2026, 3, 9), at=NOW)
    return birth(ob, at=NOW, actor="t")[0]


def test_periods_named_by_a_variable_are_resolved():
    agr = fair_food()
    ctx = AgreementContext(agreement=agr, signed_on=date(2026, 1, 5), term_end=date(2029, 1, 5))
    spec = ctx.spec("premium.payment")
    assert ctx.period_name(spec, "period") == "weekly"
    with pytest.raises(
        InputError, match="clauses.premium.rate: spec premium.payment: 'rate' is not a period"
    ):
        ctx.period_name(spec, "rate")
    assert ctx.variables("no_such_clause") == {}
    assert ctx.spec("no.such") is None


def test_event_result_json_and_a_fresh_service_over_the_same_store(svc):
    a = tracked(svc)
    r = event(svc, a, "supplier_suspended", "2026-03-02", supplier="GROWER-H")
    doc = r.to_json(NOW)
    assert doc["event"]["type"] == "supplier_suspended" and doc["messages"] == r.messages
    assert doc["created"][0]["spec_id"] == "sourcing_cutoff.cease_purchases"
    fresh = ObligationService(svc.store)  # rebuilds the agreement from its stored record
    r = fresh.record_event(
        a,
        "purchase_recorded",
        on="2026-03-12",
        fields={"supplier": "GROWER-H", "quantity": "1", "unit": "lb"},
        now=NOW,
    )
    assert any(m.startswith("breach suspected") for m in r.messages)


def test_open_obligations_can_be_asked_for_by_spec(svc):
    """The time rules ask only for the specs they act on (a store holds many more rows): the
    store lookup, a list and a unit of work in progress all answer the same filtered list."""
    from obligations._outcome import Work
    from obligations._service import _StoreLookup

    a = tracked(svc)
    event(svc, a, "purchase_recorded", "2026-01-07", supplier="GROWER-G", quantity="100", unit="lb")
    event(svc, a, "supplier_suspended", "2026-01-08", supplier="GROWER-H", reason="audit")
    lookup = _StoreLookup(svc.store, a)
    everything = lookup.open()
    specs = {o.spec_id for o in everything}
    assert len(specs) >= 2  # the filter below has something to leave out
    one = sorted(specs)[0]
    wanted = [o for o in everything if o.spec_id == one]
    assert lookup.open(spec_ids={one}) == wanted
    assert ListLookup(everything).open(spec_ids={one}) == wanted
    work = Work(lookup, at=NOW, actor="test")
    assert work.open(spec_ids={one}) == wanted
    assert work.open(spec_ids=set()) == []
