"""Each agreement's own revision: a write to one agreement leaves the others' cached steps valid.

``store_revision.n`` (0012) moves on every write, so the console's overlay cache recomputed the
time step of every awake agreement after any write — on a million obligations about 110 ms on
PostgreSQL, one request in twenty a miss of the p95 goal when one write came per twenty reads.
An agreement's step is a function of its own row and obligations alone (``obligations
._advance`` reads nothing of any other agreement), so this records, per agreement, the
``store_revision.n`` of the last unit of work that wrote either (``SqlAlchemyObligationStore
._count_revision``, in the same transaction): a cached step is served for as long as that value
is unchanged. Existing agreements start at the current ``store_revision.n``.

Revision ID: 0013_agreement_revision
Revises: 0012_revision
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_agreement_revision"
down_revision = "0012_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement_revision",
        sa.Column("agreement_id", sa.String(64), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO agreement_revision (agreement_id, n) "
        "SELECT id, (SELECT n FROM store_revision WHERE id = 1) FROM agreements"
    )


def downgrade() -> None:
    op.drop_table("agreement_revision")
