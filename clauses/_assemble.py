"""Assembly: validated answers + the library → the sealed :class:`Agreement` record.

Pure and deterministic: nothing here reads files, clocks or the environment, so the same
answers and the same library always give byte-identical ``agreement.to_json()``. Sections
are numbered *before* any text is rendered, because ``ref('clause')`` in one clause needs
the number of another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._agreement import (
    SCHEMA_VERSION,
    Agreement,
    BoundAccrue,
    BoundCure,
    BoundDeadline,
    BoundSpec,
    BoundTrigger,
    DefinedTermRec,
    OverrideRec,
    ParagraphRec,
    PartyRec,
    SectionRec,
    WarningRec,
    seal,
)
from ._answers import LITERAL_PERIODS, Answers, ClauseChoice, active_specs, floor_breaches
from ._completeness import omission_warnings, omissions
from ._constraints import agreement_findings
from ._exceptions import InputError, Problem
from ._library import Library
from ._schema import DEFAULT_REMINDERS, ClauseDef, Cure, Deadline, ObligationSpec, Severity
from ._templating import clause_functions, paragraphs, render
from ._variables import describe_floor, to_json_value


def _party_lookup(parties: list[PartyRec]) -> Any:
    def party(role: str) -> PartyRec:
        for p in parties:
            if p.role == role:
                return p
        raise LookupError(f"no party with the role {role!r} in this agreement")

    return party


def _context(
    answers: Answers, cid: str, choice: ClauseChoice, numbers: Mapping[str, str]
) -> dict[str, Any]:
    ctx: dict[str, Any] = dict(choice.variables)
    ctx.update(
        agreement=answers.agreement,
        party=_party_lookup(answers.parties),
        parties=answers.parties,
        suppliers=answers.suppliers,
    )
    ctx.update(clause_functions(cid, numbers))
    return ctx


def _int_of(cid: str, spec: ObligationSpec, value: int | str, values: Mapping[str, Any]) -> int:
    if isinstance(value, int):
        return value
    got = values.get(value)
    if isinstance(got, bool) or not isinstance(got, int):
        raise InputError.single(
            f"clauses.{cid}.{value}",
            f"obligation {spec.id!r} needs a whole number of days/months here (got {got!r})",
        )
    return got


def _period_of(cid: str, value: str | None, values: Mapping[str, Any]) -> str | None:
    if value is None or value in LITERAL_PERIODS:
        return value
    got = values.get(value)
    if not isinstance(got, str):
        raise InputError.single(
            f"clauses.{cid}.{value}", "needs a period (weekly, monthly, quarterly, annually)"
        )
    return got


def _deadline(
    cid: str, spec: ObligationSpec, dl: Deadline, values: Mapping[str, Any]
) -> BoundDeadline:
    return BoundDeadline(
        anchor=dl.anchor,
        days=_int_of(cid, spec, dl.days, values),
        months=_int_of(cid, spec, dl.months, values),
        calendar=dl.calendar,
        rounding=dl.rounding,
    )


def _accrue(cid: str, spec: ObligationSpec, values: Mapping[str, Any]) -> BoundAccrue | None:
    acc = spec.accrue
    if acc is None:
        return None
    per = _period_of(cid, acc.per, values)
    assert per is not None
    unit = acc.unit
    if acc.unit_variable is not None:
        got = values.get(acc.unit_variable)
        if not isinstance(got, str):
            raise InputError.single(
                f"clauses.{cid}.{acc.unit_variable}",
                f"obligation {spec.id!r} needs the unit its amounts are priced in (got {got!r})",
            )
        unit = got
    return BoundAccrue(per=per, quantity=acc.quantity, unit_field=acc.unit_field, unit=unit)


def _cure_days(
    cid: str,
    spec: ObligationSpec,
    cure: Cure,
    values: Mapping[str, Any],
    others: Mapping[str, Mapping[str, Any]],
) -> int:
    """``cure.days``: a number, an own variable, or another clause's variable; that clause
    left out of the agreement, the spec's declared ``fallback_days``."""
    if not isinstance(cure.days, str) or "." not in cure.days:
        return _int_of(cid, spec, cure.days, values)
    other, _, name = cure.days.partition(".")
    if other not in others:
        assert cure.fallback_days is not None  # the schema requires it
        return cure.fallback_days
    return _int_of(other, spec, name, others[other])


def bind_spec(
    cdef: ClauseDef,
    spec: ObligationSpec,
    section: str,
    values: Mapping[str, Any],
    others: Mapping[str, Mapping[str, Any]] | None = None,
) -> BoundSpec:
    """Resolve an obligation spec's variable references into values for this agreement
    (``others``: every included clause's values, for a cure period another clause states)."""
    cid = cdef.id
    t = spec.trigger
    trigger = BoundTrigger(
        on=t.on, every=_period_of(cid, t.every, values), event=t.event, where=dict(t.where)
    )
    cure = None
    if spec.cure is not None:
        cure = BoundCure(
            days=_cure_days(cid, spec, spec.cure, values, others or {}),
            powers=list(spec.cure.powers),
        )
    return BoundSpec(
        id=f"{cid}.{spec.id}",
        clause_id=cid,
        clause_version=cdef.version,
        section=section,
        title=spec.title,
        description=spec.description,
        kind=spec.kind,
        obligor=spec.obligor,
        beneficiary=spec.beneficiary,
        subject=spec.subject,
        trigger=trigger,
        deadline=_deadline(cid, spec, spec.deadline, values),
        ends=None if spec.ends is None else _deadline(cid, spec, spec.ends, values),
        amount_formula=spec.amount.formula if spec.amount is not None else None,
        accrue=_accrue(cid, spec, values),
        settled_by=list(spec.settled_by),
        ends_on=list(spec.ends_on),
        violated_by=list(spec.violated_by),
        evidence=list(spec.evidence),
        reminders=list(DEFAULT_REMINDERS if spec.reminders is None else spec.reminders),
        grace_days=_int_of(cid, spec, spec.grace_days, values),
        cure=cure,
        surviving=spec.surviving,
        kpi=spec.kpi,
        escalation=spec.escalation,
    )


def contradiction_warnings(answers: Answers, lib: Library) -> list[WarningRec]:
    """What counsel must see in this agreement: warning-level constraints (``_constraints``)."""
    return [
        WarningRec(path=f.path, message=f.message)
        for f in agreement_findings(lib, answers.clauses)
        if f.severity is Severity.WARNING
    ]


def assemble(answers: Answers, lib: Library) -> Agreement:
    """Number, render and bind every included clause; seal the record."""
    included = [cid for cid in lib.clauses if cid in answers.clauses]
    unknown = sorted(set(answers.clauses) - set(lib.clauses))
    if unknown:
        raise InputError(
            [Problem(f"clauses.{cid}", f"unknown clause id {cid!r}") for cid in unknown]
        )
    numbers = {cid: str(i) for i, cid in enumerate(included, start=1)}
    others = {cid: answers.clauses[cid].variables for cid in included}
    sections: list[SectionRec] = []
    terms: list[DefinedTermRec] = []
    overrides: list[OverrideRec] = []
    for cid in included:
        cdef = lib.get(cid)
        choice = answers.clauses[cid]
        alt = cdef.alternatives[choice.alternative]
        number = numbers[cid]
        ctx = _context(answers, cid, choice, numbers)
        text = render(cid, alt.text, ctx)
        paras = [
            ParagraphRec(number=f"{number}.{n}", text=p)
            for n, p in enumerate(paragraphs(text), start=1)
        ]
        for d in cdef.defines:
            definition = " ".join(paragraphs(render(cid, d.definition, ctx)))
            terms.append(DefinedTermRec(term=d.term, definition=definition, clause_id=cid))
        specs = [
            bind_spec(cdef, s, number, choice.variables, others)
            for s in active_specs(cdef, choice.alternative)
        ]
        sections.append(
            SectionRec(
                number=number,
                clause_id=cid,
                clause_version=cdef.version,
                title=cdef.title,
                alternative=choice.alternative,
                alternative_kind=alt.kind.value,
                variables=to_json_value(choice.variables),
                paragraphs=paras,
                obligations=specs,
                powers=list(cdef.powers),
            )
        )
        if choice.override is not None:
            for name in floor_breaches(cdef, choice.variables):
                floor = cdef.variables[name].floor
                assert floor is not None
                overrides.append(
                    OverrideRec(
                        clause_id=cid,
                        variable=name,
                        value=to_json_value(choice.variables[name]),
                        floor=describe_floor(floor),
                        reason=choice.override.reason,
                        approved_by=choice.override.approved_by,
                    )
                )
    info = answers.agreement
    omitted = omissions(answers, lib)
    warnings = [*answers.notes, *omission_warnings(omitted)]
    # built typed, from values the engine made: sealing it needs no validation (``seal``)
    body = Agreement(
        id="agr-0",
        content_hash="sha256:0",
        schema_version=SCHEMA_VERSION,
        title=info.title,
        sector=info.sector,
        effective_date=info.effective_date,
        timezone=info.timezone,
        currency=info.currency,
        governing_law=info.governing_law,
        paper=info.paper.value,
        parties=list(answers.parties),
        suppliers=list(answers.suppliers),
        defined_terms=terms,
        sections=sections,
        overrides=overrides,
        omitted=list(omitted),
        warnings=[*warnings, *contradiction_warnings(answers, lib)],
    )
    return seal(body)
