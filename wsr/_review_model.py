"""Agreements in review, as data: the states a draft moves through, the moves, the records of
who did what (status changes, comments, clause decisions), and the approval rule that reads
them (:func:`standing`, :func:`approval_gaps`). :mod:`wsr._review` holds the moves themselves
(who may make which, and what each records); its docstring draws the states and the rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from clauses import Agreement, Conflict, EngineError, Problem, SectionRec

#: the longest comment or note, in characters (a page of text)
MAX_COMMENT = 10_000
#: the role string of each kind of person (the console's ``Role`` values)
ADMIN, MONITOR, NEGOTIATOR, COUNSEL = "admin", "monitor", "negotiator", "counsel"


class DraftStatus(StrEnum):
    """Where a draft agreement stands in review."""

    DRAFT = "draft"
    """Drafted from answers; the negotiator has not yet sent it to counsel."""
    IN_REVIEW = "in_review"
    """With counsel of the brand party, clause by clause."""
    CHANGES_REQUESTED = "changes_requested"
    """Counsel asked for a change on at least one clause; back with the negotiator."""
    APPROVED = "approved"
    """Every clause approved by counsel of every brand party; ready to sign."""
    EXECUTED = "executed"
    """Signed and registered for tracking: its obligations exist. Final."""


class StatusAction(StrEnum):
    """A move a person asks for (``request_changes`` is made by a clause decision)."""

    SUBMIT = "submit"
    APPROVE = "approve"
    EXECUTE = "execute"
    REQUEST_CHANGES = "request_changes"


class Verdict(StrEnum):
    """Counsel's decision on one clause."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


#: action -> (the states it starts from, the state it leads to)
MOVES: Mapping[StatusAction, tuple[frozenset[DraftStatus], DraftStatus]] = {
    StatusAction.SUBMIT: (
        frozenset({DraftStatus.DRAFT, DraftStatus.CHANGES_REQUESTED}),
        DraftStatus.IN_REVIEW,
    ),
    StatusAction.REQUEST_CHANGES: (
        frozenset({DraftStatus.IN_REVIEW}),
        DraftStatus.CHANGES_REQUESTED,
    ),
    StatusAction.APPROVE: (frozenset({DraftStatus.IN_REVIEW}), DraftStatus.APPROVED),
    StatusAction.EXECUTE: (frozenset({DraftStatus.APPROVED}), DraftStatus.EXECUTED),
}


#: how a refusal names each move ("it cannot be submitted")
_DONE: Mapping[StatusAction, str] = {
    StatusAction.SUBMIT: "submitted",
    StatusAction.APPROVE: "approved",
    StatusAction.EXECUTE: "executed",
    StatusAction.REQUEST_CHANGES: "sent back for changes",
}


class ReviewRefused(Conflict):
    """The move does not fit the draft's state (or a rule of review); the message says what
    to do instead. A :class:`~clauses.Conflict` with the stored state, at ``path``."""


class ReviewForbidden(EngineError, PermissionError):
    """This person may not do this to this draft (a role or brand matter, not a state)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem(self.path, str(self)),)


@dataclass(frozen=True)
class Reviewer:
    """Who acts: the console user's e-mail, role (``admin``, ``monitor``, ``negotiator``,
    ``counsel``) and, for counsel, the brand (a buyer party's name as records give it)."""

    email: str
    role: str
    brand: str | None = None


@dataclass(frozen=True)
class StatusChange:
    from_status: DraftStatus | None  # None: the draft was created
    to_status: DraftStatus
    action: str  # a StatusAction value, or "create"
    by: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class Comment:
    clause_id: str
    author: str
    author_role: str
    at: datetime
    text: str
    reply_to: int | None = None
    id: int | None = None  # the store's id; None until stored


@dataclass(frozen=True)
class ClauseDecision:
    clause_id: str
    verdict: Verdict
    by: str
    brand: str
    at: datetime
    section_hash: str  # the clause as decided on (see :func:`section_hash`)
    note: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Review:
    """A draft with everything recorded about it, in the order it happened."""

    draft_id: str
    record: Agreement
    status: DraftStatus
    created_by: str
    created_at: datetime
    history: tuple[StatusChange, ...] = ()
    comments: tuple[Comment, ...] = ()
    decisions: tuple[ClauseDecision, ...] = ()
    signed_on: date | None = None

    @property
    def brands(self) -> frozenset[str]:
        return brand_parties(self.record)

    def clause_ids(self) -> list[str]:
        return [s.clause_id for s in self.record.sections]

    def thread(self, clause_id: str) -> list[Comment]:
        return [c for c in self.comments if c.clause_id == clause_id]


@dataclass(frozen=True)
class Standing:
    """Where one clause stands with one brand: its latest valid decision, if any."""

    clause_id: str
    brand: str
    decision: ClauseDecision | None = None
    stale: tuple[ClauseDecision, ...] = field(default=())  # decided on another text

    @property
    def approved(self) -> bool:
        return self.decision is not None and self.decision.verdict is Verdict.APPROVE


def brand_parties(record: Agreement) -> frozenset[str]:
    """The brands of an agreement: the names of its parties with role ``buyer``."""
    return frozenset(p.name for p in record.parties if p.role == "buyer")


def section_hash(section: SectionRec) -> str:
    """A digest of what counsel decides on: the clause's version, alternative, terms and text
    (not its number, which moves when another clause is added)."""
    body = {
        "clause_id": section.clause_id,
        "version": section.clause_version,
        "alternative": section.alternative,
        "variables": section.variables,
        "paragraphs": [p.text for p in section.paragraphs],
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def standing(review: Review) -> list[Standing]:
    """Every (clause, brand) pair of the draft with its standing decision, clause order."""
    out = []
    for section in review.record.sections:
        digest = section_hash(section)
        for brand in sorted(review.brands):
            mine = [
                d for d in review.decisions if d.clause_id == section.clause_id and d.brand == brand
            ]
            valid = [d for d in mine if d.section_hash == digest]
            out.append(
                Standing(
                    section.clause_id,
                    brand,
                    valid[-1] if valid else None,
                    tuple(d for d in mine if d.section_hash != digest),
                )
            )
    return out


def approval_gaps(review: Review) -> list[Problem]:
    """What stands between the draft and approval, one problem per clause and brand."""
    if not review.brands:
        return [Problem("parties", "the agreement has no brand party (role buyer) to approve it")]
    gaps = []
    for s in standing(review):
        if s.approved:
            continue
        if s.decision is None:
            why = "not yet decided" if not s.stale else "changed since counsel decided on it"
        else:
            why = "changes requested"
            if s.decision.note:
                why += f" ({s.decision.note})"
        gaps.append(Problem(f"clauses.{s.clause_id}", f"{why} by counsel of {s.brand}"))
    return gaps
