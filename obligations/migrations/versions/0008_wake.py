"""Agreements carry their next wake: ``agreements.wake_at`` (nullable).

``wake_at`` is the earliest instant at which the time step (``obligations._advance.advance``)
could change the agreement, as the last write that touched it computed it
(``obligations._wake``). Reads and the sweep skip an agreement whose wake has not come: on a
store that was swept recently that is nearly every agreement, and stepping them is most of a
listing's cost. NULL means unknown: the agreement is stepped as before, so every existing row
starts NULL and the first sweep fills the column in. Nothing is copied or derived here.

No index: the time rules' questions already have ``ix_obligations_agreement_due_at``
(agreement, due_at, id) from 0007; an (agreement, spec, due_at) index measured no better on
the benchmarks' store (benchmarks/README.md, the 2026-12-02 wake section).

Revision ID: 0008_wake
Revises: 0007_queries
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_wake"
down_revision = "0007_queries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agreements", sa.Column("wake_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("wake_at")
