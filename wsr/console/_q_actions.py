"""What a viewer may do to one obligation now (the buttons the obligation's page and
``/api/obligations/{id}`` offer): the write matrix of :mod:`wsr.console._access` and the engine's
rules, decided in one place; the service still decides each write.
"""

from __future__ import annotations

from datetime import datetime

from obligations import (
    LegalState,
    Obligation,
    evidence_pieces,
)

from ._access import Action, Viewer, may_write


def _actions(viewer: Viewer, ob: Obligation, now: datetime) -> dict[str, list[str]]:
    """What ``viewer`` may do to ``ob`` now, each by the write matrix and the engine's rules
    (the service still decides: this only says which buttons to offer)."""
    out: dict[str, list[str]] = {}
    suspected = "breach_suspected" in ob.flags
    confirmed = "breach_confirmed" in ob.flags or ob.state is LegalState.VIOLATED
    overdue = ob.state.value in ("created", "in_effect", "suspended") and (
        ob.kind != "prohibition" and now >= ob.due_at
    )
    if may_write(viewer, Action.EVIDENCE):
        out["evidence_add"] = [ob.id]
    if may_write(viewer, Action.EVIDENCE_DECISIONS):
        waiting = [str(p.number) for p in evidence_pieces(ob) if p.decision is None]
        if waiting:
            out["evidence_accept"] = waiting
            out["evidence_reject"] = waiting
    if may_write(viewer, Action.BREACH) and not confirmed:
        if suspected or overdue:
            out["breach_confirm"] = [ob.id]
        if suspected:
            out["breach_dismiss"] = [ob.id]
    if may_write(viewer, Action.WAIVE) and ob.state is LegalState.IN_EFFECT:  # discharge
        out["waive"] = [ob.id]
    # performance is recorded on an obligation in effect (the engine refuses one not settled
    # by a person's record, with its reason, beside the form)
    if may_write(viewer, Action.FULFIL) and ob.state is LegalState.IN_EFFECT:
        out["fulfil"] = [ob.id]
    if may_write(viewer, Action.POWERS):
        available = [
            str(p["id"])
            for p in ob.data.get("available_powers", ())
            if p.get("state") == "available"
        ]
        if available:
            out["power_exercise"] = available
    return out
