"""Delivery: the signed event webhook's requests and events, and the scheduler service's rows.

* ``webhook_requests``: every request to ``POST /webhooks/sendgrid`` stored raw (the body as
  received, its timestamp and signature headers) with whether it verified, and why not;
* ``notice_events``: the delivery events of verified requests, one per (SendGrid message id,
  event, timestamp) — event ids change on retries, so that triple is the key;
* ``scheduler_heartbeats``: one row per `wsr scheduler` process (`wsr scheduler status`).

(One scheduler at a time on SQLite is a file lock, :mod:`scheduler._lock`, not a row.)

Self-contained: new tables only.

Revision ID: 0005_delivery
Revises: 0004_notices
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_delivery"
down_revision = "0004_notices"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("timestamp_header", sa.String(64)),
        sa.Column("signature_header", sa.Text),
        sa.Column("raw_body", sa.Text, nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "notice_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "request_id", sa.Integer, sa.ForeignKey("webhook_requests.id"), nullable=False
        ),
        sa.Column("notice_id", sa.String(40), sa.ForeignKey("notices.id")),
        sa.Column("sg_message_id", sa.String(128), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("event_at", TS, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index(
        "uq_notice_events_key",
        "notice_events",
        ["sg_message_id", "event", "event_at"],
        unique=True,
    )
    op.create_index("ix_notice_events_notice", "notice_events", ["notice_id", "event_at"])
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("process_id", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("beat_at", TS, nullable=False),
        sa.Column("last_sweep_at", TS),
        sa.Column("last_now", TS),
        sa.Column("sweeps", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_report", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.CheckConstraint(
            "state IN ('running', 'stopped')", name="ck_scheduler_heartbeats_state"
        ),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeats")
    op.drop_index("ix_notice_events_notice", table_name="notice_events")
    op.drop_index("uq_notice_events_key", table_name="notice_events")
    op.drop_table("notice_events")
    op.drop_table("webhook_requests")
