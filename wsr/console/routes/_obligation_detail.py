"""What the obligation page shows, as the viewer may see it: the obligation at ``now``, the
clause text and section it comes from, its history, its notices with their delivery evidence,
its evidence with the decisions, its powers. Call inside a unit of work on the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clauses import NotFound
from obligations import ObligationService
from obligations._enums import OPEN, LegalState

from .._access import Viewer, redact_view
from ._pagekit import seen_agreement


def _at(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return "" if value is None else str(value)


def _history(
    service: ObligationService, viewer: Viewer, ob_id: str, agreement_id: str
) -> list[dict[str, str]]:
    out = []
    for e in service.store.audit_entries(agreement_id):
        if e.obligation_id != ob_id:
            continue
        before, after = (e.before or {}).get("state"), (e.after or {}).get("state")
        change = f"{before} → {after}" if before and after and before != after else ""
        out.append(
            {
                "at": _at(e.at),
                "actor": e.actor,
                "action": e.action,
                "reason": e.reason,
                "change": change,
            }
        )
    return out


def _notices(service: ObligationService, ob_id: str) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from obligations.stores._sqltables import notice_events, notices

    store = service.store
    engine = getattr(store, "engine", None)
    if engine is None:
        return []
    q = (
        sa.select(notices)
        .where(notices.c.obligation_id == ob_id)
        .order_by(notices.c.decided_at, notices.c.id)
    )
    out = []
    with store.connection(write=False) as conn:  # type: ignore[attr-defined]
        rows = [dict(r._mapping) for r in conn.execute(q)]
        for row in rows:
            evs = conn.execute(
                sa.select(notice_events.c.event, notice_events.c.event_at)
                .where(notice_events.c.notice_id == row["id"])
                .order_by(notice_events.c.event_at)
            ).all()
            out.append(
                {
                    "id": row["id"],
                    "kind": str(row["step"]).replace("_", " "),
                    "to": f"{row['recipient_name']} <{row['recipient']}>",
                    "state": row["state"] + (f", {row['delivery']}" if row.get("delivery") else ""),
                    "sent_at": _at(row.get("sent_at")),
                    "deliveries": [{"event": ev, "at": _at(at), "detail": ""} for ev, at in evs],
                }
            )
    return out


def _evidence(service: ObligationService, ob_id: str) -> list[dict[str, Any]]:
    out = []
    for piece in service.evidence(ob_id):
        ref, decision = piece.ref, piece.decision
        out.append(
            {
                "number": piece.number,
                "filename": ref.filename,
                "sha256": ref.sha256,
                "size": ref.size,
                "note": ref.note,
                "submitted_at": _at(ref.submitted_at),
                "decision": None
                if decision is None
                else {
                    "state": decision.state.value,
                    "reason": decision.reason,
                    "by": decision.by,
                    "at": _at(decision.at),
                },
            }
        )
    return out


def detail(
    service: ObligationService, viewer: Viewer, obligation_id: str, now: datetime
) -> dict[str, Any]:
    """The page's context (NotFound for an obligation the viewer may not see)."""
    ob = service.store.get_obligation(obligation_id)
    try:
        seen = seen_agreement(service, viewer, ob.agreement_id, now)
    except NotFound:
        raise NotFound("obligation", obligation_id) from None
    view = redact_view(viewer, ob.to_view(now))
    try:
        section = seen.record.section(ob.clause_id)
    except KeyError:
        clause = None
    else:
        clause = {
            "number": section.number,
            "title": section.title,
            "clause_id": section.clause_id,
            "clause_version": section.clause_version,
            "alternative": section.alternative,
            "paragraphs": [{"number": p.number, "text": p.text} for p in section.paragraphs],
        }
    powers = [
        {
            "ref": f"{ob.id}/{p.get('id')}",
            "title": p.get("title", p.get("id")),
            "action": p.get("action", ""),
            "against": p.get("against", ""),
            "state": p.get("state", "available"),
            "exercised_on": p.get("exercised_on", ""),
        }
        for p in view.get("powers", ())
    ]
    flags = set(view.get("flags", ()))
    is_open = ob.state in OPEN
    return {
        "ob": view,
        "agreement": seen.head(),
        "obligor": seen.party_name(ob.obligor, ob.subject),
        "beneficiary": seen.party_name(ob.beneficiary, ob.subject),
        "clause": clause,
        "history": _history(service, viewer, ob.id, ob.agreement_id),
        "notices": _notices(service, ob.id),
        "evidence": _evidence(service, ob.id),
        "powers": powers,
        "can": {
            "confirm": "breach_suspected" in flags
            or (ob.state is LegalState.IN_EFFECT and view.get("timing") == "overdue"),
            "dismiss": "breach_suspected" in flags,
            "waive": is_open,
        },
        "today": seen.today(now).isoformat(),
    }
