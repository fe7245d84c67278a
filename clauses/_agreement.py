"""The assembled agreement: a pure, hashable value and its JSON record (schema version 2).

The record is what every later stage reads: the document renderers, the redline, the obligation
compiler (``wsr track``), the console. Its JSON is canonical (sorted keys, decimals as strings,
no floats), so the same answers and the same library give byte-identical files; ``id`` and
``content_hash`` are derived from that canonical form of everything else.

Record layout (``schema_version: 2``)::

    id                 "agr-" + the first 12 hex digits of content_hash
    content_hash       "sha256:<hex>" over the canonical JSON of the record minus id/content_hash
    schema_version     1
    title, effective_date (ISO date), timezone (IANA), currency (ISO 4217), governing_law
    sector             agriculture | dairy | garment | other: whose code minimums apply
    paper              "letter" | "a4" (chosen in the answers, else by the governing law)
    parties            [{role, name, address, email, signatory, signatory_title}]
    suppliers          [{id, name, country}]
    defined_terms      [{term, definition, clause_id}]   definition text already rendered
    sections           [Section]  in agreement order, numbered from 1
    overrides          [{clause_id, variable, value, floor, reason, approved_by}]
    omitted            [{clause_id, title, required, reason, approved_by, lacks}]  clause types
                       the answers left out (required ones say what the agreement then lacks)
    warnings           [{path, message}]  what counsel must see (unreachable fee bands, a required
                       clause left out without a recorded reason, …); printed by `wsr draft`

Section::

    number "5", clause_id, clause_version, title, alternative, alternative_kind,
    variables {name: json value}     every variable in force (answers + defaults), typed as JSON:
                                     decimal/money/percent as strings, dates ISO, lists of objects
    paragraphs [{number "5.1", text}]  a paragraph may end with a table: Markdown rows after a
                                     newline ("…table:\n| Volume | Fee |\n| --- | --- |\n| … |")
    obligations [BoundSpec]          the clause's obligation specs active under the alternative,
                                     with every variable reference replaced by its value: the
                                     trigger, deadline (and a prohibition's ``ends``), amount,
                                     and the declared semantics (accrue, settled_by, ends_on,
                                     violated_by, kpi, cure) as typed models
    powers [PowerSpec]
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from ._canonical import canonical_json
from ._kinds import ObligationKind
from ._schema import (
    EndsOn,
    Escalation,
    PowerSpec,
    SettleBy,
    SettledBy,
    ViolatedBy,
)
from ._upgrade import upgrade_v1

#: 2: obligation specs declare their semantics (accrue, settled_by, ends, ends_on, violated_by)
SCHEMA_VERSION = 2


class _Rec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class PartyRec(_Rec):
    role: str
    name: str
    address: str
    email: str
    signatory: str
    signatory_title: str = ""  # the signatory's title or capacity; a blank line when empty
    # issue 10: further notice addresses (tried in order when one bounces) and the language of
    # the party's notices; left out of the record when not given, so older records keep their
    # bytes and content hash
    notice_emails: list[str] = Field(default_factory=list, exclude_if=lambda v: not v)
    language: str = Field(default="en", exclude_if=lambda v: v == "en")


class SupplierRec(_Rec):
    id: str
    name: str
    country: str


class DefinedTermRec(_Rec):
    term: str
    definition: str
    clause_id: str


class ParagraphRec(_Rec):
    number: str
    text: str


class BoundDeadline(_Rec):
    anchor: str
    days: int
    months: int
    calendar: str
    rounding: str


class BoundTrigger(_Rec):
    """When instances come into being, with ``every`` resolved to the period's name."""

    on: Literal["execution", "recurrence", "event"]
    every: str | None = None
    event: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)


class BoundAccrue(_Rec):
    """Accrual with its period and unit resolved (``unit`` None: summed as recorded)."""

    per: str
    quantity: str
    unit_field: str | None = None
    unit: str | None = None


class BoundCure(_Rec):
    days: int
    powers: list[str] = Field(default_factory=list)


class BoundSpec(_Rec):
    """An obligation spec with its variables resolved: what the obligations compiler reads."""

    id: str  # full id: "<clause id>.<local id>"
    clause_id: str
    clause_version: str
    section: str
    title: str
    description: str
    kind: ObligationKind
    obligor: str
    beneficiary: str
    subject: str | None
    trigger: BoundTrigger
    deadline: BoundDeadline
    ends: BoundDeadline | None = None
    amount_formula: str | None
    accrue: BoundAccrue | None = None
    settled_by: list[SettledBy] = Field(default_factory=list)
    ends_on: list[EndsOn] = Field(default_factory=list)
    violated_by: list[ViolatedBy] = Field(default_factory=list)
    evidence: list[str]
    reminders: list[int]
    grace_days: int
    cure: BoundCure | None
    surviving: bool
    kpi: bool
    # issue 10: the notice ladder; left out of the record when absent, so every record drafted
    # before it keeps its bytes and its content hash
    escalation: Escalation | None = Field(default=None, exclude_if=lambda v: v is None)

    def settlements(self, by: SettleBy) -> list[SettledBy]:
        return [s for s in self.settled_by if s.by is by]


class SectionRec(_Rec):
    number: str
    clause_id: str
    clause_version: str
    title: str
    alternative: str
    alternative_kind: str
    variables: dict[str, Any]
    paragraphs: list[ParagraphRec]
    obligations: list[BoundSpec] = Field(default_factory=list)
    powers: list[PowerSpec] = Field(default_factory=list)


class OverrideRec(_Rec):
    clause_id: str
    variable: str
    value: Any
    floor: str
    reason: str
    approved_by: str


class OmissionRec(_Rec):
    """A clause type the agreement does not include; ``reason``/``approved_by`` when recorded."""

    clause_id: str
    title: str
    required: bool
    reason: str | None = None
    approved_by: str | None = None
    lacks: str = ""  # for a required clause: what the agreement then lacks, in counsel's words


class WarningRec(_Rec):
    """Something counsel must see that does not stop drafting (``path`` as in input errors)."""

    path: str
    message: str


class Agreement(_Rec):
    id: str
    content_hash: str
    schema_version: int = SCHEMA_VERSION
    title: str
    effective_date: date
    timezone: str
    currency: str
    governing_law: str
    sector: str = "other"
    paper: str = "letter"  # "letter" or "a4": the page size of the documents
    parties: list[PartyRec]
    suppliers: list[SupplierRec]
    defined_terms: list[DefinedTermRec]
    sections: list[SectionRec]
    overrides: list[OverrideRec] = Field(default_factory=list)
    omitted: list[OmissionRec] = Field(default_factory=list)
    warnings: list[WarningRec] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _version(cls, data: Any, info: ValidationInfo) -> Any:
        """A stored version-1 record is read in its version-2 form (``_upgrade``); sealing
        (drafting, or ``wsr track`` checking a file) accepts only the current version."""
        version = data.get("schema_version", SCHEMA_VERSION) if isinstance(data, dict) else None
        sealing = bool(info.context and info.context.get("sealing"))
        if version == 1 and not sealing:
            return upgrade_v1(data)
        if version is not None and version != SCHEMA_VERSION:
            raise ValueError(
                f"this agreement record has schema_version {version}; this engine reads "
                f"version {SCHEMA_VERSION} (obligation specs declare what settles, ends and "
                "breaks them). Draft the agreement again from its answers with `wsr draft`."
            )
        return data

    # -- derived views -------------------------------------------------------------------
    def section(self, clause_id: str) -> SectionRec:
        for s in self.sections:
            if s.clause_id == clause_id:
                return s
        raise KeyError(clause_id)

    def party(self, role: str) -> PartyRec:
        for p in self.parties:
            if p.role == role:
                return p
        raise KeyError(role)

    @property
    def specs(self) -> list[BoundSpec]:
        return [spec for s in self.sections for spec in s.obligations]

    # -- canonical JSON -----------------------------------------------------------------
    def to_json(self) -> str:
        """The canonical record: sorted keys, two-space indent, trailing newline."""
        return canonical_json(self.model_dump(mode="json"), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Agreement:
        return cls.model_validate_json(text)


def seal(body: dict[str, Any]) -> Agreement:
    """Compute content_hash and id over the canonical form of ``body`` and build the record."""
    body = {k: v for k, v in body.items() if k not in ("id", "content_hash")}
    body.setdefault("schema_version", SCHEMA_VERSION)
    # Normalise through the model first so the hash covers exactly what is serialised.
    probe = Agreement.model_validate(
        {**body, "id": "agr-0", "content_hash": "sha256:0"}, context={"sealing": True}
    )
    dumped = probe.model_dump(mode="json")
    dumped.pop("id")
    dumped.pop("content_hash")
    digest = hashlib.sha256(canonical_json(dumped).encode("utf-8")).hexdigest()
    return probe.model_copy(update={"id": f"agr-{digest[:12]}", "content_hash": f"sha256:{digest}"})
