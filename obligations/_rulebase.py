"""The rule registry: one class per spec keyword, looked up by the keyword it implements.

What a clause's obligation *means* is declared in its spec (``accrue``, ``settled_by``,
``ends_on``, ``violated_by``, ``kpi``, ``powers``; ``clauses.RULE_KEYWORDS``). Each keyword is
one :class:`Rule` subclass registered under its name, the way APScheduler has one trigger
class per kind behind one interface; :func:`obligations._rules.apply_event` and
:func:`~obligations._rules.on_time` only walk the registry, never dispatch on a clause id or an
event name. A test keeps the registered keywords equal to the declared ones, so a keyword the
library may use but no rule acts on fails CI, and ``wsr library --check`` refuses what the
schema and the vocabulary do not know.

Rules are pure: they read obligations through the :class:`~obligations._outcome.Work` of the
current step and record what they change there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from clauses import BoundSpec, InputError
from clauses._schema import Match

from ._context import AgreementContext
from ._enums import LegalState
from ._model import Event, Money, Obligation
from ._outcome import Work

#: the :meth:`Rule.acts_before` of a rule that does nothing to any instance at ``now``
ACTS_ON_NONE = datetime.min.replace(tzinfo=UTC)
#: one microsecond: ``due_at <= now`` is ``due_at < now + TICK``
TICK = timedelta(microseconds=1)


@attrs.define(kw_only=True)
class EventStep:
    """One event being applied: the event, the fields specs match and compute with (its
    payload plus what earlier rules derived, e.g. the spec a payment paid), and the work."""

    ctx: AgreementContext
    event: Event
    work: Work
    env: dict[str, Any]
    #: obligations a rule has settled with this event (so an unclaimed payment is refused)
    settled: set[str] = attrs.field(factory=set)


class Rule:
    """One spec keyword's meaning. Subclasses set ``keyword`` and override what they act on.

    ``order`` fixes when a rule runs within one event: a breach is judged on the state before
    the event's own consequences, a payment derives the fields a follow-on spec filters on,
    endings run before new instances are created.
    """

    keyword: ClassVar[str]
    order: ClassVar[int]
    #: whether :meth:`on_time` does anything (the sweep skips agreements no timed rule needs)
    timed: ClassVar[bool] = False
    #: the states of the instances :meth:`on_time` can change (None: any open state) …
    time_states: ClassVar[frozenset[LegalState] | None] = None
    #: … and flags any one of which makes it leave an instance alone (see :meth:`acts_before`)
    time_skips: ClassVar[frozenset[str]] = frozenset()

    def declared(self, spec: BoundSpec) -> bool:
        """Whether ``spec`` uses this keyword."""
        return bool(getattr(spec, self.keyword))

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        """What ``step.event`` does to instances of ``spec``."""

    def on_agreement_event(self, step: EventStep) -> None:
        """What ``step.event`` does beyond any one spec (once per event)."""

    def on_time(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        work: Work,
        now: datetime,
        open_: Sequence[Obligation],
    ) -> None:
        """What the passing of time alone does to ``open_``, the open instances of ``spec``."""

    def acts_before(self, ctx: AgreementContext, spec: BoundSpec, now: datetime) -> datetime | None:
        """An instant such that :meth:`on_time` at ``now`` changes no open instance of
        ``spec`` due (``due_at``) at or after it; None when any open instance may change.

        The time step reads only the open instances due before the largest bound of a spec's
        rules (every read and every sweep runs it, and a million-instance store holds hundreds
        of thousands of open instances due later, which no time rule touches), so a bound
        must never be too early: a rule given fewer instances would do less. ``on_time``
        still decides each instance itself. Every instance's ``due_at`` is the end of its
        local due day (:func:`obligations._compile.new_instance`). :attr:`time_states` and
        :attr:`time_skips` narrow the question the same way, and hold because nothing in the
        time step moves an instance into an open state or removes a flag before the rules run.
        """
        return None

    def wakes_at(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        open_: Sequence[Obligation],
        now: datetime,
    ) -> datetime | None:
        """The earliest instant at or after ``now`` at which :meth:`on_time` could change one
        of ``open_``; None when it never will (until a write changes them).

        ``open_`` is what :meth:`on_time` is given at ``now`` (the open instances of ``spec``
        due before :meth:`acts_before`, in :attr:`time_states`, without :attr:`time_skips`)
        plus the first such instance due at or after that bound: a rule whose instant grows
        with the due date needs no later one. The answer must never be later than the true
        one (reads skip the agreement until then: ``obligations._wake``); the default,
        ``now``, keeps every agreement with this rule awake — slow, never wrong.
        """
        return now

    def on_confirm(self, spec: BoundSpec, ob: Obligation) -> None:
        """Refuse (raise) a person's confirmation of a breach the declaration rules out."""


#: keyword -> rule, in the order rules run
RULES: dict[str, Rule] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: register one instance of ``cls`` under its keyword."""
    if cls.keyword in RULES:
        raise ValueError(f"a rule for {cls.keyword!r} is already registered")
    RULES[cls.keyword] = cls()
    ordered = sorted(RULES.items(), key=lambda kv: kv[1].order)
    RULES.clear()
    RULES.update(ordered)
    return cls


def rules_for(spec: BoundSpec) -> list[Rule]:
    """The registered rules ``spec`` declares, in running order."""
    return [r for r in RULES.values() if r.declared(spec)]


# -- helpers the rules share -----------------------------------------------------------------


def matches(where: Mapping[str, Any], env: Mapping[str, Any]) -> bool:
    """A ``where`` filter: every key's value equals (one of) the wanted value(s)."""
    for key, wanted in where.items():
        have = env.get(key)
        if isinstance(have, Money):
            have = have.value
        options = wanted if isinstance(wanted, list) else [wanted]
        if str(have) not in {str(o) for o in options}:
            return False
    return True


def concerned(
    spec: BoundSpec, match: Match, step: EventStep, *, where: Mapping[str, Any]
) -> list[Obligation]:
    """The open, in-effect instances of ``spec`` the event concerns (see :class:`Match`)."""
    if not matches(where, step.env):
        return []
    payload = step.event.payload
    if match is Match.OBLIGATION:
        target = step.work.get(str(payload.get("obligation")))
        return [] if target is None or target.spec_id != spec.id else [target]
    if match is Match.SUBJECT:
        supplier = payload.get("supplier")
        if not isinstance(supplier, str):
            return []
        found = step.work.open(subject=supplier)
    else:
        found = step.work.open()
    return [o for o in found if o.spec_id == spec.id and o.state is LegalState.IN_EFFECT]


def describe(ob: Obligation) -> str:
    return f"{ob.spec_id}" + (f" for {ob.subject}" if ob.subject else "")


def what(event: Event) -> str:
    """An event in a sentence: "purchase recorded on 2026-03-12 (quantity 500, unit lb)"."""
    fields = ", ".join(
        f"{k} {v}"
        for k, v in event.payload.items()
        if k != "supplier" and isinstance(v, str | int | Decimal | Money)
    )
    name = event.type.replace("_", " ")
    return f"{name} on {event.occurred_on.isoformat()}" + (f" ({fields})" if fields else "")


def last_day(ob: Obligation) -> date | None:
    """A prohibition's last day in force (a watch's end), or None when it runs until an event."""
    return ob.period_end if ob.kind == "prohibition" else None


def require(condition: bool, path: str, message: str) -> None:
    if not condition:
        raise InputError.single(path, message)
