"""Compare a negotiated agreement with its all-standard twin: the deviation report.

Brand counsel and the worker organization both need one answer to "where does this agreement
leave the model text, and by how much?". The standard twin is the same answers with every
clause on its ``standard`` alternative and default variables
(``assemble(answers.as_standard(lib), lib)``), so every difference found here is a negotiated
one. Pure: records in, a frozen report out; rendering to Markdown/JSON is on the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ._agreement import (
    Agreement,
    OmissionRec,
    OverrideRec,
    SectionRec,
    WarningRec,
    canonical_json,
)
from ._report_blocks import Block, Bullets, Heading, Para, Quote, Table, to_markdown
from ._variables import coerce, to_json_value

if TYPE_CHECKING:
    from ._library import Library
    from ._schema import ClauseDef


class DeviationStatus(StrEnum):
    """How one clause of the agreement stands against the standard."""

    SAME = "same"
    """Standard alternative, standard variables, standard text."""
    CHANGED = "changed"
    """In both, but the alternative, a variable, the version or the text differs."""
    ADDED = "added"
    """In the agreement only."""
    ABSENT = "absent"
    """In the standard only: the agreement leaves the clause out."""


@dataclass(frozen=True)
class VariableChange:
    name: str
    standard: Any  # JSON value; None when the variable does not exist on that side
    chosen: Any
    label: str = ""  # the library's label; "" when compared without the library
    basis: str = "standard"  # "standard": the standard text's value; "reference": a programme's
    source: str = ""  # for a programme reference: where the figure comes from
    type: str = ""  # the variable's type (VarType value), for display
    fields: tuple[tuple[str, str, str], ...] = ()  # list variables: (name, label, type) per field

    @property
    def shown_name(self) -> str:
        return self.label or self.name

    def to_json_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "standard": self.standard, "chosen": self.chosen}
        if self.label:
            out["label"] = self.label
        if self.basis != "standard":
            out |= {"basis": self.basis, "source": self.source}
        return out


@dataclass(frozen=True)
class ClauseDeviation:
    clause_id: str
    title: str
    status: DeviationStatus
    number: str | None  # section number in the agreement (None when absent)
    standard_number: str | None
    version: str | None
    standard_version: str | None
    alternative: str | None
    alternative_kind: str | None
    standard_alternative: str | None
    standard_alternative_kind: str | None
    variables: tuple[VariableChange, ...] = ()
    overrides: tuple[OverrideRec, ...] = ()
    text_changed: bool = False
    commentary: str = ""  # the clause's commentary for counsel, from the library
    alternative_label: str = ""
    standard_alternative_label: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "clause_id": self.clause_id,
            "title": self.title,
            "status": self.status.value,
            "number": self.number,
            "standard_number": self.standard_number,
            "version": self.version,
            "standard_version": self.standard_version,
            "alternative": self.alternative,
            "alternative_kind": self.alternative_kind,
            "alternative_label": self.alternative_label,
            "standard_alternative": self.standard_alternative,
            "standard_alternative_kind": self.standard_alternative_kind,
            "standard_alternative_label": self.standard_alternative_label,
            "variables": [v.to_json_dict() for v in self.variables],
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
            "text_changed": self.text_changed,
            "commentary": self.commentary,
        }


_STATUS_WORDS = {
    DeviationStatus.SAME: "as standard",
    DeviationStatus.CHANGED: "changed",
    DeviationStatus.ADDED: "added",
    DeviationStatus.ABSENT: "left out",
}


@dataclass(frozen=True)
class DeviationReport:
    agreement_id: str
    standard_id: str
    title: str
    clauses: tuple[ClauseDeviation, ...]
    overrides: tuple[OverrideRec, ...] = field(default=())
    omitted: tuple[OmissionRec, ...] = field(default=())
    warnings: tuple[WarningRec, ...] = field(default=())
    currency: str = ""
    #: (clause id, commentary) of the clauses the record says were left out, from the library
    omitted_commentary: tuple[tuple[str, str], ...] = field(default=())

    @property
    def deviations(self) -> tuple[ClauseDeviation, ...]:
        return tuple(c for c in self.clauses if c.status is not DeviationStatus.SAME)

    def clause(self, clause_id: str) -> ClauseDeviation:
        for c in self.clauses:
            if c.clause_id == clause_id:
                return c
        raise KeyError(clause_id)

    def left_out(self) -> list[OmissionRec]:
        """Every clause the agreement does not have: the record's omissions, then any clause of
        the standard missing from the agreement that the record does not already name."""
        out = list(self.omitted)
        named = {o.clause_id for o in out}
        out += [
            OmissionRec(clause_id=c.clause_id, title=c.title, required=False)
            for c in self.clauses
            if c.status is DeviationStatus.ABSENT and c.clause_id not in named
        ]
        return out

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in DeviationStatus}
        for c in self.clauses:
            out[c.status.value] += 1
        left_out = self.left_out()
        out["left_out"] = len(left_out)
        out["required_left_out"] = sum(1 for o in left_out if o.required)
        out["floor_overrides"] = len(self.overrides)
        out["reference_deviations"] = sum(
            1 for c in self.clauses for v in c.variables if v.basis == "reference"
        )
        out["warnings"] = len(self.warnings)
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "standard_id": self.standard_id,
            "title": self.title,
            "summary": self.counts(),
            "clauses": [c.to_json_dict() for c in self.clauses],
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
            "omitted": [o.model_dump(mode="json") for o in self.left_out()],
            "warnings": [w.model_dump(mode="json") for w in self.warnings],
        }

    def to_markdown(self) -> str:
        return to_markdown(self.blocks())

    # -- the report for counsel, once for every format ----------------------------------
    def blocks(self) -> list[Block]:
        n = self.counts()
        out: list[Block] = [
            Heading(f"Deviations from the standard: {self.title}", 1),
            Para(
                f"Agreement {self.agreement_id} compared with its all-standard version "
                f"{self.standard_id}: the same parties and suppliers with every clause on its "
                "standard text and standard values."
            ),
            Para(
                f"{n['same']} clause(s) as standard, {n['changed']} changed, {n['added']} added, "
                f"{n['left_out']} left out ({n['required_left_out']} of them required); "
                f"{n['floor_overrides']} floor override(s); {n['reference_deviations']} value(s) "
                f"away from the programme's figure; {n['warnings']} warning(s)."
            ),
        ]
        if self.warnings:
            out += [
                Heading("Warnings", 2),
                Bullets(tuple(f"{w.message} ({w.path})" for w in self.warnings)),
            ]
        out += [
            Heading("Clauses", 2),
            Table(
                ("Section", "Clause", "Status", "Alternative", "Standard alternative"),
                tuple(
                    (
                        c.number or (f"({c.standard_number})" if c.standard_number else "\u2014"),
                        c.title,
                        _STATUS_WORDS[c.status],
                        _alt(c.alternative, c.alternative_kind, c.alternative_label),
                        _alt(
                            c.standard_alternative,
                            c.standard_alternative_kind,
                            c.standard_alternative_label,
                        ),
                    )
                    for c in self.clauses
                ),
            ),
            Heading("Clauses left out", 2),
        ]
        left_out = self.left_out()
        if left_out:
            out.append(
                Table(
                    ("Clause", "Required", "Reason", "Approved by", "What the agreement lacks"),
                    tuple(
                        (
                            o.title,
                            "yes" if o.required else "no",
                            o.reason or "none recorded",
                            o.approved_by or "none recorded",
                            o.lacks or "\u2014",
                        )
                        for o in left_out
                    ),
                )
            )
        else:
            out.append(Para("No clause is left out."))
        out.append(Heading("Floor overrides", 2))
        if self.overrides:
            numbers = {c.clause_id: c.number or "" for c in self.clauses}
            labels = {
                (c.clause_id, v.name): v.shown_name for c in self.clauses for v in c.variables
            }
            out.append(
                Table(
                    ("Section", "Variable", "Value", "Floor", "Reason", "Approved by"),
                    tuple(
                        (
                            numbers.get(o.clause_id, ""),
                            labels.get((o.clause_id, o.variable), o.variable),
                            _value(o.value),
                            o.floor,
                            o.reason,
                            o.approved_by,
                        )
                        for o in self.overrides
                    ),
                )
            )
        else:
            out.append(Para("No WSR floor is overridden."))
        for c in self.deviations:
            out += self._clause_blocks(c)
        absent = {c.clause_id for c in self.clauses if c.status is DeviationStatus.ABSENT}
        for o in self.omitted:
            if o.clause_id not in absent:
                out += self._omission_blocks(o)
        return out

    def _omission_blocks(self, o: OmissionRec) -> list[Block]:
        """A clause the answers left out (not in the standard twin either): why, and at what
        cost, with the library's commentary on what the clause is for."""
        what = "A required clause" if o.required else "A clause"
        notes = [f"{what} of the library that this agreement does not include."]
        if o.lacks:
            notes.append(f"Without it the agreement lacks {o.lacks}.")
        if o.reason or o.approved_by:
            notes.append(
                f"Reason: {o.reason or 'none recorded'}; "
                f"approved by {o.approved_by or 'no one recorded'}."
            )
        else:
            notes.append("No reason or approval is recorded.")
        out: list[Block] = [
            Heading(f"{o.title} \u2014 left out", 2),
            Bullets(tuple(notes)),
        ]
        commentary = dict(self.omitted_commentary).get(o.clause_id, "").strip()
        if commentary:
            out += [Para("From the clause library's commentary:"), Quote(commentary)]
        return out

    def _clause_blocks(self, c: ClauseDeviation) -> list[Block]:
        where = f"{c.number}. " if c.number else ""
        out: list[Block] = [Heading(f"{where}{c.title} \u2014 {_STATUS_WORDS[c.status]}", 2)]
        notes: list[str] = []
        if c.status is DeviationStatus.ABSENT:
            notes.append(
                f"The standard includes this clause (section {c.standard_number}); "
                "this agreement leaves it out."
            )
        elif c.status is DeviationStatus.ADDED:
            notes.append(
                "Not part of the standard; added with alternative "
                f"{_alt(c.alternative, c.alternative_kind, c.alternative_label)}."
            )
        else:
            if c.alternative != c.standard_alternative:
                chosen = _alt(c.alternative, c.alternative_kind, c.alternative_label)
                std = _alt(
                    c.standard_alternative,
                    c.standard_alternative_kind,
                    c.standard_alternative_label,
                )
                notes.append(f"Alternative: {chosen} instead of {std}.")
            if c.version != c.standard_version:
                notes.append(f"Clause version {c.version} (standard: {c.standard_version}).")
            if c.text_changed and not c.variables and c.alternative == c.standard_alternative:
                notes.append("The text differs from the standard text.")
        if notes:
            out.append(Bullets(tuple(notes)))
        if c.variables:
            out.append(
                Table(
                    ("Variable", "Standard", "Chosen"),
                    tuple(
                        (v.shown_name, self._standard_cell(v), self._shown(v, v.chosen))
                        for v in c.variables
                    ),
                )
            )
            for v in c.variables:
                if v.fields:
                    out += self._list_blocks(v)
        for o in c.overrides:
            label = next((v.shown_name for v in c.variables if v.name == o.variable), o.variable)
            out.append(
                Para(
                    f"{label} = {_value(o.value)} (floor: {o.floor}); reason: {o.reason}; "
                    f"approved by {o.approved_by}.",
                    lead="Floor overridden:",
                )
            )
        if c.commentary.strip():
            out += [Para("From the clause library's commentary:"), Quote(c.commentary.strip())]
        return out

    def _standard_cell(self, v: VariableChange) -> str:
        shown = self._shown(v, v.standard)
        if v.basis == "reference":
            return f"{shown} (programme figure: {v.source})"
        return shown

    def _shown(self, v: VariableChange, value: Any) -> str:
        if v.fields and isinstance(value, list):
            return "see the table below"
        return _display(value, v.type, self.currency)

    def _list_blocks(self, v: VariableChange) -> list[Block]:
        """A list variable (a fee table) side by side: standard rows, then chosen rows."""
        std = v.standard if isinstance(v.standard, list) else []
        cho = v.chosen if isinstance(v.chosen, list) else []
        labels = tuple(_short(label) for _, label, _ in v.fields)
        rows = []
        for i in range(max(len(std), len(cho))):
            row = [f"({_letter(i)})"]
            for side in (std, cho):
                item = side[i] if i < len(side) and isinstance(side[i], dict) else None
                for name, _, vtype in v.fields:
                    row.append(
                        "" if item is None else _display(item.get(name), vtype, self.currency)
                    )
            rows.append(tuple(row))
        header = ("Band", *(f"Standard: {x}" for x in labels), *(f"Chosen: {x}" for x in labels))
        return [Para(f"{v.shown_name}, standard and chosen:"), Table(header, tuple(rows))]


def _letter(i: int) -> str:
    return chr(ord("a") + i) if i < 26 else str(i + 1)


def _short(label: str) -> str:
    """ "Upper limit of the band (empty = no upper limit)" -> "Upper limit of the band"."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", label) or label


def _alt(name: str | None, kind: str | None, label: str = "") -> str:
    if name is None:
        return "\u2014"
    shown = label or name
    return f"{shown} ({kind})" if kind and kind != name else shown


def _value(value: Any) -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return canonical_json(value)
    return str(value)


def _grouped(text: str) -> str:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return text
    exponent = d.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{d:,.{places}f}"


def _display(value: Any, vtype: str, currency: str) -> str:
    """A JSON variable value as counsel reads it: USD 500,000.00, 97%, 1,000,000, none."""
    if value is None:
        return "none" if vtype else "\u2014"
    if isinstance(value, (bool, list, dict)):
        return _value(value)
    text = str(value)
    if vtype == "money":
        try:
            d = Decimal(text)
        except InvalidOperation:
            return text
        exponent = d.normalize().as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
        amount = f"{d:,.{places}f}"
        return f"{currency} {amount}" if currency else amount
    if vtype == "percent":
        return f"{_grouped(text)}%"
    if vtype in ("integer", "decimal"):
        return _grouped(text)
    return text


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
