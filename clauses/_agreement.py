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
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ._canonical import canonical_json
from ._frozen import OMIT_EMPTY, OMIT_NONE, Frozen, omit_if
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


@dataclass(frozen=True, kw_only=True)
class PartyRec(Frozen):
    role: str
    name: str
    address: str
    email: str
    signatory: str
    signatory_title: str = ""  # the signatory's title or capacity; a blank line when empty
    # issue 10: further notice addresses (tried in order when one bounces) and the language of
    # the party's notices; left out of the record when not given, so older records keep their
    # bytes and content hash
    notice_emails: list[str] = field(default_factory=list, metadata=OMIT_EMPTY)
    language: str = field(default="en", metadata=omit_if(lambda v: v == "en"))


@dataclass(frozen=True, kw_only=True)
class SupplierRec(Frozen):
    id: str
    name: str
    country: str


@dataclass(frozen=True, kw_only=True)
class DefinedTermRec(Frozen):
    term: str
    definition: str
    clause_id: str


@dataclass(frozen=True, kw_only=True)
class ParagraphRec(Frozen):
    number: str
    text: str


@dataclass(frozen=True, kw_only=True)
class BoundDeadline(Frozen):
    anchor: str
    days: int
    months: int
    calendar: str
    rounding: str


@dataclass(frozen=True, kw_only=True)
class BoundTrigger(Frozen):
    """When instances come into being, with ``every`` resolved to the period's name."""

    on: Literal["execution", "recurrence", "event"]
    every: str | None = None
    event: str | None = None
    where: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class BoundAccrue(Frozen):
    """Accrual with its period and unit resolved (``unit`` None: summed as recorded)."""

    per: str
    quantity: str
    unit_field: str | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class BoundCure(Frozen):
    days: int
    powers: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class BoundSpec(Frozen):
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
    settled_by: list[SettledBy] = field(default_factory=list)
    ends_on: list[EndsOn] = field(default_factory=list)
    violated_by: list[ViolatedBy] = field(default_factory=list)
    evidence: list[str]
    reminders: list[int]
    grace_days: int
    cure: BoundCure | None
    surviving: bool
    kpi: bool
    # issue 10: the notice ladder; left out of the record when absent, so every record drafted
    # before it keeps its bytes and its content hash
    escalation: Escalation | None = field(default=None, metadata=OMIT_NONE)

    def settlements(self, by: SettleBy) -> list[SettledBy]:
        return [s for s in self.settled_by if s.by is by]


@dataclass(frozen=True, kw_only=True)
class SectionRec(Frozen):
    number: str
    clause_id: str
    clause_version: str
    title: str
    alternative: str
    alternative_kind: str
    variables: dict[str, Any]
    paragraphs: list[ParagraphRec]
    obligations: list[BoundSpec] = field(default_factory=list)
    powers: list[PowerSpec] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class OverrideRec(Frozen):
    clause_id: str
    variable: str
    value: Any
    floor: str
    reason: str
    approved_by: str


@dataclass(frozen=True, kw_only=True)
class OmissionRec(Frozen):
    """A clause type the agreement does not include; ``reason``/``approved_by`` when recorded."""

    clause_id: str
    title: str
    required: bool
    reason: str | None = None
    approved_by: str | None = None
    lacks: str = ""  # for a required clause: what the agreement then lacks, in counsel's words


@dataclass(frozen=True, kw_only=True)
class WarningRec(Frozen):
    """Something counsel must see that does not stop drafting (``path`` as in input errors)."""

    path: str
    message: str


@dataclass(frozen=True, kw_only=True)
class Agreement(Frozen):
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
    overrides: list[OverrideRec] = field(default_factory=list)
    omitted: list[OmissionRec] = field(default_factory=list)
    warnings: list[WarningRec] = field(default_factory=list)

    @staticmethod
    def _before_validate(data: Any, info: Any) -> Any:
        """A stored version-1 record is read in its version-2 form (``_upgrade``); sealing
        (drafting, or ``wsr track`` checking a file) accepts only the current version.
        Run by pydantic before the fields (``_frozen.adapter``)."""
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


def seal(body: dict[str, Any] | Agreement) -> Agreement:
    """The record with ``content_hash`` and ``id`` computed over the canonical form of the rest.

    ``body`` is either the record's fields as JSON-like data (a record file, a test's edit of
    one), checked and normalised through the schema first so the hash covers exactly what is
    serialised, or an :class:`Agreement` the engine built itself (``assemble``), whose
    values already have their types; its id and hash are replaced.
    """
    if isinstance(body, Agreement):
        probe = body
    else:
        fields = {k: v for k, v in body.items() if k not in ("id", "content_hash")}
        fields.setdefault("schema_version", SCHEMA_VERSION)
        probe = Agreement.model_validate(
            {**fields, "id": "agr-0", "content_hash": "sha256:0"}, context={"sealing": True}
        )
    dumped = probe.model_dump(mode="json")
    dumped.pop("id")
    dumped.pop("content_hash")
    digest = hashlib.sha256(canonical_json(dumped).encode("utf-8")).hexdigest()
    return probe.model_copy(update={"id": f"agr-{digest[:12]}", "content_hash": f"sha256:{digest}"})
