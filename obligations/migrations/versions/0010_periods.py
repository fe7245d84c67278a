"""The natural-key index is ordered (agreement, spec, key, subject): one period, one range.

Every read's time step asks, per recurring spec of each agreement, which subjects already have
the newest pending period. Ordered (agreement, spec, subject, key), the index could answer that
only with one seek per subject — about 21,000 on the benchmarks' million-instance store, 0.11 s
of a 0.18 s dashboard (benchmarks/README.md, "awake (stop 18)" and "awake2 (stop 18)").
With the key before the subject a period's rows are one contiguous range, read in one step
(``obligations/stores/_periods.py``). The uniqueness is the same set of columns, so nothing it
refuses or accepts changes; lookups by (agreement, spec, subject) keep
``ix_obligations_agreement_spec_subject``. The index is rebuilt, not added: no extra index
for every write to maintain.

Revision ID: 0010_periods
Revises: 0009_awake
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0010_periods"
down_revision = "0009_awake"
branch_labels = None
depends_on = None


def _rebuild(columns: list[str]) -> None:
    op.drop_index("uq_obligations_natural_key", table_name="obligations")
    op.create_index("uq_obligations_natural_key", "obligations", columns, unique=True)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE obligations")  # statistics for the rebuilt index


def upgrade() -> None:
    _rebuild(["agreement_id", "spec_id", "key", "subject"])


def downgrade() -> None:
    _rebuild(["agreement_id", "spec_id", "subject", "key"])
