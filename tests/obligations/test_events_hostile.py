"""Hostile event payloads on SQLite and PostgreSQL: refused with located problems or accepted,
never another exception, and a refused event leaves every table exactly as it was (issue 9).

Each example records one generated event (type, ``--on`` and fields drawn from
``tests/hostile.py``) on a tracked Fair-Food agreement, or a decision (breach confirmation,
fulfilment) on one of its obligations; accepted ones stay, so later examples meet a store that
has grown. The counts go to the session summary (``tests/tally.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauses import Conflict, EngineError, InputError, InvalidTransition, NotFound
from clauses._vocabulary import EVENTS
from obligations import ObligationService
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests import hostile, tally
from tests.obligations.dump import fast_dump as dump
from tests.obligations.factories import fair_food

NOW = datetime(2026, 6, 1, 14, tzinfo=UTC)
AGREEMENT = fair_food()
FIELD_NAMES = sorted({name for e in EVENTS.values() for name in e.fields})
REFUSALS = (InputError, NotFound, Conflict, InvalidTransition)


def _service(store: SqlAlchemyObligationStore) -> ObligationService:
    svc = ObligationService(store, actor="hostile")
    with store.read():
        tracked = any(a.id == AGREEMENT.id for a in store.list_agreements())
    if not tracked:  # the first example of a test tracks it; later ones meet it grown
        svc.track(AGREEMENT, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, tzinfo=UTC))
        svc.record_event(
            AGREEMENT.id,
            "supplier_suspended",
            on="2026-03-02",
            fields={"supplier": "GROWER-H"},
            now=datetime(2026, 3, 2, 18, tzinfo=UTC),
        )
    return svc


def _located(exc: EngineError) -> None:
    problems = getattr(exc, "problems", ())
    assert problems, exc
    for p in problems:
        assert p.path.strip() and p.message.strip(), p
        assert "Traceback" not in p.message and "decimal.InvalidOperation" not in p.message


#: a valid payload per event type, which the suite then breaks in one or two places
VALID: dict[str, dict[str, str]] = {
    "purchase_recorded": {"supplier": "GROWER-G", "quantity": "250", "unit": "lb"},
    "supplier_suspended": {"supplier": "GROWER-G", "reason": "audit"},
    "supplier_reinstated": {"supplier": "GROWER-H"},
    "audit_finding": {"supplier": "GROWER-G", "severity": "minor", "text": "late pay"},
    "cap_approved": {"supplier": "GROWER-G", "cost": "100.00", "items": "fix roof@2026-06-30"},
    "complaint_filed": {"supplier": "GROWER-G", "category": "wages", "complainant_ref": "W-1"},
    "complaint_resolved": {"complaint": "W-1"},
    "remedy_directed": {"supplier": "GROWER-G", "remedy": "back pay"},
    "retaliation_found": {"supplier": "GROWER-G", "text": "fired"},
    "volume_declared": {"year": "2026", "amount": "1000.00"},
    "dispute_notice": {"between": "parties", "text": "fees"},
    "payroll_recorded": {"supplier": "GROWER-G", "pay_date": "2026-03-06", "premium_paid": "5"},
}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 4)) == 0:  # all of it junk
        return {
            "type": draw(st.one_of(st.sampled_from(sorted(EVENTS)), hostile.texts)),
            "on": draw(hostile.dates),
            "fields": draw(
                st.dictionaries(
                    st.one_of(st.sampled_from(FIELD_NAMES), hostile.texts),
                    hostile.values,
                    max_size=4,
                )
            ),
        }
    kind = draw(st.sampled_from(sorted(VALID)))
    fields = dict(VALID[kind])
    on = draw(st.sampled_from(["2026-03-10", "2026-04-01", "2026-05-20"]))
    for _ in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from([*sorted(fields), "on", "extra"]))
        if target == "on":
            on = draw(hostile.dates)
        elif target == "extra":
            fields[draw(st.sampled_from(FIELD_NAMES))] = draw(hostile.values)
        elif draw(st.booleans()):
            fields[target] = draw(hostile.values)
        else:
            fields.pop(target)
    return {"type": kind, "on": on, "fields": fields}


def _one(svc: ObligationService, store: SqlAlchemyObligationStore, case: dict[str, Any]) -> None:
    before = dump(store)
    try:
        with store.transaction():
            svc.record_event(
                AGREEMENT.id, case["type"], on=case["on"], fields=case["fields"], now=NOW
            )
    except REFUSALS as exc:
        _located(exc)
        assert dump(store) == before, f"a refused event changed the store: {case}"
        tally.record("event payloads (service, " + store.engine.dialect.name + ")", refused=True)
        return
    tally.record("event payloads (service, " + store.engine.dialect.name + ")", refused=False)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=events())
def test_hostile_events_are_refused_whole_or_accepted(
    sql_store: SqlAlchemyObligationStore, case: dict[str, Any]
) -> None:
    _one(_service(sql_store), sql_store, case)


@pytest.mark.parametrize(
    ("kind", "fields", "on", "match"),
    [
        ("purchase_recorded", {"quantity": "1e999999"}, "2026-01-07", "quantity: "),
        ("purchase_recorded", {"quantity": "1,0,0"}, "2026-01-07", "thousands separators"),
        ("purchase_recorded", {"quantity": "1e13"}, "2026-01-07", "far too large"),
        ("supplier_reinstated", {"supplier": "GROWER-G"}, "2026-03-05", "never suspended"),
        ("supplier_reinstated", {"supplier": "GROWER-H"}, "2026-03-01", "dated before"),
        ("complaint_resolved", {"complaint": "C-404"}, "2026-03-05", "no complaint_filed"),
        ("complaint_filed", {"category": "wage\x00theft"}, "2026-03-05", "control character"),
        ("purchase_recorded", {}, "9999-12-31", "outside the dates"),
        ("purchase_recorded", {}, "0001-01-01", "outside the dates"),
    ],
)
def test_each_kind_of_meaningless_event_is_refused(
    sql_store: SqlAlchemyObligationStore,
    kind: str,
    fields: dict[str, str],
    on: str,
    match: str,
) -> None:
    svc = _service(sql_store)
    base = {"supplier": "GROWER-G", "quantity": "10", "unit": "lb"}
    given_fields = {**base, **fields} if kind == "purchase_recorded" else fields
    if kind == "complaint_filed":
        given_fields = {"supplier": "GROWER-G", **fields}
    before = dump(sql_store)
    with pytest.raises(InputError, match=match):
        with sql_store.transaction():
            svc.record_event(AGREEMENT.id, kind, on=on, fields=given_fields, now=NOW)
    assert dump(sql_store) == before


def test_a_reinstatement_after_the_suspension_is_accepted_and_a_second_one_refused(
    sql_store: SqlAlchemyObligationStore,
) -> None:
    svc = _service(sql_store)
    fields = {"supplier": "GROWER-H"}
    with sql_store.transaction():
        svc.record_event(
            AGREEMENT.id, "supplier_reinstated", on="2026-03-20", fields=fields, now=NOW
        )
    with pytest.raises(InputError, match="already ended it"):
        svc.record_event(
            AGREEMENT.id, "supplier_reinstated", on="2026-03-25", fields=fields, now=NOW
        )


def test_a_complaint_is_resolved_by_its_event_id_or_reference(
    sql_store: SqlAlchemyObligationStore,
) -> None:
    svc = _service(sql_store)
    with sql_store.transaction():
        filed = svc.record_event(
            AGREEMENT.id,
            "complaint_filed",
            on="2026-03-03",
            fields={"supplier": "GROWER-G", "category": "wages", "complainant_ref": "W-7"},
            now=NOW,
        ).event
    with pytest.raises(InputError, match="dated before"):
        svc.record_event(
            AGREEMENT.id,
            "complaint_resolved",
            on="2026-03-02",
            fields={"complaint": "W-7"},
            now=NOW,
        )
    with sql_store.transaction():
        svc.record_event(
            AGREEMENT.id,
            "complaint_resolved",
            on="2026-03-10",
            fields={"complaint": str(filed.id)},
            now=NOW,
        )


def test_a_payment_before_its_obligation_existed_is_refused(
    sql_store: SqlAlchemyObligationStore,
) -> None:
    svc = _service(sql_store)
    with sql_store.transaction():
        result = svc.record_event(
            AGREEMENT.id,
            "purchase_recorded",
            on="2026-01-20",
            fields={"supplier": "GROWER-G", "quantity": "1000", "unit": "lb"},
            now=NOW,
        )
    premium = next(o for o in result.created if o.spec_id == "premium.payment")
    before = dump(sql_store)
    with pytest.raises(InputError, match="before obligation .* existed"):
        svc.record_event(
            AGREEMENT.id,
            "payment_recorded",
            on="2026-01-10",
            fields={"obligation": premium.id, "amount": "10.00"},
            now=NOW,
        )
    assert dump(sql_store) == before


def test_a_breach_cannot_be_confirmed_on_a_day_the_duty_was_not_yet_due(
    sql_store: SqlAlchemyObligationStore,
) -> None:
    svc = _service(sql_store)
    with sql_store.transaction():
        result = svc.record_event(
            AGREEMENT.id,
            "purchase_recorded",
            on="2026-01-20",
            fields={"supplier": "GROWER-G", "quantity": "1000", "unit": "lb"},
            now=NOW,
        )
    premium = next(o for o in result.created if o.spec_id == "premium.payment")
    assert premium.due < NOW.date()
    before = dump(sql_store)
    with pytest.raises(Conflict, match="was not yet past due"):
        svc.confirm_breach(premium.id, on=premium.due.isoformat(), reason="not paid", now=NOW)
    assert dump(sql_store) == before
    svc.confirm_breach(premium.id, on="2026-05-01", reason="not paid", now=NOW)


def test_an_amount_past_what_the_engine_holds_is_an_input_error_not_a_decimal_trap() -> None:
    from decimal import Decimal

    from obligations._model import Money

    assert Money(value=Decimal(10) ** 14, currency="USD").value == Decimal(10) ** 14
    for value in (Decimal(10) ** 15, Decimal("9e999999"), Decimal("Infinity")):
        with pytest.raises(InputError, match="more than this engine holds"):
            Money(value=value, currency="USD")
