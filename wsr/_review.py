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

The states, records and the approval rule are data in :mod:`wsr._review_model` (re-exported
here); this module is the moves: who may make which, and what each one records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from clauses import Agreement, InputError, NotFound, SectionRec

from ._review_model import (
    _DONE,
    ADMIN,
    COUNSEL,
    MAX_COMMENT,
    MONITOR,
    MOVES,
    NEGOTIATOR,
    ClauseDecision,
    Comment,
    DraftStatus,
    Review,
    Reviewer,
    ReviewForbidden,
    ReviewRefused,
    Standing,
    StatusAction,
    StatusChange,
    Verdict,
    approval_gaps,
    brand_parties,
    section_hash,
    standing,
)

__all__ = [
    "MAX_COMMENT",
    "ADMIN",
    "MONITOR",
    "NEGOTIATOR",
    "COUNSEL",
    "DraftStatus",
    "StatusAction",
    "Verdict",
    "MOVES",
    "ReviewRefused",
    "ReviewForbidden",
    "Reviewer",
    "StatusChange",
    "Comment",
    "ClauseDecision",
    "Review",
    "Standing",
    "brand_parties",
    "section_hash",
    "standing",
    "approval_gaps",
    "REVISE",
    "applied",
    "changed_clauses",
    "comment",
    "decide",
    "revise",
    "thread_order",
    "transition",
]


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
