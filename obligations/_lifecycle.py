"""The legal lifecycle of an obligation (Symboleo) as pure functions over frozen values.

::

    created ──activate──► in_effect ◄──resume── suspended
       │                   │  ▲ └──suspend──────►  │
       │ expire            │  │                    │ terminate
       ▼                   ▼  │                    ▼
    discharged   fulfil / violate / discharge / terminate        terminated

Only ``in_effect`` may become fulfilled, violated or discharged; ``terminated`` is reachable
from in_effect and suspended; ``created`` can only be activated or expire (discharged). The
four final states absorb: every move out of them raises :class:`clauses.InvalidTransition`
and changes nothing — with ONE declared exception, ``reopen`` (fulfilled → in_effect): a
person's record of performance rests on its evidence, and when a monitor rejects all of it the
record was wrong, so the duty is owed again (:mod:`obligations._evidence` is its only caller;
docs/design.md "Evidence decisions"). Violated, discharged and terminated never reopen.
Rules never violate an obligation — they raise ``breach_suspected`` and a person confirms —
so ``violate`` is only ever called on behalf of a named actor.

Every move is recorded as an :class:`AuditEntry` whose ``before``/``after`` are complete
``to_dict()`` snapshots; :func:`replay` rebuilds the current state of every obligation from
those entries alone, which is what makes the log the record rather than a by-product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from clauses import InvalidTransition

from ._enums import AuditAction, LegalState
from ._model import AuditEntry, Obligation

_S = LegalState

#: action → {from state: to state}
TRANSITIONS: Mapping[str, Mapping[LegalState, LegalState]] = {
    "activate": {_S.CREATED: _S.IN_EFFECT},
    "suspend": {_S.IN_EFFECT: _S.SUSPENDED},
    "resume": {_S.SUSPENDED: _S.IN_EFFECT},
    "fulfil": {_S.IN_EFFECT: _S.FULFILLED},
    "violate": {_S.IN_EFFECT: _S.VIOLATED},
    "discharge": {_S.IN_EFFECT: _S.DISCHARGED},
    "expire": {_S.CREATED: _S.DISCHARGED},
    "terminate": {_S.IN_EFFECT: _S.TERMINATED, _S.SUSPENDED: _S.TERMINATED},
    # the one move out of a final state: a fulfilment whose evidence was all rejected
    "reopen": {_S.FULFILLED: _S.IN_EFFECT},
}
ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)

#: the audit action recorded for each lifecycle move
AUDIT_ACTION: Mapping[str, AuditAction] = {
    "activate": AuditAction.ACTIVATED,
    "suspend": AuditAction.SUSPENDED,
    "resume": AuditAction.RESUMED,
    "fulfil": AuditAction.FULFILLED,
    "violate": AuditAction.VIOLATED,
    "discharge": AuditAction.DISCHARGED,
    "expire": AuditAction.EXPIRED,
    "terminate": AuditAction.TERMINATED,
    "reopen": AuditAction.REOPENED,
}

#: (action, from state) pairs that leave a final state: the declared exceptions to absorbing
REOPENING: frozenset[tuple[str, LegalState]] = frozenset({("reopen", _S.FULFILLED)})


def allowed_actions(state: LegalState) -> list[str]:
    """The actions the given state allows (none for a final state)."""
    return [a for a, moves in TRANSITIONS.items() if state in moves]


def transition(
    ob: Obligation,
    action: str,
    *,
    at: datetime,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Obligation:
    """``ob`` after ``action`` at ``at``; ``changes`` sets overlay fields in the same step.

    Raises InvalidTransition (and returns nothing) when the current state forbids the move.
    """
    moves = TRANSITIONS.get(action)
    if moves is None:
        raise ValueError(f"unknown lifecycle action {action!r} (known: {', '.join(ACTIONS)})")
    target = moves.get(ob.state)
    if target is None:
        # a reopening is never offered as an alternative: only a rejection of evidence does it
        allowed = [
            AUDIT_ACTION[a] for a in allowed_actions(ob.state) if (a, ob.state) not in REOPENING
        ]
        raise InvalidTransition(ob.id, ob.state.value, AUDIT_ACTION[action], allowed=allowed)
    data = dict(ob.data)
    if reason and target.is_final:
        data["reason"] = reason
    elif ob.state.is_final:  # reopened: the closing reason no longer describes it
        data.pop("reason", None)
    fields: dict[str, Any] = {"data": data, **(changes or {})}
    return ob.evolved(state=target, updated_at=at, **fields)


def annotate(ob: Obligation, *, at: datetime, **changes: Any) -> Obligation:
    """Change overlay fields only (flags, paid, amount, data, evidence); never the legal state."""
    if "state" in changes:
        raise ValueError("annotate never changes the legal state; use transition()")
    # `evolved` is attrs.evolve converting only the changed fields: a sweep or a read at a
    # late `now` annotates thousands of instances (breach_suspected, kpi_missed)
    return ob.evolved(updated_at=at, **changes)


def audit(
    before: Obligation | None,
    after: Obligation,
    *,
    action: str,
    at: datetime,
    actor: str,
    reason: str = "",
) -> AuditEntry:
    """The log entry for one change of one obligation (complete before/after snapshots)."""
    return _entry(
        None if before is None else before.to_dict(),
        after.to_dict(),
        after,
        action=action,
        at=at,
        actor=actor,
        reason=reason,
    )


def _entry(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    ob: Obligation,
    *,
    action: str,
    at: datetime,
    actor: str,
    reason: str,
) -> AuditEntry:
    return AuditEntry(
        agreement_id=ob.agreement_id,
        obligation_id=ob.id,
        at=at,
        actor=actor,
        action=action,
        reason=reason,
        before=before,
        after=after,
    )


def move(
    ob: Obligation,
    action: str,
    *,
    at: datetime,
    actor: str,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> tuple[Obligation, AuditEntry]:
    """:func:`transition` plus its audit entry."""
    after = transition(ob, action, at=at, reason=reason, changes=changes)
    return after, audit(ob, after, action=AUDIT_ACTION[action], at=at, actor=actor, reason=reason)


def birth(
    ob: Obligation, *, at: datetime, actor: str, reason: str = ""
) -> tuple[Obligation, list[AuditEntry]]:
    """A new ``created`` instance made binding at once: audited as created, then activated."""
    if ob.state is not LegalState.CREATED:
        raise ValueError("birth() takes an obligation in the created state")
    snapshot = ob.to_dict()  # the created entry's after is the activated entry's before
    created = _entry(
        None, snapshot, ob, action=AuditAction.CREATED, at=at, actor=actor, reason=reason
    )
    active = transition(ob, "activate", at=at, reason=reason)
    activated = _entry(
        snapshot,
        active.to_dict(),
        active,
        action=AuditAction.ACTIVATED,
        at=at,
        actor=actor,
        reason=reason,
    )
    return active, [created, activated]


def replay(entries: Iterable[AuditEntry]) -> dict[str, Obligation]:
    """Current state of every obligation, rebuilt from the audit log in order."""
    state: dict[str, Obligation] = {}
    for entry in entries:
        if entry.obligation_id is None or entry.after is None:
            continue
        state[entry.obligation_id] = Obligation.from_dict(entry.after)
    return state
