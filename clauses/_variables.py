"""Typing clause variables: raw answer values in, typed Python values (or Problems) out.

One function, :func:`coerce`, decides what every variable type accepts, so the answers
reader, the library checker (defaults must pass their own variable) and the interview
adapter agree. Money never touches binary floats: numbers become Decimal via their text.
Floors are a separate question (:func:`floor_breach`): a value may be well-typed and still
below the WSR floor, which needs a recorded override rather than a correction.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ._dates import day_problem
from ._exceptions import Problem
from ._numbers import BadNumber, NumberKind, read_number
from ._schema import Floor, VariableDef, VarType
from ._vocabulary import PARTY_ROLES

DURATION = re.compile(r"^P(\d+)([DMY])$")
_NUMERIC = (VarType.DECIMAL, VarType.MONEY, VarType.PERCENT)
#: the precision each numeric variable type is read with (``_numbers.PRECISION``)
_KINDS = {
    VarType.DECIMAL: NumberKind.DECIMAL,
    VarType.MONEY: NumberKind.MONEY,
    VarType.PERCENT: NumberKind.PERCENT,
    VarType.INTEGER: NumberKind.INTEGER,
}


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def fmt_decimal(value: Decimal | int) -> str:
    """A number as plain text without exponent or trailing zeros: 90, 2.5, 0.01."""
    d = Decimal(value)
    if not d.is_finite():
        return str(d)
    if d == d.to_integral_value():
        return format(d.to_integral_value(), "f")
    return format(d.normalize(), "f")


def describe(value: Any) -> str:
    """A short, safe rendering of a user value for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        text = fmt_decimal(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, date):
        return value.isoformat()
    return type(value).__name__


def to_decimal(value: Any) -> Decimal:
    """Accept int, Decimal, numeric text and (as a last resort) floats via their repr."""
    if isinstance(value, bool):
        raise _Bad("must be a number, not true/false")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise _Bad(f"must be a number, got {describe(value)}") from None
    else:
        raise _Bad(f"must be a number, got {describe(value)}")
    if not d.is_finite():
        raise _Bad("must be a finite number")
    return d


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad("must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    d = to_decimal(value)
    if d != d.to_integral_value():
        raise _Bad(f"must be a whole number, got {describe(d)}")
    return int(d)


def to_date(value: Any) -> date:
    """ISO dates only; date-times are refused (and naive ones are named as such)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _Bad(
                f"naive date-time {value.isoformat()} (no UTC offset); give a date YYYY-MM-DD"
            )
        raise _Bad(f"expected a date YYYY-MM-DD, got the date-time {value.isoformat()}")
    if isinstance(value, date):
        problem = day_problem(value)
        if problem is not None:
            raise _Bad(problem)
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                day = date.fromisoformat(text)
            except ValueError as exc:
                raise _Bad(f"not a valid date {text!r}: {exc}") from None
            return to_date(day)
        if "T" in text or " " in text:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return to_date(parsed)
        raise _Bad(f"expected a date YYYY-MM-DD, got {describe(value)}")
    raise _Bad(f"expected a date YYYY-MM-DD, got {describe(value)}")


def _check_bounds(vdef: VariableDef, d: Decimal) -> None:
    if vdef.min is not None:
        if vdef.min_exclusive and not d > vdef.min:
            raise _Bad(f"must be greater than {fmt_decimal(vdef.min)}")
        if not vdef.min_exclusive and d < vdef.min:
            raise _Bad(f"must be at least {fmt_decimal(vdef.min)}")
    if vdef.max is not None:
        if vdef.max_exclusive and not d < vdef.max:
            raise _Bad(f"must be less than {fmt_decimal(vdef.max)}")
        if not vdef.max_exclusive and d > vdef.max:
            raise _Bad(f"must be at most {fmt_decimal(vdef.max)}")


def _number(vdef: VariableDef, value: Any) -> Decimal:
    """A numeric variable's value: its form and its type's precision first (``_numbers``, no
    arithmetic on what was given), then the library's own bounds."""
    try:
        d = read_number(value, _KINDS[vdef.type])
    except BadNumber as bad:
        if vdef.type is VarType.PERCENT and bad.message.startswith("is too large"):
            raise _Bad("a percentage must be between 0 and 100") from None
        raise _Bad(bad.message) from None
    if vdef.type is VarType.PERCENT and not Decimal(0) <= d <= Decimal(100):
        raise _Bad("a percentage must be between 0 and 100")
    _check_bounds(vdef, d)
    return d


def _scalar(vdef: VariableDef, value: Any) -> Any:
    t = vdef.type
    if t in _NUMERIC:
        return _number(vdef, value)
    if t is VarType.INTEGER:
        return int(_number(vdef, value))
    if t is VarType.DATE:
        return to_date(value)
    if t is VarType.BOOLEAN:
        if not isinstance(value, bool):
            raise _Bad(f"must be true or false, got {describe(value)}")
        return value
    if t is VarType.ENUM:
        choices = vdef.choices or []
        if not isinstance(value, str) or value not in choices:
            raise _Bad(f"must be one of: {', '.join(choices)} (got {describe(value)})")
        return value
    if t is VarType.TEXT:
        if not isinstance(value, str) or not value.strip():
            raise _Bad("must be non-empty text")
        return value.strip()
    if t is VarType.PARTY:
        if not isinstance(value, str) or value not in PARTY_ROLES:
            raise _Bad(
                f"must be a party role: {', '.join(sorted(PARTY_ROLES))} (got {describe(value)})"
            )
        return value
    if t is VarType.DURATION:
        if not isinstance(value, str) or not DURATION.match(value.strip()):
            raise _Bad(
                f"must be an ISO 8601 duration such as P30D, P6M or P1Y (got {describe(value)})"
            )
        m = DURATION.match(value.strip())
        assert m is not None
        if int(m.group(1)) < 1:
            raise _Bad("a duration must be at least one day, month or year")
        return value.strip()
    raise _Bad(f"unsupported variable type {t.value}")  # pragma: no cover


def coerce(vdef: VariableDef, value: Any, path: str) -> tuple[Any, list[Problem]]:
    """Type ``value`` for ``vdef``; returns (typed value or None, problems under ``path``)."""
    if vdef.type is VarType.LIST:
        return _coerce_list(vdef, value, path)
    try:
        return _scalar(vdef, value), []
    except _Bad as bad:
        return None, [Problem(path, bad.message)]


def _coerce_list(vdef: VariableDef, value: Any, path: str) -> tuple[Any, list[Problem]]:
    if not isinstance(value, list):
        return None, [Problem(path, f"must be a list of records, got {describe(value)}")]
    problems: list[Problem] = []
    if vdef.min_items is not None and len(value) < vdef.min_items:
        problems.append(Problem(path, f"needs at least {vdef.min_items} entries"))
    if vdef.max_items is not None and len(value) > vdef.max_items:
        problems.append(Problem(path, f"takes at most {vdef.max_items} entries"))
    items = vdef.items or {}
    out: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(ipath, f"must be a record with fields: {', '.join(items)}"))
            continue
        rec: dict[str, Any] = {}
        problems.extend(
            Problem(f"{ipath}.{key}", "unknown field") for key in item if key not in items
        )
        for name, fdef in items.items():
            fpath = f"{ipath}.{name}"
            raw = item.get(name)
            if raw is None:
                if fdef.default is not None:
                    typed, probs = coerce(fdef, fdef.default, fpath)
                    problems.extend(probs)
                    rec[name] = typed
                elif fdef.required:
                    problems.append(Problem(fpath, "required"))
                else:
                    rec[name] = None
                continue
            typed, probs = coerce(fdef, raw, fpath)
            problems.extend(probs)
            rec[name] = typed
        out.append(rec)
    return (None if problems else out), problems


def describe_floor(floor: Floor) -> str:
    """The floor in words, as shown in messages and stored in override records."""
    if floor.at_least is not None:
        return f"at least {fmt_decimal(floor.at_least)}"
    if floor.at_most is not None:
        return f"at most {fmt_decimal(floor.at_most)}"
    if floor.allowed is not None:
        return f"one of {', '.join(floor.allowed)}"
    return f"must be {'true' if floor.equals else 'false'}"


def floor_breach(vdef: VariableDef, value: Any) -> str | None:
    """If the typed ``value`` goes past the variable's floor, say how; else None."""
    floor = vdef.floor
    if floor is None or value is None:
        return None
    shown = describe(value) if not isinstance(value, str) else value
    if (
        floor.at_least is not None
        and isinstance(value, int | Decimal)
        and not isinstance(value, bool)
    ):
        if Decimal(value) < floor.at_least:
            return f"{shown} is below the floor (at least {fmt_decimal(floor.at_least)})"
    if (
        floor.at_most is not None
        and isinstance(value, int | Decimal)
        and not isinstance(value, bool)
    ):
        if Decimal(value) > floor.at_most:
            return f"{shown} is beyond the floor (at most {fmt_decimal(floor.at_most)})"
    if floor.allowed is not None and isinstance(value, str) and value not in floor.allowed:
        return f"{shown!r} is below the floor (allowed: {', '.join(floor.allowed)})"
    if floor.equals is not None and isinstance(value, bool) and value is not floor.equals:
        return f"{describe(value)} is below the floor (must be {describe(floor.equals)})"
    return None


def to_json_value(value: Any) -> Any:
    """A typed variable value as JSON: Decimal → string, date → ISO, recursively."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return fmt_decimal(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    return value
