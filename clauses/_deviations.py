"""The deviation report as data: how an agreement stands against its all-standard twin.

Built by :func:`clauses._compare.compare_to_standard`; written out as JSON here and as Markdown,
DOCX and PDF from the blocks of :mod:`clauses._deviation_blocks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ._agreement import OmissionRec, OverrideRec, WarningRec
from ._report_blocks import Block, to_html, to_markdown


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

    def to_html(self, *, top: int = 1) -> str:
        """The report as an HTML fragment, its title at ``<h{top}>``."""
        return to_html(self.blocks(), top=top)

    # -- the report for counsel, once for every format ----------------------------------

    def blocks(self) -> list[Block]:
        """The report for counsel, once for every format."""
        from ._deviation_blocks import report_blocks  # that module reads this one

        return report_blocks(self)
