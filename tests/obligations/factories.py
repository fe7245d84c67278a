"""Hand-built agreement records for the obligations tests (``clauses._agreement.seal``).

The specs mirror the shipped clause library's names (premium.payment, sourcing_cutoff.…) but are
written out here, so the engine's tests do not move when the library's wording does; the
library itself is exercised by ``test_library_traces.py`` and the acceptance flow.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clauses import Agreement
from clauses._agreement import seal

ACCEPTANCE = Path("/work/shared/acceptance/fair-food-style.yaml")
NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def spec(
    clause_id: str,
    local_id: str,
    *,
    section: str = "1",
    kind: str = "action",
    obligor: str = "buyer",
    beneficiary: str = "worker_organization",
    subject: str | None = None,
    trigger: dict[str, Any] | None = None,
    anchor: str = "event",
    days: int = 0,
    months: int = 0,
    calendar: str = "calendar_days",
    rounding: str = "none",
    formula: str | None = None,
    cure: dict[str, Any] | None = None,
    kpi: bool = False,
    surviving: bool = False,
    accrue: dict[str, Any] | None = None,
    settled_by: list[dict[str, Any]] | None = None,
    ends_on: list[dict[str, Any]] | None = None,
    violated_by: list[dict[str, Any]] | None = None,
    ends: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A BoundSpec as a dict, with everything resolved.

    Unless told otherwise, what is not a prohibition is settled by a person's record of
    performance (``settled_by: evidence``), as in the shipped library.
    """
    trig = {"on": "execution", "every": None, "event": None, "where": {}}
    trig.update(trigger or {})
    if settled_by is None:
        settled_by = [] if kind == "prohibition" else [EVIDENCE]
    return {
        "id": f"{clause_id}.{local_id}",
        "clause_id": clause_id,
        "clause_version": "1.0.0",
        "section": section,
        "title": f"{clause_id} {local_id}".replace("_", " "),
        "description": "",
        "kind": kind,
        "obligor": obligor,
        "beneficiary": beneficiary,
        "subject": subject,
        "trigger": trig,
        "deadline": {
            "anchor": anchor,
            "days": days,
            "months": months,
            "calendar": calendar,
            "rounding": rounding,
        },
        "amount_formula": formula,
        "evidence": [],
        "reminders": [7, 1],
        "grace_days": 0,
        "cure": cure,
        "surviving": surviving,
        "kpi": kpi,
        "accrue": accrue,
        "settled_by": settled_by,
        "ends_on": ends_on or [],
        "violated_by": violated_by or [],
        "ends": ends,
    }


EVIDENCE: dict[str, Any] = {"by": "evidence"}
#: a payment recorded against the instance it names
PAID: dict[str, Any] = {"by": "payment", "event": "payment_recorded", "match": "obligation"}


def section(
    number: str,
    clause_id: str,
    variables: dict[str, Any],
    specs: list[dict[str, Any]],
    powers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    for s in specs:
        s["section"] = number
    return {
        "number": number,
        "clause_id": clause_id,
        "clause_version": "1.0.0",
        "title": clause_id.replace("_", " ").title(),
        "alternative": "standard",
        "alternative_kind": "standard",
        "variables": variables,
        "paragraphs": [{"number": f"{number}.1", "text": "The parties agree."}],
        "obligations": specs,
        "powers": powers or [],
    }


# -- the clauses the scenarios use ------------------------------------------------------------


def premium_section(
    number: str = "2",
    *,
    rate: str = "0.01",
    unit: str = "lb",
    period: str = "weekly",
    payment_due_days: int = 31,
    worker_share_pct: str = "97",
    pass_through_days: int = 7,
) -> dict[str, Any]:
    return section(
        number,
        "premium",
        {
            "rate": rate,
            "unit": unit,
            "period": period,
            "payment_due_days": payment_due_days,
            "worker_share_pct": worker_share_pct,
            "pass_through_days": pass_through_days,
        },
        [
            spec(
                "premium",
                "payment",
                kind="payment",
                beneficiary="supplier",
                subject="supplier",
                trigger={"on": "event", "event": "purchase_recorded"},
                accrue={"per": period, "quantity": "quantity", "unit_field": "unit", "unit": unit},
                anchor="period_end",
                days=payment_due_days,
                formula="quantity * rate",
                settled_by=[PAID, EVIDENCE],
            ),
            spec(
                "premium",
                "pass_through",
                kind="payment",
                obligor="supplier",
                beneficiary="workers",
                subject="supplier",
                trigger={
                    "on": "event",
                    "event": "payment_recorded",
                    "where": {"spec": "premium.payment"},
                },
                days=pass_through_days,
                formula="amount * worker_share_pct / 100",
                settled_by=[
                    {"by": "payroll", "event": "payroll_recorded", "match": "subject"},
                    EVIDENCE,
                ],
            ),
        ],
    )


def cutoff_section(
    number: str = "3", *, cutoff_days: int = 7, cure_days: int | None = None
) -> dict[str, Any]:
    cure = None if cure_days is None else {"days": cure_days, "powers": ["arbitrate_purchase"]}
    return section(
        number,
        "sourcing_cutoff",
        {"cutoff_days": cutoff_days},
        [
            spec(
                "sourcing_cutoff",
                "cease_purchases",
                kind="prohibition",
                subject="supplier",
                trigger={"on": "event", "event": "supplier_suspended"},
                days=cutoff_days,
                cure=cure,
                violated_by=[{"event": "purchase_recorded", "match": "subject", "after": "due"}],
                ends_on=[
                    {
                        "event": "supplier_reinstated",
                        "match": "subject",
                        "outcome": "fulfilled",
                        "if_suspected": "discharged",
                    }
                ],
            )
        ],
        powers=[
            {
                "id": "arbitrate_purchase",
                "title": "Refer purchases from a suspended supplier to arbitration",
                "holder": "worker_organization",
                "against": "buyer",
                "action": "arbitrate",
                "trigger": "violation:cease_purchases",
            }
        ],
    )


def support_section(number: str = "4", *, share: str = "100", due_days: int = 30) -> dict[str, Any]:
    return section(
        number,
        "supplier_support",
        {"remediation_share_pct": share, "payment_due_days": due_days},
        [
            spec(
                "supplier_support",
                "remediation_payment",
                kind="payment",
                beneficiary="supplier",
                subject="supplier",
                trigger={"on": "event", "event": "cap_approved"},
                days=due_days,
                formula="cost * remediation_share_pct / 100",
                settled_by=[PAID, EVIDENCE],
            )
        ],
    )


ACCORD_TIERS = [
    {"up_to": "1000000", "fee": "1000"},
    {"up_to": "10000000", "fee": "10000"},
    {"up_to": "25000000", "fee": "17500"},
    {"up_to": "50000000", "fee": "37500"},
    {"up_to": "100000000", "fee": "75000"},
    {"up_to": "250000000", "fee": "175000"},
    {"up_to": "500000000", "fee": "375000"},
    {"up_to": None, "fee": "500000"},
]


def fees_section(
    number: str = "5",
    *,
    boundary: str | None = "lower_inclusive",
    cap: str | None = "500000",
    floor: str | None = "1000",
    due_days: int = 30,
    tiers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return section(
        number,
        "monitoring_fees",
        {
            "tiers": tiers or ACCORD_TIERS,
            "cap": cap,
            "floor": floor,
            "boundary": boundary,
            "due_days": due_days,
        },
        [
            spec(
                "monitoring_fees",
                "annual_fee",
                kind="payment",
                beneficiary="monitor",
                trigger={"on": "event", "event": "volume_declared"},
                days=due_days,
                formula="tier_fee(amount)",
                settled_by=[PAID, EVIDENCE],
            )
        ],
    )


def complaints_section(
    number: str = "6", *, investigation_days: int = 14, kpi_days: int = 14
) -> dict[str, Any]:
    return section(
        number,
        "complaint_mechanism",
        {
            "investigation_days": investigation_days,
            "resolution_kpi_days": kpi_days,
            "remedy_days": 7,
        },
        [
            spec(
                "complaint_mechanism",
                "investigation",
                obligor="monitor",
                beneficiary="workers",
                subject="supplier",
                trigger={"on": "event", "event": "complaint_filed"},
                days=investigation_days,
            ),
            spec(
                "complaint_mechanism",
                "resolution_kpi",
                obligor="monitor",
                beneficiary="workers",
                subject="supplier",
                trigger={"on": "event", "event": "complaint_filed"},
                days=kpi_days,
                kpi=True,
            ),
            spec(
                "complaint_mechanism",
                "implement_remedy",
                obligor="supplier",
                beneficiary="workers",
                subject="supplier",
                trigger={"on": "event", "event": "remedy_directed"},
                days=7,
                cure={"days": 30, "powers": ["reduce_orders"]},
            ),
        ],
    )


def term_section(
    number: str = "7",
    *,
    months: int = 36,
    auto_renew: bool = False,
    renewal_months: int = 36,
    opt_out_days: int = 90,
) -> dict[str, Any]:
    return section(
        number,
        "term_and_renewal",
        {
            "initial_term_months": months,
            "auto_renew": auto_renew,
            "renewal_term_months": renewal_months,
            "opt_out_notice_days": opt_out_days,
        },
        [
            spec(
                "term_and_renewal",
                "opt_out_notice",
                kind="report",
                trigger={"on": "execution"},
                anchor="term_end",
                days=opt_out_days,
            )
        ],
    )


def reporting_section(
    number: str = "8", *, every: str = "quarterly", days: int = 30, subject: str | None = None
) -> dict[str, Any]:
    return section(
        number,
        "transparency_reporting",
        {"report_every": every, "report_due_days": days},
        [
            spec(
                "transparency_reporting",
                "report",
                kind="report",
                obligor="monitor",
                beneficiary="worker_organization",
                subject=subject,
                trigger={"on": "recurrence", "every": every},
                anchor="period_end",
                days=days,
            )
        ],
    )


def agreement(
    *sections: dict[str, Any],
    suppliers: tuple[str, ...] = ("GROWER-G", "GROWER-H"),
    timezone: str = "America/New_York",
    currency: str = "USD",
    effective_date: date = date(2026, 1, 5),
    title: str = "Test Fair Food Agreement",
) -> Agreement:
    """A sealed agreement record with the given sections (renumbered in order)."""
    numbered = []
    for i, s in enumerate(sections, start=2):
        s = dict(s)
        s["number"] = str(i)
        s["paragraphs"] = [{"number": f"{i}.1", "text": "The parties agree."}]
        s["obligations"] = [{**o, "section": str(i)} for o in s["obligations"]]
        numbered.append(s)
    return seal(
        {
            "title": title,
            "effective_date": effective_date.isoformat(),
            "timezone": timezone,
            "currency": currency,
            "governing_law": "State of Florida",
            "parties": [
                {
                    "role": "buyer",
                    "name": "Example Grocers LLC",
                    "address": "100 Market St",
                    "email": "legal@grocers.example",
                    "signatory": "Pat Lee",
                },
                {
                    "role": "worker_organization",
                    "name": "Example Coalition",
                    "address": "1 Main St",
                    "email": "office@coalition.example",
                    "signatory": "Sam Cruz",
                },
                {
                    "role": "monitor",
                    "name": "Example Standards Council",
                    "address": "2 Oak Ave",
                    "email": "council@standards.example",
                    "signatory": "Jo Park",
                },
            ],
            "suppliers": [{"id": s, "name": f"{s} Farms", "country": "US"} for s in suppliers],
            "defined_terms": [],
            "sections": [section("1", "parties_and_definitions", {}, []), *numbered],
        }
    )


def fair_food(**kw: Any) -> Agreement:
    """Scenario A's agreement: premium (1¢/lb weekly, 31 days, 97%), cut-off 7 days, complaints."""
    return agreement(premium_section(), cutoff_section(), complaints_section(), **kw)


def assembled(path: Path = ACCEPTANCE) -> Agreement:
    """An agreement assembled through the real clause library."""
    from clauses import assemble, load_library, parse_answers

    lib = load_library()
    return assemble(parse_answers(path, lib), lib)


def findings_section(
    number: str = "9", *, cap_days: int = 15, evacuation_days: int = 2
) -> dict[str, Any]:
    """Audit findings: a corrective-action item per finding, and evacuation on critical ones."""
    return section(
        number,
        "monitoring_access",
        {"corrective_action_days": cap_days, "evacuation_days": evacuation_days},
        [
            spec(
                "monitoring_access",
                "corrective_action",
                obligor="supplier",
                beneficiary="workers",
                subject="supplier",
                trigger={"on": "event", "event": "audit_finding"},
                days=cap_days,
            ),
            spec(
                "monitoring_access",
                "ensure_evacuation",
                obligor="buyer",
                beneficiary="workers",
                subject="supplier",
                trigger={
                    "on": "event",
                    "event": "audit_finding",
                    "where": {"severity": "critical"},
                },
                days=evacuation_days,
            ),
        ],
    )
