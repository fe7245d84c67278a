"""The notices of a bundle: the outbox rows of the agreement (or of the obligations in
dispute) with the delivery events SendGrid's signed webhook recorded for each, read in the
bundle's snapshot, and each as a :class:`~wsr._bundle_model.Notice` — the message as hashed,
whether the stored text still matches its SHA-256, and whether anything was withheld.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._bundle_model import Delivery, Notice
from ._bundle_redact import _Redactor

if TYPE_CHECKING:
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore


def _notices(
    store: SqlAlchemyObligationStore, agreement_id: str, obligation_ids: set[str] | None
) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from obligations.stores.tables import notice_events, notices, webhook_requests

    q = sa.select(notices).where(notices.c.agreement_id == agreement_id)
    q = q.order_by(notices.c.decided_at, notices.c.due_on, notices.c.id)
    out: list[dict[str, Any]] = []
    with store.connection(write=False) as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
        if obligation_ids is not None:
            rows = [r for r in rows if r["obligation_id"] in obligation_ids]
        for row in rows:
            events = conn.execute(
                sa.select(
                    notice_events.c.event,
                    notice_events.c.event_at,
                    notice_events.c.sg_message_id,
                    webhook_requests.c.id.label("request_id"),
                    webhook_requests.c.verified,
                )
                .join(webhook_requests, webhook_requests.c.id == notice_events.c.request_id)
                .where(notice_events.c.notice_id == row["id"])
                .order_by(notice_events.c.event_at, notice_events.c.id)
            )
            row["deliveries"] = [dict(e._mapping) for e in events]
            out.append(row)
    return out


def _notice(row: Mapping[str, Any], redact: _Redactor) -> Notice:
    import json

    from scheduler import message_sha256

    raw = {
        "to": row["recipient"],
        "subject": row["subject"],
        "text": row["body_text"],
        "html": row["body_html"],
    }
    shown = {k: None if v is None else redact.text(v) for k, v in raw.items()}
    document = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return Notice(
        document=document.encode("utf-8"),
        hash_matches=message_sha256(
            row["recipient"], row["subject"], row["body_text"], row["body_html"]
        )
        == row["sha256"],
        verbatim=shown == raw,
        id=row["id"],
        obligation_id=row["obligation_id"],
        step=row["step"],
        recipient=redact.text(
            f"{row['recipient_name']} <{row['recipient']}> ({row['recipient_role']})"
        ),
        due_on=row["due_on"].isoformat(),
        decided_at=row["decided_at"],
        sent_at=row["sent_at"],
        state=row["state"],
        provider=row["provider"] or "",
        provider_message_id=row["provider_message_id"] or "",
        sha256=row["sha256"],
        subject=redact.text(row["subject"]),
        body_text=redact.text(row["body_text"]),
        deliveries=tuple(
            Delivery(
                event=d["event"],
                at=d["event_at"],
                message_id=d["sg_message_id"],
                request_id=d["request_id"],
                verified=bool(d["verified"]),
            )
            for d in row["deliveries"]
        ),
    )
