"""The dashboard's "breach suspected" and "in cure" counts get a partial index each.

Both counts read ``ix_obligations_judged`` (0007_queries), whose condition covers every judged
row (suspected, violated, cure): 17,936 entries on the benchmarks' million-instance store,
nearly all suspected. Each count tested its own condition on every entry (``flags LIKE …`` on
the wide ``flags`` text, ``spec_id LIKE '%.cure'``): on PostgreSQL 33 ms and 12 ms of the
dashboard's one statement, most of its SQL (``EXPLAIN (ANALYZE, BUFFERS)``, benchmarks/README.md,
"console4 (stop 20)"). With the count's own condition as the index's, the planner proves it
from the query's WHERE (the console spells it exactly so: ``wsr.console._q_filters``) and counts
index entries with no filter: 2.7 ms and 0.02 ms. The columns are those the console's filters
narrow by (agreement, supplier, clause, obligor). ``ix_obligations_judged`` stays for the list.

Revision ID: 0011_judged
Revises: 0010_periods
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_judged"
down_revision = "0010_periods"
branch_labels = None
depends_on = None

OPEN = "state IN ('created', 'in_effect', 'suspended')"
SUSPECTED = (
    "flags LIKE '%\"breach_suspected\"%' AND state <> 'violated' "
    "AND flags NOT LIKE '%\"breach_confirmed\"%'"
)
IN_CURE = f"spec_id LIKE '%.cure' AND {OPEN}"
COLUMNS = ["agreement_id", "subject", "clause_id", "obligor"]


def upgrade() -> None:
    for name, where in (("suspected", SUSPECTED), ("in_cure", IN_CURE)):
        op.create_index(
            f"ix_obligations_{name}",
            "obligations",
            COLUMNS,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    if op.get_bind().dialect.name == "sqlite":
        # without statistics for the new indexes SQLite's planner keeps its old choices
        op.execute("ANALYZE obligations")


def downgrade() -> None:
    op.drop_index("ix_obligations_in_cure", table_name="obligations")
    op.drop_index("ix_obligations_suspected", table_name="obligations")
