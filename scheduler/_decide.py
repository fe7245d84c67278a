"""The decision step: which notices are due at ``now`` — a pure function of the state.

Its input is the state a sweep at ``now`` leaves (the obligations as stored after the time step,
or a read's in-memory view: both are "the state at ``now``"), the agreement's parties and
followers, and the ids of the notices already recorded. Its output is the notices to record.
Nothing here reads a clock, a database or a file.

The ladder of one obligation, in local days of the agreement's time zone:

* a **reminder** on each day ``due - d`` for ``d`` in the spec's ``reminders`` (the library's
  default ladder, 14, 7 and 1, where a spec declares none; ``reminders: []`` means no reminders
  before the due day, while the due-day and overdue notices still go);
* a **due** notice on the due day;
* an **overdue** notice every :data:`OVERDUE_EVERY` days after it while the duty is still open;
* a **breach_suspected** notice once a rule has raised the flag (to the monitor, the beneficiary
  and followers: a suspicion is not yet a finding, so the obligor hears of it from the monitor);
* a **breach_notice** once a person has confirmed the breach: the formal notice to the obligor
  (its delivery starts the cure, :func:`scheduler.on_delivered`);
* an **escalation** notice once a cure is overdue: the powers the uncured breach makes available,
  to their holders and the monitor.

Only the latest rung whose day has come is decided (a sweep that did not run for ten days sends
the 7-day reminder, not the 14-day one as well), and no rung dated before the obligation existed
(the library check warns about such reminders: they are never sent). Each notice has a key
(obligation, step, recipient, due date); a key already recorded is never decided again, so a
second sweep at the same ``now`` decides nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from clauses._schema import DEFAULT_REMINDERS as DEFAULT_REMINDERS  # re-exported
from obligations import LegalState, Obligation

from ._model import MONITOR_ROLE, Decision, Follower, Party, Recipient, Role, Step

# DEFAULT_REMINDERS: the offsets of a spec that declares none; drafting binds them into the
# record, so here they serve only specs the record lacks (a cure)

#: days between two overdue notices while a duty stays open
OVERDUE_EVERY = 7
#: flags the engine's rules and decisions raise (obligations.Flag values)
_SUSPECTED = "breach_suspected"
_CONFIRMED = "breach_confirmed"


@attrs.frozen
class Ladder:
    """A spec's declared ``escalation`` as the decision step reads it."""

    overdue_every: int = OVERDUE_EVERY  # 0: no overdue notices
    breach_notice: bool = True


#: the ladder of a spec that declares no ``escalation``
DEFAULT_LADDER = Ladder()


@attrs.frozen
class AgreementState:
    """What the decision step needs of one agreement at ``now``."""

    agreement_id: str
    timezone: str
    parties: Sequence[Party]
    followers: Sequence[Follower]
    obligations: Sequence[Obligation]
    #: spec id → its reminder offsets (a spec missing here, e.g. a cure, gets the default)
    reminders: Mapping[str, Sequence[int]] = attrs.field(factory=dict)
    #: spec id → the party roles holding the powers its uncured breach makes available
    holders: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    #: spec id → its declared escalation (a spec missing here gets DEFAULT_LADDER)
    ladders: Mapping[str, Ladder] = attrs.field(factory=dict)


def local_day(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def ladder(
    ob: Obligation, reminders: Sequence[int], today: date, every: int = OVERDUE_EVERY
) -> tuple[Step, int, date] | None:
    """The latest time rung of ``ob`` whose day has come by ``today``: (step, offset, day).

    Offsets are days before the due date (negative after it); ``every`` is the days between
    overdue notices (0: none after the due day). None when no rung is due yet.
    """
    due = ob.due
    if today > due:
        steps = (today - due).days // every if every > 0 else 0
        if steps >= 1:
            return Step.OVERDUE, -steps * every, due + timedelta(steps * every)
        return Step.DUE, 0, due
    if today == due:
        return Step.DUE, 0, due
    ahead = sorted({d for d in reminders if d > 0 and today >= due - timedelta(d)})
    if not ahead:
        return None
    return Step.REMINDER, ahead[0], due - timedelta(ahead[0])


def _time_rung(
    ob: Obligation, reminders: Sequence[int], today: date, created: date, every: int
) -> tuple[Step, int] | None:
    if ob.state is not LegalState.IN_EFFECT or ob.kind == "prohibition":
        return None
    rung = ladder(ob, reminders, today, every)
    if rung is None:
        return None
    step, offset, day = rung
    if day < created:
        return None  # dated before the obligation existed: never sent
    return step, offset


def _recipients(state: AgreementState, roles: Iterable[tuple[Role, str]]) -> list[Recipient]:
    """Every party holding one of ``roles`` (first notice address), then every follower;
    each address once (the first role that names it wins)."""
    out: dict[str, Recipient] = {}
    for why, role in roles:
        for party in state.parties:
            if party.role == role and party.emails:
                email = party.emails[0].lower()
                out.setdefault(email, Recipient(email, party.name, why, party.language))
    for f in state.followers:
        out.setdefault(
            f.email.lower(), Recipient(f.email.lower(), f.name, Role.FOLLOWER, f.language)
        )
    return list(out.values())


def _rungs(
    state: AgreementState, ob: Obligation, today: date
) -> list[tuple[Step, int | None, list[Recipient]]]:
    created = local_day(ob.created_at, state.timezone)
    obligor = (Role.OBLIGOR, ob.obligor)
    beneficiary = (Role.BENEFICIARY, ob.beneficiary)
    monitor = (Role.MONITOR, MONITOR_ROLE)
    out: list[tuple[Step, int | None, list[Recipient]]] = []
    reminders = state.reminders.get(ob.spec_id, DEFAULT_REMINDERS)
    declared = state.ladders.get(ob.spec_id.removesuffix(".cure"), DEFAULT_LADDER)
    rung = _time_rung(ob, reminders, today, created, declared.overdue_every)
    if rung is not None:
        step, offset = rung
        if step is Step.OVERDUE:
            roles = [obligor, monitor, beneficiary]
            if "cure_of" in ob.data:  # an uncured breach: the powers are now available
                holders = state.holders.get(ob.spec_id.removesuffix(".cure"), ())
                escalate = [monitor, *((Role.HOLDER, h) for h in holders)]
                out.append((Step.ESCALATION, None, _recipients(state, escalate)))
        else:
            roles = [obligor]
        out.append((step, offset, _recipients(state, roles)))
    if not ob.kpi:
        if _SUSPECTED in ob.flags and ob.state is not LegalState.VIOLATED:
            out.append((Step.BREACH_SUSPECTED, None, _recipients(state, [monitor, beneficiary])))
        if declared.breach_notice and (ob.state is LegalState.VIOLATED or _CONFIRMED in ob.flags):
            out.append(
                (Step.BREACH_NOTICE, None, _recipients(state, [obligor, monitor, beneficiary]))
            )
    return out


def decide(
    states: Iterable[AgreementState], *, now: datetime, known: Collection[str] = frozenset()
) -> list[Decision]:
    """The notices due at ``now`` whose ids are not in ``known``, in a stable order
    (agreement, obligation due date and id, step, recipient)."""
    out: list[Decision] = []
    for state in states:
        today = local_day(now, state.timezone)
        for ob in sorted(state.obligations, key=lambda o: (o.due, o.id)):
            for step, offset, recipients in _rungs(state, ob, today):
                for r in recipients:
                    d = Decision(
                        agreement_id=state.agreement_id,
                        obligation_id=ob.id,
                        step=step,
                        offset_days=offset,
                        recipient=r,
                        due_on=ob.due,
                    )
                    if d.notice_id not in known:
                        out.append(d)
    return out
