"""Compare a negotiated agreement with its all-standard twin: the deviation report.

Brand counsel and the worker organization both need one answer to "where does this agreement
leave the model text, and by how much?". The standard twin is the same answers with every
clause on its ``standard`` alternative and default variables
(``assemble(answers.as_standard(lib), lib)``), so every difference found here is a negotiated
one. Pure: records in, a frozen report out; rendering to Markdown/JSON is on the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ._agreement import Agreement, OverrideRec, SectionRec, canonical_json


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
            "standard_alternative": self.standard_alternative,
            "standard_alternative_kind": self.standard_alternative_kind,
            "variables": [
                {"name": v.name, "standard": v.standard, "chosen": v.chosen} for v in self.variables
            ],
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
            "text_changed": self.text_changed,
        }


@dataclass(frozen=True)
class DeviationReport:
    agreement_id: str
    standard_id: str
    title: str
    clauses: tuple[ClauseDeviation, ...]
    overrides: tuple[OverrideRec, ...] = field(default=())

    @property
    def deviations(self) -> tuple[ClauseDeviation, ...]:
        return tuple(c for c in self.clauses if c.status is not DeviationStatus.SAME)

    def clause(self, clause_id: str) -> ClauseDeviation:
        for c in self.clauses:
            if c.clause_id == clause_id:
                return c
        raise KeyError(clause_id)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in DeviationStatus}
        for c in self.clauses:
            out[c.status.value] += 1
        out["floor_overrides"] = len(self.overrides)
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "standard_id": self.standard_id,
            "title": self.title,
            "summary": self.counts(),
            "clauses": [c.to_json_dict() for c in self.clauses],
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
        }

    def to_markdown(self) -> str:
        n = self.counts()
        lines = [
            f"# Deviations from the standard: {_md(self.title)}",
            "",
            f"Agreement `{self.agreement_id}` compared with its all-standard version "
            f"`{self.standard_id}`.",
            "",
            f"{n['same']} clause(s) as standard, {n['changed']} changed, {n['added']} added, "
            f"{n['absent']} left out; {n['floor_overrides']} floor override(s).",
            "",
            "| Section | Clause | Status | Alternative | Standard |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {c.number or '—'} | {_md(c.title)} (`{c.clause_id}`) | {c.status.value} | "
            f"{_alt(c.alternative, c.alternative_kind)} | "
            f"{_alt(c.standard_alternative, c.standard_alternative_kind)} |"
            for c in self.clauses
        ]
        for c in self.deviations:
            lines += self._clause_markdown(c)
        return "\n".join(lines) + "\n"

    @staticmethod
    def _clause_markdown(c: ClauseDeviation) -> list[str]:
        where = f"{c.number}. " if c.number else ""
        lines = ["", f"## {where}{_md(c.title)} — {c.status.value}", ""]
        if c.status is DeviationStatus.ABSENT:
            lines.append(
                f"The standard includes this clause (section {c.standard_number}); "
                "this agreement leaves it out."
            )
        elif c.status is DeviationStatus.ADDED:
            lines.append(
                f"Not part of the standard; added with alternative "
                f"{_alt(c.alternative, c.alternative_kind)}."
            )
        else:
            if c.alternative != c.standard_alternative:
                lines.append(
                    f"- Alternative: {_alt(c.alternative, c.alternative_kind)} instead of "
                    f"{_alt(c.standard_alternative, c.standard_alternative_kind)}."
                )
            if c.version != c.standard_version:
                lines.append(f"- Clause version {c.version} (standard: {c.standard_version}).")
            if c.text_changed and not c.variables and c.alternative == c.standard_alternative:
                lines.append("- The text differs from the standard text.")
        if c.variables:
            if lines[-1]:
                lines.append("")
            lines += ["| Variable | Standard | Chosen |", "|---|---|---|"]
            lines += [
                f"| `{v.name}` | {_value(v.standard)} | {_value(v.chosen)} |" for v in c.variables
            ]
        if c.overrides:
            if lines[-1]:
                lines.append("")
            lines += [
                f"- **Floor overridden:** `{o.variable}` = {_value(o.value)} "
                f"(floor: {_md(o.floor)}); "
                f"reason: {_md(o.reason)}; approved by {_md(o.approved_by)}."
                for o in c.overrides
            ]
        if not lines[-1]:
            lines.pop()
        return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _alt(name: str | None, kind: str | None) -> str:
    if name is None:
        return "—"
    return f"{name} ({kind})" if kind and kind != name else name


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return f"`{_md(canonical_json(value))}`"
    return _md(str(value))


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


def _variables(chosen: SectionRec, standard: SectionRec) -> tuple[VariableChange, ...]:
    """Variables whose chosen value differs from the standard's.

    Under the same alternative only the variables in force in the agreement count (the
    standard may carry defaults for variables that alternative's text never uses); under a
    different alternative, variables of either side count, so a dropped term shows up.
    """
    names = set(chosen.variables)
    if chosen.alternative != standard.alternative:
        names |= set(standard.variables)
    return tuple(
        VariableChange(n, standard.variables.get(n), chosen.variables.get(n))
        for n in sorted(names)
        if not _same_value(standard.variables.get(n), chosen.variables.get(n))
    )


def _texts(section: SectionRec) -> list[str]:
    return [p.text for p in section.paragraphs]


def compare_to_standard(agreement: Agreement, standard: Agreement) -> DeviationReport:
    """Clause-by-clause deviations of ``agreement`` from ``standard`` (pure)."""
    agr = {s.clause_id: s for s in agreement.sections}
    std = {s.clause_id: s for s in standard.sections}
    by_clause: dict[str, list[OverrideRec]] = {}
    for o in agreement.overrides:
        by_clause.setdefault(o.clause_id, []).append(o)
    clauses = []
    for cid, here, _ in merge_order(list(agr), list(std)):
        a = agr.get(cid)
        s = std.get(cid)
        if a is not None and s is not None:
            variables = _variables(a, s)
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
            )
        )
    return DeviationReport(
        agreement_id=agreement.id,
        standard_id=standard.id,
        title=agreement.title,
        clauses=tuple(clauses),
        overrides=tuple(agreement.overrides),
    )
