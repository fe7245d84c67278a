"""Recording the event webhook: every request raw, and each delivery event once, on its notice.

One transaction per request: the raw request row (verified or not, with the reason), then for a
verified one each delivery event of interest — ``processed``, ``delivered``, ``deferred``,
``bounce``, ``dropped`` — inserted unless the same (SendGrid message id, event, timestamp) is
already there: SendGrid retries a webhook call that did not get a 2xx, and the retried event may
carry a new ``sg_event_id``, so that id cannot be the key. The notice is found by the
``notice_id`` custom argument our notifier puts on every message (SendGrid copies custom
arguments into each event object). A notice's ``delivery`` column follows its latest event, and
``delivered_at`` is its first delivery.

A new ``delivered`` event on a breach notice is what starts the cure period, and a new bounce
or drop is what escalates to the next address: both are the notices stream's rules, reached
through the hooks :class:`DeliveryHooks` names, called in this same transaction.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from obligations.stores._sqltables import notice_events, notices, webhook_requests


class DeliveryEvent(enum.StrEnum):
    """The SendGrid delivery events recorded against a notice (opens and clicks are not)."""

    PROCESSED = "processed"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    BOUNCE = "bounce"
    DROPPED = "dropped"


#: which event wins when two share a timestamp (a final answer over an interim one)
_RANK = {
    DeliveryEvent.PROCESSED: 0,
    DeliveryEvent.DEFERRED: 1,
    DeliveryEvent.DELIVERED: 2,
    DeliveryEvent.BOUNCE: 3,
    DeliveryEvent.DROPPED: 3,
}

#: on_delivered(conn, notice_id, at) / on_bounce(conn, notice_id, at, reason)
DeliveredHook = Callable[[Connection, str, datetime], Any]
BounceHook = Callable[[Connection, str, datetime, str], Any]


@attrs.frozen
class DeliveryHooks:
    on_delivered: DeliveredHook | None = None
    on_bounce: BounceHook | None = None


@attrs.frozen
class Recorded:
    """What one webhook request did."""

    request_id: int
    verified: bool
    reason: str | None = None  # why nothing was recorded (refused, or an unreadable body)
    recorded: int = 0  # new delivery events
    duplicates: int = 0  # events already recorded (a retried webhook call)
    ignored: int = 0  # events of other kinds (open, click…)
    unknown_notice: int = 0  # recorded, but no notice of ours carries that id


class BadEvents(ValueError):
    """The body verified but is not a list of event objects (a bug at the sender)."""


def parse_events(raw_body: str) -> list[dict[str, Any]]:
    try:
        events = json.loads(raw_body)
    except ValueError as exc:
        raise BadEvents(f"the body is not JSON: {exc}") from None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise BadEvents("the body is not a JSON array of event objects")
    for i, e in enumerate(events):
        if not isinstance(e.get("event"), str):
            raise BadEvents(f"event {i}: no 'event' name")
        if not isinstance(e.get("timestamp"), int) or isinstance(e.get("timestamp"), bool):
            raise BadEvents(f"event {i}: 'timestamp' is not a Unix time")
    return events


def record_request(
    engine: Engine,
    *,
    received_at: datetime,
    raw_body: str,
    signature: str | None,
    timestamp: str | None,
    refusal: str | None,
    hooks: DeliveryHooks | None = None,
) -> Recorded:
    """Store the request and, when it verified, its events (see the module docstring)."""
    events: Sequence[dict[str, Any]] = ()
    reason = refusal
    if refusal is None:
        try:
            events = parse_events(raw_body)
        except BadEvents as exc:
            reason = f"unreadable: {exc}"
    with engine.begin() as conn:
        request_id = conn.execute(
            sa.insert(webhook_requests)
            .values(
                received_at=received_at,
                timestamp_header=(timestamp or None) and timestamp[:64],
                signature_header=signature,
                raw_body=raw_body,
                verified=refusal is None,
                reason=reason,
            )
            .returning(webhook_requests.c.id)
        ).scalar_one()
        if reason is not None:
            return Recorded(request_id=request_id, verified=refusal is None, reason=reason)
        return _record_events(conn, request_id, events, hooks or DeliveryHooks())


def _record_events(
    conn: Connection, request_id: int, events: Sequence[dict[str, Any]], hooks: DeliveryHooks
) -> Recorded:
    counts: dict[str, int] = {"recorded": 0, "duplicates": 0, "ignored": 0, "unknown_notice": 0}
    wanted = {str(e.get("notice_id")) for e in events if e.get("notice_id")}
    known: dict[str, str] = {}
    if wanted:
        known = {
            row.id: row.step
            for row in conn.execute(
                sa.select(notices.c.id, notices.c.step).where(notices.c.id.in_(wanted))
            )
        }
    touched: set[str] = set()
    for e in events:
        try:
            kind = DeliveryEvent(e["event"])
        except ValueError:
            counts["ignored"] += 1
            continue
        at = datetime.fromtimestamp(e["timestamp"], UTC)
        nid = str(e.get("notice_id") or "") or None
        notice_id = nid if nid in known else None
        mid = str(e.get("sg_message_id") or "") or f"notice:{nid or '?'}"
        inserted = _insert_once(
            conn,
            {
                "request_id": request_id,
                "notice_id": notice_id,
                "sg_message_id": mid[:128],
                "event": kind.value,
                "event_at": at,
                "payload": json.dumps(e, sort_keys=True, separators=(",", ":")),
            },
        )
        if not inserted:
            counts["duplicates"] += 1
            continue
        counts["recorded"] += 1
        if notice_id is None:
            counts["unknown_notice"] += 1
            continue
        touched.add(notice_id)
        if kind is DeliveryEvent.DELIVERED and hooks.on_delivered is not None:
            hooks.on_delivered(conn, notice_id, at)
        if kind in (DeliveryEvent.BOUNCE, DeliveryEvent.DROPPED) and hooks.on_bounce is not None:
            reason = str(e.get("reason") or e.get("response") or kind.value)
            hooks.on_bounce(conn, notice_id, at, reason)
    for notice_id in sorted(touched):
        _refresh_delivery(conn, notice_id)
    return Recorded(
        request_id=request_id,
        verified=True,
        recorded=counts["recorded"],
        duplicates=counts["duplicates"],
        ignored=counts["ignored"],
        unknown_notice=counts["unknown_notice"],
    )


def _insert_once(conn: Connection, row: dict[str, Any]) -> bool:
    """Insert unless the (message id, event, timestamp) key exists; True when inserted."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(notice_events).on_conflict_do_nothing(
            index_elements=["sg_message_id", "event", "event_at"]
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(notice_events).on_conflict_do_nothing(
            index_elements=["sg_message_id", "event", "event_at"]
        )
    # RETURNING says whether a row went in on both engines (rowcount is -1 on PostgreSQL here)
    return conn.execute(stmt.values(**row).returning(notice_events.c.id)).first() is not None


def _refresh_delivery(conn: Connection, notice_id: str) -> None:
    rows = conn.execute(
        sa.select(notice_events.c.event, notice_events.c.event_at).where(
            notice_events.c.notice_id == notice_id
        )
    ).all()
    latest = max(rows, key=lambda r: (r.event_at, _RANK[DeliveryEvent(r.event)]))
    delivered = [r.event_at for r in rows if r.event == DeliveryEvent.DELIVERED]
    conn.execute(
        sa.update(notices)
        .where(notices.c.id == notice_id)
        .values(delivery=latest.event, delivered_at=min(delivered) if delivered else None)
    )
