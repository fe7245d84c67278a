"""The initial obligation store schema: agreements, obligations, events, audit chain, evidence.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", ID, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("term_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "obligations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("agreement_id", ID, sa.ForeignKey("agreements.id"), nullable=False),
        sa.Column("clause_id", sa.String(64), nullable=False),
        sa.Column("clause_version", sa.String(32), nullable=False),
        sa.Column("spec_id", sa.String(128), nullable=False),
        sa.Column("section", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("obligor", sa.String(64), nullable=False),
        sa.Column("beneficiary", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("amount_value", sa.String(40)),
        sa.Column("amount_currency", sa.String(3)),
        sa.Column("paid", sa.String(40), nullable=False),
        sa.Column("flags", sa.Text, nullable=False),
        sa.Column("evidence", sa.String(16), nullable=False),
        sa.Column("fulfilled_on", sa.Date),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("kpi", sa.Boolean, nullable=False),
        sa.Column("surviving", sa.Boolean, nullable=False),
        sa.Column("trigger_event_id", ID),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_obligations_state_due_at", "obligations", ["state", "due_at"])
    open_states = sa.text("state IN ('created', 'in_effect', 'suspended')")
    op.create_index(
        "ix_obligations_open_due_at",
        "obligations",
        ["due_at", "id"],
        sqlite_where=open_states,
        postgresql_where=open_states,
    )
    op.create_index(
        "ix_obligations_agreement_spec_subject",
        "obligations",
        ["agreement_id", "spec_id", "subject"],
    )
    op.create_index(
        "uq_obligations_natural_key",
        "obligations",
        ["agreement_id", "spec_id", "subject", "key"],
        unique=True,
    )
    op.create_table(
        "events",
        sa.Column("id", ID, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("agreement_id", ID, sa.ForeignKey("agreements.id"), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_index(
        "ix_events_agreement_occurred", "events", ["agreement_id", "occurred_at", "seq"]
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("agreement_id", ID, nullable=False),
        sa.Column("obligation_id", ID),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("prev_hash", sa.String(64)),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_agreement", "audit_log", ["agreement_id", "seq"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64)),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": None}])
    op.create_table(
        "evidence",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "evidence_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence.sha256"), nullable=False),
        sa.Column("obligation_id", ID, sa.ForeignKey("obligations.id"), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
    )
    op.create_index(
        "ix_evidence_links_obligation", "evidence_links", ["obligation_id", "submitted_at"]
    )


def downgrade() -> None:
    for name in ("evidence_links", "evidence", "audit_head", "audit_log", "events", "obligations",
                 "agreements"):
        op.drop_table(name)
