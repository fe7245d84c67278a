from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from obligations import (
    AuditEntry,
    Event,
    EvidenceRef,
    LegalState,
    Money,
    Obligation,
    Timing,
    TrackedAgreement,
    event_id,
    obligation_id,
)

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def make(**kw):
    base = {
        "id": "ob-1",
        "agreement_id": "agr-1",
        "clause_id": "premium",
        "clause_version": "1.0.0",
        "spec_id": "premium.payment",
        "section": "2",
        "title": "Pay the premium",
        "kind": "payment",
        "obligor": "buyer",
        "beneficiary": "supplier",
        "subject": "GROWER-G",
        "key": "2026-01-05",
        "period_start": date(2026, 1, 5),
        "period_end": date(2026, 1, 11),
        "due": date(2026, 2, 11),
        "due_at": datetime(2026, 2, 12, 5, 0, tzinfo=UTC),
        "state": LegalState.IN_EFFECT,
        "amount": Money(value=Decimal("2500"), currency="USD"),
        "created_at": T0,
        "updated_at": T0,
    }
    base.update(kw)
    return Obligation(**base)


def test_money_is_kept_at_the_currency_minor_unit():
    assert Money(value=Decimal("2500"), currency="USD").to_json() == {
        "value": "2500.00",
        "currency": "USD",
    }
    assert Money(value=Decimal("1234.5"), currency="JPY").to_json()["value"] == "1235"
    assert Money(value=Decimal("0.005"), currency="EUR").value == Decimal("0.01")
    assert str(Money(value=Decimal("7"), currency="BDT")) == "7.00 BDT"


def test_money_refuses_floats_and_bad_currency_codes():
    with pytest.raises(TypeError, match="never float"):
        Money(value=1.5, currency="USD")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(value=Decimal(1), currency="usd")


def test_money_arithmetic_stays_in_one_currency():
    a = Money(value=Decimal("10"), currency="USD")
    assert (a + a).value == Decimal("20.00")
    assert (a - a).value == Decimal("0.00")
    with pytest.raises(ValueError, match="cannot combine USD with EUR"):
        a + Money(value=Decimal(1), currency="EUR")


def test_naive_datetimes_are_refused_and_aware_ones_normalised_to_utc():
    with pytest.raises(ValueError, match="no UTC offset"):
        make(created_at=datetime(2026, 1, 5, 12, 0))
    local = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert make(created_at=local).created_at == T0


def test_timing_overlay():
    ob = make()
    assert ob.timing(datetime(2026, 1, 20, tzinfo=UTC)) is Timing.UPCOMING
    assert ob.timing(ob.due_at - timedelta(days=7)) is Timing.DUE_SOON
    assert ob.timing(ob.due_at - timedelta(days=7, seconds=1)) is Timing.UPCOMING
    assert ob.timing(ob.due_at - timedelta(microseconds=1)) is Timing.DUE_SOON
    assert ob.timing(ob.due_at) is Timing.OVERDUE
    assert make(state=LegalState.FULFILLED).timing(ob.due_at) is None


def test_view_is_the_cli_contract():
    view = make(flags={"late", "disputed"}, paid=Decimal("2000")).to_view(T0)
    assert view == {
        "id": "ob-1",
        "agreement_id": "agr-1",
        "clause_id": "premium",
        "clause_version": "1.0.0",
        "spec_id": "premium.payment",
        "title": "Pay the premium",
        "obligor": "buyer",
        "beneficiary": "supplier",
        "subject": "GROWER-G",
        "due": "2026-02-11",
        "state": "in_effect",
        "timing": "upcoming",
        "flags": ["disputed", "late"],
        "amount": {"value": "2500.00", "currency": "USD"},
        "paid": "2000.00",
        "late": False,
        "evidence": "none",
        "section": "2",
        "period_start": "2026-01-05",
        "period_end": "2026-01-11",
        "powers": [],
        "kind": "payment",
        "in_force": None,  # a premium period's end is not a window: only a prohibition has one
    }
    # a prohibition's due is the day it takes effect: the view adds the window it is in force
    watch = make(kind="prohibition", period_start=date(2026, 3, 10), period_end=date(2027, 3, 10))
    assert watch.to_view(T0)["due"] == "2026-02-11"
    assert watch.to_view(T0)["in_force"] == {"from": "2026-02-11", "until": "2027-03-10"}
    open_ended = make(kind="prohibition", period_end=None).to_view(T0)
    assert open_ended["in_force"] == {"from": "2026-02-11", "until": None}  # an event ends it


states = st.sampled_from(list(LegalState))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))


@given(
    state=states,
    flags=st.frozensets(st.sampled_from(["late", "breach_suspected", "disputed"])),
    paid=st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
    data=st.dictionaries(st.text(min_size=1, max_size=5), json_scalars, max_size=4),
    subject=st.one_of(st.none(), st.just("GROWER-G")),
    amount=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=2)),
)
def test_obligation_json_round_trip_is_lossless(state, flags, paid, data, subject, amount):
    ob = make(
        state=state,
        flags=flags,
        paid=paid,
        data=data,
        subject=subject,
        amount=None if amount is None else Money(value=amount, currency="USD"),
        fulfilled_on=date(2026, 2, 1),
        late=True,
        kpi=True,
        trigger_event_id="ev-1",
    )
    assert Obligation.from_dict(ob.to_dict()) == ob


def test_ids_are_deterministic():
    assert obligation_id("a", "s", "x", "k") == obligation_id("a", "s", "x", "k")
    assert obligation_id("a", "s", "x", "k") != obligation_id("a", "s", None, "k")
    assert obligation_id("a", "s", None, "k").startswith("ob-")
    assert len(obligation_id("a", "s", None, "k")) == 19
    payload = {"supplier": "G", "quantity": Decimal("5")}
    one = event_id("a", "purchase_recorded", date(2026, 1, 7), payload, 1)
    assert one == event_id("a", "purchase_recorded", date(2026, 1, 7), payload, 1)
    assert one != event_id("a", "purchase_recorded", date(2026, 1, 7), payload, 2)


def test_event_round_trip_keeps_types():
    ev = Event(
        agreement_id="agr-1",
        type="payroll_recorded",
        occurred_at=T0,
        occurred_on=date(2026, 1, 30),
        payload={
            "supplier": "GROWER-G",
            "pay_date": date(2026, 1, 30),
            "premium_paid": Money(value=Decimal("1900"), currency="USD"),
            "workers": 35,
        },
        recorded_at=T0,
    ).with_sequence(3)
    assert ev.id is not None and ev.id.startswith("ev-")
    back = Event.from_dict(ev.to_dict())
    assert back == ev
    assert isinstance(back.payload["premium_paid"], Money)
    cap = Event(
        agreement_id="agr-1",
        type="cap_approved",
        occurred_at=T0,
        occurred_on=date(2026, 4, 15),
        payload={"items": [{"text": "fire doors", "due": date(2026, 6, 30)}], "q": Decimal("1")},
        recorded_at=T0,
    )
    assert Event.from_dict(cap.to_dict()).payload["items"][0]["due"] == date(2026, 6, 30)


def test_audit_entry_and_evidence_round_trip():
    entry = AuditEntry(
        seq=4,
        agreement_id="agr-1",
        obligation_id="ob-1",
        at=T0,
        actor="cli",
        action="fulfilled",
        reason="paid",
        before={"a": 1},
        after={"a": 2},
        prev_hash="0" * 64,
        hash="f" * 64,
    )
    assert AuditEntry.from_dict(entry.to_dict()) == entry
    assert "seq" not in entry.hashed_body() and "hash" not in entry.hashed_body()
    ref = EvidenceRef(
        sha256="ab", filename="x.pdf", size=3, obligation_id="ob-1", submitted_at=T0, note="n"
    )
    assert EvidenceRef.from_dict(ref.to_dict()) == ref


def test_tracked_agreement_round_trip_and_view():
    t = TrackedAgreement(
        id="agr-1",
        title="T",
        timezone="America/New_York",
        currency="USD",
        signed_on=date(2026, 1, 5),
        effective_date=date(2026, 1, 5),
        term_end=date(2029, 1, 5),
        status="active",
        record_json="{}",
        created_at=T0,
    )
    assert TrackedAgreement.from_dict(t.to_dict()) == t
    assert "record_json" not in t.view()
    assert attrs.evolve(t, status="expired").status.value == "expired"
    assert (t.terminated_on, t.termination_reason) == (None, "")
    assert t.view()["terminated_on"] is None and t.view()["termination_reason"] == ""
    ended = attrs.evolve(t, status="terminated", terminated_on="2026-02-20", termination_reason="x")
    assert ended.terminated_on == date(2026, 2, 20)
    assert ended.view()["terminated_on"] == "2026-02-20"
    assert TrackedAgreement.from_dict(ended.to_dict()) == ended
    # a snapshot written before agreements carried their termination still reads back
    old = {k: v for k, v in t.to_dict().items() if not k.startswith("terminat")}
    assert TrackedAgreement.from_dict(old) == t
    with pytest.raises(TypeError, match="expected a date, got a datetime"):
        attrs.evolve(t, terminated_on=T0)


def test_converters_refuse_wrong_types():
    with pytest.raises(TypeError, match="expected a datetime"):
        make(created_at=date(2026, 1, 5))
    with pytest.raises(TypeError, match="expected a date, got a datetime"):
        make(due=T0)
    assert make(due="2026-02-11").due == date(2026, 2, 11)


def test_outstanding_and_finality():
    ob = make(paid=Decimal("2000"))
    assert ob.outstanding == Decimal("500.00") and not ob.is_final
    assert make(amount=None).outstanding is None
    assert make(state=LegalState.VIOLATED).is_final


def test_payload_decoding_by_field_type():
    from obligations._model import payload_from_json

    decoded = payload_from_json(
        "purchase_recorded", {"supplier": "G", "quantity": "2.5", "unit": "lb", "extra": None}
    )
    assert decoded == {"supplier": "G", "quantity": Decimal("2.5"), "unit": "lb", "extra": None}
