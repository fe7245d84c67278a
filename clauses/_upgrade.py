"""Read agreement records drafted before the engine's current schema (``schema_version`` 1).

A version-1 record's obligation specs said when an obligation starts and is due; what settled,
ended or broke it the engine of the time inferred from the spec's shape. Those inferences are
written out here, once, as the declarations a version-2 record carries, so agreements tracked
before the change keep working from their stored records:

- ``trigger.accrue: per_period`` + ``trigger.period`` → ``accrue`` over the event's ``quantity``
  in the unit of the clause variable ``unit`` (when it names one);
- ``trigger.until: E`` → ``ends_on: E`` — a prohibition fulfilled (discharged with the
  suspicion kept when a breach is suspected), anything else discharged, and an action already
  overdue left open (it is still owed);
- a prohibition started by ``supplier_suspended`` → ``violated_by`` a purchase from its supplier
  after the due date (the cut-off watch);
- a payment with an amount → settled by ``payroll_recorded`` when the workers are owed it (the
  pass-through), else by ``payment_recorded``; and, like every non-prohibition, by a person's
  record of performance.

New drafts are never upgraded: ``seal`` refuses anything but the current version, so ``wsr track``
asks for a fresh draft of a version-1 file rather than tracking a record it did not write.
"""

from __future__ import annotations

from typing import Any

_UNITS = frozenset({"lb", "kg", "cwt", "unit"})
_EVIDENCE = {"by": "evidence"}


def _spec(spec: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    out = dict(spec)
    trigger = dict(out.get("trigger") or {})
    accrue, period, until = (trigger.pop(k, None) for k in ("accrue", "period", "until"))
    out["trigger"] = trigger
    kind = out.get("kind")
    subject = "subject" if out.get("subject") == "supplier" else "agreement"
    if accrue == "per_period" and period:
        unit = variables.get("unit")
        known = isinstance(unit, str) and unit in _UNITS
        out["accrue"] = {
            "per": period,
            "quantity": "quantity",
            "unit_field": "unit" if known else None,
            "unit": unit if known else None,
        }
    if until:
        prohibition = kind == "prohibition"
        out["ends_on"] = [
            {
                "event": until,
                "time": None,
                "match": subject,
                "where": {},
                "outcome": "fulfilled" if prohibition else "discharged",
                "if_suspected": "discharged",
                "if_overdue": "open",
            }
        ]
    if kind == "prohibition" and trigger.get("event") == "supplier_suspended":
        out["violated_by"] = [
            {"event": "purchase_recorded", "match": "subject", "where": {}, "after": "due"}
        ]
    if kind != "prohibition":
        settled: list[dict[str, Any]] = []
        if kind == "payment" and out.get("amount_formula"):
            if out.get("beneficiary") == "workers" and out.get("subject") == "supplier":
                settled.append({"by": "payroll", "event": "payroll_recorded", "match": "subject"})
            else:
                settled.append(
                    {"by": "payment", "event": "payment_recorded", "match": "obligation"}
                )
        out["settled_by"] = [*settled, _EVIDENCE]
    return out


def upgrade_v1(record: dict[str, Any]) -> dict[str, Any]:
    """The version-2 form of a version-1 agreement record (a new dict; ids and hash kept)."""
    sections = []
    for section in record.get("sections") or []:
        variables = section.get("variables") or {}
        sections.append(
            {
                **section,
                "obligations": [_spec(s, variables) for s in section.get("obligations") or []],
            }
        )
    return {**record, "sections": sections, "schema_version": 2}
