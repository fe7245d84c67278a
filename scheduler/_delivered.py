"""What a delivery event means for the engine: the hooks the event webhook calls
(``scheduler.on_delivered`` / ``scheduler.on_bounce``, in the webhook's own transaction).

* A breach notice DELIVERED to the obligor records ``breach_notice_delivered`` on the agreement
  when the breached spec declares ``escalation: cure_from: delivery``; the engine's
  ``escalation`` rule then starts the cure period on that day (so the cure runs from the day
  the party in breach has the notice, not from when it was sent).
* A BOUNCE (or drop) sends the same notice again to the party's next notice address
  (``parties[].notice_emails``), as a new pending notice, and tells the monitor (a
  ``bounce_notice``); each is an audit entry.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from clauses import Agreement, NotFound
from obligations import AuditAction, AuditEntry, EventResult, Obligation, ObligationService
from obligations.stores._sqltables import notices
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

from ._model import MONITOR_ROLE, Decision, Recipient, Role, Step
from ._record import DEFAULT_CONSOLE_URL, _parties, insert_rows, notice_context, notice_row

#: the engine event a delivered breach notice becomes (obligations._escalation.DELIVERED)
DELIVERED_EVENT = "breach_notice_delivered"
ACTOR = "scheduler:webhook"


def _row(conn: Connection, notice_id: str) -> Any:
    return conn.execute(select(notices).where(notices.c.id == notice_id)).first()


def on_delivered(
    conn: Connection, notice_id: str, at: datetime, *, actor: str = ACTOR
) -> EventResult | None:
    """A notice reached its recipient at ``at``. For a breach notice to the obligor whose spec
    runs the cure from delivery, record ``breach_notice_delivered`` (once per notice) and
    return what it did; None when the delivery means nothing more."""
    row = _row(conn, notice_id)
    if row is None or row.step != Step.BREACH_NOTICE.value or row.recipient_role != "obligor":
        return None
    store = SqlAlchemyObligationStore(conn.engine)
    with store.joined(conn):
        ob = _obligation(store, row.obligation_id)
        if ob is None:
            return None  # no obligation the engine tracks: the delivery is evidence only
        record = Agreement.from_json(store.get_agreement(row.agreement_id).record_json)
        spec = next((s for s in record.specs if s.id == ob.spec_id), None)
        if spec is None or spec.escalation is None or spec.escalation.cure_from != "delivery":
            return None
        for ev in store.list_events(row.agreement_id, type=DELIVERED_EVENT):
            if ev.payload.get("notice") == notice_id:
                return None  # this notice's delivery is already on the record
        last = store.last_audit_at()
        now = at if last is None or at >= last else last
        service = ObligationService(store, actor=actor)
        return service.record_event(
            row.agreement_id,
            DELIVERED_EVENT,
            on=at,
            fields={"obligation": row.obligation_id, "notice": notice_id},
            now=now,
        )


def on_bounce(
    conn: Connection,
    notice_id: str,
    at: datetime,
    reason: str,
    *,
    console_url: str = DEFAULT_CONSOLE_URL,
    actor: str = ACTOR,
) -> list[str]:
    """A notice bounced (or was dropped): the same notice to the party's next notice address,
    and a ``bounce_notice`` to the monitor, both written ``pending`` (the next sweep sends
    them). Returns the ids of the notices it added."""
    row = _row(conn, notice_id)
    if row is None:
        return []
    store = SqlAlchemyObligationStore(conn.engine)
    with store.joined(conn):
        ob = _obligation(store, row.obligation_id)
        if ob is None:
            return []
        record = Agreement.from_json(store.get_agreement(row.agreement_id).record_json)
        parties = _parties(record)
        bounced = row.recipient.lower()
        nxt: tuple[str, str, str] | None = None
        for p in parties:
            if bounced in p.emails:
                i = p.emails.index(bounced)
                if i + 1 < len(p.emails):
                    nxt = (p.emails[i + 1], p.name, p.language)
                break
        context = notice_context(record, ob, now=at, console_url=console_url)
        role = Role(row.recipient_role)
        rows = []
        if nxt is not None:
            again = Decision(
                agreement_id=row.agreement_id,
                obligation_id=row.obligation_id,
                step=Step(_base_step(row.step)),
                offset_days=row.offset_days,
                recipient=Recipient(nxt[0], nxt[1], role, nxt[2]),
                due_on=row.due_on,
            )
            resend = notice_row(again, context, now=at)
            resend["step"] = row.step  # the same rung, to the next address
            resend["id"] = _id(row.obligation_id, row.step, nxt[0], row.due_on.isoformat())
            rows.append(resend)
        tag = hashlib.sha256(bounced.encode()).hexdigest()[:8]
        for p in parties:
            if p.role != MONITOR_ROLE or not p.emails or p.emails[0] == bounced:
                continue
            tell = Decision(
                agreement_id=row.agreement_id,
                obligation_id=row.obligation_id,
                step=Step.BOUNCE_NOTICE,
                offset_days=None,
                recipient=Recipient(p.emails[0], p.name, Role.MONITOR, p.language),
                due_on=row.due_on,
            )
            told = notice_row(
                tell,
                {**context, "bounced": bounced, "next_address": nxt[0] if nxt else None},
                now=at,
            )
            told["step"] = f"bounce_{tag}"
            told["id"] = _id(row.obligation_id, told["step"], p.emails[0], row.due_on.isoformat())
            rows.append(told)
        insert_rows(conn, rows)
        store.append_audit(
            [
                AuditEntry(
                    agreement_id=row.agreement_id,
                    obligation_id=row.obligation_id,
                    at=at,
                    actor=actor,
                    action=AuditAction.NOTICE_BOUNCED.value,
                    reason=f"{row.step} notice {notice_id} to {bounced} bounced ({reason[:200]}); "
                    + (f"sent again to {nxt[0]}" if nxt else "no further notice address")
                    + "; the monitor is told",
                )
            ]
        )
    return [r["id"] for r in rows]


def _obligation(store: SqlAlchemyObligationStore, obligation_id: str) -> Obligation | None:
    try:
        return store.get_obligation(obligation_id)
    except NotFound:
        return None


def _base_step(step: str) -> str:
    """The rung a stored step is on (``reminder_7`` → ``reminder``, ``bounce_1a2b…`` →
    ``bounce_notice``)."""
    head = step.split("_")[0]
    if head in ("reminder", "overdue"):
        return head
    return Step.BOUNCE_NOTICE.value if head == "bounce" else step


def _id(obligation_id: str, step: str, recipient: str, due_on: str) -> str:
    from ._model import notice_id

    return notice_id(obligation_id, step, recipient, due_on)
