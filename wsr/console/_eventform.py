"""The event forms, generated from the event registry (``clauses._vocabulary.EVENTS``).

A new event type registered there appears in the console's select with its fields at once. This
module only describes the inputs and turns what a browser posts back into the ``fields``
mapping the service takes — the same mapping ``wsr event … --set k=v`` builds. It checks
nothing: the service validates (so a page shows the CLI's messages), and an input left blank is
simply not given, as an option left off the command line is not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clauses import EVENTS, UNITS, EventType, FieldType

__all__ = [
    "FormField",
    "event_fields",
    "event_types",
    "field_for",
    "posted_fields",
]


@dataclass(frozen=True)
class FormField:
    """One input of a generated form."""

    name: str
    label: str
    #: ``text``, ``number``, ``date``, ``select`` or ``textarea``
    widget: str
    required: bool
    help: str
    #: (value, label) for a select; the first is an empty "choose" entry when not required
    choices: tuple[tuple[str, str], ...] = ()
    value: str = ""
    #: HTML input attributes (step, min, inputmode), already safe
    attrs: Mapping[str, str] = field(default_factory=dict)


#: how to give a value of each field type (the page shows it under the input)
TYPE_HELP: Mapping[FieldType, str] = {
    FieldType.SUPPLIER: "A covered supplier of this agreement.",
    FieldType.DECIMAL: "A number, not negative (e.g. 1200 or 12.5).",
    FieldType.MONEY: "An amount in {currency} (e.g. 1250.00).",
    FieldType.UNIT: "The unit the quantity is in.",
    FieldType.TEXT: "Free text for the record.",
    FieldType.DATE: "A date (YYYY-MM-DD).",
    FieldType.INTEGER: "A whole number, not negative.",
    FieldType.OBLIGATION: "The id of an obligation of this agreement (shown on its page).",
    FieldType.ITEMS: "One item a line: what is to be done, then optionally @YYYY-MM-DD for "
    "its due date (e.g. Install fire doors@2026-06-30).",
    FieldType.CHOICE: "One of the listed values.",
}

#: what particular fields mean, where the type alone does not say it
FIELD_HELP: Mapping[str, str] = {
    "reason": "Why, as the record should say it.",
    "complainant_ref": "The complaint mechanism's reference for the complainant, never a name; "
    "brand and supplier users never see it.",
    "complaint": "The complaint's event id or its complainant reference.",
    "category": "What the complaint is about (e.g. wages, harassment, health and safety).",
    "severity": "How serious the finding is.",
    "text": "What was found or said, for the record.",
    "quantity": "How much was bought.",
    "cost": "The approved cost of the corrective action plan.",
    "remedy": "What the supplier is directed to do.",
    "outcome": "How the complaint was resolved.",
    "notice": "The notice's id.",
    "between": "parties: between the signatories (the Monitor decides first); monitor: the "
    "Monitor itself is a party (straight to arbitration).",
    "amount": "The amount paid.",
    "premium_paid": "The premium the payroll carried.",
    "workers": "How many workers the payroll paid.",
    "per_worker": "The premium per worker.",
    "pay_date": "The payroll's pay date.",
    "period": "Any day of the Premium Period the payroll is for.",
    "year": "The year the volume is for (e.g. 2026).",
}

#: field types whose format the help adds to what the field means
FORMAT_SHOWN: frozenset[FieldType] = frozenset(
    {FieldType.MONEY, FieldType.DECIMAL, FieldType.DATE, FieldType.INTEGER, FieldType.OBLIGATION}
)

#: field types a person does not type into an event form (payroll lines come from a CSV)
NOT_TYPED: frozenset[FieldType] = frozenset({FieldType.PAYROLL_LINES})


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def event_types() -> list[tuple[str, str]]:
    """(name, help) of every registered event type, in the registry's order."""
    return [(e.name, e.help) for e in EVENTS.values()]


def _widget(
    name: str,
    spec_type: FieldType,
    choices: Sequence[str],
    *,
    suppliers: Sequence[tuple[str, str]],
) -> tuple[str, tuple[tuple[str, str], ...], dict[str, str]]:
    if spec_type is FieldType.SUPPLIER:
        return "select", tuple((sid, f"{sid} — {sname}") for sid, sname in suppliers), {}
    if spec_type is FieldType.UNIT:
        return "select", tuple((u, u) for u in sorted(UNITS)), {}
    if spec_type is FieldType.CHOICE:
        return "select", tuple((c, c) for c in choices), {}
    if spec_type is FieldType.DATE:
        return "date", (), {}
    if spec_type is FieldType.INTEGER:
        return "number", (), {"step": "1", "min": "0"}
    if spec_type in (FieldType.DECIMAL, FieldType.MONEY):
        return "text", (), {"inputmode": "decimal"}
    if spec_type is FieldType.ITEMS:
        return "textarea", (), {}
    return "text", (), {}


def event_fields(
    type_name: str,
    *,
    currency: str,
    suppliers: Sequence[tuple[str, str]],
    values: Mapping[str, str] | None = None,
    prefix: str = "",
) -> list[FormField]:
    """The inputs for one event type's fields (none for an unknown type: the service says so).

    ``suppliers`` are the agreement's (id, name); ``values`` what was posted (kept when the
    form comes back with errors); ``prefix`` namespaces the inputs (a what-if row's ``r0.``).
    """
    etype: EventType | None = EVENTS.get(type_name)
    if etype is None:
        return []
    values = values or {}
    out: list[FormField] = []
    for name, spec in etype.fields.items():
        if spec.type in NOT_TYPED:
            continue
        widget, choices, attrs = _widget(name, spec.type, spec.choices, suppliers=suppliers)
        if widget == "select" and not spec.required:
            choices = (("", "—"), *choices)
        elif widget == "select":
            choices = (("", "choose…"), *choices)
        hint = TYPE_HELP[spec.type]
        if name in FIELD_HELP and spec.type is not FieldType.ITEMS:
            hint = FIELD_HELP[name] + (f" {hint}" if spec.type in FORMAT_SHOWN else "")
        out.append(
            FormField(
                name=prefix + name,
                label=_label(name),
                widget=widget,
                required=spec.required,
                help=hint.replace("{currency}", currency),
                choices=choices,
                value=values.get(prefix + name, ""),
                attrs=attrs,
            )
        )
    return out


def posted_fields(type_name: str, form: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """The event's fields from a posted form: the registry's fields of ``type_name`` that were
    filled in (a blank input is a field not given), everything else in the form ignored.

    A corrective action plan's items come from a textarea, one item a line, and are passed as
    the list of those lines (``text@due`` each, as the CLI's ``;``-separated string gives).
    """
    etype = EVENTS.get(type_name)
    if etype is None:
        return {}
    out: dict[str, Any] = {}
    for name, spec in etype.fields.items():
        if spec.type in NOT_TYPED:
            continue
        raw = form.get(prefix + name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        if spec.type is FieldType.ITEMS:
            out[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            out[name] = raw
    return out


def field_for(path: str, names: Sequence[str]) -> str | None:
    """The input an error's ``path`` belongs to: the one named exactly so, or the one the path
    goes into (``items[0].due`` → ``items``; ``payroll.csv:3:2`` → ``payroll.csv``)."""
    if path in names:
        return path
    for name in sorted(names, key=len, reverse=True):
        if path.startswith(name) and path[len(name) : len(name) + 1] in ("[", ".", ":"):
            return name
    return None
