"""The machine-checked format of a clause library file (``clauses/library/<id>.yaml``).

These frozen dataclasses are the single definition of the format: the loader validates every
file against them with pydantic (``_frozen``: the constraints are in the annotations, each
``__post_init__`` is a check across fields), ``wsr library --check`` adds the cross-checks a
schema cannot express (see ``_check.py``), and :func:`library_json_schema` exports them as JSON
Schema for editors.

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

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ._frozen import Frozen
from ._kinds import ObligationKind

if TYPE_CHECKING:  # the constraints in the annotations are read by pydantic only (``_frozen``)
    from pydantic import Field

SEMVER = r"^\d+\.\d+\.\d+$"
IDENT = r"^[a-z][a-z0-9_]*$"


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


@dataclass(frozen=True, kw_only=True)
class Floor(Frozen):
    """The WSR floor for a variable: going past it needs a recorded override."""

    at_least: Decimal | None = None
    at_most: Decimal | None = None
    allowed: list[str] | None = None  # enum values that still satisfy the floor
    equals: bool | None = None  # booleans that must hold (e.g. auto_renew)

    def __post_init__(self) -> None:
        given = [
            v for v in (self.at_least, self.at_most, self.allowed, self.equals) if v is not None
        ]
        if len(given) != 1:
            raise ValueError("a floor gives exactly one of at_least, at_most, allowed, equals")


@dataclass(frozen=True, kw_only=True)
class Reference(Frozen):
    """A programme's own figure for a variable the library gives no default.

    A variable without a default has no standard value, so the deviation report cannot compare
    it with the standard text; it compares it with this figure instead (the Accord's cap of
    USD 500,000), so a cap negotiated down to 200,000 is shown to counsel as a deviation.
    """

    value: Any  # a value of the variable's own type; null = "none" (no cap) is the figure
    source: Annotated[str, Field(min_length=1)]  # the programme and document the figure comes from


@dataclass(frozen=True, kw_only=True)
class VariableDef(Frozen):
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

    def __post_init__(self) -> None:
        if self.type is VarType.ENUM and not self.choices:
            raise ValueError("an enum variable needs `choices`")
        if self.type is not VarType.ENUM and self.choices:
            raise ValueError("only enum variables take `choices`")
        if self.type is VarType.LIST and not self.items:
            raise ValueError("a list variable needs `items` (the fields of each record)")
        if self.type is not VarType.LIST and self.items:
            raise ValueError("only list variables take `items`")


class AlternativeKind(StrEnum):
    STANDARD = "standard"  # the worker organization's model text
    FALLBACK = "fallback"  # a named, acceptable concession
    FLOOR = "floor"  # the minimum that still satisfies WSR principles


@dataclass(frozen=True, kw_only=True)
class Alternative(Frozen):
    kind: AlternativeKind
    label: str
    note: str = ""  # for counsel: what this alternative concedes
    text: str  # Jinja2; blank lines separate numbered sub-clauses
    defaults: dict[str, Any] = field(default_factory=dict)  # overrides of variable defaults
    obligations: list[str] | None = None  # spec ids active under it; None = all


@dataclass(frozen=True, kw_only=True)
class Trigger(Frozen):
    """When instances of an obligation come into being.

    - ``execution``: one instance when the agreement is executed;
    - ``recurrence``: one instance per calendar period (``every``: a literal period or the name
      of an enum variable holding one) from execution to the end of the term;
    - ``event``: instances created by a matching event (``event`` + optional ``where`` filter);
      with ``accrue`` (on the spec) one instance per subject per period adds up every matching
      event of that period instead.
    """

    on: Literal["execution", "recurrence", "event"]
    every: str | None = None
    event: str | None = None
    where: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.on == "recurrence" and not self.every:
            raise ValueError("a recurrence trigger needs `every`")
        if self.on == "event" and not self.event:
            raise ValueError("an event trigger needs `event`")
        if self.on != "event" and (self.event or self.where):
            raise ValueError("`event` and `where` belong to event triggers")


class Match(StrEnum):
    """Which open instances an event concerns."""

    SUBJECT = "subject"
    """Those whose subject is the event's ``supplier``."""
    OBLIGATION = "obligation"
    """The one the event names in its ``obligation`` field."""
    AGREEMENT = "agreement"
    """Every open instance of the spec in the agreement."""


@dataclass(frozen=True, kw_only=True)
class Accrue(Frozen):
    """``accrue``: the trigger event's quantities add up into one instance per subject and
    period; the formula's ``quantity`` is the sum, converted into the clause's unit.

    ``per`` is a literal period or an enum variable holding one; ``quantity`` and
    ``unit_field`` name fields of the trigger event; the unit amounts are priced in is either
    fixed (``unit``) or a clause variable (``unit_variable``). Without either, quantities are
    summed as recorded.
    """

    per: str
    quantity: str = "quantity"
    unit_field: str | None = None
    unit: str | None = None
    unit_variable: str | None = None

    def __post_init__(self) -> None:
        if self.unit is not None and self.unit_variable is not None:
            raise ValueError("give the unit as `unit` (fixed) or `unit_variable`, not both")
        if (self.unit or self.unit_variable) and not self.unit_field:
            raise ValueError("converting into a unit needs `unit_field` (the event's unit)")


class SettleBy(StrEnum):
    """How an obligation is performed."""

    PAYMENT = "payment"
    """An event pays an amount against the instance it names: partial, full, late."""
    PAYROLL = "payroll"
    """A payroll event for the subject credits the premium it carried: shortfall or full."""
    EVIDENCE = "evidence"
    """A person records performance (``wsr fulfil``), with the evidence the spec names."""
    EVENT = "event"
    """A matching event fulfils it (late when after the due date)."""


@dataclass(frozen=True, kw_only=True)
class SettledBy(Frozen):
    """``settled_by``: one way the obligation is performed (a spec may list several)."""

    by: SettleBy
    event: str | None = None
    match: Match | None = None
    where: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.by is SettleBy.EVIDENCE:
            if self.event or self.match or self.where:
                raise ValueError("`by: evidence` takes no event, match or where")
        elif not self.event:
            raise ValueError(f"`by: {self.by.value}` needs `event` (the event that settles it)")


class EndOutcome(StrEnum):
    """What an ending makes of an open instance."""

    FULFILLED = "fulfilled"
    """Performed: the duty ran its course and was kept."""
    DISCHARGED = "discharged"
    """Released without performance (a suspicion of breach is kept for a person)."""
    OPEN = "open"
    """Left open: what was owed is still owed (an overdue action stays overdue)."""


@dataclass(frozen=True, kw_only=True)
class EndsOn(Frozen):
    """``ends_on``: an event (``event``) or the end date passing (``time: end``) ends open
    instances, as ``outcome``; one with a suspected breach as ``if_suspected``; an action or
    payment already overdue as ``if_overdue``."""

    event: str | None = None
    time: Literal["end"] | None = None
    match: Match = Match.SUBJECT
    where: dict[str, Any] = field(default_factory=dict)
    outcome: EndOutcome = EndOutcome.FULFILLED
    if_suspected: EndOutcome = EndOutcome.DISCHARGED
    if_overdue: EndOutcome = EndOutcome.OPEN

    def __post_init__(self) -> None:
        if (self.event is None) == (self.time is None):
            raise ValueError("an ending gives exactly one of `event` or `time: end`")
        if self.time is not None and (self.where or self.match is not Match.SUBJECT):
            raise ValueError("`time: end` takes no match or where")


@dataclass(frozen=True, kw_only=True)
class ViolatedBy(Frozen):
    """``violated_by``: a matching event raises ``breach_suspected`` (a person confirms).

    ``after: due`` counts only events dated after the due date (for a prohibition: after it
    takes effect, e.g. a purchase after the cut-off); ``after: start`` any event while the
    instance is open (and, for a watch with an end, not after its last day). ``same`` names
    fields whose values must agree with the event that created the instance.
    """

    event: str
    match: Match = Match.SUBJECT
    where: dict[str, Any] = field(default_factory=dict)
    after: Literal["start", "due"] = "start"
    #: fields the event shares with the event that created the instance (a finding about one
    #: complainant breaks only the watch of that complainant's complaint); compared when both
    #: events carry the field, so a finding that names nobody concerns every watch
    same: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Deadline(Frozen):
    """Due date = anchor + days/months, on the agreement's calendar, end of that local day."""

    anchor: Literal["execution", "event", "period_end", "term_end", "payment"]
    days: int | str = 0  # a literal or the name of an integer variable; may be negative
    months: int | str = 0
    calendar: Literal["calendar_days", "business_days"] = "calendar_days"
    rounding: Literal["none", "month_end"] = "none"


@dataclass(frozen=True, kw_only=True)
class Amount(Frozen):
    """Money owed: a formula over clause variables and event fields, in Decimal arithmetic.

    Formulas allow names, numbers, + - * / ( ), ``min``, ``max``, ``round2`` and
    ``tier_fee(x)`` (the clause's `tiers`/`cap`/`floor`/`boundary`).
    """

    formula: str
    currency: Literal["agreement"] = "agreement"


@dataclass(frozen=True, kw_only=True)
class Cure(Frozen):
    """After a confirmed breach, the breaching party has ``days`` to cure; ``powers`` name
    what becomes available if it does not.

    ``days`` is a number, a variable of the spec's own clause, or ``<clause>.<variable>`` of
    another clause: the clause that states the cure period (termination's ``cure_days``), so
    one period stated once governs every breach the text sends through it. Another clause
    may be left out of an agreement, so a reference to one must say what then applies:
    ``fallback_days``."""

    days: int | str
    fallback_days: Annotated[int | None, Field(ge=0, le=3650)] = None
    powers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        other = isinstance(self.days, str) and "." in self.days
        if other and self.fallback_days is None:
            raise ValueError(
                f"`cure.days: {self.days}` names another clause's variable; declare "
                "`fallback_days` for agreements that leave that clause out"
            )
        if not other and self.fallback_days is not None:
            raise ValueError(
                "`cure.fallback_days` applies only when `cure.days` names another clause's "
                "variable (<clause>.<variable>)"
            )


#: the reminder offsets a spec that declares none is drafted with (days before the due date)
DEFAULT_REMINDERS: tuple[int, ...] = (14, 7, 1)


@dataclass(frozen=True, kw_only=True)
class Escalation(Frozen):
    """``escalation``: the notice ladder after the reminders (issue 10) — overdue notices every
    ``overdue_every`` days (0: none), a formal breach notice to the obligor once a breach is
    confirmed, and where the ``cure`` period runs from: the confirmation, or the day that
    notice is DELIVERED (``cure_from: delivery``: no cure runs until the obligor has it).

    ``suspect_after_days``: where the text makes lateness itself a material breach ("once the
    amount is thirty days overdue"), the sweep raises ``breach_suspected`` that many days after
    the due date, so a person is asked to confirm it; None: only people and events suspect."""

    overdue_every: Annotated[int, Field(ge=0, le=365)] = 7
    suspect_after_days: Annotated[int | None, Field(ge=0, le=365)] = None
    breach_notice: bool = True
    cure_from: Literal["confirmation", "delivery"] = "confirmation"


@dataclass(frozen=True, kw_only=True)
class ObligationSpec(Frozen):
    """One obligation of a clause. What starts it (``trigger``, ``deadline``), and what the
    engine does with it, declared: ``accrue``, ``settled_by``, ``ends``/``ends_on``,
    ``violated_by``, ``kpi``; each of these keywords is one registered rule in
    ``obligations`` (:data:`clauses.RULE_KEYWORDS`)."""

    id: Annotated[str, Field(pattern=IDENT)]  # local; the full id is "<clause id>.<id>"
    title: str
    description: str = ""
    kind: ObligationKind
    obligor: str
    beneficiary: str
    subject: Literal["supplier"] | None = None  # instances are per covered supplier
    trigger: Trigger
    #: when it is due; for a prohibition, when it takes effect
    deadline: Deadline
    #: for a prohibition: its last day in force (a watch); None = until an ending event
    ends: Deadline | None = None
    amount: Amount | None = None
    accrue: Accrue | None = None
    settled_by: list[SettledBy] = field(default_factory=list)
    ends_on: list[EndsOn] = field(default_factory=list)
    violated_by: list[ViolatedBy] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    #: days before due; None (not given) = the default ladder, DEFAULT_REMINDERS, bound into
    #: the record at drafting; [] = no reminders before the due day
    reminders: list[int] | None = None
    grace_days: int | str = 0
    cure: Cure | None = None
    surviving: bool = False
    kpi: bool = False  # a performance target: missing it is ``kpi_missed``, never a breach
    escalation: Escalation | None = None  # the notice ladder (scheduler); see Escalation

    def __post_init__(self) -> None:
        if self.escalation is not None and self.escalation.cure_from == "delivery":
            if self.cure is None or not self.escalation.breach_notice:
                raise ValueError(
                    "`escalation: cure_from: delivery` needs a `cure` and a breach notice "
                    "(`breach_notice: true`) whose delivery starts it"
                )
        if self.accrue is not None and self.trigger.on != "event":
            raise ValueError("`accrue` needs an event trigger (the events that accrue)")
        if self.ends is not None and self.kind is not ObligationKind.PROHIBITION:
            raise ValueError("`ends` (a last day in force) belongs to prohibitions")
        if any(e.time == "end" for e in self.ends_on) and self.ends is None:
            raise ValueError("`ends_on: time: end` needs `ends` (the last day in force)")
        if self.kpi and self.violated_by:
            raise ValueError("a KPI is a target, never a breach: it takes no `violated_by`")
        if self.kpi and self.cure is not None:
            raise ValueError("a KPI is a target, never a breach: it takes no `cure`")


class PowerAction(StrEnum):
    """What exercising a power does (recorded; the engine does not act on it by itself)."""

    SUSPEND = "suspend"
    TERMINATE = "terminate"
    CEASE_PURCHASES = "cease_purchases"
    REDUCE_ORDERS = "reduce_orders"
    ESCALATE = "escalate"
    ARBITRATE = "arbitrate"


@dataclass(frozen=True, kw_only=True)
class PowerSpec(Frozen):
    """``powers``: a right one party gains against another — available after a confirmed
    breach (``trigger: "violation:<spec id>"``) or when an event happens (an event type) —
    and exercised by a person, with a reason."""

    id: Annotated[str, Field(pattern=IDENT)]
    title: str
    holder: str
    against: str
    action: PowerAction
    trigger: str  # "violation:<spec id>" or an event type


@dataclass(frozen=True, kw_only=True)
class TraceEvent(Frozen):
    type: str
    on: str  # ISO date or aware datetime
    set: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TraceExpect(Frozen):
    spec: str
    subject: str | None = None
    due: str | None = None
    amount: str | None = None
    state: str | None = None
    timing: str | None = None
    flags: list[str] | None = None
    #: flags the instance must NOT carry (e.g. a KPI is never breach_suspected)
    not_flags: list[str] | None = None
    ends: str | None = None  # the last day in force (period_end) of a prohibition
    count: int | None = None


@dataclass(frozen=True, kw_only=True)
class TraceTest(Frozen):
    """A small scenario: events in, obligations out; run by the test suite."""

    name: str
    signed_on: str
    now: str
    variables: dict[str, Any] = field(default_factory=dict)
    events: list[TraceEvent] = field(default_factory=list)
    expect: list[TraceExpect]


class WsrElement(StrEnum):
    """The six things that make an agreement WSR at all (the WSR Network's principles)."""

    WORKER_CODE = "worker_code"  # a code of conduct written with the workers
    BINDING_AGREEMENT = "binding_agreement"  # a term and an enforceable forum
    MARKET_CONSEQUENCE = "market_consequence"  # the Buyer stops or cuts buying on suspension
    SUPPLIER_SUPPORT = "supplier_support"  # money that makes compliance affordable
    COMPLAINTS = "complaints"  # a worker complaint mechanism with remedies
    MONITORING = "monitoring"  # independent monitoring with access


@dataclass(frozen=True, kw_only=True)
class Requirement(Frozen):
    """Marks a clause type as carrying a WSR element.

    An agreement that includes no clause carrying an element is not WSR; drafting it warns,
    with ``lacks`` (what the agreement then lacks, in counsel's words), and ``wsr draft
    --strict`` refuses it unless the answers record the omission with a reason and approver.
    Several clause types may carry one element (a premium or remediation financing both give
    supplier support); any one of them satisfies it.
    """

    element: WsrElement
    lacks: Annotated[str, Field(min_length=20)]


@dataclass(frozen=True, kw_only=True)
class RetiredAlternative(Frozen):
    """An alternative that no longer exists, kept so answers files that name it still draft.

    Drafting uses ``becomes`` for this clause and sets ``sets`` on the clause ``moved_to``
    (unless the answers set those variables themselves), and warns that the file should be
    updated.
    """

    becomes: str = "standard"
    moved_to: str | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    note: str


class Severity(StrEnum):
    """What a broken constraint does: refuse the draft, or draft and warn counsel."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, kw_only=True)
class Constraint(Frozen):
    """A relation between variables that the answers must respect (see ``_constraints``).

    ``check`` is either a comparison of two formulas over variables (``floor <= cap``,
    ``opt_out_notice_days < initial_term_months * 28``; ``other_clause.name`` reads a variable
    of another clause and the constraint applies only when both clauses are in the agreement)
    or the built-in ``fee_tiers(tiers, cap, floor)``, which reports its own errors (bands out of
    order, overlapping, with gaps; a floor above the cap) and warnings (bands the cap or the floor
    makes unreachable). A constraint naming a variable that is not set does not apply.
    """

    id: Annotated[str, Field(pattern=IDENT)]
    check: str
    path: str = ""  # the variable a broken comparison is reported against (defaults: first name)
    severity: Severity = Severity.ERROR
    message: str = ""  # what is wrong, in counsel's words (comparisons only)
    when: str | None = None  # a boolean variable that must be true for the check to apply


@dataclass(frozen=True, kw_only=True)
class DefinedTerm(Frozen):
    term: str
    definition: str  # Jinja2, same context as the clause text


@dataclass(frozen=True, kw_only=True)
class ClauseDef(Frozen):
    id: Annotated[str, Field(pattern=IDENT)]
    version: Annotated[str, Field(pattern=SEMVER)]
    title: str
    category: str
    order: int
    mandatory: bool = False  # included in every agreement, standard text, defaults
    required: Requirement | None = None  # carries a WSR element; leaving it out warns
    summary: str
    commentary: str
    sources: list[str] = field(default_factory=list)
    defines: list[DefinedTerm] = field(default_factory=list)
    variables: dict[str, VariableDef] = field(default_factory=dict)
    alternatives: dict[str, Alternative]
    retired_alternatives: dict[str, RetiredAlternative] = field(default_factory=dict)
    obligations: list[ObligationSpec] = field(default_factory=list)
    powers: list[PowerSpec] = field(default_factory=list)
    tests: list[TraceTest] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)

    def __post_init__(self) -> None:
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


def library_json_schema() -> dict[str, Any]:
    """The clause file format as JSON Schema (for editors and external validators)."""
    return ClauseDef.model_json_schema()
