"""The generated event forms and the what-if rows: from the registry, checked by the engine."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clauses import InputError, Problem
from clauses._vocabulary import (
    EVENTS,
    EventField,
    EventType,
    FieldType,
    register_event_type,
    unregister_event_type,
)
from obligations import ObligationService
from obligations.stores.memory import MemoryObligationStore
from tests.obligations.factories import fair_food
from wsr.console._eventform import event_fields, event_types, field_for, posted_fields
from wsr.console._whatif import MAX_ROWS, owed_by_party, rows_from_form, run_whatif

SUPPLIERS = [("GROWER-G", "GROWER-G Farms"), ("GROWER-H", "GROWER-H Farms")]
NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)


def test_every_registered_type_is_offered_with_its_help() -> None:
    offered = dict(event_types())
    assert list(offered) == list(EVENTS)
    assert offered["supplier_suspended"] == EVENTS["supplier_suspended"].help


def test_a_new_registry_entry_appears_in_the_form() -> None:
    register_event_type(
        EventType(
            name="training_held",
            help="Worker education was held at a supplier.",
            fields={"supplier": EventField(FieldType.SUPPLIER, required=True)},
        )
    )
    try:
        assert ("training_held", "Worker education was held at a supplier.") in event_types()
        [only] = event_fields("training_held", currency="USD", suppliers=SUPPLIERS)
        assert only.name == "supplier" and only.required
    finally:
        unregister_event_type("training_held")


def test_purchase_fields_widgets_and_help() -> None:
    fields = {
        f.name: f for f in event_fields("purchase_recorded", currency="USD", suppliers=SUPPLIERS)
    }
    assert list(fields) == ["supplier", "quantity", "unit"]
    assert fields["supplier"].widget == "select"
    assert fields["supplier"].choices[0] == ("", "choose…")
    assert ("GROWER-G", "GROWER-G — GROWER-G Farms") in fields["supplier"].choices
    assert [v for v, _ in fields["unit"].choices] == ["", "cwt", "kg", "lb", "unit"]
    assert (
        fields["quantity"].help
        == "How much was bought. A number, not negative (e.g. 1200 or 12.5)."
    )
    assert all(f.required for f in fields.values())


def test_money_help_names_the_currency_and_optional_selects_allow_none() -> None:
    cap = {f.name: f for f in event_fields("cap_approved", currency="BDT", suppliers=SUPPLIERS)}
    assert "BDT" in cap["cost"].help
    assert cap["items"].widget == "textarea"
    dispute = {f.name: f for f in event_fields("dispute_notice", currency="USD", suppliers=[])}
    assert [v for v, _ in dispute["between"].choices] == ["", "parties", "monitor"]


def test_payroll_lines_are_not_typed_into_a_form() -> None:
    names = [f.name for f in event_fields("payroll_recorded", currency="USD", suppliers=SUPPLIERS)]
    assert "lines" not in names and "premium_paid" in names


def test_unknown_type_has_no_fields_so_the_engine_names_it() -> None:
    assert event_fields("nonsense", currency="USD", suppliers=SUPPLIERS) == []
    assert posted_fields("nonsense", {"supplier": "X"}) == {}


def test_values_and_prefix_are_kept() -> None:
    fields = event_fields(
        "audit_finding",
        currency="USD",
        suppliers=SUPPLIERS,
        values={"r2.severity": "major"},
        prefix="r2.",
    )
    assert [f.name for f in fields] == ["r2.supplier", "r2.severity", "r2.text"]
    assert fields[1].value == "major"


def test_posted_fields_take_only_filled_registry_fields() -> None:
    form = {
        "csrf_token": "t",
        "type": "supplier_suspended",
        "on": "2026-03-09",
        "supplier": "GROWER-G",
        "reason": "   ",
        "unrelated": "x",
    }
    assert posted_fields("supplier_suspended", form) == {"supplier": "GROWER-G"}


def test_items_textarea_becomes_a_list_of_lines() -> None:
    form = {"items": "Fire doors@2026-06-30\n\n  Exit signs  \n"}
    assert posted_fields("cap_approved", form) == {"items": ["Fire doors@2026-06-30", "Exit signs"]}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("supplier", "supplier"),
        ("items[0].due", "items"),
        ("payroll.csv:3:2", "payroll.csv"),
        ("on", "on"),
        ("now", None),
        ("suppliers", None),
    ],
)
def test_field_for_places_an_error_on_its_input(path: str, field: str | None) -> None:
    assert field_for(path, ["supplier", "items", "on", "payroll.csv"]) == field


# -- what-if rows ------------------------------------------------------------------------------


def test_rows_are_read_in_order_removed_and_renumbered() -> None:
    form = {
        "csrf_token": "t",
        "r5.type": "purchase_recorded",
        "r5.on": "2026-03-12",
        "r5.supplier": "GROWER-G",
        "r1.type": "supplier_suspended",
        "r1.on": "2026-03-09",
        "r1.supplier": "GROWER-G",
        "r3.type": "audit_finding",
        "r3.on": "2026-03-10",
        "r3.remove": "on",
    }
    rows = rows_from_form(form)
    assert [(r.index, r.type, r.on) for r in rows] == [
        (0, "supplier_suspended", "2026-03-09"),
        (1, "purchase_recorded", "2026-03-12"),
    ]
    assert rows[1].values == {"r1.supplier": "GROWER-G"}
    assert rows[1].hypothetical().fields == {"supplier": "GROWER-G"}


def test_rows_are_capped() -> None:
    form = {f"r{k}.type": "purchase_recorded" for k in range(MAX_ROWS + 5)}
    assert len(rows_from_form(form)) == MAX_ROWS


@pytest.fixture
def tracked() -> tuple[ObligationService, str]:
    service = ObligationService(MemoryObligationStore(), actor="monitor@example.org")
    record = fair_food()
    service.track(record, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 15, tzinfo=UTC))
    return service, record.id


def test_run_whatif_answers_and_groups_what_each_party_owes(tracked) -> None:
    service, agreement_id = tracked
    rows = rows_from_form(
        {
            "r0.type": "supplier_suspended",
            "r0.on": "2026-03-09",
            "r0.supplier": "GROWER-G",
            "r0.reason": "audit",
            "r1.type": "purchase_recorded",
            "r1.on": "2026-03-12",
            "r1.supplier": "GROWER-G",
            "r1.quantity": "100",
            "r1.unit": "lb",
        }
    )
    answer = run_whatif(service, agreement_id, now=NOW, rows=rows)
    assert answer.problems == [] and answer.result is not None
    assert [e.type for e in answer.result.events] == ["supplier_suspended", "purchase_recorded"]
    assert answer.result.created or answer.result.changed
    record = service._record(service.store.get_agreement(agreement_id))
    groups = owed_by_party(answer.result.obligations, record)
    assert groups and groups[0].role == "buyer" and groups[0].party == "Example Grocers LLC"
    for group in groups:
        dues = [o.due_at for o in group.obligations]
        assert dues == sorted(dues)
        assert all(
            o.state.value in ("created", "in_effect", "suspended") for o in group.obligations
        )


def test_run_whatif_says_which_row_the_engine_refused(tracked) -> None:
    service, agreement_id = tracked
    rows = rows_from_form(
        {
            "r0.type": "purchase_recorded",
            "r0.on": "2026-03-12",
            "r0.supplier": "GROWER-G",
            "r0.quantity": "100",
            "r0.unit": "lb",
            "r1.type": "purchase_recorded",
            "r1.on": "2026-03-12",
            "r1.supplier": "NOBODY",
            "r1.quantity": "5",
            "r1.unit": "lb",
        }
    )
    answer = run_whatif(service, agreement_id, now=NOW, rows=rows)
    assert answer.result is None
    [(row, problem)] = answer.problems
    assert row == 1 and problem.path == "supplier"
    # the same message `wsr event` gives for it
    with pytest.raises(InputError) as exc:
        service.record_event(
            agreement_id,
            "purchase_recorded",
            on="2026-03-12",
            fields={"supplier": "NOBODY", "quantity": "5", "unit": "lb"},
            now=NOW,
        )
    assert exc.value.problems == (Problem("supplier", problem.message),)


def test_run_whatif_writes_nothing(tracked) -> None:
    service, agreement_id = tracked
    store = service.store
    assert isinstance(store, MemoryObligationStore)
    before = store._state()
    rows = rows_from_form(
        {"r0.type": "supplier_suspended", "r0.on": "2026-03-09", "r0.supplier": "GROWER-H"}
    )
    assert run_whatif(service, agreement_id, now=NOW, rows=rows).result is not None
    assert store._state() == before
