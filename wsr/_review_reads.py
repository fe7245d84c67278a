"""The reads of drafts in review (see :mod:`wsr._review_store`): one draft with its status
history, comments and clause decisions as a :class:`~wsr._review.Review` value, its
all-standard twin and answers, and the list of drafts — each on a read-only connection of the
obligation store whose engine the review tables share.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from clauses import Agreement, NotFound
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
    StatusChange,
    Verdict,
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


class ReviewReads:
    """The reads of the review tables of one obligation store (:class:`ReviewStore` adds the
    writes)."""

    def __init__(self, store: SqlAlchemyObligationStore) -> None:
        self.store = store

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
