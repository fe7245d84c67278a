"""The one bounded number reader: every number a person gives passes here before any arithmetic.

A number in an answers file, an event field or a CSV cell is text (or a value a YAML/JSON parser
made from text). Read naively, ``1e999999999`` as a number of days ran for minutes when it became
an ``int``, ``1,0,0`` became 100 and ``1_000`` became 1000. This module refuses all of that by
looking only at the value's *form* (its digits and exponent, via ``Decimal.as_tuple``) before
any arithmetic is done with it: a number must be plain decimal notation, at most
:data:`MAX_DIGITS` significant digits, no larger in magnitude than its kind allows, and with no
more decimal places than its kind allows (:data:`PRECISION`, documented in ``docs/design.md``).
Only then is it compared with the library's own ``min``/``max``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

#: plain decimal notation: digits, an optional fraction, an optional exponent; no separators
NUMBER_TEXT = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
#: the most significant digits any number may carry (a 1 000 000 000 000.000001 fits)
MAX_DIGITS = 24
#: the longest number text read at all (longer text is refused unread)
MAX_TEXT = 64


class NumberKind(Enum):
    """What a number stands for; each kind has one precision (:data:`PRECISION`)."""

    #: a count of days, months, workers, a year: whole numbers
    INTEGER = "integer"
    #: a rate or a factor (the premium per pound): up to six decimal places
    DECIMAL = "decimal"
    #: an amount of money or a per-unit price: up to four decimal places (the currency's own
    #: minor units are checked where the currency is known)
    MONEY = "money"
    #: a percentage, 0 to 100, up to four decimal places
    PERCENT = "percent"
    #: a quantity bought or produced (pounds, kilograms, boxes): up to eight decimal places
    #: (one pound is exactly 0.45359237 kg)
    QUANTITY = "quantity"


@dataclass(frozen=True)
class Precision:
    """How fine and how large a kind of number may be."""

    places: int
    largest: Decimal


#: the documented precision per kind (docs/design.md, "Numbers people give")
PRECISION: dict[NumberKind, Precision] = {
    NumberKind.INTEGER: Precision(places=0, largest=Decimal(10) ** 9),
    NumberKind.DECIMAL: Precision(places=6, largest=Decimal(10) ** 12),
    NumberKind.MONEY: Precision(places=4, largest=Decimal(10) ** 12),
    NumberKind.PERCENT: Precision(places=4, largest=Decimal(100)),
    NumberKind.QUANTITY: Precision(places=8, largest=Decimal(10) ** 12),
}


class BadNumber(ValueError):
    """A number refused; ``message`` says what to write instead (the caller adds the path)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _from_text(text: str, kind: NumberKind) -> Decimal:
    stripped = text.strip()
    if len(stripped) > MAX_TEXT:
        raise BadNumber(f"a number of {len(stripped)} characters is far too long to be a term")
    if "," in stripped or "_" in stripped or " " in stripped:
        raise BadNumber(
            f"{_shown(stripped)}: write the number without thousands separators "
            "(1000.50, not 1,000.50)"
        )
    if stripped.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity", ".inf", ".nan"):
        raise BadNumber("must be a finite number")
    if not NUMBER_TEXT.match(stripped):
        what = "a whole number" if kind is NumberKind.INTEGER else "a number"
        raise BadNumber(f"must be {what}, got {_shown(stripped)}")
    return Decimal(stripped)


def _as_decimal(value: Any, kind: NumberKind) -> Decimal:
    if isinstance(value, bool):
        what = "a whole number" if kind is NumberKind.INTEGER else "a number"
        raise BadNumber(f"must be {what}, not true/false")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        if value.bit_length() > 128:  # converting it to text would itself take long
            raise BadNumber("is far too large")
        return Decimal(value)
    if isinstance(value, float):
        return _from_text(repr(value), kind)
    if isinstance(value, str):
        return _from_text(value, kind)
    raise BadNumber(f"must be a number, got {type(value).__name__}")


def _fmt(d: Decimal) -> str:
    return format(d, "f") if d == d.to_integral_value() else format(d.normalize(), "f")


def read_number(
    value: Any,
    kind: NumberKind,
    *,
    lo: Decimal | None = None,
    hi: Decimal | None = None,
    negative: bool = True,
) -> Decimal:
    """``value`` as a Decimal of ``kind``, checked by form before any arithmetic.

    ``lo``/``hi`` are the library's (or the field's) own bounds, inclusive; the kind's largest
    magnitude applies in any case. ``negative=False`` refuses numbers below zero.
    """
    d = _as_decimal(value, kind)
    if not d.is_finite():
        raise BadNumber("must be a finite number")
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    prec = PRECISION[kind]
    if d and d.adjusted() > prec.largest.adjusted():
        raise BadNumber(f"is far too large (at most {_fmt(prec.largest)})")
    if len(digits) > MAX_DIGITS or exponent < -(MAX_DIGITS + prec.places):
        raise BadNumber(f"has more digits than any term needs (at most {MAX_DIGITS})")
    if sign and not negative and d:
        raise BadNumber(f"{_fmt(d)} must not be negative")
    normal = d.normalize().as_tuple().exponent
    places = max(0, -normal) if isinstance(normal, int) else 0
    if places > prec.places:
        if prec.places == 0:
            raise BadNumber(f"must be a whole number, got {_fmt(d)}")
        raise BadNumber(
            f"{_fmt(d)} has {places} decimal places; a {kind.value} takes at most {prec.places}"
        )
    if abs(d) > prec.largest:
        raise BadNumber(f"is too large (at most {_fmt(prec.largest)})")
    if lo is not None and d < lo:
        raise BadNumber(f"must be at least {_fmt(lo)}")
    if hi is not None and d > hi:
        raise BadNumber(f"must be at most {_fmt(hi)}")
    return d


def read_int(value: Any, *, lo: int | None = None, hi: int | None = None) -> int:
    """A whole number (``NumberKind.INTEGER``), bounded before it becomes an ``int``."""
    d = read_number(
        value,
        NumberKind.INTEGER,
        lo=None if lo is None else Decimal(lo),
        hi=None if hi is None else Decimal(hi),
    )
    return int(d)
