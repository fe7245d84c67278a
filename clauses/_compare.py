"""Compare a negotiated agreement with its all-standard twin: the deviation report.

Brand counsel and the worker organization both need one answer to "where does this agreement
leave the model text, and by how much?". The standard twin is the same answers with every
clause on its ``standard`` alternative and default variables
(``assemble(answers.as_standard(lib), lib)``), so every difference found here is a negotiated
one. Pure: records in, a frozen report out (:mod:`clauses._deviations`); it is written for
counsel by :mod:`clauses._deviation_blocks`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ._agreement import Agreement, OverrideRec, SectionRec
from ._deviations import ClauseDeviation, DeviationReport, DeviationStatus, VariableChange
from ._variables import coerce, to_json_value

if TYPE_CHECKING:
    from ._library import Library
    from ._schema import ClauseDef

__all__ = [
    "ClauseDeviation",
    "DeviationReport",
    "DeviationStatus",
    "VariableChange",
    "compare_to_standard",
    "merge_order",
]


def _same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values, treating "0.01" and "0.010" (decimal strings) as equal."""
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        try:
            return Decimal(a) == Decimal(b)
        except InvalidOperation:
            return False
    return False


def merge_order(agreement: list[str], standard: list[str]) -> list[tuple[str, bool, bool]]:
    """Interleave two clause-id sequences: agreement order, with clauses only in the standard
    placed where the standard has them (just before the next clause both share).

    Returns ``(clause_id, in_agreement, in_standard)`` triples.
    """
    in_agr = set(agreement)
    in_std = set(standard)
    pending: dict[str, list[str]] = {}  # shared clause id -> standard-only ids that precede it
    tail: list[str] = []
    for cid in standard:
        if cid in in_agr:
            pending[cid] = tail
            tail = []
        else:
            tail.append(cid)
    out: list[tuple[str, bool, bool]] = []
    for cid in agreement:
        out += [(s, False, True) for s in pending.get(cid, [])]
        out.append((cid, True, cid in in_std))
    out += [(s, False, True) for s in tail]
    return out


def _describe(name: str, cdef: ClauseDef | None) -> dict[str, Any]:
    """Label, type and list fields of a variable from the library (empty without it)."""
    vdef = cdef.variables.get(name) if cdef is not None else None
    if vdef is None:
        return {}
    fields = tuple(
        (fname, fdef.label, fdef.type.value) for fname, fdef in (vdef.items or {}).items()
    )
    return {"label": vdef.label, "type": vdef.type.value, "fields": fields}


def _variables(
    chosen: SectionRec, standard: SectionRec, cdef: ClauseDef | None
) -> tuple[VariableChange, ...]:
    """Variables whose chosen value differs from the standard's, or from the programme's figure.

    Under the same alternative only the variables in force in the agreement count (the
    standard may carry defaults for variables that alternative's text never uses); under a
    different alternative, variables of either side count, so a dropped term shows up. A
    variable with no default has no standard value (the standard twin takes the agreement's
    own), so it is compared with its programme ``reference`` when the library gives one.
    """
    names = set(chosen.variables)
    if chosen.alternative != standard.alternative:
        names |= set(standard.variables)
    out = [
        VariableChange(n, standard.variables.get(n), chosen.variables.get(n), **_describe(n, cdef))
        for n in sorted(names)
        if not _same_value(standard.variables.get(n), chosen.variables.get(n))
    ]
    listed = {v.name for v in out}
    for n in sorted(set(chosen.variables) - listed):
        vdef = cdef.variables.get(n) if cdef is not None else None
        if vdef is None or vdef.reference is None:
            continue
        if vdef.default is not None or n in cdef.alternatives["standard"].defaults:  # type: ignore[union-attr]
            continue  # compared with its default above
        figure = vdef.reference.value
        if figure is not None:
            typed, probs = coerce(vdef, figure, n)
            figure = None if probs else to_json_value(typed)  # the library check reports it
        if not _same_value(figure, chosen.variables[n]):
            out.append(
                VariableChange(
                    n,
                    figure,
                    chosen.variables[n],
                    basis="reference",
                    source=vdef.reference.source,
                    **_describe(n, cdef),
                )
            )
    return tuple(out)


def _texts(section: SectionRec) -> list[str]:
    return [p.text for p in section.paragraphs]


def _alternative_label(cdef: ClauseDef | None, name: str | None) -> str:
    if cdef is None or name is None or name not in cdef.alternatives:
        return ""
    return cdef.alternatives[name].label


def compare_to_standard(
    agreement: Agreement, standard: Agreement, library: Library | None = None
) -> DeviationReport:
    """Clause-by-clause deviations of ``agreement`` from ``standard`` (pure).

    With the ``library`` the report speaks counsel's language: variable labels, alternative
    labels, each clause's commentary, and programme figures for variables without a default.
    """
    agr = {s.clause_id: s for s in agreement.sections}
    std = {s.clause_id: s for s in standard.sections}
    by_clause: dict[str, list[OverrideRec]] = {}
    for o in agreement.overrides:
        by_clause.setdefault(o.clause_id, []).append(o)
    clauses = []
    for cid, here, _ in merge_order(list(agr), list(std)):
        a = agr.get(cid)
        s = std.get(cid)
        cdef = library.clauses.get(cid) if library is not None else None
        if a is not None and s is not None:
            variables = _variables(a, s, cdef)
            text_changed = _texts(a) != _texts(s)
            differs = (
                a.alternative != s.alternative
                or a.clause_version != s.clause_version
                or bool(variables)
                or text_changed
                or cid in by_clause
            )
            status = DeviationStatus.CHANGED if differs else DeviationStatus.SAME
        else:
            variables, text_changed = (), True
            status = DeviationStatus.ADDED if here else DeviationStatus.ABSENT
        ref = a if a is not None else s
        assert ref is not None
        clauses.append(
            ClauseDeviation(
                clause_id=cid,
                title=ref.title,
                status=status,
                number=a.number if a else None,
                standard_number=s.number if s else None,
                version=a.clause_version if a else None,
                standard_version=s.clause_version if s else None,
                alternative=a.alternative if a else None,
                alternative_kind=a.alternative_kind if a else None,
                standard_alternative=s.alternative if s else None,
                standard_alternative_kind=s.alternative_kind if s else None,
                variables=variables,
                overrides=tuple(by_clause.get(cid, ())),
                text_changed=text_changed,
                commentary=cdef.commentary if cdef is not None else "",
                alternative_label=_alternative_label(cdef, a.alternative if a else None),
                standard_alternative_label=_alternative_label(cdef, s.alternative if s else None),
            )
        )
    return DeviationReport(
        agreement_id=agreement.id,
        standard_id=standard.id,
        title=agreement.title,
        clauses=tuple(clauses),
        overrides=tuple(agreement.overrides),
        omitted=tuple(agreement.omitted),
        warnings=tuple(agreement.warnings),
        currency=agreement.currency,
        omitted_commentary=tuple(
            (o.clause_id, library.clauses[o.clause_id].commentary)
            for o in agreement.omitted
            if library is not None and o.clause_id in library.clauses
        ),
    )
