"""Agreements carry their termination: ``terminated_on`` (nullable) and ``termination_reason``.

Until 0002 the date and reason of an early termination lived only in the audit log (the
``agreement_terminated`` entry's ``after``). The upgrade adds the two columns and copies them
from that entry for agreements already terminated, so the engine keeps treating them exactly as
before; the audit log itself is append-only and hash-chained, so it is read, never changed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: the audit action `ObligationService.terminate` writes (obligations._service.TERMINATED_ACTION,
#: spelled out so this migration never changes when the code does)
TERMINATED_ACTION = "agreement_terminated"

_agreements = sa.table(
    "agreements",
    sa.column("id", sa.String),
    sa.column("terminated_on", sa.Date),
    sa.column("termination_reason", sa.Text),
)
_audit_log = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer),
    sa.column("agreement_id", sa.String),
    sa.column("action", sa.String),
    sa.column("after", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("terminated_on", sa.Date, nullable=True))
        batch.add_column(
            sa.Column("termination_reason", sa.Text, nullable=False, server_default="")
        )
    _copy_terminations_from_the_audit_log()


def _copy_terminations_from_the_audit_log() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_audit_log.c.agreement_id, _audit_log.c.after)
        .where(_audit_log.c.action == TERMINATED_ACTION, _audit_log.c.after.is_not(None))
        .order_by(_audit_log.c.seq)
    ).all()
    found: dict[str, tuple[date, str]] = {}
    for agreement_id, after in rows:
        data = json.loads(after)
        if data.get("terminated_on"):
            # the last entry wins, as the engine's audit-log lookup did
            found[agreement_id] = (
                date.fromisoformat(str(data["terminated_on"])),
                str(data.get("termination_reason", "")),
            )
    for agreement_id, (day, reason) in found.items():
        conn.execute(
            sa.update(_agreements)
            .where(_agreements.c.id == agreement_id)
            .values(terminated_on=day, termination_reason=reason)
        )


def downgrade() -> None:
    # the audit log still holds every termination, so nothing is lost going back
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("termination_reason")
        batch.drop_column("terminated_on")
