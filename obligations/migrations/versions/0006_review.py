"""Review (issue 12): agreements in review before they are executed.

* ``drafts``: one row per draft agreement, keyed by the record's own id (``agr-…``, from its
  content hash), with the record and its all-standard twin as drafted, the answers YAML it was
  drafted from, its review status and, once executed, its signing date;
* ``draft_status_changes``: every move (created, submitted, changes requested, approved,
  executed) with who and when;
* ``clause_comments``: comment threads per clause (``reply_to`` another comment);
* ``clause_decisions``: counsel's approve / request changes per clause, with the hash of the
  clause as decided on.

Self-contained: new tables only.

Revision ID: 0006_review
Revises: 0006_bundle
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_review"
down_revision = "0006_bundle"  # console-shared.md: the lead re-chains at merge
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
STATUSES = "('draft', 'in_review', 'changes_requested', 'approved', 'executed')"


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("standard_json", sa.Text, nullable=False),
        sa.Column("answers_yaml", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("brands", sa.Text, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("signed_on", sa.Date),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_drafts_status"),
    )
    op.create_table(
        "draft_status_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draft_id", sa.String(64), sa.ForeignKey("drafts.id"), nullable=False),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("by", sa.String(320), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_draft_status_changes_draft", "draft_status_changes", ["draft_id", "id"])
    op.create_table(
        "clause_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draft_id", sa.String(64), sa.ForeignKey("drafts.id"), nullable=False),
        sa.Column("clause_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("author_role", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reply_to", sa.Integer, sa.ForeignKey("clause_comments.id")),
    )
    op.create_index("ix_clause_comments_draft", "clause_comments", ["draft_id", "id"])
    op.create_table(
        "clause_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draft_id", sa.String(64), sa.ForeignKey("drafts.id"), nullable=False),
        sa.Column("clause_id", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(24), nullable=False),
        sa.Column("by", sa.String(320), nullable=False),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("section_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.CheckConstraint(
            "verdict IN ('approve', 'request_changes')", name="ck_clause_decisions_verdict"
        ),
    )
    op.create_index("ix_clause_decisions_draft", "clause_decisions", ["draft_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_clause_decisions_draft", table_name="clause_decisions")
    op.drop_table("clause_decisions")
    op.drop_index("ix_clause_comments_draft", table_name="clause_comments")
    op.drop_table("clause_comments")
    op.drop_index("ix_draft_status_changes_draft", table_name="draft_status_changes")
    op.drop_table("draft_status_changes")
    op.drop_table("drafts")
