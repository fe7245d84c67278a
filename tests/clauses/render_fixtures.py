"""Agreement records built directly with ``seal`` for the renderer, redline and compare tests.

They do not depend on the clause library, so the document code is tested on its own; the
end-to-end `wsr draft` tests cover the assembled path.
"""

from __future__ import annotations

import copy
from typing import Any

from clauses._agreement import Agreement, seal

PARTIES = [
    {
        "role": "buyer",
        "name": "Example Grocers & Sons LLC",
        "address": "100 Market St, Tampa, FL",
        "email": "legal@grocers.example",
        "signatory": "Pat Lee, General Counsel",
    },
    {
        "role": "worker_organization",
        "name": "Example Farmworker Coalition",
        "address": "1 Main St, Immokalee, FL",
        "email": "office@coalition.example",
        "signatory": "Sam Cruz",
    },
    {
        "role": "monitor",
        "name": "Example Standards Council",
        "address": "2 Oak Ave, Sarasota, FL",
        "email": "council@standards.example",
        "signatory": "Jo Park",
    },
]


def _section(
    number: int, clause_id: str, title: str, texts: list[str], **extra: Any
) -> dict[str, Any]:
    return {
        "number": str(number),
        "clause_id": clause_id,
        "clause_version": extra.pop("version", "1.0.0"),
        "title": title,
        "alternative": extra.pop("alternative", "standard"),
        "alternative_kind": extra.pop("kind", "standard"),
        "variables": extra.pop("variables", {}),
        "paragraphs": [{"number": f"{number}.{i}", "text": t} for i, t in enumerate(texts, 1)],
    }


def _body(suppliers: int = 3) -> dict[str, Any]:
    sections = [
        (
            "term_and_renewal",
            "Term and Renewal",
            [
                "This Agreement runs for an initial term of 3 years from the Effective Date.",
                "The term renews automatically for further periods of 1 year unless a party gives "
                "written notice at least 90 days before the end of the current term.",
            ],
            {"term_years": 3, "renewal_years": 1, "notice_days": 90},
        ),
        (
            "premium",
            "Fair Food Premium",
            [
                "The Buyer pays a premium of USD 0.01 for each lb of product it buys from a "
                "Covered Supplier.",
                "The Buyer pays the premium for each weekly period within 31 days after the end of "
                "that period.",
                "Each Covered Supplier passes at least 97% of the premium to qualifying workers "
                "as a separate line on their pay slips.",
            ],
            {
                "rate": "0.01",
                "unit": "lb",
                "period": "weekly",
                "payment_due_days": 31,
                "worker_share_pct": "97",
            },
        ),
        (
            "sourcing_cutoff",
            "Sourcing Consequences",
            [
                "The Buyer stops buying from a Covered Supplier within 7 days after the Monitor "
                "suspends it, and does not buy from it again until the Monitor reinstates it.",
            ],
            {"cutoff_days": 7},
        ),
        (
            "complaint_mechanism",
            "Complaints",
            [
                "Any worker may complain to the Monitor, in person, by telephone or in writing, "
                "without giving a name.",
                "The Monitor starts an investigation within 14 days after a complaint is filed.",
            ],
            {"investigation_days": 14},
        ),
        (
            "dispute_resolution",
            "Disputes",
            [
                "A dispute that the parties cannot settle within 30 days goes to binding "
                "arbitration."
            ],
            {"negotiation_days": 30},
        ),
    ]
    return {
        "title": "Gulf Coast Tomato Fair Food Agreement",
        "effective_date": "2026-01-05",
        "timezone": "America/New_York",
        "currency": "USD",
        "governing_law": "the State of Florida",
        "parties": copy.deepcopy(PARTIES),
        "suppliers": [
            {"id": f"GROWER-{i:03d}", "name": f"Farm {i} <Ridge> & Co", "country": "US"}
            for i in range(1, suppliers + 1)
        ],
        "defined_terms": [
            {
                "term": "Covered Supplier",
                "definition": "A grower listed in Schedule 1, as that list is updated under "
                "this Agreement.",
                "clause_id": "premium",
            },
            {
                "term": "Premium",
                "definition": "means the amount per unit of product set out in section 2.",
                "clause_id": "premium",
            },
        ],
        "sections": [
            _section(i, cid, title, texts, variables=variables)
            for i, (cid, title, texts, variables) in enumerate(sections, 1)
        ],
    }


def standard_agreement(suppliers: int = 3) -> Agreement:
    return seal(_body(suppliers))


def negotiated_agreement(suppliers: int = 3) -> Agreement:
    """The standard body with a fallback premium, a dropped clause and an added one."""
    body = _body(suppliers)
    sections = body["sections"]
    premium = sections[1]
    premium["alternative"] = "extended_payment"
    premium["alternative_kind"] = "fallback"
    premium["variables"] = {**premium["variables"], "payment_due_days": 45}
    premium["paragraphs"][1]["text"] = (
        "The Buyer pays the premium for each weekly period within 45 days after the end of "
        "that period."
    )
    premium["paragraphs"].append(
        {
            "number": "2.4",
            "text": "The Buyer may pay the premium through an agent it names in writing.",
        }
    )
    # complaints dropped; a new clause added at the end
    del sections[3]
    sections.append(
        _section(
            5,
            "worker_education",
            "Worker Education",
            [
                "The Monitor runs education sessions for workers on company time, paid at "
                "their usual rate."
            ],
            variables={"sessions_per_year": 2},
            kind="fallback",
            alternative="reduced",
        )
    )
    for n, s in enumerate(sections, 1):
        s["number"] = str(n)
        for i, p in enumerate(s["paragraphs"], 1):
            p["number"] = f"{n}.{i}"
    body["overrides"] = [
        {
            "clause_id": "premium",
            "variable": "payment_due_days",
            "value": 45,
            "floor": "at most 31",
            "reason": "Buyer's payment system runs monthly",
            "approved_by": "Sam Cruz",
        }
    ]
    return seal(body)
