"""The shared vocabulary of the clause-spec language: party roles, events and their fields.

Clause YAML names roles and events; the obligations engine builds validated payloads from the
same table. It lives here (the bottom of the dependency chain) so that ``wsr library --check``
can reject a spec that names an unknown role, event or event field without importing the
obligations package.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who can owe or be owed an obligation."""

    BUYER = "buyer"
    """The brand or retailer at the top of the supply chain (one per agreement)."""
    WORKER_ORGANIZATION = "worker_organization"
    """The worker organization(s) that negotiated the agreement."""
    MONITOR = "monitor"
    """The independent monitoring body (standards council, secretariat)."""
    SUPPLIER = "supplier"
    """The covered supplier the obligation concerns (its subject); not a signatory."""
    WORKERS = "workers"
    """The qualifying workers at the subject supplier (beneficiaries of pass-through)."""


#: roles an answers file may give to a signing party
PARTY_ROLES: frozenset[str] = frozenset(
    {Role.BUYER.value, Role.WORKER_ORGANIZATION.value, Role.MONITOR.value}
)

#: every role a spec may name
SPEC_ROLES: frozenset[str] = frozenset(r.value for r in Role)

#: event type -> {field name: field type}. Field types: supplier (a covered supplier id),
#: decimal, money (amount in the agreement currency), unit, text, date, integer, obligation
#: (an obligation id), items (list of {text, due}), severity, payroll_lines (one worker's
#: payroll line each: worker_ref, period_start, period_end, pay_date, earnings, premium).
EVENT_FIELDS: dict[str, dict[str, str]] = {
    "purchase_recorded": {"supplier": "supplier", "quantity": "decimal", "unit": "unit"},
    "supplier_suspended": {"supplier": "supplier", "reason": "text"},
    "supplier_reinstated": {"supplier": "supplier"},
    "audit_finding": {"supplier": "supplier", "severity": "severity", "text": "text"},
    "cap_approved": {"supplier": "supplier", "cost": "money", "items": "items"},
    "complaint_filed": {
        "supplier": "supplier",
        "category": "text",
        "complainant_ref": "text",
    },
    "complaint_resolved": {"complaint": "text", "outcome": "text"},
    "remedy_directed": {"supplier": "supplier", "complaint": "text", "remedy": "text"},
    "payment_recorded": {"obligation": "obligation", "amount": "money"},
    "payroll_recorded": {
        "supplier": "supplier",
        "pay_date": "date",
        "premium_paid": "money",
        "workers": "integer",
        "per_worker": "money",
        # an imported payroll (`wsr payroll import`): a day in the Premium Period and the lines
        "period": "date",
        "lines": "payroll_lines",
    },
    "volume_declared": {"year": "integer", "amount": "money"},
    "dispute_notice": {"text": "text"},
}

#: fields each event type must carry; the rest are optional
EVENT_REQUIRED: dict[str, frozenset[str]] = {
    "purchase_recorded": frozenset({"supplier", "quantity", "unit"}),
    "supplier_suspended": frozenset({"supplier"}),
    "supplier_reinstated": frozenset({"supplier"}),
    "audit_finding": frozenset({"supplier", "severity"}),
    "cap_approved": frozenset({"supplier", "cost"}),
    "complaint_filed": frozenset({"supplier", "category"}),
    "complaint_resolved": frozenset({"complaint"}),
    "remedy_directed": frozenset({"supplier", "remedy"}),
    "payment_recorded": frozenset({"obligation", "amount"}),
    "payroll_recorded": frozenset({"supplier", "pay_date", "premium_paid"}),
    "volume_declared": frozenset({"year", "amount"}),
    "dispute_notice": frozenset(),
}

#: names every clause template may use without declaring them
TEMPLATE_GLOBALS: frozenset[str] = frozenset(
    {"agreement", "party", "parties", "suppliers", "ref", "has", "term", "loop", "range"}
)
