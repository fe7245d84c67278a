"""The time rules' questions get an index of their own: ``ix_obligations_open_spec``.

Every read at an instant some agreement's wake has passed, every sweep and every write's
own time step asks, per agreement, for the open instances of a few specs in the states a rule
acts on, due before (or, for a rule's next instant, from) a bound, without some flags
(``ObligationStore.open_of_specs``/``first_open``). Without this index SQLite answered them
by walking ``ix_obligations_agreement_due_at`` (every row of the agreement, ~90,000 on the
benchmarks' million-instance store) or ``ix_obligations_due_at_id`` (every row due before the
bound), for a few dozen rows: 2.2 s of SQL in one listing a week after the last sweep
(benchmarks/README.md, "awake (stop 18)").

(agreement_id, spec_id, state, due_at, flags) over the open rows only (the store renders the
open states exactly as the condition does beside any narrower ``state IN``, so both planners
see the query implies it): one seek per (agreement, spec, state), the due range in index
order, and the flag test on the index entry before the row is read.

Revision ID: 0009_awake
Revises: 0008_wake
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_awake"
down_revision = "0008_wake"
branch_labels = None
depends_on = None

OPEN = "state IN ('created', 'in_effect', 'suspended')"


def upgrade() -> None:
    op.create_index(
        "ix_obligations_open_spec",
        "obligations",
        ["agreement_id", "spec_id", "state", "due_at", "flags"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    if op.get_bind().dialect.name == "sqlite":
        # without statistics for the new index SQLite's planner keeps its old choices
        op.execute("ANALYZE obligations")


def downgrade() -> None:
    op.drop_index("ix_obligations_open_spec", table_name="obligations")
