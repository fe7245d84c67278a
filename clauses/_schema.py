"""The machine-checked format of a clause library file (``clauses/library/<id>.yaml``).

These pydantic models are the single definition of the format: the loader validates every
file against them, ``wsr library --check`` adds the cross-checks a schema cannot express
(see ``_check.py``), and :func:`library_json_schema` exports them as JSON Schema for editors.

A clause file, in short::

    id: premium                      # the clause type; part of the public contract
    version: 1.0.0                   # semver: any change of text or obligations bumps it
    title: Fair Food Premium
    category: economic
    order: 50                        # where its section falls in an agreement
    summary: one line for the clause browser
    commentary: for counsel — what it does, which programmes use it, sources
    defines: [{term: Premium, definition: ...}]
    variables:
      rate: {type: decimal, label: ..., help: ..., min: 0, min_exclusive: true,
             default: "0.01", floor: {at_least: "0.01"}}
    alternatives:
      standard: {kind: standard, label: ..., text: "Jinja2 …"}
      extended_payment: {kind: fallback, label: ..., text: ..., defaults: {payment_due_days: 45}}
      floor: {kind: floor, ...}
    obligations: [ObligationSpec …]
    powers: [PowerSpec …]
    tests: [TraceTest …]
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SEMVER = r"^\d+\.\d+\.\d+$"
IDENT = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VarType(StrEnum):
    """Types a clause variable can have; the interview and the console ask exactly these."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"  # an amount in the agreement's currency
    PERCENT = "percent"  # 0–100, Decimal
    DATE = "date"
    DURATION = "duration"  # ISO 8601: P30D, P6M, P1Y
    ENUM = "enum"
    PARTY = "party"  # a party role
    BOOLEAN = "boolean"
    LIST = "list"  # a list of records described by `items`


class Floor(_Strict):
    """The WSR floor for a variable: going past it needs a recorded override."""

    at_least: Decimal | None = None
    at_most: Decimal | None = None
    allowed: list[str] | None = None  # enum values that still satisfy the floor
    equals: bool | None = None  # booleans that must hold (e.g. auto_renew)

    @model_validator(mode="after")
    def _one(self) -> Floor:
        given = [
            v for v in (self.at_least, self.at_most, self.allowed, self.equals) if v is not None
        ]
        if len(given) != 1:
            raise ValueError("a floor gives exactly one of at_least, at_most, allowed, equals")
        return self


class Reference(_Strict):
    """A programme's own figure for a variable the library gives no default.

    A variable without a default has no standard value, so the deviation report cannot compare
    it with the standard text; it compares it with this figure instead (the Accord's cap of
    USD 500,000), so a cap negotiated down to 200,000 is shown to counsel as a deviation.
    """

    value: Any  # a value of the variable's own type; null = "none" (no cap) is the figure
    source: str = Field(min_length=1)  # the programme and document the figure comes from


class VariableDef(_Strict):
    type: VarType
    label: str
    help: str = ""
    default: Any = None
    required: bool = True  # a variable with a default is never missing
    min: Decimal | None = None
    max: Decimal | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    choices: list[str] | None = None  # for enum
    items: dict[str, VariableDef] | None = None  # for list: the fields of each record
    min_items: int | None = None
    max_items: int | None = None
    floor: Floor | None = None
    reference: Reference | None = None  # only for a variable without a default

    @model_validator(mode="after")
    def _shape(self) -> VariableDef:
        if self.type is VarType.ENUM and not self.choices:
            raise ValueError("an enum variable needs `choices`")
        if self.type is not VarType.ENUM and self.choices:
            raise ValueError("only enum variables take `choices`")
        if self.type is VarType.LIST and not self.items:
            raise ValueError("a list variable needs `items` (the fields of each record)")
        if self.type is not VarType.LIST and self.items:
            raise ValueError("only list variables take `items`")
        return self


class AlternativeKind(StrEnum):
    STANDARD = "standard"  # the worker organization's model text
    FALLBACK = "fallback"  # a named, acceptable concession
    FLOOR = "floor"  # the minimum that still satisfies WSR principles


class Alternative(_Strict):
    kind: AlternativeKind
    label: str
    note: str = ""  # for counsel: what this alternative concedes
    text: str  # Jinja2; blank lines separate numbered sub-clauses
    defaults: dict[str, Any] = Field(default_factory=dict)  # overrides of variable defaults
    obligations: list[str] | None = None  # spec ids active under it; None = all


class Trigger(_Strict):
    """When instances of an obligation come into being.

    - ``execution``: one instance when the agreement is executed;
    - ``recurrence``: one instance per calendar period (``every``: a literal period or the name
      of an enum variable holding one) from execution to the end of the term;
    - ``event``: instances created by a matching event (``event`` + optional ``where`` filter);
      with ``accrue: per_period`` one instance per subject per period (``period``: variable)
      accumulates the amounts of every matching event in that period.
    """

    on: Literal["execution", "recurrence", "event"]
    every: str | None = None
    event: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    accrue: Literal["per_period"] | None = None
    period: str | None = None
    until: str | None = None  # event type that ends the obligation (e.g. supplier_reinstated)

    @model_validator(mode="after")
    def _shape(self) -> Trigger:
        if self.on == "recurrence" and not self.every:
            raise ValueError("a recurrence trigger needs `every`")
        if self.on == "event" and not self.event:
            raise ValueError("an event trigger needs `event`")
        if self.on != "event" and (self.event or self.accrue or self.where):
            raise ValueError("`event`, `where` and `accrue` belong to event triggers")
        if self.accrue and not self.period:
            raise ValueError("`accrue: per_period` needs `period` (the variable naming the period)")
        return self


class Deadline(_Strict):
    """Due date = anchor + days/months, on the agreement's calendar, end of that local day."""

    anchor: Literal["execution", "event", "period_end", "term_end", "payment"]
    days: int | str = 0  # a literal or the name of an integer variable; may be negative
    months: int | str = 0
    calendar: Literal["calendar_days", "business_days"] = "calendar_days"
    rounding: Literal["none", "month_end"] = "none"


class Amount(_Strict):
    """Money owed: a formula over clause variables and event fields, in Decimal arithmetic.

    Formulas allow names, numbers, + - * / ( ), ``min``, ``max``, ``round2`` and
    ``tier_fee(x)`` (the clause's `tiers`/`cap`/`floor`/`boundary`).
    """

    formula: str
    currency: Literal["agreement"] = "agreement"


class Cure(_Strict):
    days: int | str
    powers: list[str] = Field(default_factory=list)


class ObligationKind(StrEnum):
    PAYMENT = "payment"
    ACTION = "action"
    REPORT = "report"
    PROHIBITION = "prohibition"
    MAINTENANCE = "maintenance"


class ObligationSpec(_Strict):
    id: str = Field(pattern=IDENT)  # local; the full id is "<clause id>.<id>"
    title: str
    description: str = ""
    kind: ObligationKind
    obligor: str
    beneficiary: str
    subject: Literal["supplier"] | None = None  # instances are per covered supplier
    trigger: Trigger
    deadline: Deadline
    amount: Amount | None = None
    evidence: list[str] = Field(default_factory=list)
    reminders: list[int] = Field(default_factory=lambda: [7, 1])  # days before due
    grace_days: int | str = 0
    cure: Cure | None = None
    surviving: bool = False
    kpi: bool = False  # a performance target, tracked apart from contractual deadlines


class PowerSpec(_Strict):
    id: str = Field(pattern=IDENT)
    title: str
    holder: str
    against: str
    action: Literal[
        "suspend", "terminate", "cease_purchases", "reduce_orders", "escalate", "arbitrate"
    ]
    trigger: str  # "violation:<spec id>" or an event type


class TraceEvent(_Strict):
    type: str
    on: str  # ISO date or aware datetime
    set: dict[str, Any] = Field(default_factory=dict)


class TraceExpect(_Strict):
    spec: str
    subject: str | None = None
    due: str | None = None
    amount: str | None = None
    state: str | None = None
    timing: str | None = None
    flags: list[str] | None = None
    count: int | None = None


class TraceTest(_Strict):
    """A small scenario: events in, obligations out; run by the test suite."""

    name: str
    signed_on: str
    now: str
    variables: dict[str, Any] = Field(default_factory=dict)
    events: list[TraceEvent] = Field(default_factory=list)
    expect: list[TraceExpect]


class WsrElement(StrEnum):
    """The six things that make an agreement WSR at all (the WSR Network's principles)."""

    WORKER_CODE = "worker_code"  # a code of conduct written with the workers
    BINDING_AGREEMENT = "binding_agreement"  # a term and an enforceable forum
    MARKET_CONSEQUENCE = "market_consequence"  # the Buyer stops or cuts buying on suspension
    SUPPLIER_SUPPORT = "supplier_support"  # money that makes compliance affordable
    COMPLAINTS = "complaints"  # a worker complaint mechanism with remedies
    MONITORING = "monitoring"  # independent monitoring with access


class Requirement(_Strict):
    """Marks a clause type as carrying a WSR element.

    An agreement that includes no clause carrying an element is not WSR; drafting it warns,
    with ``lacks`` (what the agreement then lacks, in counsel's words), and ``wsr draft
    --strict`` refuses it unless the answers record the omission with a reason and approver.
    Several clause types may carry one element (a premium or remediation financing both give
    supplier support); any one of them satisfies it.
    """

    element: WsrElement
    lacks: str = Field(min_length=20)


class RetiredAlternative(_Strict):
    """An alternative that no longer exists, kept so answers files that name it still draft.

    Drafting uses ``becomes`` for this clause and sets ``sets`` on the clause ``moved_to``
    (unless the answers set those variables themselves), and warns that the file should be
    updated.
    """

    becomes: str = "standard"
    moved_to: str | None = None
    sets: dict[str, Any] = Field(default_factory=dict)
    note: str


class Severity(StrEnum):
    """What a broken constraint does: refuse the draft, or draft and warn counsel."""

    ERROR = "error"
    WARNING = "warning"


class Constraint(_Strict):
    """A relation between variables that the answers must respect (see ``_constraints``).

    ``check`` is either a comparison of two formulas over variables (``floor <= cap``,
    ``opt_out_notice_days < initial_term_months * 28``; ``other_clause.name`` reads a variable
    of another clause and the constraint applies only when both clauses are in the agreement)
    or the built-in ``fee_tiers(tiers, cap, floor)``, which reports its own errors (bands out of
    order, overlapping, with gaps; a floor above the cap) and warnings (bands the cap or the floor
    makes unreachable). A constraint naming a variable that is not set does not apply.
    """

    id: str = Field(pattern=IDENT)
    check: str
    path: str = ""  # the variable a broken comparison is reported against (defaults: first name)
    severity: Severity = Severity.ERROR
    message: str = ""  # what is wrong, in counsel's words (comparisons only)
    when: str | None = None  # a boolean variable that must be true for the check to apply


class DefinedTerm(_Strict):
    term: str
    definition: str  # Jinja2, same context as the clause text


class ClauseDef(_Strict):
    id: str = Field(pattern=IDENT)
    version: str = Field(pattern=SEMVER)
    title: str
    category: str
    order: int
    mandatory: bool = False  # included in every agreement, standard text, defaults
    required: Requirement | None = None  # carries a WSR element; leaving it out warns
    summary: str
    commentary: str
    sources: list[str] = Field(default_factory=list)
    defines: list[DefinedTerm] = Field(default_factory=list)
    variables: dict[str, VariableDef] = Field(default_factory=dict)
    alternatives: dict[str, Alternative]
    retired_alternatives: dict[str, RetiredAlternative] = Field(default_factory=dict)
    obligations: list[ObligationSpec] = Field(default_factory=list)
    powers: list[PowerSpec] = Field(default_factory=list)
    tests: list[TraceTest] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _alternatives(self) -> ClauseDef:
        kinds = [a.kind for a in self.alternatives.values()]
        if (
            "standard" not in self.alternatives
            or self.alternatives["standard"].kind is not AlternativeKind.STANDARD
        ):
            raise ValueError("alternatives need one named `standard` of kind standard")
        if kinds.count(AlternativeKind.STANDARD) != 1:
            raise ValueError("exactly one alternative may be of kind standard")
        if AlternativeKind.FALLBACK not in kinds:
            raise ValueError("alternatives need at least one named fallback")
        if kinds.count(AlternativeKind.FLOOR) > 1:
            raise ValueError("at most one alternative may be of kind floor")
        for name, retired in self.retired_alternatives.items():
            if name in self.alternatives:
                raise ValueError(f"retired alternative {name!r} is also a current alternative")
            if retired.becomes not in self.alternatives:
                raise ValueError(
                    f"retired alternative {name!r} becomes unknown alternative {retired.becomes!r}"
                )
        if self.mandatory and self.required is not None:
            raise ValueError("a mandatory clause is always included: it cannot also be required")
        return self


def library_json_schema() -> dict[str, Any]:
    """The clause file format as JSON Schema (for editors and external validators)."""
    return ClauseDef.model_json_schema()
