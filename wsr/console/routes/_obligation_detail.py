"""The obligation page's context, from :func:`wsr.console.queries.obligation_detail` (the one
read the page and ``/api/obligations/{id}`` share): the obligation, the clause text and section
it comes from, its history, its notices with their delivery evidence, its evidence with the
decisions, and which actions the viewer may take now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from obligations import ObligationService

from .. import queries
from .._access import Viewer
from ._pagekit import seen_agreement, shown

#: history fields shown as before → after, in this order
_CHANGES = ("state", "flags", "evidence", "paid", "fulfilled_on", "late", "due")


def _change(changes: dict[str, Any]) -> str:
    """What an entry changed, before → after ("" for the entry that created the obligation:
    it had no before, and its after is the page itself)."""
    if changes and all(c.get("before") is None for c in changes.values()):
        return ""
    parts = []
    for name in _CHANGES:
        if name in changes:
            before, after = changes[name].get("before"), changes[name].get("after")
            parts.append(f"{name} {shown(before)} → {shown(after)}")
    return "; ".join(parts)


def _short(at: str | None) -> str:
    """An ISO instant to the minute (the page's history is read by people)."""
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at).isoformat(timespec="minutes")
    except ValueError:
        return at


def detail(
    service: ObligationService, viewer: Viewer, obligation_id: str, now: datetime
) -> dict[str, Any]:
    """The page's context; NotFound for an obligation that does not exist or that the viewer
    may not see (the same answer)."""
    found = queries.obligation_detail(service, obligation_id, viewer, now=now)
    view = found.obligation
    seen = seen_agreement(service, viewer, view["agreement_id"], now)
    clause = None
    if found.clause is not None:
        clause = {
            "number": found.clause.section,
            "title": found.clause.title,
            "clause_id": found.clause.clause_id,
            "clause_version": found.clause.clause_version,
            "alternative": next(
                (s.alternative for s in seen.record.sections if s.number == found.clause.section),
                "",
            ),
            "paragraphs": [{"number": n, "text": t} for n, t in found.clause.paragraphs],
        }
    actions = found.actions
    waiting = set(actions.get("evidence_accept", ())) | set(actions.get("evidence_reject", ()))
    evidence = [
        {
            "number": e["number"],
            "filename": e["filename"],
            "sha256": e["sha256"],
            "size": e["size"],
            "note": e.get("note", ""),
            "submitted_at": _short(e.get("submitted_at")),
            "decision": None
            if e.get("decision") is None
            else {**e["decision"], "at": _short(e["decision"].get("at"))},
            "decidable": str(e["number"]) in waiting,
        }
        for e in found.evidence
    ]
    exercisable = set(actions.get("power_exercise", ()))
    powers = [
        {
            "ref": p["id"],
            "title": p.get("title", p["id"]),
            "action": p.get("action", ""),
            "against": p.get("against", ""),
            "state": p.get("state", ""),
            "exercised_on": p.get("exercised_on") or "",
            "exercisable": p["id"] in exercisable or p.get("power") in exercisable,
        }
        for p in view.get("powers", ())
    ]
    notices = [
        {
            "id": n["id"],
            "kind": str(n.get("step", "")).replace("_", " "),
            "to": f"{n.get('recipient_name', '')} <{n.get('recipient', '')}>",
            "state": n.get("state", "") + (f", {n['delivery']}" if n.get("delivery") else ""),
            "sent_at": _short(n.get("sent_at")),
            "deliveries": [
                {"event": d["event"], "at": _short(d["at"]), "detail": ""}
                for d in n.get("delivery_events", ())
            ],
        }
        for n in found.notices
    ]
    history = [
        {
            "at": _short(h.get("at")),
            "actor": h.get("actor", ""),
            "action": h.get("action", ""),
            "reason": h.get("reason", ""),
            "change": _change(h.get("changes", {})),
        }
        for h in found.history
    ]
    return {
        "ob": view,
        "prohibition": found.kind == "prohibition",
        "agreement": {"id": seen.id, "title": seen.tracked.title},
        "obligor": seen.party_name(view["obligor"], view.get("subject")),
        "beneficiary": seen.party_name(view["beneficiary"], view.get("subject")),
        "clause": clause,
        "history": history,
        "notices": notices,
        "evidence": evidence,
        "powers": powers,
        "can": {
            "upload": "evidence_add" in actions,
            "confirm": "breach_confirm" in actions,
            "dismiss": "breach_dismiss" in actions,
            "waive": "waive" in actions,
            "fulfil": "fulfil" in actions,
        },
        "today": seen.today(now).isoformat(),
    }
