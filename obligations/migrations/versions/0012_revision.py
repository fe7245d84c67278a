"""A counter every write moves: what the console's overlay cache is keyed by.

A read at ``now`` runs the time step for every awake agreement (``ObligationService
.time_overlay``). Its result is a function of the stored rows and ``now`` alone, so a console
serving many requests at the same ``now`` can keep it — if it can tell, within the read's own
snapshot, that nothing was written since. ``store_revision.n`` is that: every unit of work of
the store that wrote anything adds one to it in the same transaction (``SqlAlchemyObligationStore
.transaction``/``joined``), so a reader that finds the same ``n`` sees the same rows.

Revision ID: 0012_revision
Revises: 0011_judged
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_revision"
down_revision = "0011_judged"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "store_revision",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_store_revision_single_row"),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])


def downgrade() -> None:
    op.drop_table("store_revision")
