"""The shared vocabulary of the clause-spec language: party roles, events, rule keywords.

Clause YAML names roles and events; the obligations engine builds validated payloads from the
same table. It lives here (the bottom of the dependency chain) so that ``wsr library --check``
can reject a spec that names an unknown role, event or event field without importing the
obligations package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class Role(StrEnum):
    """Who can owe or be owed an obligation."""

    BUYER = "buyer"
    """The brand or retailer at the top of the supply chain (one per agreement)."""
    WORKER_ORGANIZATION = "worker_organization"
    """The worker organization(s) that negotiated the agreement."""
    MONITOR = "monitor"
    """The independent monitoring body (standards council, secretariat)."""
    SUPPLIER = "supplier"
    """The covered supplier the obligation concerns (its subject); not a signatory."""
    WORKERS = "workers"
    """The qualifying workers at the subject supplier (beneficiaries of pass-through)."""


#: roles an answers file may give to a signing party
PARTY_ROLES: frozenset[str] = frozenset(
    {Role.BUYER.value, Role.WORKER_ORGANIZATION.value, Role.MONITOR.value}
)

#: every role a spec may name
SPEC_ROLES: frozenset[str] = frozenset(r.value for r in Role)


class FieldType(StrEnum):
    """The type of one event field; ``obligations`` parses and stores each type one way."""

    SUPPLIER = "supplier"
    """A covered supplier's id."""
    DECIMAL = "decimal"
    """A non-negative Decimal (quantities)."""
    MONEY = "money"
    """An amount in the agreement currency."""
    UNIT = "unit"
    """A unit of measure (lb, kg, cwt, unit)."""
    TEXT = "text"
    """Free text (never empty)."""
    DATE = "date"
    """An ISO date."""
    INTEGER = "integer"
    """A non-negative whole number."""
    OBLIGATION = "obligation"
    """The id of an obligation of the same agreement."""
    ITEMS = "items"
    """A list of {text, due} (corrective-action plan items)."""
    CHOICE = "choice"
    """One of the field's ``choices``."""
    PAYROLL_LINES = "payroll_lines"
    """One worker's payroll line each: worker_ref, period_start, period_end, pay_date,
    earnings, premium (``wsr payroll import``)."""


@dataclass(frozen=True)
class EventField:
    """One field of an event type."""

    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Requires:
    """An event that ends a state another event began needs that state standing on its date.

    ``begun_by`` is the event type that begins the state (``supplier_suspended``); ``match``
    maps each field of this event to the fields of the earlier one it may name (``id`` is the
    earlier event's own id), so ``complaint_resolved.complaint`` may name a complaint by its
    event id or its complainant reference. The latest matching ``begun_by`` on or before this
    event's date must not have been ended already by an earlier event of this type.
    """

    begun_by: str
    match: Mapping[str, tuple[str, ...]]
    what: str  # the state in words, for the message: "suspended", "an open complaint"


@dataclass(frozen=True)
class EventType:
    """One kind of event the engine accepts: its fields, and how it is recorded.

    ``derived`` are fields the engine adds before specs match ``where`` filters and evaluate
    formulas (a payment names the spec and supplier of the obligation it paid); a
    ``determination`` is declared once by the monitoring body about a supplier and recorded on
    every agreement covering it (``wsr determination``); one that ``stands`` binds, from its
    own execution, a buyer that signs while it is the supplier's latest determination (a
    suspension not yet lifted).
    """

    name: str
    fields: Mapping[str, EventField]
    derived: frozenset[str] = frozenset()
    determination: bool = False
    stands: bool = False
    help: str = ""
    requires: Requires | None = None

    @property
    def required(self) -> frozenset[str]:
        return frozenset(n for n, f in self.fields.items() if f.required)

    def field_names(self) -> frozenset[str]:
        """Every field a spec may filter on or compute with (given and derived)."""
        return frozenset(self.fields) | self.derived


def _f(type: FieldType, *, required: bool = False, choices: tuple[str, ...] = ()) -> EventField:
    return EventField(type=type, required=required, choices=choices)


_T = FieldType
SEVERITIES: tuple[str, ...] = ("minor", "moderate", "major", "critical")
#: who a Dispute is between: the signatories other than the Monitor (`parties`, decided first by
#: the Monitor), or with the Monitor itself as a party (`monitor`, straight to arbitration)
DISPUTE_PARTIES: tuple[str, ...] = ("parties", "monitor")

#: THE event registry: adding an event type is one entry here (see ``register_event_type``)
EVENTS: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType(
            name="purchase_recorded",
            help="The buyer bought from a covered supplier.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "quantity": _f(_T.DECIMAL, required=True),
                "unit": _f(_T.UNIT, required=True),
            },
        ),
        EventType(
            name="supplier_suspended",
            help="The monitor suspended a supplier (a determination binding every buyer).",
            fields={"supplier": _f(_T.SUPPLIER, required=True), "reason": _f(_T.TEXT)},
            determination=True,
            stands=True,
        ),
        EventType(
            name="supplier_reinstated",
            help="The monitor reinstated a suspended supplier (a determination).",
            fields={"supplier": _f(_T.SUPPLIER, required=True)},
            determination=True,
            requires=Requires(
                begun_by="supplier_suspended", match={"supplier": ("supplier",)}, what="suspended"
            ),
        ),
        EventType(
            name="audit_finding",
            help="The monitor's audit found a violation at a supplier.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "severity": _f(_T.CHOICE, required=True, choices=SEVERITIES),
                "text": _f(_T.TEXT),
            },
        ),
        EventType(
            name="cap_approved",
            help="The monitor approved a corrective action plan and its cost.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "cost": _f(_T.MONEY, required=True),
                "items": _f(_T.ITEMS),
            },
        ),
        EventType(
            name="complaint_filed",
            help="A worker's complaint about a supplier reached the monitor.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "category": _f(_T.TEXT, required=True),
                "complainant_ref": _f(_T.TEXT),
            },
        ),
        EventType(
            name="complaint_resolved",
            help="The monitor closed a complaint.",
            fields={"complaint": _f(_T.TEXT, required=True), "outcome": _f(_T.TEXT)},
            requires=Requires(
                begun_by="complaint_filed",
                match={"complaint": ("id", "complainant_ref")},
                what="an open complaint",
            ),
        ),
        EventType(
            name="remedy_directed",
            help="The monitor directed a remedy after a complaint.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "complaint": _f(_T.TEXT),
                "remedy": _f(_T.TEXT, required=True),
            },
        ),
        EventType(
            name="retaliation_found",
            help="The monitor found an adverse action against a complainant to be retaliation.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "complainant_ref": _f(_T.TEXT),
                "text": _f(_T.TEXT),
            },
        ),
        EventType(
            name="payment_recorded",
            help="A payment against a payment obligation (named by its id).",
            fields={
                "obligation": _f(_T.OBLIGATION, required=True),
                "amount": _f(_T.MONEY, required=True),
            },
            derived=frozenset({"spec", "clause", "supplier", "source_obligation"}),
        ),
        EventType(
            name="payroll_recorded",
            help="A supplier's payroll run with the premium it carried.",
            fields={
                "supplier": _f(_T.SUPPLIER, required=True),
                "pay_date": _f(_T.DATE, required=True),
                "premium_paid": _f(_T.MONEY, required=True),
                "workers": _f(_T.INTEGER),
                "per_worker": _f(_T.MONEY),
                # an imported payroll (`wsr payroll import`): a day in the Premium Period, lines
                "period": _f(_T.DATE),
                "lines": _f(_T.PAYROLL_LINES),
            },
        ),
        EventType(
            name="volume_declared",
            help="The buyer declared its sourcing volume for a year.",
            fields={"year": _f(_T.INTEGER, required=True), "amount": _f(_T.MONEY, required=True)},
        ),
        # issue 10: what the scheduler records when a breach notice reaches the obligor (the
        # provider's delivery event); a spec whose `escalation` runs the cure from delivery
        # starts its cure period on this day
        EventType(
            name="breach_notice_delivered",
            help="A breach notice reached the party in breach (the provider's delivery event).",
            fields={
                "obligation": _f(_T.OBLIGATION, required=True),
                "notice": _f(_T.TEXT, required=True),
            },
        ),
        EventType(
            name="dispute_notice",
            help="A party gave notice of a dispute; `between` says whether the Monitor is itself "
            "a party to it (its fees, its conduct, its own obligations), since such a dispute "
            "goes straight to arbitration with no first-tier decision by the Monitor.",
            fields={
                "text": _f(_T.TEXT),
                "between": _f(_T.CHOICE, required=True, choices=DISPUTE_PARTIES),
            },
        ),
    )
}


def register_event_type(event: EventType) -> None:
    """Add an event type to :data:`EVENTS` (every view below sees it at once)."""
    if event.name in EVENTS:
        raise ValueError(f"event type {event.name!r} is already registered")
    EVENTS[event.name] = event


def unregister_event_type(name: str) -> None:
    """Remove an event type added with :func:`register_event_type` (tests)."""
    EVENTS.pop(name, None)


_V = TypeVar("_V")


class _EventView(Mapping[str, _V]):
    """A read-only view over :data:`EVENTS` (always current)."""

    def __init__(self, project: Callable[[EventType], _V]) -> None:
        self._project = project

    def __getitem__(self, key: str) -> _V:
        return self._project(EVENTS[key])

    def __iter__(self) -> Iterator[str]:
        return iter(list(EVENTS))

    def __len__(self) -> int:
        return len(EVENTS)


#: event type -> {field name: field type value}
EVENT_FIELDS: Mapping[str, Mapping[str, str]] = _EventView(
    lambda e: {n: f.type.value for n, f in e.fields.items()}
)

#: fields each event type must carry; the rest are optional
EVENT_REQUIRED: Mapping[str, frozenset[str]] = _EventView(lambda e: e.required)


def determinations() -> tuple[str, ...]:
    """Event types the monitor declares once about a supplier, for every buyer."""
    return tuple(name for name, e in EVENTS.items() if e.determination)


#: the units quantities may be recorded and priced in (``obligations._units`` converts them)
UNITS: frozenset[str] = frozenset({"lb", "kg", "cwt", "unit"})

#: the spec keywords the engine acts on: each is exactly one registered rule in
#: ``obligations`` (``tests/obligations/test_rule_registry.py`` keeps the two sets equal)
RULE_KEYWORDS: frozenset[str] = frozenset(
    {"trigger", "accrue", "settled_by", "ends_on", "violated_by", "kpi", "powers", "escalation"}
)

#: names every clause template may use without declaring them
TEMPLATE_GLOBALS: frozenset[str] = frozenset(
    {"agreement", "party", "parties", "suppliers", "ref", "has", "term", "loop", "range"}
)
