"""The scheduler's notices: an outbox table written before anything is sent, and followers.

* ``notices``: one row per notice (obligation, step, recipient, due date — the unique key; the
  primary key is the hex digest of that key, so deciding the same notice twice finds the row).
  The rendered subject and bodies and their SHA-256 are stored at decision time, so what is
  hashed is what is sent. ``state`` walks pending → sending → sent | failed; the lease columns
  let several schedulers on one PostgreSQL claim rows without sending one twice.
* ``notice_follows``: staff who follow an agreement's notices (`wsr follow`).

Self-contained: new tables only.

Revision ID: 0004_notices
Revises: 0003_audit
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_notices"
down_revision = "0003_audit"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("agreement_id", sa.String(64), sa.ForeignKey("agreements.id"), nullable=False),
        sa.Column("obligation_id", sa.String(64), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("offset_days", sa.Integer),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("recipient_role", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("provider", sa.String(16)),
        sa.Column("provider_message_id", sa.String(128)),
        sa.Column("sent_at", TS),
        sa.Column("last_error", sa.Text),
        sa.Column("delivery", sa.String(16)),
        sa.Column("delivered_at", TS),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'failed')", name="ck_notices_state"
        ),
    )
    op.create_index(
        "uq_notices_key", "notices", ["obligation_id", "step", "recipient", "due_on"], unique=True
    )
    op.create_index("ix_notices_state_next_attempt", "notices", ["state", "next_attempt_at"])
    op.create_table(
        "notice_follows",
        sa.Column("agreement_id", sa.String(64), sa.ForeignKey("agreements.id"), primary_key=True),
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("added_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_follows")
    op.drop_index("ix_notices_state_next_attempt", table_name="notices")
    op.drop_index("uq_notices_key", table_name="notices")
    op.drop_table("notices")
