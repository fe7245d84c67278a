"""The console's page of one obligation (and ``/api/obligations/{id}``): the obligation as a
sweep at ``now`` would leave it, the clause text it comes from, its audit history, its notices
with their delivery events, its evidence with decisions, and the viewer's actions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from clauses import NotFound
from obligations import (
    ObligationService,
    ObligationStore,
    evidence_pieces,
)
from obligations.stores.tables import (
    audit_log,
    notice_events,
    notices,
)

from ._access import Viewer, redact_view
from ._q_actions import _actions
from ._q_facts import ClauseText, _all_facts, _read, _sees, _service, _store
from ._q_list import _obligations


@dataclass(frozen=True)
class ObligationDetail:
    obligation: dict[str, Any]
    agreement: dict[str, Any]
    clause: ClauseText | None
    history: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    #: what the viewer may do now: action name -> what it acts on (see obligation_detail)
    actions: dict[str, list[str]] = field(default_factory=dict)
    #: the spec's kind: a prohibition's ``due`` is when it takes effect, not a deadline
    kind: str = ""

    def to_json(self) -> dict[str, Any]:
        clause = None
        if self.clause is not None:
            clause = {
                "clause_id": self.clause.clause_id,
                "clause_version": self.clause.clause_version,
                "section": self.clause.section,
                "title": self.clause.title,
                "paragraphs": [{"number": n, "text": t} for n, t in self.clause.paragraphs],
            }
        return {
            "obligation": self.obligation,
            "agreement": self.agreement,
            "clause": clause,
            "history": self.history,
            "notices": self.notices,
            "evidence": self.evidence,
            "actions": self.actions,
        }


def _history(conn: Connection, viewer: Viewer, obligation_id: str) -> list[dict[str, Any]]:
    q = (
        select(
            audit_log.c.seq,
            audit_log.c.at,
            audit_log.c.actor,
            audit_log.c.action,
            audit_log.c.reason,
            audit_log.c.before,
            audit_log.c.after,
        )
        .where(audit_log.c.obligation_id == obligation_id)
        .order_by(audit_log.c.seq)
    )
    out: list[dict[str, Any]] = []
    for r in conn.execute(q):
        before = json.loads(r.before) if r.before else None
        after = json.loads(r.after) if r.after else None
        out.append(
            redact_view(
                viewer,
                {
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "action": r.action,
                    "reason": r.reason,
                    "changes": _changes(before, after),
                },
            )
        )
    return out


#: the fields a history entry shows as before → after
_SHOWN = ("state", "flags", "evidence", "paid", "fulfilled_on", "late", "due")


def _changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in _SHOWN:
        b = None if before is None else before.get(name)
        a = None if after is None else after.get(name)
        if b != a:
            out[name] = {"before": b, "after": a}
    return out


def _notices(conn: Connection, obligation_id: str) -> list[dict[str, Any]]:
    q = (
        select(
            notices.c.id,
            notices.c.step,
            notices.c.recipient,
            notices.c.recipient_name,
            notices.c.recipient_role,
            notices.c.due_on,
            notices.c.decided_at,
            notices.c.subject,
            notices.c.sha256,
            notices.c.state,
            notices.c.attempts,
            notices.c.provider,
            notices.c.provider_message_id,
            notices.c.sent_at,
            notices.c.delivery,
            notices.c.delivered_at,
        )
        .where(notices.c.obligation_id == obligation_id)
        .order_by(notices.c.decided_at, notices.c.id)
    )
    found = [dict(r._mapping) for r in conn.execute(q)]
    if not found:
        return []
    ev = (
        select(notice_events.c.notice_id, notice_events.c.event, notice_events.c.event_at)
        .where(notice_events.c.notice_id.in_([n["id"] for n in found]))
        .order_by(notice_events.c.event_at, notice_events.c.id)
    )
    events: dict[str, list[dict[str, Any]]] = {}
    for r in conn.execute(ev):
        events.setdefault(r.notice_id, []).append({"event": r.event, "at": r.event_at.isoformat()})
    out = []
    for n in found:
        shown = {k: _json_value(v) for k, v in n.items()}
        shown["delivery_events"] = events.get(n["id"], [])
        out.append(shown)
    return out


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def obligation_detail(
    source: ObligationService | ObligationStore,
    obligation_id: str,
    viewer: Viewer,
    *,
    now: datetime,
) -> ObligationDetail:
    """One obligation with the clause text and section it comes from, its audit history, its
    notices with their delivery events, its evidence with decisions, and the actions the viewer
    may take. ``NotFound`` for an obligation that does not exist or that the viewer may not
    see (the same answer)."""
    store = _store(source)
    stack, conn = _read(store)
    with stack:
        found = _obligations(conn, [obligation_id])
        ob = found[0] if found else None
        visible = [f for f in _all_facts(store) if _sees(viewer, f)]
        # as a sweep at now would leave it: the stored row's agreement stepped, or (an
        # instance the sweep would create, not stored yet) every agreement the viewer sees
        scope = [f.id for f in visible if ob is None or f.id == ob.agreement_id]
        if scope:
            ob = _service(source).time_overlay(now=now, agreement_ids=scope).get(obligation_id, ob)
        facts = None if ob is None else next((f for f in visible if f.id == ob.agreement_id), None)
        if ob is None or facts is None:
            raise NotFound("obligation", obligation_id)
        tracked = store.get_agreement(ob.agreement_id)
        history = _history(conn, viewer, ob.id)
        sent = _notices(conn, ob.id)
    return ObligationDetail(
        obligation=redact_view(viewer, ob.to_view(now)),
        agreement={
            "id": tracked.id,
            "title": tracked.title,
            "status": tracked.status.value,
            "buyers": list(facts.buyers),
        },
        clause=facts.sections.get(ob.section),
        history=history,
        notices=sent,
        evidence=[redact_view(viewer, p.to_json()) for p in evidence_pieces(ob)],
        actions=_actions(viewer, ob, now),
        kind=ob.kind.value,
    )
