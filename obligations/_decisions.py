"""Decisions people make about obligations, and the agreement's status over its term.

Rules only ever suspect; a person fulfils, confirms a breach or waives. Each is a pure
function returning the new obligation(s) and their audit entries; the service writes them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from clauses import BoundSpec, Conflict, InputError, ObligationKind
from clauses._schema import SettleBy

from ._calendar import add_months
from ._compile import new_instance
from ._context import AgreementContext
from ._enums import FINAL, OPEN, AgreementStatus, AuditAction, Flag, LegalState
from ._lifecycle import annotate, audit, move
from ._model import AuditEntry, Obligation
from ._outcome import ListLookup, Outcome, Work
from ._powers import KEY as AVAILABLE
from ._powers import made_available
from ._rulebase import rules_for
from ._rulebook import PowersRule

BREACH = Flag.BREACH_SUSPECTED.value
CONFIRMED = Flag.BREACH_CONFIRMED.value
LATE = Flag.LATE.value


def _describe(ob: Obligation) -> str:
    return f"{ob.spec_id}" + (f" for {ob.subject}" if ob.subject else "")


# -- decisions by a person ----------------------------------------------------------------------


def may_fulfil(spec: BoundSpec | None, ob: Obligation) -> None:
    """Refuse a person's record of performance where the spec does not declare one
    (``settled_by: evidence``): a prohibition is kept, not performed, and ends as declared."""
    if spec is None or spec.settlements(SettleBy.EVIDENCE):
        return
    ways = ", ".join(f"{h.by.value} ({h.event})" for h in spec.settled_by) or "its ending"
    raise Conflict(
        ob.id,
        f"{ob.id} ({spec.id}) is not settled by a person's record of performance; it is "
        f"settled by {ways}",
    )


def fulfil(
    ob: Obligation,
    *,
    on: date,
    evidence: bool,
    note: str,
    at: datetime,
    actor: str,
) -> tuple[Obligation, AuditEntry]:
    """Record performance on ``on`` (late when after the due date; evidence submitted)."""
    late = on > ob.due
    data = dict(ob.data)
    if note:
        data["note"] = note
    if late:
        data["days_late"] = (on - ob.due).days
    changes: dict[str, Any] = {
        "fulfilled_on": on,
        "late": late,
        "flags": ob.flags | {LATE} if late else ob.flags,
        "data": data,
    }
    if evidence:
        changes["evidence"] = "submitted"
    reason = note or f"fulfilled on {on.isoformat()}"
    return move(ob, "fulfil", at=at, actor=actor, reason=reason, changes=changes)


def confirm_breach(
    ctx: AgreementContext,
    ob: Obligation,
    *,
    on: date,
    reason: str,
    at: datetime,
    actor: str,
) -> Outcome:
    """A person confirms a breach: violated, and the cure obligation and powers if any.

    Only a suspected breach (the flag a rule raised) or an overdue duty can be confirmed; a
    prohibition is never breached merely by time passing. An obligation already closed with
    its suspicion kept (a cut-off discharged by reinstatement, "breach pending confirmation")
    stays in its final state — final states absorb — and the confirmation is recorded on it
    as the ``breach_confirmed`` flag, with the same cure and powers.
    """
    spec = ctx.spec(ob.spec_id)
    if spec is not None:
        for rule in rules_for(spec):
            rule.on_confirm(spec, ob)  # a KPI refuses: a target is never a breach
    # judged on the decision's own date: a duty not yet past due on ``on`` was not breached then
    overdue = ob.state in OPEN and at >= ob.due_at and on > ob.due and ob.kind != "prohibition"
    if BREACH not in ob.flags and not overdue:
        when = (
            f"it is due {ob.due.isoformat()}, so on {on.isoformat()} it was not yet past due"
            if ob.state in OPEN and ob.kind != "prohibition" and on <= ob.due
            else "it is not overdue"
        )
        raise Conflict(
            ob.id,
            f"obligation {ob.id} has no suspected breach and {when}; nothing to confirm "
            "(a breach is confirmed once a rule suspects it or the duty is past due)",
        )
    if not reason.strip():
        raise InputError.single("reason", "a breach needs a reason")
    work = Work(ListLookup([ob]), at=at, actor=actor)
    powers = PowersRule.on_violation(ctx, ob)
    data = {
        **ob.data,
        "breach_confirmed_on": on.isoformat(),
        "powers": [p.id for p in powers],
        AVAILABLE: [
            *ob.data.get(AVAILABLE, []),
            *made_available(powers, obligation_id=ob.id, on=on),
        ],
    }
    if ob.state in FINAL:
        flags = ob.flags | {CONFIRMED}
        after = annotate(ob, at=at, flags=flags, data=data)
        work.update(ob, after, action=AuditAction.BREACH_CONFIRMED, reason=reason)
        work.messages.append(
            f"{_describe(ob)} is already {ob.state.value}; the breach is recorded as confirmed: "
            f"{reason}"
        )
    else:
        work.move(ob, "violate", reason=reason, changes={"data": data})
        work.messages.append(f"{_describe(ob)} violated: {reason}")
    if spec is not None and spec.cure is not None:
        if spec.escalation is not None and spec.escalation.cure_from == "delivery":
            # issue 10: the declared ladder runs the cure from the breach notice's delivery
            work.messages.append(
                f"the cure period of {spec.cure.days} days starts when the breach notice is "
                "delivered (escalation: cure_from: delivery)"
            )
        else:
            start_cure(ctx, spec, ob, on=on, at=at, work=work, reason="after a confirmed breach")
    for p in powers:
        work.messages.append(
            f"power available to {p.holder}: {p.title} ({p.action.value} against {p.against})"
        )
    return work.outcome()


def start_cure(
    ctx: AgreementContext,
    spec: BoundSpec,
    ob: Obligation,
    *,
    on: date,
    at: datetime,
    work: Work,
    reason: str,
) -> Obligation:
    """The cure obligation of a confirmed breach of ``ob``, due ``spec.cure.days`` after
    ``on`` (the confirmation, or the breach notice's delivery)."""
    assert spec.cure is not None
    cure_powers = list(spec.cure.powers)
    due = on + timedelta(days=spec.cure.days)
    cure_spec = spec.model_copy(
        update={
            "id": f"{spec.id}.cure",
            "title": f"Cure: {spec.title}",
            "kind": ObligationKind.ACTION,
        }
    )
    cure = new_instance(
        ctx,
        cure_spec,
        subject=ob.subject,
        key=ob.id,
        due=due,
        at=at,
        data={"cure_of": ob.id, "powers": cure_powers},
    )
    created = work.create(cure, f"cure of {ob.id} {reason}")
    work.messages.append(
        f"cure due {due.isoformat()} ({cure.spec_id}); if it is not cured: "
        + (", ".join(cure_powers) or "no powers named")
    )
    return created


#: ``data`` key of the dismissals of suspected breaches (each: at, on, reason, by)
DISMISSALS = "breach_dismissals"


def dismiss_breach(
    ob: Obligation, *, on: date, reason: str, at: datetime, actor: str
) -> tuple[Obligation, AuditEntry]:
    """A person dismisses a suspected breach: the flag goes, the legal state stays.

    Only a suspicion can be dismissed: one already confirmed (violated, or ``breach_confirmed``)
    is a decision made, and nothing suspected means nothing to dismiss. The dismissal is kept
    on the obligation (``data["breach_dismissals"]``) with its date, reason and actor; a later
    event that breaks the duty again raises a new suspicion, and the sweep's lateness rule
    (``escalation: suspect_after_days``) does not raise again a lateness a person has already
    judged (one dismissed after the duty passed its threshold; ``obligations._escalation``).
    """
    if CONFIRMED in ob.flags or ob.state is LegalState.VIOLATED:
        raise Conflict(
            ob.id,
            f"the breach of {ob.id} was already confirmed; a confirmed breach is not dismissed "
            "(nothing changed)",
        )
    if BREACH not in ob.flags:
        raise Conflict(ob.id, f"{ob.id} has no suspected breach to dismiss; nothing changed")
    if not reason.strip():
        raise InputError.single("reason", "say why the suspicion is dismissed; it is recorded")
    dismissal = {"at": at.isoformat(), "on": on.isoformat(), "reason": reason, "by": actor}
    data = {**ob.data, DISMISSALS: [*ob.data.get(DISMISSALS, ()), dismissal]}
    after = annotate(ob, at=at, flags=ob.flags - {BREACH}, data=data)
    return after, audit(
        ob, after, action=AuditAction.BREACH_DISMISSED, at=at, actor=actor, reason=reason
    )


def dismissed_since(ob: Obligation, instant: datetime) -> bool:
    """Whether a person dismissed a suspected breach of ``ob`` at or after ``instant``."""
    return any(datetime.fromisoformat(d["at"]) >= instant for d in ob.data.get(DISMISSALS, ()))


def waive(
    ob: Obligation, *, reason: str, at: datetime, actor: str
) -> tuple[Obligation, AuditEntry]:
    """Discharge by waiver; the reason is required and recorded."""
    if not reason.strip():
        raise InputError.single("reason", "a waiver needs a reason")
    return move(ob, "discharge", at=at, actor=actor, reason=f"waived: {reason}")


# -- the agreement as a whole -------------------------------------------------------------------


def agreement_status(
    *,
    current: AgreementStatus,
    effective_date: date,
    term_end: date,
    today: date,
    auto_renew: bool,
    renewal_term_months: int,
) -> tuple[AgreementStatus, date]:
    """(status, term end) on ``today``: executed → active → expired, unless renewed/terminated.

    With auto-renewal the term rolls over by ``renewal_term_months`` as often as needed.
    """
    if current is AgreementStatus.TERMINATED:
        return current, term_end
    if today < effective_date:
        return AgreementStatus.EXECUTED, term_end
    while today > term_end and auto_renew and renewal_term_months > 0:
        # a renewal term starts the day after the last day and runs N whole months
        term_end = add_months(term_end + timedelta(days=1), renewal_term_months) - timedelta(days=1)
    if today > term_end:
        return AgreementStatus.EXPIRED, term_end
    return AgreementStatus.ACTIVE, term_end
