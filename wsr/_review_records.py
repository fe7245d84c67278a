"""What every review write records (see :mod:`wsr._review_store`): the unit of work, the
status-change row, the audit entry (the engine's hash-chained log, in time order), a move's
row and entry together, and the refusal of a text already drafted or tracked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clauses import Agreement, Conflict, InputError, NotFound
from obligations import AuditAction, AuditEntry
from obligations.stores.tables import (
    draft_status_changes,
    drafts,
)

from ._review import (
    Review,
    Reviewer,
    StatusChange,
    applied,
)
from ._review_reads import ReviewReads


class ReviewRecords(ReviewReads):
    """The rows and audit entries the writes of :class:`ReviewStore` add, one place each."""

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.store.transaction(), self.store.connection() as conn:
            yield conn

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
