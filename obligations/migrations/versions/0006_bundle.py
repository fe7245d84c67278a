"""Personal calendar feeds: one secret, revocable token per feed URL (``/calendar/<token>.ics``).

* ``feed_tokens``: the sha256 of each feed's secret (the secret is shown once, when the feed is
  made, and is the whole credential: calendar clients cannot sign in), whose feed it is, the one
  agreement it is limited to (NULL: every agreement its owner follows or may see), and when it
  was made and revoked.

Self-contained: one new table. It refers to ``users`` (migration 0006_web), so it runs after it.

Revision ID: 0006_bundle
Revises: 0006_web
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_bundle"
down_revision = "0006_web"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.String(64), sa.ForeignKey("agreements.id")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    op.create_index("uq_feed_tokens_hash", "feed_tokens", ["token_hash"], unique=True)
    op.create_index("ix_feed_tokens_user", "feed_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_feed_tokens_user", table_name="feed_tokens")
    op.drop_index("uq_feed_tokens_hash", table_name="feed_tokens")
    op.drop_table("feed_tokens")
