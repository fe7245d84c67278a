"""Exact conversion between the mass units premiums are priced in (lb, kg, US hundredweight).

Premiums are "per pound" in one programme and per kilogram or hundredweight in another; a
purchase recorded in one unit must be priced in the clause's unit without rounding drift, so
the factors are the legal definitions as Decimals: 1 lb = 0.45359237 kg exactly, 1 cwt = 100 lb.
``unit`` (a count of items) is not a mass and converts only to itself.
"""

from __future__ import annotations

from decimal import Decimal

from clauses import InputError
from clauses._vocabulary import UNITS as VOCABULARY_UNITS

#: kilograms per unit of each mass unit (exact)
_KG: dict[str, Decimal] = {
    "kg": Decimal(1),
    "lb": Decimal("0.45359237"),
    "cwt": Decimal("45.359237"),
}
UNITS: frozenset[str] = frozenset({*_KG, "unit"})
assert UNITS == VOCABULARY_UNITS, "clauses._vocabulary.UNITS and the conversion table disagree"


def convert(quantity: Decimal, from_unit: str, to_unit: str, *, path: str = "unit") -> Decimal:
    """``quantity`` in ``from_unit`` expressed in ``to_unit``; InputError if they do not mix."""
    for u in (from_unit, to_unit):
        if u not in UNITS:
            raise InputError.single(path, f"unknown unit {u!r} (known: {', '.join(sorted(UNITS))})")
    if from_unit == to_unit:
        return quantity
    if "unit" in (from_unit, to_unit):
        raise InputError.single(
            path, f"cannot convert {from_unit} to {to_unit}: a count of units is not a mass"
        )
    return quantity * _KG[from_unit] / _KG[to_unit]
