"""Driver rows straight to :class:`Obligation` values, in one pass: the listings' typed read.

The DBAPI read path (:mod:`._fastread`) decoded each row three times over: the driver's values
into what SQLAlchemy's column types give (one tuple), those into field values
(:data:`._rowmap.OBLIGATION_ROWS`, another tuple), and those into an Obligation
(:meth:`Obligation.from_fields`: one slot setter per field through ``map``). An overdue
listing of a million-instance store is ~30k rows, and those passes cost more than the
database does (issue 7 §5: the typed values within 1.3 × raw SQL). This module writes, once
per dialect, one function that unpacks each row, decodes each column once and sets each slot
of a new object in straight-line code:

* the same expressions as before: each column's driver conversion (given by the caller)
  composed with the field's codec (:data:`._rowmap.OBLIGATION_CODECS`), so every value is the
  one the three passes gave (``tests/obligations/test_reader.py`` checks it against the
  validating constructor for random obligations; ``test_fastread.py`` against the SQL store);
* the columns that repeat decoded once per distinct stored value in each call (a listing's
  ~30k rows hold a few hundred distinct dates and instants and a handful of flag sets). The
  decoded values are immutable, so rows share them, as the ``lru_cache`` memos did — which, at
  4,096 entries shared by three instant columns, missed most of the time on such a listing;
* Money built without re-running its converters (:func:`stored_money`);
* ``data`` still decoded for each row: every Obligation owns its own (mutable) dict.

Nothing is lazy: every field is decoded before the function returns. The function raises what
the old passes raised on a damaged row (KeyError, ValueError, …), for the store to name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from .._model import LARGEST_AMOUNT, Money, Obligation, minor_units
from ._rowmap import _NAMES, OBLIGATION_CODECS, OBLIGATIONS_TABLE, Codec

__all__ = ["MEMOISED", "obligation_reader", "stored_money", "write_reader"]

#: the fields whose decoded value is immutable and repeats across a listing's rows
MEMOISED = frozenset(
    {
        "period_start",
        "period_end",
        "due",
        "due_at",
        "paid",
        "flags",
        "fulfilled_on",
        "created_at",
        "updated_at",
    }
)

_new = object.__new__
#: Money's slot setters (as attrs' __init__ sets them past the frozen __setattr__)
_set_value, _set_currency = (getattr(Money, name).__set__ for name in ("value", "currency"))
_LARGEST = LARGEST_AMOUNT.adjusted()
#: currency → its minor unit as a quantum, for the currencies Money has accepted
_QUANTA: dict[str, Decimal] = {}


def stored_money(value: str | Decimal, currency: str) -> Money:
    """``Money(value=Decimal(value), currency=currency)`` without running its converters.

    The value is quantized to the currency's minor unit as Money does (so a stored ``"12.3"``
    reads as ``12.30``, the exponent the views print). The first amount in a currency, and any
    amount Money would refuse (not finite, too large), goes through Money itself, which checks
    the currency code and raises its own error; the currency is remembered only once Money has
    accepted it.
    """
    amount = Decimal(value)
    quantum = _QUANTA.get(currency)
    if quantum is None or not amount.is_finite() or (amount and amount.adjusted() >= _LARGEST):
        money = Money(value=amount, currency=currency)
        _QUANTA[currency] = Decimal(1).scaleb(-minor_units(currency))
        return money
    money = _new(Money)
    _set_value(money, amount.quantize(quantum, rounding=ROUND_HALF_UP))
    _set_currency(money, currency)
    return money


def write_reader(
    model: type,
    fields: Sequence[str],
    columns: Sequence[str],
    codecs: Mapping[str, Codec],
    conversions: Mapping[str, str],
    *,
    names: Mapping[str, Any],
    memoised: frozenset[str] = frozenset(),
) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
    """Write the one-pass reader of ``model`` from rows of ``columns``.

    ``fields`` must be every field of the (slotted) model once, in any order: a field left
    out would leave its slot empty, and an object that raises AttributeError on a read of
    one field is not a value. ``conversions`` maps a column to the expression (``$r``: the
    driver's value) turning it into what the codec decodes; ``names`` are the names the
    expressions use; each field in ``memoised`` whose codec reads one column is decoded once
    per distinct value of that column in each call.
    """
    declared = [f.name for f in attrs.fields(model)]
    missing = sorted(set(declared) - set(fields))
    unknown = sorted(set(fields) - set(declared))
    if missing or unknown or len(set(fields)) != len(fields):
        raise TypeError(
            f"a reader of {model.__name__} must set each of its fields once "
            f"(missing {missing}, unknown {unknown}, given {list(fields)})"
        )
    position = {c: i for i, c in enumerate(columns)}
    namespace: dict[str, Any] = {**names, "new": _new, "cls": model}
    used: set[str] = set()
    memos: list[str] = []
    body: list[str] = []
    for i, field in enumerate(fields):
        codec = codecs.get(field) or Codec((field,), ("$v",), "$c0")
        expr = codec.decode
        for k, column in enumerate(codec.columns):
            if column not in position:
                raise TypeError(f"field {field} reads column {column!r}, not in {list(columns)}")
            used.add(column)
            driver = conversions.get(column, "$r").replace("$r", f"r{position[column]}")
            expr = expr.replace(f"$c{k}", f"({driver})")
        r = f"r{position[codec.columns[0]]}"
        if field in memoised and len(codec.columns) == 1 and expr != f"({r})":
            # (a value taken as the driver gives it has nothing to decode: no memo)
            m = f"m{i}"
            expr = f"({m}[{r}] if {r} in {m} else {m}.setdefault({r}, {expr}))"
            memos.append(m)
        namespace[f"set{i}"] = getattr(model, field).__set__
        body.append(f"        set{i}(ob, {expr})\n")
    if used != set(columns):
        raise TypeError(f"columns {sorted(set(columns) - used)} are read by no field")
    unpack = ", ".join(f"r{i}" for i in range(len(columns)))
    src = (
        "def read(rows):\n"
        + "".join(f"    {m} = {{}}\n" for m in memos)
        + "    out = []\n"
        + "    append = out.append\n"
        + f"    for ({unpack},) in rows:\n"
        + "        ob = new(cls)\n"
        + "".join(body)
        + "        append(ob)\n"
        + "    return out\n"
    )
    exec(compile(src, f"<one-pass reader of {model.__name__}>", "exec"), namespace)
    read: Callable[[Sequence[Sequence[Any]]], list[Any]] = namespace["read"]
    return read


def obligation_reader(
    conversions: Mapping[str, str],
    names: Mapping[str, Any],
    *,
    memoised: frozenset[str] = MEMOISED,
) -> Callable[[Sequence[Sequence[Any]]], list[Obligation]]:
    """The one-pass reader of rows of every obligations column in table order, each column
    first turned by its ``conversions`` expression (what SQLAlchemy's column type would give),
    the ``memoised`` fields decoded once per distinct value in each call."""
    return write_reader(
        Obligation,
        [f.name for f in attrs.fields(Obligation)],
        OBLIGATIONS_TABLE.columns,
        OBLIGATION_CODECS,
        conversions,
        # Decimal for paid: the memo stands in for _rowmap's lru_cache
        names={**_NAMES, "decimal": Decimal, "money": stored_money, **names},
        memoised=memoised,
    )
