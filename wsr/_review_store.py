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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clauses import Agreement, Conflict, InputError, NotFound
from obligations import AuditAction, AuditEntry, ObligationService, TrackResult
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from obligations.stores.tables import (
    clause_comments,
    clause_decisions,
    draft_status_changes,
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
    applied,
    brand_parties,
    comment,
    decide,
    revise,
    transition,
)


@dataclass(frozen=True)
class DraftSummary:
    """One line of the list of drafts."""

    id: str
    title: str
    status: DraftStatus
    brands: tuple[str, ...]
    created_by: str
    created_at: datetime
    updated_at: datetime
    record_json: str


class ReviewStore:
    """The review tables of one obligation store (they share its engine and audit log)."""

    def __init__(self, store: SqlAlchemyObligationStore) -> None:
        self.store = store

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.store.transaction(), self.store.connection() as conn:
            yield conn

    # -- reads ------------------------------------------------------------------------------

    def get(self, draft_id: str) -> Review:
        with self.store.connection(write=False) as conn:
            return self._load(conn, draft_id)

    def standard(self, draft_id: str) -> Agreement:
        """The all-standard twin the draft was compared with when it was made."""
        with self.store.connection(write=False) as conn:
            row = conn.execute(
                select(drafts.c.standard_json).where(drafts.c.id == draft_id)
            ).first()
        if row is None:
            raise NotFound("draft", draft_id, path="draft")
        return Agreement.from_json(row.standard_json)

    def answers_yaml(self, draft_id: str) -> str:
        with self.store.connection(write=False) as conn:
            row = conn.execute(select(drafts.c.answers_yaml).where(drafts.c.id == draft_id)).first()
        if row is None:
            raise NotFound("draft", draft_id, path="draft")
        return str(row.answers_yaml)

    def list(self) -> list[DraftSummary]:
        """Every draft, the most recently changed first."""
        with self.store.connection(write=False) as conn:
            rows = conn.execute(
                select(
                    drafts.c.id,
                    drafts.c.title,
                    drafts.c.status,
                    drafts.c.brands,
                    drafts.c.created_by,
                    drafts.c.created_at,
                    drafts.c.updated_at,
                    drafts.c.record_json,
                ).order_by(drafts.c.updated_at.desc(), drafts.c.id)
            ).all()
        return [
            DraftSummary(
                r.id,
                r.title,
                DraftStatus(r.status),
                tuple(json.loads(r.brands)),
                r.created_by,
                r.created_at,
                r.updated_at,
                r.record_json,
            )
            for r in rows
        ]

    def _load(self, conn: Connection, draft_id: str) -> Review:
        row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).first()
        if row is None:
            raise NotFound("draft", draft_id, path="draft", hint="create it from answers first")
        history = tuple(
            StatusChange(
                DraftStatus(r.from_status) if r.from_status else None,
                DraftStatus(r.to_status),
                r.action,
                r.by,
                r.at,
                r.reason,
            )
            for r in conn.execute(
                select(draft_status_changes)
                .where(draft_status_changes.c.draft_id == draft_id)
                .order_by(draft_status_changes.c.id)
            )
        )
        comments = tuple(
            Comment(r.clause_id, r.author, r.author_role, r.at, r.text, r.reply_to, r.id)
            for r in conn.execute(
                select(clause_comments)
                .where(clause_comments.c.draft_id == draft_id)
                .order_by(clause_comments.c.id)
            )
        )
        decisions = tuple(
            ClauseDecision(
                r.clause_id, Verdict(r.verdict), r.by, r.brand, r.at, r.section_hash, r.note, r.id
            )
            for r in conn.execute(
                select(clause_decisions)
                .where(clause_decisions.c.draft_id == draft_id)
                .order_by(clause_decisions.c.id)
            )
        )
        return Review(
            draft_id=row.id,
            record=Agreement.from_json(row.record_json),
            status=DraftStatus(row.status),
            created_by=row.created_by,
            created_at=row.created_at,
            history=history,
            comments=comments,
            decisions=decisions,
            signed_on=row.signed_on,
        )

    # -- writes -----------------------------------------------------------------------------

    def _audit(
        self,
        draft_id: str,
        action: AuditAction,
        who: Reviewer,
        now: datetime,
        reason: str,
        after: dict[str, Any],
        before: dict[str, Any] | None = None,
    ) -> None:
        last = self.store.last_audit_at()
        if last is not None and now < last:  # the log is kept in time order, as the engine's
            raise InputError.single(
                "now",
                f"{now.isoformat()} is before the newest audit entry: the log already has "
                f"entries up to {last.isoformat()}, and it is kept in time order; act at that "
                "time or later",
            )
        self.store.append_audit(
            [
                AuditEntry(
                    agreement_id=draft_id,
                    at=now,
                    actor=who.email,
                    action=action.value,
                    reason=reason,
                    before=before,
                    after={"draft": draft_id, **after},
                )
            ]
        )

    def _status_row(self, conn: Connection, draft_id: str, change: StatusChange) -> None:
        conn.execute(
            insert(draft_status_changes).values(
                draft_id=draft_id,
                from_status=change.from_status.value if change.from_status else None,
                to_status=change.to_status.value,
                action=change.action,
                by=change.by,
                at=change.at,
                reason=change.reason,
            )
        )

    def _record_change(
        self,
        conn: Connection,
        review: Review,
        change: StatusChange,
        who: Reviewer,
        *,
        signed_on: date | None = None,
    ) -> Review:
        values: dict[str, Any] = {"status": change.to_status.value, "updated_at": change.at}
        if signed_on is not None:
            values["signed_on"] = signed_on
        conn.execute(update(drafts).where(drafts.c.id == review.draft_id).values(**values))
        self._status_row(conn, review.draft_id, change)
        after: dict[str, Any] = {"review_status": change.to_status.value, "move": change.action}
        if signed_on is not None:
            after["signed"] = signed_on.isoformat()
        self._audit(
            review.draft_id,
            AuditAction.DRAFT_STATUS,
            who,
            change.at,
            change.reason or f"{change.action} by {who.email}",
            after,
            before={"review_status": review.status.value},
        )
        return applied(review, change, signed_on=signed_on)

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

    def _refuse_known(self, conn: Connection, record: Agreement) -> None:
        """Conflict when ``record`` is already a draft (as first drafted or as revised) or
        already tracked: one text, one review."""
        have = conn.execute(
            select(drafts.c.id, drafts.c.status).where(
                (drafts.c.id == record.id) | (drafts.c.content_hash == record.content_hash)
            )
        ).first()
        if have is not None:
            raise Conflict(
                "answers",
                f"these answers give agreement {record.id}, which is already under review as "
                f"draft {have.id} ({have.status}); open it instead of drafting it again",
            )
        try:
            self.store.get_agreement(record.id)
        except NotFound:
            return
        raise Conflict("answers", f"agreement {record.id} is already executed and tracked")

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
