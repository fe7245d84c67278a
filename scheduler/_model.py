"""The scheduler's values: notice steps, outbox states, recipients and decided notices.

Plain frozen values with no I/O, so the decision step (:mod:`scheduler._decide`) stays a pure
function and the tests can build its input by hand.
"""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum

import attrs


class NoticeState(StrEnum):
    """Where a notice stands in the outbox (the ``notices.state`` CHECK spells the same)."""

    PENDING = "pending"
    """Decided and recorded; not yet handed to a notifier (or due for a retry)."""
    SENDING = "sending"
    """Claimed by a scheduler and committed as such BEFORE the notifier was called: a row
    found here with an expired lease has an unknown outcome and is reconciled, not resent."""
    SENT = "sent"
    """The notifier accepted it (its message id is stored)."""
    FAILED = "failed"
    """Refused for good (a 400, or too many attempts); ``last_error`` says why."""


class Step(StrEnum):
    """The rungs of the escalation ladder. Reminder and overdue rows carry their day offset in
    the stored step (``reminder_7``, ``overdue_14``), so each rung has its own notice key."""

    REMINDER = "reminder"
    DUE = "due"
    OVERDUE = "overdue"
    BREACH_SUSPECTED = "breach_suspected"
    BREACH_NOTICE = "breach_notice"
    ESCALATION = "escalation"
    BOUNCE_NOTICE = "bounce_notice"


class Role(StrEnum):
    """Why a recipient gets a notice."""

    OBLIGOR = "obligor"
    BENEFICIARY = "beneficiary"
    MONITOR = "monitor"
    FOLLOWER = "follower"
    HOLDER = "holder"  # of a power an uncured breach makes available


#: the party role the agreements give their monitor
MONITOR_ROLE = "monitor"


@attrs.frozen
class Party:
    """A party of the agreement as the notices need it: role, name and notice addresses
    (the first is where notices go; the others are tried in order when one bounces)."""

    role: str
    name: str
    emails: tuple[str, ...]
    language: str = "en"


@attrs.frozen
class Follower:
    """Staff following an agreement (``wsr follow``): they get a copy of every notice."""

    email: str
    name: str
    language: str = "en"


@attrs.frozen
class Recipient:
    email: str
    name: str
    role: Role
    language: str


@attrs.frozen
class Decision:
    """One notice the decision step found due: the key fields and what it is about."""

    agreement_id: str
    obligation_id: str
    step: Step
    #: days before the due date (positive), after it (negative), 0 on the due day; None for
    #: the steps a change of state brings (breach suspected, breach notice, escalation)
    offset_days: int | None
    recipient: Recipient
    due_on: date

    @property
    def step_name(self) -> str:
        """The stored step: the rung with its offset where one obligation has several."""
        if self.step is Step.REMINDER:
            return f"reminder_{self.offset_days}"
        if self.step is Step.OVERDUE:
            return f"overdue_{-(self.offset_days or 0)}"
        return self.step.value

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.obligation_id, self.step_name, self.recipient.email, self.due_on.isoformat())

    @property
    def notice_id(self) -> str:
        return notice_id(*self.key)


def notice_id(obligation_id: str, step: str, recipient: str, due_on: str) -> str:
    """The notice's id: 40 hex digits of the SHA-256 of its key, so the same notice decided
    twice (two sweeps, two schedulers) is the same row."""
    text = "\x1f".join((obligation_id, step, recipient.lower(), due_on))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]
