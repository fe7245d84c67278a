"""``escalation``: the rule behind the notice ladder a spec declares (issue 10).

The scheduler decides and sends the notices (reminders, overdue, breach notice); what the engine
itself does is the one step with legal effect: when a spec says ``cure_from: delivery``, the
cure period of a confirmed breach starts on the day the breach notice is delivered to the
obligor — the ``breach_notice_delivered`` event the scheduler records from the provider's
delivery event — not on the day of the confirmation, nor the day the notice was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from clauses import BoundSpec, InputError

from ._calendar import end_of_local_day
from ._context import AgreementContext
from ._decisions import dismissed_since, start_cure
from ._enums import AuditAction, Flag, LegalState
from ._lifecycle import annotate
from ._model import Obligation
from ._outcome import Work
from ._rulebase import ACTS_ON_NONE, TICK, EventStep, Rule, describe, register

#: the event the scheduler records when a breach notice reaches the obligor
DELIVERED = "breach_notice_delivered"


@register
class EscalationRule(Rule):
    """``escalation``: a delivered breach notice starts the cure its spec runs from delivery
    (once: a second delivery of the same notice, or of a copy, changes nothing)."""

    keyword = "escalation"
    order = 65  # before `powers`, after the rules that judge and settle
    timed = True  # `suspect_after_days`: lateness the text makes a material breach
    time_states = frozenset({LegalState.IN_EFFECT})
    time_skips = frozenset({Flag.BREACH_SUSPECTED.value, Flag.BREACH_CONFIRMED.value})

    def on_time(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        work: Work,
        now: datetime,
        open_: Sequence[Obligation],
    ) -> None:
        days = None if spec.escalation is None else spec.escalation.suspect_after_days
        if days is None:
            return
        judged = {Flag.BREACH_SUSPECTED.value, Flag.BREACH_CONFIRMED.value}
        for ob in map(work.current, open_):
            if ob.state is not LegalState.IN_EFFECT or judged & ob.flags:
                continue
            threshold = end_of_local_day(ob.due + timedelta(days=days), ctx.tz)
            if now < threshold:
                continue
            if dismissed_since(ob, threshold):  # a person judged this lateness already
                continue
            after = annotate(ob, at=now, flags=ob.flags | {Flag.BREACH_SUSPECTED.value})
            reason = (
                f"more than {days} days overdue (due {ob.due.isoformat()}); the agreement makes "
                "that a material breach (escalation: suspect_after_days)"
            )
            work.update(ob, after, action=AuditAction.BREACH_SUSPECTED, reason=reason)
            work.messages.append(f"breach suspected: {describe(ob)} — {reason}")

    def acts_before(self, ctx: AgreementContext, spec: BoundSpec, now: datetime) -> datetime | None:
        # acting needs now >= end of local day (due + days), which is due_at (the end of local
        # day due) plus `days` days give or take the zone's offset changes in between; two
        # days of margin hold for any zone (the largest jump on record is one whole day)
        days = None if spec.escalation is None else spec.escalation.suspect_after_days
        if days is None:
            return ACTS_ON_NONE
        if days < 0:  # the schema refuses it; no bound rather than a wrong one
            return None
        if days < 2:
            return now + TICK
        return now - timedelta(days=days - 2) + TICK

    def wakes_at(
        self,
        ctx: AgreementContext,
        spec: BoundSpec,
        open_: Sequence[Obligation],
        now: datetime,
    ) -> datetime | None:
        # the threshold of each unjudged instance, which grows with its due day; one already
        # passed but dismissed since never acts again (the dismissal is in the past of `now`)
        days = None if spec.escalation is None else spec.escalation.suspect_after_days
        if days is None:
            return None
        judged = {Flag.BREACH_SUSPECTED.value, Flag.BREACH_CONFIRMED.value}
        wake: datetime | None = None
        for ob in open_:
            if ob.state is not LegalState.IN_EFFECT or judged & ob.flags:
                continue
            threshold = end_of_local_day(ob.due + timedelta(days=days), ctx.tz)
            if threshold <= now:
                if dismissed_since(ob, threshold):
                    continue
                return now
            wake = threshold if wake is None else min(wake, threshold)
        return wake

    def on_event(self, spec: BoundSpec, step: EventStep) -> None:
        if step.event.type != DELIVERED or spec.escalation is None:
            return
        target = step.work.get(str(step.event.payload.get("obligation")))
        if target is None or target.spec_id != spec.id:
            return
        step.settled.add(target.id)  # the event names this obligation, and this rule took it
        if spec.escalation.cure_from != "delivery" or spec.cure is None:
            step.work.messages.append(
                f"breach notice for {target.id} delivered; {spec.id} runs its cure from the "
                "confirmation, so nothing starts now"
            )
            return
        if target.state is not LegalState.VIOLATED and Flag.BREACH_CONFIRMED not in target.flags:
            raise InputError.single(
                "obligation",
                f"{target.id} has no confirmed breach, so no breach notice about it can start a "
                "cure (`wsr breach confirm` first)",
            )
        if step.work.by_key(f"{spec.id}.cure", target.subject, target.id) is not None:
            step.work.messages.append(
                f"breach notice for {target.id} delivered again; its cure is already running"
            )
            return
        day = step.event.occurred_on
        start_cure(
            step.ctx,
            spec,
            target,
            on=day,
            at=step.work.at,
            work=step.work,
            reason=f"after the breach notice was delivered on {day.isoformat()}",
        )
