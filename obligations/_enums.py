"""The engine's enumerations: legal state, timing and evidence overlays, agreement status.

Legal state follows Symboleo's obligation lifecycle; everything else is an *operational overlay*
that never changes the legal state (architecture.md §Obligation lifecycle). Values are the
lowercase names the CLI contract and the JSON views use, so they are spelled out rather than
generated with ``auto()``.
"""

from __future__ import annotations

from enum import StrEnum


class LegalState(StrEnum):
    """Where an obligation stands in law (Symboleo)."""

    CREATED = "created"
    """The instance exists but its antecedent has not yet held (not yet binding)."""
    IN_EFFECT = "in_effect"
    """Binding: the obligor must perform by the due date."""
    SUSPENDED = "suspended"
    """Temporarily not binding (e.g. while a supplier is suspended); resumes to in_effect."""
    FULFILLED = "fulfilled"
    """Performed (possibly late; lateness is the ``late`` flag, not a state)."""
    VIOLATED = "violated"
    """A person confirmed a breach; rules only ever raise the ``breach_suspected`` flag."""
    DISCHARGED = "discharged"
    """Released without performance: waiver with a reason, expiry, or an ending event."""
    TERMINATED = "terminated"
    """Ended with the agreement (or replaced by an amendment's new instance)."""

    @property
    def is_final(self) -> bool:
        return self in FINAL


#: final states absorb: no transition leaves them
FINAL: frozenset[LegalState] = frozenset(
    {LegalState.FULFILLED, LegalState.VIOLATED, LegalState.DISCHARGED, LegalState.TERMINATED}
)

#: states in which an obligation still has to be watched
OPEN: frozenset[LegalState] = frozenset(
    {LegalState.CREATED, LegalState.IN_EFFECT, LegalState.SUSPENDED}
)


class Timing(StrEnum):
    """Derived at a given ``now`` for an open obligation; never stored."""

    UPCOMING = "upcoming"
    """More than seven days before the end of the due day."""
    DUE_SOON = "due_soon"
    """Within seven days of the end of the due day."""
    OVERDUE = "overdue"
    """The due day has ended and the obligation is still open."""


class EvidenceState(StrEnum):
    """Whether proof of performance has been supplied and judged."""

    NONE = "none"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AgreementStatus(StrEnum):
    """The tracked agreement as a whole."""

    EXECUTED = "executed"
    """Signed and tracked, but before its effective date."""
    ACTIVE = "active"
    """Between the effective date and the end of the term."""
    EXPIRED = "expired"
    """The term ended without renewal."""
    TERMINATED = "terminated"
    """Ended early by a party exercising a power."""


class PowerState(StrEnum):
    """Where a power a confirmed breach made available stands."""

    AVAILABLE = "available"
    """Its holder may exercise it."""
    EXERCISED = "exercised"
    """A person exercised it (date, actor and reason recorded)."""


class AuditAction(StrEnum):
    """What an audit entry records. The log stores the value; ``AuditEntry.action`` is typed
    ``str`` so an entry written by a newer engine still reads, but everything this engine
    writes is one of these (``tests/obligations/test_enums.py``)."""

    # the lifecycle (obligations._lifecycle.AUDIT_ACTION)
    CREATED = "created"
    ACTIVATED = "activated"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    FULFILLED = "fulfilled"
    VIOLATED = "violated"
    DISCHARGED = "discharged"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    # overlay changes made by rules and decisions
    ACCRUED = "accrued"
    PAYMENT_RECORDED = "payment_recorded"
    PASS_THROUGH_SHORTFALL = "pass_through_shortfall"
    BREACH_SUSPECTED = "breach_suspected"
    BREACH_CONFIRMED = "breach_confirmed"
    KPI_MISSED = "kpi_missed"
    POWER_EXERCISED = "power_exercised"
    # the agreement and its events
    EVENT_RECORDED = "event_recorded"
    AGREEMENT_TRACKED = "agreement_tracked"
    AGREEMENT_STATUS = "agreement_status"
    AGREEMENT_TERMINATED = "agreement_terminated"
    # the scheduler's escalation ladder (issue 10): each rung decided, each bounce that moves
    # a notice to the next address (a delivery that starts a cure is its event's entry)
    NOTICE_DECIDED = "notice_decided"
    NOTICE_BOUNCED = "notice_bounced"
    # agreements in review (issue 12, wsr._review_store): before the agreement is tracked
    DRAFT_CREATED = "draft_created"
    DRAFT_REVISED = "draft_revised"
    DRAFT_STATUS = "draft_status"
    CLAUSE_COMMENTED = "clause_commented"
    CLAUSE_DECIDED = "clause_decided"
    # monitors' decisions from the console (issue 12): a suspicion dismissed, evidence
    # attached and judged, and a fulfilment reopened because all its evidence was rejected
    BREACH_DISMISSED = "breach_dismissed"
    EVIDENCE_SUBMITTED = "evidence_submitted"
    EVIDENCE_ACCEPTED = "evidence_accepted"
    EVIDENCE_REJECTED = "evidence_rejected"
    REOPENED = "reopened"


class Flag(StrEnum):
    """Well-known obligation flags (the ``flags`` set holds their values as strings)."""

    BREACH_SUSPECTED = "breach_suspected"
    BREACH_CONFIRMED = "breach_confirmed"
    PASS_THROUGH_SHORTFALL = "pass_through_shortfall"
    LATE = "late"
    DISPUTED = "disputed"
    PARTIALLY_PAID = "partially_paid"
    KPI_MISSED = "kpi_missed"
    """A KPI's target date passed unmet: reported, never a breach."""
