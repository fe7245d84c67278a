"""The rule registry and the event registry: semantics are data, extended in one place.

- every spec keyword ``clauses`` declares is implemented by exactly one registered rule, and no
  rule implements a keyword the library cannot use;
- a clause whose obligations use existing rules needs only its YAML file (a fixture clause,
  drafted and tracked end to end);
- a new event type needs one entry in one registry (two are registered here, then validated,
  stored, read back and acted on without any other change).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from clauses import RULE_KEYWORDS, Library, assemble, check_library, load_library, parse_answers
from clauses._schema import ObligationSpec
from clauses._vocabulary import (
    EVENTS,
    EventField,
    EventType,
    FieldType,
    register_event_type,
    unregister_event_type,
)
from obligations import LegalState, ObligationService
from obligations._events import PARSERS
from obligations._rulebase import RULES
from obligations._rules import RULE_CLASSES

FIXTURE = Path(__file__).parent / "fixtures" / "library"


def test_every_declared_keyword_has_exactly_one_rule() -> None:
    assert set(RULES) == set(RULE_KEYWORDS)
    assert sorted(c.keyword for c in RULE_CLASSES) == sorted(RULES)
    assert [type(r) for r in RULES.values()] == sorted(
        RULE_CLASSES, key=lambda c: c.order
    )  # one instance per class, in running order


def test_every_keyword_is_a_spec_field_or_the_clause_powers() -> None:
    fields = set(ObligationSpec.model_fields) | {"powers"}
    assert set(RULE_KEYWORDS) <= fields


def test_every_field_type_has_a_parser() -> None:
    assert set(PARSERS) == set(FieldType)


@pytest.fixture
def heat_events() -> Iterator[None]:
    """Two event types that exist only in this test: one registry entry each."""
    register_event_type(
        EventType(
            name="heat_alert_issued",
            help="The weather service issued a heat alert for a supplier's fields.",
            fields={
                "supplier": EventField(FieldType.SUPPLIER, required=True),
                "level": EventField(FieldType.CHOICE, required=True, choices=("amber", "red")),
            },
        )
    )
    register_event_type(
        EventType(
            name="field_work_reported",
            help="Workers were seen in the fields.",
            fields={
                "supplier": EventField(FieldType.SUPPLIER, required=True),
                "workers": EventField(FieldType.INTEGER),
            },
        )
    )
    register_event_type(
        EventType(
            name="alert_acknowledged",
            help="The supplier acknowledged a heat alert.",
            fields={"supplier": EventField(FieldType.SUPPLIER, required=True)},
        )
    )
    try:
        yield
    finally:
        for name in ("heat_alert_issued", "field_work_reported", "alert_acknowledged"):
            unregister_event_type(name)


def _lib() -> Library:
    lib = load_library(FIXTURE)
    assert check_library(lib) == []
    return lib


def test_the_checker_refuses_an_event_type_nobody_registered() -> None:
    problems = check_library(load_library(FIXTURE))
    text = "\n".join(str(p) for p in problems)
    assert "obligations[1].trigger.event: unknown event type 'heat_alert_issued'" in text
    assert "obligations[1].violated_by[0].event: unknown event type 'field_work_reported'" in text


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)


def test_a_clause_of_existing_rules_and_new_event_types_needs_only_data(
    heat_events: None, tmp_path: Path
) -> None:
    lib = _lib()
    answers = {
        "agreement": {
            "title": "Fixture",
            "effective_date": "2026-01-05",
            "timezone": "America/New_York",
            "currency": "USD",
            "governing_law": "State of Florida",
        },
        "parties": [
            {"role": r, "name": r, "address": "a", "email": f"{r}@x.org", "signatory": "s"}
            for r in ("buyer", "worker_organization", "monitor")
        ],
        "suppliers": [{"id": "FARM-1", "name": "Farm", "country": "US"}],
        "clauses": {"harvest_bonus": {"alternative": "standard"}},
    }
    agr = assemble(parse_answers(answers, lib), lib)
    # on a real SQLite store, so the new event's payload is stored and read back typed
    from obligations._db import open_store

    store = open_store(f"sqlite:///{tmp_path / 'wsr.db'}")
    svc = ObligationService(store, actor="test")
    svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))

    # accrual in a fixed unit (no variable called `unit`): 1,000 lb = 453.59237 kg
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-02-03",
        fields={"supplier": "FARM-1", "quantity": "1000", "unit": "lb"},
        now=at("2026-02-03"),
    )
    [bonus] = store.find_obligations(agreement_id=agr.id, spec_id="harvest_bonus.bonus")
    assert bonus.amount is not None and bonus.amount.value == Decimal("9.07")
    assert bonus.due == date(2026, 3, 10)
    svc.record_event(
        agr.id,
        "payment_recorded",
        on="2026-03-01",
        fields={"obligation": bonus.id, "amount": "9.07"},
        now=at("2026-03-01"),
    )
    assert store.get_obligation(bonus.id).state is LegalState.FULFILLED

    # the new event types: validated by field type, a where filter on a choice field
    r = svc.record_event(
        agr.id,
        "heat_alert_issued",
        on="2026-07-01",
        fields={"supplier": "FARM-1", "level": "amber"},
        now=at("2026-07-01"),
    )
    # only red alerts start the prohibition; every alert is to be acknowledged within a day
    [ack] = r.created
    assert (ack.spec_id, ack.due) == ("harvest_bonus.acknowledge", date(2026, 7, 2))
    r = svc.record_event(
        agr.id,
        "heat_alert_issued",
        on="2026-07-02",
        fields={"supplier": "FARM-1", "level": "red"},
        now=at("2026-07-02"),
    )
    [watch] = [o for o in r.created if o.spec_id == "harvest_bonus.no_field_work"]
    assert (watch.due, watch.period_end) == (date(2026, 7, 2), date(2026, 7, 4))
    # settled_by an event: the acknowledgement fulfils both open ones, the first a day late
    r = svc.record_event(
        agr.id,
        "alert_acknowledged",
        on="2026-07-03",
        fields={"supplier": "FARM-1"},
        now=at("2026-07-03"),
    )
    acks = store.find_obligations(agreement_id=agr.id, spec_id="harvest_bonus.acknowledge")
    assert {(o.due, o.state, o.late) for o in acks} == {
        (date(2026, 7, 2), LegalState.FULFILLED, True),
        (date(2026, 7, 3), LegalState.FULFILLED, False),
    }
    svc.record_event(
        agr.id,
        "field_work_reported",
        on="2026-07-03",
        fields={"supplier": "FARM-1", "workers": "12"},
        now=at("2026-07-03"),
    )
    broken = store.get_obligation(watch.id)
    assert "breach_suspected" in broken.flags
    assert broken.data["breach_events"][0]["workers"] == 12
    [stored] = store.list_events(agr.id, type="field_work_reported")
    assert stored.payload == {"supplier": "FARM-1", "workers": 12}
    from clauses import InputError

    with pytest.raises(InputError, match="level: unknown level 'purple'"):
        svc.record_event(
            agr.id,
            "heat_alert_issued",
            on="2026-07-05",
            fields={"supplier": "FARM-1", "level": "purple"},
            now=at("2026-07-05"),
        )
    assert "heat_alert_issued" in EVENTS
