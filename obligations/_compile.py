"""Compile an executed agreement's obligation specs into obligation instances.

- ``execution`` specs: one instance (per covered supplier when the spec has a subject);
- ``recurrence`` specs: one instance per calendar period (and per supplier) from execution to
  the end of the term, keyed by the period's first day;
- ``event`` specs: nothing now — events create them (see ``_rules``).

Recurrences are materialised only up to a HORIZON: periods whose due date is at most
``max(today, signed_on) + 400 days``, plus the first one after it, so that every recurring
obligation always shows its next deadline. A five-year weekly obligation for 2,000 suppliers would
otherwise be half a million rows on day one, and every "what is due" query would wade through
years of instances nobody can act on yet. With the horizon, the stored set stays proportional
to what can fall due within about a year; :func:`pending_periods` tells the service which
periods are due by a later horizon, and because instance ids and keys are deterministic the
extension is idempotent (an instance that exists is never created twice).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from clauses import Agreement, BoundSpec

from ._calendar import end_of_local_day, local_date, periods
from ._context import AgreementContext, initial_term_end
from ._enums import LegalState
from ._lifecycle import birth
from ._model import Money, Obligation, obligation_id

#: how far ahead of today recurring instances are materialised
HORIZON = timedelta(days=400)


def horizon(ctx: AgreementContext, now: datetime) -> date:
    """The last due date materialised at ``now``."""
    return max(local_date(now, ctx.tz), ctx.signed_on) + HORIZON


def subjects(ctx: AgreementContext, spec: BoundSpec) -> tuple[str | None, ...]:
    """One instance per covered supplier for specs about a supplier, else a single one."""
    return ctx.suppliers if spec.subject == "supplier" else (None,)


def new_instance(
    ctx: AgreementContext,
    spec: BoundSpec,
    *,
    subject: str | None,
    key: str,
    due: date,
    at: datetime,
    period: tuple[date, date] | None = None,
    amount: Money | None = None,
    trigger_event_id: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Obligation:
    """A fresh instance of ``spec`` in the ``created`` state (see ``_lifecycle.birth``)."""
    return Obligation(
        id=obligation_id(ctx.id, spec.id, subject, key),
        agreement_id=ctx.id,
        clause_id=spec.clause_id,
        clause_version=spec.clause_version,
        spec_id=spec.id,
        section=spec.section,
        title=spec.title,
        kind=spec.kind,
        obligor=spec.obligor,
        beneficiary=spec.beneficiary,
        subject=subject,
        key=key,
        period_start=None if period is None else period[0],
        period_end=None if period is None else period[1],
        due=due,
        due_at=end_of_local_day(due, ctx.tz),
        state=LegalState.CREATED,
        amount=amount,
        kpi=spec.kpi,
        surviving=spec.surviving,
        trigger_event_id=trigger_event_id,
        data=dict(data or {}),
        created_at=at,
        updated_at=at,
    )


def _anchor(ctx: AgreementContext, spec: BoundSpec, period_end: date | None) -> date:
    anchor = spec.deadline.anchor
    if anchor == "term_end":
        return ctx.term_end
    if anchor == "execution" or period_end is None:
        return ctx.signed_on
    return period_end


def execution_instances(
    ctx: AgreementContext, spec: BoundSpec, *, at: datetime
) -> list[Obligation]:
    due = ctx.due(spec, _anchor(ctx, spec, None))
    return [
        new_instance(ctx, spec, subject=s, key="once", due=due, at=at) for s in subjects(ctx, spec)
    ]


def pending_periods(
    ctx: AgreementContext, spec: BoundSpec, *, through: date
) -> Iterator[tuple[tuple[date, date], date]]:
    """((start, end), due) of every period due by ``through``, then the next one after it."""
    every = ctx.period_name(spec, spec.trigger.every)
    for start, end in periods(ctx.signed_on, ctx.term_end, every):
        due = ctx.due(spec, _anchor(ctx, spec, end))
        if due > through:
            if spec.deadline.anchor in ("execution", "term_end"):
                continue
            # The next deadline is always visible, however far off (an annual report is due
            # 15 months after signing); period_end anchors make every later one later still.
            yield (start, end), due
            break
        yield (start, end), due


def period_instances(
    ctx: AgreementContext,
    spec: BoundSpec,
    period: tuple[date, date],
    due: date,
    *,
    at: datetime,
    only: frozenset[str | None] | None = None,
) -> list[Obligation]:
    """The instances of one period (every subject, or only those in ``only``)."""
    return [
        new_instance(ctx, spec, subject=s, key=period[0].isoformat(), due=due, at=at, period=period)
        for s in subjects(ctx, spec)
        if only is None or s in only
    ]


def compile_instances(ctx: AgreementContext, *, now: datetime) -> list[Obligation]:
    """Every instance due at execution, in the ``created`` state, up to the horizon."""
    out: list[Obligation] = []
    through = horizon(ctx, now)
    for spec in ctx.specs:
        on = spec.trigger.on
        if on == "execution":
            out.extend(execution_instances(ctx, spec, at=now))
        elif on == "recurrence":
            for period, due in pending_periods(ctx, spec, through=through):
                out.extend(period_instances(ctx, spec, period, due, at=now))
    return out


def compile_agreement(
    agreement: Agreement, signed_on: date, now: datetime, *, term_end: date | None = None
) -> list[Obligation]:
    """The agreement's obligations at execution, already in effect (pure; nothing stored)."""
    ctx = AgreementContext(
        agreement=agreement,
        signed_on=signed_on,
        term_end=term_end or initial_term_end(agreement),
    )
    return [birth(ob, at=now, actor="compile")[0] for ob in compile_instances(ctx, now=now)]
