"""The console's queries (issue 12): indexes for the dashboard and the obligation page.

No tables: evidence decisions live beside their evidence on the obligation
(``data["evidence"][i]["decision"]``, obligations._evidence) and a dismissed suspicion in
``data["breach_dismissals"]``, both in every audit snapshot. The indexes, each measured on the
1,000,000-obligation store (benchmarks/bench_console.py, benchmarks/README.md):

* ``ix_obligations_due_at_id`` (due_at, id): the list in due order, unfiltered or with a filter
  that most rows pass (a page walks the index and stops at its LIMIT);
* ``ix_obligations_agreement_due_at``, ``ix_obligations_subject_due_at`` and
  ``ix_obligations_clause_due_at`` (column, due_at, id): one agreement's, supplier's or
  clause's obligations in due order (a supplier has a few dozen among a million, a clause may
  have eleven);
* ``ix_obligations_open_watch``: the open rows by due instant with every column the counts, the
  chart and the filters read (agreement, supplier, clause, obligor, kind, state), so "due soon",
  "overdue" and the deadlines per week are answered from the index alone;
* ``ix_obligations_judged``: the few rows with a suspected breach, violated, or a cure, with the
  columns their counts read;
* ``ix_audit_log_obligation`` (obligation_id, seq): one obligation's history.

Revision ID: 0007_queries
Revises: 0006_web
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_queries"
down_revision = "0006_review"
branch_labels = None
depends_on = None

OPEN = "state IN ('created', 'in_effect', 'suspended')"
JUDGED = (
    "(flags LIKE '%\"breach_suspected\"%' OR state = 'violated' OR spec_id LIKE '%.cure')"
)


def upgrade() -> None:
    op.create_index("ix_obligations_due_at_id", "obligations", ["due_at", "id"])
    for column in ("agreement_id", "subject", "clause_id"):
        name = column.removesuffix("_id")
        op.create_index(f"ix_obligations_{name}_due_at", "obligations", [column, "due_at", "id"])
    op.create_index(
        "ix_obligations_open_watch",
        "obligations",
        ["due_at", "agreement_id", "subject", "clause_id", "obligor", "kind", "state"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_obligations_judged",
        "obligations",
        ["agreement_id", "subject", "clause_id", "obligor", "state", "spec_id", "flags", "due_at"],
        sqlite_where=sa.text(JUDGED),
        postgresql_where=sa.text(JUDGED),
    )
    op.create_index("ix_audit_log_obligation", "audit_log", ["obligation_id", "seq"])
    if op.get_bind().dialect.name == "sqlite":
        # without statistics for the new indexes SQLite's planner keeps its old choices
        op.execute("ANALYZE obligations")


def downgrade() -> None:
    op.drop_index("ix_audit_log_obligation", table_name="audit_log")
    op.drop_index("ix_obligations_judged", table_name="obligations")
    op.drop_index("ix_obligations_open_watch", table_name="obligations")
    for name in ("clause", "subject", "agreement"):
        op.drop_index(f"ix_obligations_{name}_due_at", table_name="obligations")
    op.drop_index("ix_obligations_due_at_id", table_name="obligations")
