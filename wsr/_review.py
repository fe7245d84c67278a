"""Agreements in review: the states a draft moves through and who may move it (pure).

A negotiator of the worker organization drafts an agreement from answers; counsel of the brand
(a buyer party of the record) reviews it clause by clause; once every clause stands approved the
draft can be approved as a whole, and a negotiator then executes it on its signing date, which
registers it for tracking. Every move is a :class:`StatusChange` with who and when; every
clause carries comment threads and decisions. Nothing here does I/O: the functions take the
current :class:`Review` and ``now`` and return what to record, or raise
:class:`ReviewRefused` (a wrong move, with what to do instead) or :class:`ReviewForbidden`
(the person may not do this at all).

The states and moves::

    draft ──submit──▶ in_review ──approve──▶ approved ──execute──▶ executed
                       ▲      │
               submit  │      │ a clause decision "request changes"
                       │      ▼
                    changes_requested

The approval rule (issue 12 leaves it to us):

* a clause's **standing decision** for a brand is the latest decision on that clause by counsel
  of that brand, counted only while the clause's text and terms are the ones decided on (the
  decision keeps the section's hash);
* the draft may be approved only when, for **every brand party** of the record (every party with
  role ``buyer``), every clause's standing decision is *approve*: each brand signs the agreement,
  so each brand's counsel must have accepted every clause. Nobody else can approve for a brand —
  not an admin, not a negotiator;
* a decision *request changes* while the draft is in review sends it back (``changes_requested``)
  at once, recorded as a status change by that counsel; counsel may go on deciding the other
  clauses while it is back, and the negotiator answers in the thread and submits it again;
* comments may be added by negotiators, admins and counsel of a brand party until the draft is
  executed; a reply names a comment on the same clause.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from clauses import Agreement, Conflict, EngineError, InputError, NotFound, Problem, SectionRec

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


# -- checks -----------------------------------------------------------------------------------


def _counsel_brand(review: Review, who: Reviewer, path: str) -> str:
    """The brand ``who`` speaks for on this draft; ReviewForbidden unless counsel of a party."""
    if who.role != COUNSEL:
        raise ReviewForbidden(
            path,
            f"only counsel of the brand party may decide on clauses ({who.email} is {who.role})",
        )
    if who.brand is None or who.brand not in review.brands:
        raise ReviewForbidden(
            path,
            f"{who.email} is counsel of {who.brand or 'no brand'}, which is not a party to "
            f"{review.draft_id}",
        )
    return who.brand


def _may_comment(review: Review, who: Reviewer) -> None:
    if who.role in (ADMIN, NEGOTIATOR):
        return
    if who.role == COUNSEL:
        _counsel_brand(review, who, "comment")
        return
    raise ReviewForbidden(
        "comment", f"{who.role} users follow obligations; they do not comment on drafts"
    )


def _clause(review: Review, clause_id: str) -> SectionRec:
    try:
        return review.record.section(clause_id)
    except KeyError:
        known = ", ".join(review.clause_ids())
        raise NotFound(
            "clause", clause_id, path="clause", hint=f"{review.draft_id} has: {known}"
        ) from None


def _text(value: str, path: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InputError.single(path, "write something (the text is empty)")
    if len(text) > MAX_COMMENT:
        raise InputError.single(path, f"is {len(text):,} characters; keep it to {MAX_COMMENT:,}")
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in text):
        raise InputError.single(path, "contains control characters; type plain text")
    return text


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


# -- moves ------------------------------------------------------------------------------------


def transition(
    review: Review, action: StatusAction | str, who: Reviewer, *, now: datetime, reason: str = ""
) -> StatusChange:
    """The status change ``action`` by ``who`` makes, or ReviewRefused / ReviewForbidden.

    ``submit`` and ``execute`` are a negotiator's (or an admin's); ``approve`` is counsel of a
    brand party's, and only when :func:`approval_gaps` is empty; ``request_changes`` is made
    by :func:`decide`, never asked for on its own.
    """
    now = _aware(now)
    try:
        act = StatusAction(action)
    except ValueError:
        names = ", ".join(a.value for a in StatusAction if a is not StatusAction.REQUEST_CHANGES)
        raise InputError.single(
            "action", f"unknown action {action!r} (choose from {names})"
        ) from None
    starts, target = MOVES[act]
    if act in (StatusAction.SUBMIT, StatusAction.EXECUTE) and who.role not in (ADMIN, NEGOTIATOR):
        raise ReviewForbidden(
            "action", f"only the worker organization's negotiators may {act.value} a draft"
        )
    if act is StatusAction.APPROVE:
        _counsel_brand(review, who, "action")
    if act is StatusAction.REQUEST_CHANGES:
        _counsel_brand(review, who, "action")
    if review.status not in starts:
        allowed = sorted(
            a.value
            for a, (s, _) in MOVES.items()
            if review.status in s and a is not StatusAction.REQUEST_CHANGES
        )
        hint = (
            f"from {review.status.value} it can only be: {', '.join(allowed)}"
            if allowed
            else "nothing more can happen to it"
        )
        raise ReviewRefused(
            "action",
            f"{review.draft_id} is {review.status.value}; it cannot be {_DONE[act]} ({hint})",
        )
    if act is StatusAction.APPROVE:
        gaps = approval_gaps(review)
        if gaps:
            listed = "; ".join(str(g) for g in gaps[:5])
            more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
            raise ReviewRefused(
                "action",
                f"{review.draft_id} cannot be approved until every clause is approved by "
                f"counsel of every brand party: {listed}{more}",
            )
    return StatusChange(
        review.status, target, act.value, who.email, now, _text(reason, "reason", required=False)
    )


def decide(
    review: Review,
    clause_id: str,
    verdict: Verdict | str,
    who: Reviewer,
    *,
    now: datetime,
    note: str = "",
) -> tuple[ClauseDecision, StatusChange | None]:
    """Counsel's decision on one clause, and the status change it makes (a request for changes
    on a draft in review sends it back). Allowed while the draft is in review or back with the
    negotiator; a request for changes needs a note saying what to change."""
    now = _aware(now)
    try:
        v = Verdict(verdict)
    except ValueError:
        names = ", ".join(x.value for x in Verdict)
        raise InputError.single(
            "decision", f"unknown decision {verdict!r} (choose from {names})"
        ) from None
    brand = _counsel_brand(review, who, "decision")
    section = _clause(review, clause_id)
    if review.status not in (DraftStatus.IN_REVIEW, DraftStatus.CHANGES_REQUESTED):
        raise ReviewRefused(
            "decision",
            f"{review.draft_id} is {review.status.value}; clauses are decided while it is in "
            "review (or back with the negotiator)",
        )
    text = _text(note, "note", required=v is Verdict.REQUEST_CHANGES)
    decision = ClauseDecision(clause_id, v, who.email, brand, now, section_hash(section), text)
    change = None
    if v is Verdict.REQUEST_CHANGES and review.status is DraftStatus.IN_REVIEW:
        change = StatusChange(
            review.status,
            DraftStatus.CHANGES_REQUESTED,
            StatusAction.REQUEST_CHANGES.value,
            who.email,
            now,
            f"changes requested on {section.number}. {section.title}: {text}",
        )
    return decision, change


def comment(
    review: Review,
    clause_id: str,
    who: Reviewer,
    text: str,
    *,
    now: datetime,
    reply_to: int | None = None,
) -> Comment:
    """A comment on one clause (a reply when ``reply_to`` names a comment on that clause)."""
    now = _aware(now)
    _may_comment(review, who)
    _clause(review, clause_id)
    if review.status is DraftStatus.EXECUTED:
        raise ReviewRefused(
            "comment", f"{review.draft_id} is executed; comment on its obligations instead"
        )
    body = _text(text, "text", required=True)
    if reply_to is not None and not any(
        c.id == reply_to and c.clause_id == clause_id for c in review.comments
    ):
        raise InputError.single(
            "reply_to", f"no comment {reply_to} on clause {clause_id} of {review.draft_id}"
        )
    return Comment(clause_id, who.email, who.role, now, body, reply_to)


#: the history's action for a new version of the draft's text (its status does not change)
REVISE = "revise"


def changed_clauses(old: Agreement, new: Agreement) -> list[str]:
    """The clause ids whose text or terms differ between two versions, added and removed ones
    included (old order, then the new clauses)."""
    before = {s.clause_id: section_hash(s) for s in old.sections}
    after = {s.clause_id: section_hash(s) for s in new.sections}
    out = [cid for cid, h in before.items() if after.get(cid) != h]
    return out + [cid for cid in after if cid not in before]


def revise(review: Review, record: Agreement, who: Reviewer, *, now: datetime) -> StatusChange:
    """A new version of the draft from revised answers, while it is a draft or back with the
    negotiator. Its status stays; the threads stay; decisions on clauses whose text or terms
    changed no longer count (they were made on other words), the others still do."""
    now = _aware(now)
    if who.role not in (ADMIN, NEGOTIATOR):
        raise ReviewForbidden("answers", "only the worker organization's negotiators may revise")
    if review.status not in (DraftStatus.DRAFT, DraftStatus.CHANGES_REQUESTED):
        raise ReviewRefused(
            "answers",
            f"{review.draft_id} is {review.status.value}; it can be revised while it is a draft "
            "or back with the negotiator (changes requested)",
        )
    if record.content_hash == review.record.content_hash:
        raise ReviewRefused(
            "answers", "these answers give exactly the text under review; nothing to revise"
        )
    changed = changed_clauses(review.record, record)
    listed = ", ".join(changed) if changed else "none (only parties, suppliers or title)"
    return StatusChange(
        review.status,
        review.status,
        REVISE,
        who.email,
        now,
        f"revised from new answers: {review.record.id} → {record.id}; clauses changed: {listed}",
    )


def applied(review: Review, change: StatusChange, *, signed_on: date | None = None) -> Review:
    """The review after ``change`` (what the store reads back once it is recorded)."""
    from dataclasses import replace

    return replace(
        review,
        status=change.to_status,
        history=(*review.history, change),
        signed_on=signed_on if signed_on is not None else review.signed_on,
    )


def thread_order(comments: Sequence[Comment]) -> list[tuple[int, Comment]]:
    """Comments as a thread: each followed by its replies, with its depth (0 for a top one)."""
    children: dict[int | None, list[Comment]] = {}
    for c in comments:
        children.setdefault(c.reply_to, []).append(c)
    out: list[tuple[int, Comment]] = []
    ids = {c.id for c in comments}

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            out.append((depth, c))
            if c.id is not None:
                walk(c.id, depth + 1)

    walk(None, 0)
    # a reply whose parent is not in this list (never, when the store is consistent)
    for parent, kids in children.items():
        if parent is not None and parent not in ids:
            out += [(0, c) for c in kids]
    return out
