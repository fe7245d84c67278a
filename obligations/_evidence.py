"""Evidence on an obligation: attached, then accepted or rejected by a monitor, with a reason.

A piece of evidence is stored by content hash (the store's ``evidence`` table) and listed on
its obligation (``data["evidence"]``, :func:`obligations._ledgers.with_evidence`); its decision
is kept beside it in the same entry (``"decision": {state, reason, by, at}``), so the evidence
and what was decided about it travel together into every audit snapshot, and no table is
needed. The obligation's :class:`EvidenceState` is derived from its pieces
(:func:`overall`): ``none`` without evidence, ``submitted`` while any piece awaits a
decision, else ``accepted`` if any piece was accepted, else ``rejected``.

What a decision means for the legal state (docs/design.md, "Evidence decisions"):

* attaching or accepting never changes the legal state — accepting proof is not a record of
  performance (``wsr fulfil`` is), and evidence may be attached to any obligation;
* rejecting changes it in one case only: a *fulfilled* obligation settled by a person's
  record of performance (``settled_by: evidence``) whose evidence is now *all* rejected is
  reopened (``reopen``: fulfilled → in_effect, the one declared move out of a final state).
  The fulfilment rested on proof that did not hold, so the duty is owed again: its
  ``fulfilled_on``, ``late`` and ``days_late`` go (kept under ``data["reopened"]`` with the
  rejection), and at ``now`` it is overdue if its due day has passed — the sweep's time rules
  then treat it like any other late duty. A fulfilment with a piece still accepted or
  awaiting a decision stands; violated, discharged and terminated obligations never reopen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from clauses import Conflict, InputError

from ._enums import AuditAction, EvidenceState, Flag, LegalState
from ._lifecycle import annotate, audit, move
from ._model import AuditEntry, EvidenceRef, Obligation

KEY = "evidence"
DECISION = "decision"
REOPENED = "reopened"


@attrs.define(frozen=True, kw_only=True)
class Decision:
    """A monitor's judgement of one piece of evidence."""

    state: EvidenceState = attrs.field(converter=EvidenceState)
    reason: str
    by: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "reason": self.reason,
            "by": self.by,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Decision:
        return cls(
            state=d["state"],
            reason=str(d.get("reason", "")),
            by=str(d.get("by", "")),
            at=datetime.fromisoformat(d["at"]),
        )


@attrs.define(frozen=True, kw_only=True)
class Piece:
    """One piece of evidence on an obligation and its decision (None: awaiting one)."""

    number: int
    """1-based place in the obligation's list (what ``wsr evidence accept --piece`` names)."""
    ref: EvidenceRef
    decision: Decision | None

    @property
    def state(self) -> EvidenceState:
        return EvidenceState.SUBMITTED if self.decision is None else self.decision.state

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            **self.ref.to_dict(),
            "state": self.state.value,
            DECISION: None if self.decision is None else self.decision.to_json(),
        }


def pieces(ob: Obligation) -> list[Piece]:
    """The obligation's evidence, oldest first, each with its decision."""
    out: list[Piece] = []
    for i, entry in enumerate(ob.data.get(KEY, ()), start=1):
        decided = entry.get(DECISION)
        out.append(
            Piece(
                number=i,
                ref=EvidenceRef.from_dict(entry),
                decision=None if decided is None else Decision.from_json(decided),
            )
        )
    return out


def overall(found: Sequence[Piece]) -> EvidenceState:
    """The obligation's evidence state from its pieces (see the module docstring)."""
    if not found:
        return EvidenceState.NONE
    states = {p.state for p in found}
    if EvidenceState.SUBMITTED in states:
        return EvidenceState.SUBMITTED
    if EvidenceState.ACCEPTED in states:
        return EvidenceState.ACCEPTED
    return EvidenceState.REJECTED


def attach(
    ob: Obligation, ref: EvidenceRef, *, at: datetime, actor: str
) -> tuple[Obligation, AuditEntry]:
    """``ob`` with one more piece of evidence awaiting a decision (the legal state unchanged)."""
    data = {**ob.data, KEY: [*ob.data.get(KEY, ()), ref.to_dict()]}
    after = annotate(ob, at=at, data=data, evidence=EvidenceState.SUBMITTED)
    note = f": {ref.note}" if ref.note else ""
    reason = f"evidence {ref.filename} (sha256 {ref.sha256[:12]}…){note}"
    return after, audit(
        ob, after, action=AuditAction.EVIDENCE_SUBMITTED, at=at, actor=actor, reason=reason
    )


def decide(
    ob: Obligation,
    *,
    accept: bool,
    reason: str,
    piece: int | None,
    reopenable: bool,
    at: datetime,
    actor: str,
) -> tuple[Obligation, list[AuditEntry], list[str]]:
    """Accept or reject ``piece`` (1-based), or every piece awaiting a decision when None.

    ``reopenable``: the obligation is settled by a person's record of performance, so a
    fulfilment whose evidence is all rejected reopens (the service asks the spec). Returns the
    obligation after, its audit entries (the decision, then the reopening if any), messages.
    """
    if not reason.strip():
        raise InputError.single("reason", "say why; the decision and its reason go on the record")
    found = pieces(ob)
    if not found:
        raise Conflict(
            ob.id,
            f"{ob.id} has no evidence to decide on; attach it first (`wsr evidence add`)",
        )
    if piece is not None:
        if not 1 <= piece <= len(found):
            raise InputError.single(
                "piece",
                f"{ob.id} has no piece {piece} of evidence; it has pieces 1 to {len(found)}",
            )
        chosen = [found[piece - 1]]
        if chosen[0].decision is not None:
            d = chosen[0].decision
            raise Conflict(
                ob.id,
                f"piece {piece} of {ob.id} was already {d.state.value} by {d.by} on "
                f"{d.at.date().isoformat()}; nothing changed",
            )
    else:
        chosen = [p for p in found if p.decision is None]
        if not chosen:
            raise Conflict(
                ob.id,
                f"no evidence on {ob.id} awaits a decision (all {len(found)} decided); "
                "nothing changed",
            )
    state = EvidenceState.ACCEPTED if accept else EvidenceState.REJECTED
    decision = Decision(state=state, reason=reason, by=actor, at=at).to_json()
    numbers = {p.number for p in chosen}
    entries = [
        {**e, DECISION: decision} if i in numbers else dict(e)
        for i, e in enumerate(ob.data.get(KEY, ()), start=1)
    ]
    data = {**ob.data, KEY: entries}
    now_pieces = [
        attrs.evolve(p, decision=Decision.from_json(decision)) if p.number in numbers else p
        for p in found
    ]
    evidence = overall(now_pieces)
    after = annotate(ob, at=at, data=data, evidence=evidence)
    names = ", ".join(f"{p.number} ({p.ref.filename})" for p in chosen)
    action = AuditAction.EVIDENCE_ACCEPTED if accept else AuditAction.EVIDENCE_REJECTED
    log = [audit(ob, after, action=action, at=at, actor=actor, reason=f"{state}: {reason}")]
    messages = [f"evidence {names} of {ob.id} {state.value}: {reason}"]
    if (
        not accept
        and reopenable
        and after.state is LegalState.FULFILLED
        and evidence is EvidenceState.REJECTED
    ):
        after, entry = reopen(after, reason=reason, at=at, actor=actor)
        log.append(entry)
        messages.append(
            f"{ob.id} is owed again: the fulfilment recorded on {ob.fulfilled_on} rested on "
            "evidence that was all rejected"
        )
    return after, log, messages


def reopen(
    ob: Obligation, *, reason: str, at: datetime, actor: str
) -> tuple[Obligation, AuditEntry]:
    """The fulfilled ``ob`` back in effect, its fulfilment kept under ``data["reopened"]``."""
    data = {k: v for k, v in ob.data.items() if k not in ("days_late", "note", "reason")}
    retracted = {
        "fulfilled_on": None if ob.fulfilled_on is None else ob.fulfilled_on.isoformat(),
        "late": ob.late,
        "days_late": ob.data.get("days_late"),
        "note": ob.data.get("note"),
        "reason": ob.data.get("reason"),
        "rejected": reason,
        "by": actor,
        "at": at.isoformat(),
    }
    data[REOPENED] = [*ob.data.get(REOPENED, ()), retracted]
    return move(
        ob,
        "reopen",
        at=at,
        actor=actor,
        reason=f"its evidence was rejected: {reason}",
        changes={
            "fulfilled_on": None,
            "late": False,
            "flags": ob.flags - {Flag.LATE.value},
            "data": data,
        },
    )
