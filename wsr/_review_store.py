"""Drafts in review on the SQL store (SQLite or PostgreSQL): read, decide (pure), write, audit.

Each write is one unit of work on the obligation store's engine: the draft is read inside it
(writers are serialised: ``BEGIN IMMEDIATE`` on SQLite, the units-of-work advisory lock on
PostgreSQL), the pure rules of :mod:`wsr._review` decide, and the rows and one audit entry per
change are written together, so a refused move writes nothing and two people pressing
"approve" at once cannot both succeed from a stale state.

The audit log is the obligation engine's own (``append_audit``: hash-chained, signed), with the
draft's id — the agreement record's id — as ``agreement_id`` and the acting user as ``actor``.
Its entries carry no ``signed_on``/``id`` snapshot of an agreement, so ``wsr audit verify``'s
rebuild of the agreements table does not mistake them for one; once executed, the agreement's
own ``agreement_tracked`` entry follows under the same id.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import insert, update

from clauses import Agreement, InputError
from obligations import AuditAction, ObligationService, TrackResult
from obligations.stores.tables import (
    clause_comments,
    clause_decisions,
    drafts,
)

from ._review import (
    ClauseDecision,
    Comment,
    DraftStatus,
    Review,
    Reviewer,
    ReviewForbidden,
    StatusAction,
    StatusChange,
    Verdict,
    brand_parties,
    comment,
    decide,
    revise,
    transition,
)
from ._review_reads import DraftSummary
from ._review_records import ReviewRecords

__all__ = ["DraftSummary", "ReviewStore"]


class ReviewStore(ReviewRecords):
    """The review tables of one obligation store (they share its engine and audit log): the
    reads (:class:`~wsr._review_reads.ReviewReads`) and the writes, each one unit of work."""

    def create(
        self,
        record: Agreement,
        standard: Agreement,
        answers_yaml: str,
        who: Reviewer,
        *,
        now: datetime,
    ) -> Review:
        """A new draft in state ``draft``; Conflict when this very agreement (same content,
        same id) is already a draft or already tracked."""
        if who.role not in ("admin", "negotiator"):
            raise ReviewForbidden(
                "answers", "only the worker organization's negotiators may create drafts"
            )
        change = StatusChange(None, DraftStatus.DRAFT, "create", who.email, now, "drafted")
        with self._write() as conn:
            self._refuse_known(conn, record)
            conn.execute(
                insert(drafts).values(
                    id=record.id,
                    title=record.title,
                    record_json=record.to_json(),
                    standard_json=standard.to_json(),
                    answers_yaml=answers_yaml,
                    content_hash=record.content_hash,
                    brands=json.dumps(sorted(brand_parties(record)), ensure_ascii=False),
                    status=DraftStatus.DRAFT.value,
                    created_by=who.email,
                    created_at=now,
                    updated_at=now,
                )
            )
            self._status_row(conn, record.id, change)
            self._audit(
                record.id,
                AuditAction.DRAFT_CREATED,
                who,
                now,
                f"drafted from answers by {who.email}",
                {
                    "review_status": DraftStatus.DRAFT.value,
                    "content_hash": record.content_hash,
                    "title": record.title,
                },
            )
            return self._load(conn, record.id)

    def revise(
        self,
        draft_id: str,
        record: Agreement,
        standard: Agreement,
        answers_yaml: str,
        who: Reviewer,
        *,
        now: datetime,
    ) -> Review:
        """Replace the draft's text by the one revised answers give (see :func:`revise`); the
        draft keeps its id, and executing it tracks the record under the record's own id."""
        with self._write() as conn:
            review = self._load(conn, draft_id)
            change = revise(review, record, who, now=now)
            self._refuse_known(conn, record)
            conn.execute(
                update(drafts)
                .where(drafts.c.id == draft_id)
                .values(
                    title=record.title,
                    record_json=record.to_json(),
                    standard_json=standard.to_json(),
                    answers_yaml=answers_yaml,
                    content_hash=record.content_hash,
                    brands=json.dumps(sorted(brand_parties(record)), ensure_ascii=False),
                    updated_at=now,
                )
            )
            self._status_row(conn, draft_id, change)
            self._audit(
                draft_id,
                AuditAction.DRAFT_REVISED,
                who,
                now,
                change.reason,
                {"record": record.id, "content_hash": record.content_hash},
                before={"record": review.record.id, "content_hash": review.record.content_hash},
            )
            return self._load(conn, draft_id)

    def move(
        self,
        draft_id: str,
        action: StatusAction | str,
        who: Reviewer,
        *,
        now: datetime,
        reason: str = "",
    ) -> Review:
        """Submit or approve (execute is :meth:`execute`, which needs a signing date)."""
        if str(action) == StatusAction.EXECUTE.value:
            raise InputError.single("signed_on", "executing needs the signing date (signed_on)")
        with self._write() as conn:
            review = self._load(conn, draft_id)
            change = transition(review, action, who, now=now, reason=reason)
            return self._record_change(conn, review, change, who)

    def execute(
        self,
        draft_id: str,
        who: Reviewer,
        service: ObligationService,
        *,
        signed_on: date,
        now: datetime,
    ) -> tuple[Review, TrackResult]:
        """Approved → executed: registered for tracking on ``signed_on`` (its obligations
        compiled) and the move recorded, in one unit of work."""
        if service.store is not self.store:
            raise ValueError("the service must work on the review store's own store")
        with self._write() as conn:
            review = self._load(conn, draft_id)
            change = transition(
                review,
                StatusAction.EXECUTE,
                who,
                now=now,
                reason=f"signed on {signed_on.isoformat()}; registered for tracking",
            )
            result = service.track(review.record, signed_on=signed_on, now=now)
            return self._record_change(conn, review, change, who, signed_on=signed_on), result

    def comment(
        self,
        draft_id: str,
        clause_id: str,
        who: Reviewer,
        text: str,
        *,
        now: datetime,
        reply_to: int | None = None,
    ) -> Comment:
        with self._write() as conn:
            review = self._load(conn, draft_id)
            made = comment(review, clause_id, who, text, now=now, reply_to=reply_to)
            new_id = conn.execute(
                insert(clause_comments)
                .values(
                    draft_id=draft_id,
                    clause_id=made.clause_id,
                    author=made.author,
                    author_role=made.author_role,
                    at=made.at,
                    text=made.text,
                    reply_to=made.reply_to,
                )
                .returning(clause_comments.c.id)
            ).scalar_one()
            self._audit(
                draft_id,
                AuditAction.CLAUSE_COMMENTED,
                who,
                now,
                f"comment on clause {clause_id}",
                {
                    "clause": clause_id,
                    "comment": new_id,
                    "reply_to": made.reply_to,
                    "text": made.text,
                },
            )
            return Comment(
                made.clause_id, made.author, made.author_role, made.at, made.text,
                made.reply_to, new_id,
            )  # fmt: skip

    def decide(
        self,
        draft_id: str,
        clause_id: str,
        verdict: Verdict | str,
        who: Reviewer,
        *,
        now: datetime,
        note: str = "",
    ) -> tuple[ClauseDecision, Review]:
        """Counsel's decision on a clause (and the draft sent back when it asks for changes)."""
        with self._write() as conn:
            review = self._load(conn, draft_id)
            decision, change = decide(review, clause_id, verdict, who, now=now, note=note)
            new_id = conn.execute(
                insert(clause_decisions)
                .values(
                    draft_id=draft_id,
                    clause_id=decision.clause_id,
                    verdict=decision.verdict.value,
                    by=decision.by,
                    brand=decision.brand,
                    at=decision.at,
                    section_hash=decision.section_hash,
                    note=decision.note,
                )
                .returning(clause_decisions.c.id)
            ).scalar_one()
            self._audit(
                draft_id,
                AuditAction.CLAUSE_DECIDED,
                who,
                now,
                f"{decision.verdict.value} on clause {clause_id} for {decision.brand}"
                + (f": {decision.note}" if decision.note else ""),
                {
                    "clause": clause_id,
                    "decision": new_id,
                    "verdict": decision.verdict.value,
                    "brand": decision.brand,
                    "section_hash": decision.section_hash,
                },
            )
            if change is not None:
                self._record_change(conn, review, change, who)
            return decision, self._load(conn, draft_id)
