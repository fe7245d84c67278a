"""What the compiler and the rules need to know about one tracked agreement, in one value.

The agreement record (``clauses.Agreement``) is the source of truth; this wraps it with the
facts of execution (signed on, term end) and the look-ups every rule repeats: a clause's
variables, the specs an event triggers, the covered suppliers, the holiday country.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import attrs

from clauses import Agreement, BoundDeadline, BoundSpec, InputError
from clauses._schema import PowerSpec

from ._calendar import PERIODS, add_months, country_for_timezone, due_date

#: the initial term when the agreement has no term_and_renewal clause
DEFAULT_TERM_MONTHS = 36


def initial_term_end(agreement: Agreement) -> date:
    """The last day of the initial term: a term of N months from the effective date ends the day
    before the same date N months later (36 months from 2026-01-05 ends on 2029-01-04), as the
    clause text says; ``initial_term_months`` is 36 when the agreement has no term clause."""
    months = term_variable(agreement, "initial_term_months", DEFAULT_TERM_MONTHS)
    return add_months(agreement.effective_date, int(months)) - timedelta(days=1)


def term_variable(agreement: Agreement, name: str, default: Any) -> Any:
    try:
        value = agreement.section("term_and_renewal").variables.get(name)
    except KeyError:
        return default
    return default if value is None else value


@attrs.define(frozen=True, kw_only=True)
class AgreementContext:
    """An executed agreement as the engine sees it."""

    agreement: Agreement
    signed_on: date
    term_end: date

    @property
    def id(self) -> str:
        return self.agreement.id

    @property
    def tz(self) -> str:
        return self.agreement.timezone

    @property
    def currency(self) -> str:
        return self.agreement.currency

    @property
    def country(self) -> str | None:
        return country_for_timezone(self.agreement.timezone)

    @cached_property
    def suppliers(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.agreement.suppliers)

    @cached_property
    def specs(self) -> tuple[BoundSpec, ...]:
        return tuple(self.agreement.specs)

    def spec(self, spec_id: str) -> BoundSpec | None:
        return next((s for s in self.specs if s.id == spec_id), None)

    def variables(self, clause_id: str) -> Mapping[str, Any]:
        try:
            return self.agreement.section(clause_id).variables
        except KeyError:
            return {}

    def powers(self) -> list[PowerSpec]:
        return [p for s in self.agreement.sections for p in s.powers]

    def event_specs(self, event_type: str) -> list[BoundSpec]:
        """Specs whose trigger is the event ``event_type``."""
        return [s for s in self.specs if s.trigger.on == "event" and s.trigger.event == event_type]

    def period_name(self, spec: BoundSpec, value: str | None) -> str:
        """A period bound into the spec (``every``, ``accrue.per``), checked to be one."""
        if value in PERIODS:
            return str(value)
        resolved = self.variables(spec.clause_id).get(str(value))
        if resolved in PERIODS:
            return str(resolved)
        raise InputError.single(
            f"clauses.{spec.clause_id}.{value}",
            f"spec {spec.id}: {value!r} is not a period ({', '.join(PERIODS)})",
        )

    def due(self, spec: BoundSpec, anchor_date: date) -> date:
        """The spec's deadline from an anchor date; ``term_end`` anchors count backwards."""
        return self.date_from(spec.deadline, anchor_date)

    def ends(self, spec: BoundSpec, anchor_date: date) -> date | None:
        """A prohibition's last day in force (``ends``) from an anchor date, if it has one."""
        return None if spec.ends is None else self.date_from(spec.ends, anchor_date)

    def date_from(self, d: BoundDeadline, anchor_date: date) -> date:
        sign = -1 if d.anchor == "term_end" else 1
        return due_date(
            anchor_date,
            days=sign * d.days,
            months=sign * d.months,
            calendar=d.calendar,
            rounding=d.rounding,
            country=self.country,
        )

    def formula_env(self, spec: BoundSpec, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Clause variables (numbers as Decimal) overlaid with the event's fields."""
        env: dict[str, Any] = {k: _numeric(v) for k, v in self.variables(spec.clause_id).items()}
        env.update(fields)
        return env


def _numeric(value: Any) -> Any:
    """JSON numbers and decimal strings become Decimal; everything else stays as it is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value) if _looks_decimal(value) else value
        except ArithmeticError:  # pragma: no cover - guarded by _looks_decimal
            return value
    if isinstance(value, list):
        return [_numeric(v) for v in value]
    if isinstance(value, dict):
        return {k: _numeric(v) for k, v in value.items()}
    return value


def _looks_decimal(text: str) -> bool:
    body = text.strip().lstrip("+-")
    head, _, tail = body.partition(".")
    return (
        bool(body)
        and (head.isdigit() or (not head and tail.isdigit()))
        and (not tail or tail.isdigit())
    )
