"""The audit log records the wall-clock time of each append, and is signed with a key.

* ``audit_log.recorded_at``: when the store appended the entry, by its own clock (``at`` stays
  the business time, ``--now``, which replays need). Entries written before this migration
  never had one: it is backfilled with their business time ``at``, carried forward so it never
  goes back along the chain (a running maximum in ``seq`` order), because the log is ordered by
  it and ``at`` is the only time those entries know. Their hashes do not cover it.
* ``audit_log.mac`` and ``audit_head.mac``: HMAC-SHA256 signatures under a key kept outside the
  database; NULL here — an existing log stays an unkeyed legacy chain until `wsr audit rekey`.
* ``audit_head.legacy_seq``: the last entry written before this migration (the head's seq at
  upgrade time), so verification hashes those entries the way they were written.

Self-contained: it reads and writes only its own columns, so it can be chained after any other
migration that leaves the audit tables alone.

Revision ID: 0003_audit
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_audit"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

_log = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer),
    sa.column("at", TS),
    sa.column("recorded_at", TS),
)
_head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
                 sa.column("legacy_seq", sa.Integer))  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("recorded_at", TS, nullable=True))
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("legacy_seq", sa.Integer, nullable=False, server_default="0")
        )
    _backfill()
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("recorded_at", existing_type=TS, nullable=False)


def _backfill() -> None:
    conn = op.get_bind()
    # the same stored representation as `at` on either engine, in one statement
    conn.execute(sa.update(_log).values(recorded_at=_log.c.at))
    # then the few entries whose business time went back: carry the latest time forward
    latest = None
    fixes: list[dict[str, object]] = []
    for seq, at in conn.execute(sa.select(_log.c.seq, _log.c.at).order_by(_log.c.seq)):
        if latest is not None and at < latest:
            fixes.append({"s": seq, "t": latest})
        else:
            latest = at
    if fixes:
        conn.execute(
            sa.update(_log)
            .where(_log.c.seq == sa.bindparam("s"))
            .values(recorded_at=sa.bindparam("t")),
            fixes,
        )
    conn.execute(sa.update(_head).where(_head.c.id == 1).values(legacy_seq=_head.c.seq))


def downgrade() -> None:
    # the signatures and wall-clock times are lost going back; the chain itself still verifies
    # only if no entry was appended after the upgrade (their hashes cover recorded_at)
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("legacy_seq")
        batch.drop_column("mac")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("mac")
        batch.drop_column("recorded_at")
