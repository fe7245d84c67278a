"""Turn a raw event (``wsr event ID TYPE --on … --set key=value …``) into a validated Event.

Everything a person types arrives as text; this module is the one place it is typed against
the event registry (``clauses._vocabulary.EVENTS``), one parser per field type, and checked
against the agreement (covered suppliers, its currency, its obligations, its execution date).
Every problem is collected and reported together as an :class:`InputError` whose path is the
field (or ``on``/``type``), so nothing is written until the whole event is right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clauses import (
    BadNumber,
    InputError,
    NumberKind,
    Problem,
    identifier_problem,
    read_int,
    read_number,
    text_problem,
)
from clauses._dates import day_problem, instant_problem
from clauses._library import _YamlSyntax, load_json_text
from clauses._text import MAX_RECORD_TEXT, walk_texts
from clauses._vocabulary import EVENTS, EventField, FieldType

from ._calendar import local_date, start_of_local_day
from ._context import AgreementContext
from ._ledgers import PayrollLine
from ._model import Event, Money, Obligation, minor_units
from ._units import UNITS


def parse_when(value: str | date | datetime, *, tz: str) -> tuple[datetime, date]:
    """(occurred_at, local date in ``tz``) for ``--on``; a bare date is the START of that day.

    A naive date-time is refused: we never guess a zone.
    """
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = None
        day = value
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                when, day = None, date.fromisoformat(text)
            else:
                when = datetime.fromisoformat(text)
        except ValueError:
            raise InputError.single(
                "on", f"{text!r} is not an ISO date (YYYY-MM-DD) or date-time with offset"
            ) from None
    if when is None:
        if (problem := day_problem(day)) is not None:
            raise InputError.single("on", problem)
        return start_of_local_day(day, tz), day
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError.single(
            "on", f"{when.isoformat()} has no UTC offset (add e.g. -05:00 or Z)"
        )
    if (problem := instant_problem(when)) is not None:
        raise InputError.single("on", problem)
    return when, local_date(when, tz)


def parse_on(value: str | date | datetime, *, ctx: AgreementContext) -> tuple[datetime, date]:
    """(occurred_at, local date) for ``--on`` in the agreement's zone; a date before execution
    is refused (the agreement did not yet exist)."""
    at, day = parse_when(value, tz=ctx.tz)
    if day < ctx.signed_on:
        raise InputError.single(
            "on",
            f"{day.isoformat()} is before the agreement was executed on "
            f"{ctx.signed_on.isoformat()}",
        )
    return at, day


#: how long before its effective date an agreement may be signed (longer is a typo in the year)
SIGNED_BEFORE_EFFECTIVE = 366


def check_signed_on(signed_on: date, *, effective: date, now: datetime, tz: str) -> None:
    """Refuse an execution date outside the range, after today (in the agreement's zone), or
    more than a year before the agreement takes effect: each is a mistyped date, and every
    deadline of the agreement would be computed from it."""
    if (problem := day_problem(signed_on)) is not None:
        raise InputError.single("signed_on", problem)
    # "today" anywhere on earth (UTC+14): a signing today in Kiribati is not refused in Hawaii
    today = (now.astimezone(UTC) + timedelta(hours=14)).date()
    if signed_on > today:
        raise InputError.single(
            "signed_on",
            f"{signed_on.isoformat()} is after today ({local_date(now, tz).isoformat()} in "
            f"{tz}); track the agreement once it has been signed",
        )
    if (effective - signed_on).days > SIGNED_BEFORE_EFFECTIVE:
        raise InputError.single(
            "signed_on",
            f"{signed_on.isoformat()} is more than a year before the agreement takes effect "
            f"({effective.isoformat()}); check the year",
        )


def not_after_now(at: datetime, *, shown: str, now: datetime, tz: str) -> None:
    """Refuse an event (or decision) dated after ``now``: the record holds facts, not plans.

    ``shown`` is the date as the person gave it; ``now`` is shown in the agreement's zone, as
    the person experiences it.
    """
    if at > now:
        local = now.astimezone(ZoneInfo(tz))
        offset = local.strftime("%z")
        when = f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
        raise InputError.single(
            "on", f"{shown} is after now ({when}); record events once they have happened"
        )


def shown_on(value: str | date | datetime) -> str:
    """``--on`` as the person wrote it (for messages)."""
    return value.isoformat() if isinstance(value, date) else str(value).strip()


def parse_money(text: str, *, currency: str, path: str) -> Money:
    """ "2500", "2500.00 USD" or "USD 2500.00" in the agreement currency (no separators)."""
    parts = text.split()
    code = None
    if len(parts) == 2:
        if parts[0].isalpha():
            code, number = parts[0].upper(), parts[1]
        else:
            number, code = parts[0], parts[1].upper()
    elif len(parts) == 1:
        number = parts[0]
    else:
        raise InputError.single(
            path, f"{text!r} is not an amount (e.g. 2500.00 or 2500.00 {currency})"
        )
    if code is not None and code != currency:
        raise InputError.single(
            path, f"currency {code} does not match the agreement currency {currency}"
        )
    value = _decimal(number, path, NumberKind.MONEY)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_units(currency):
        raise InputError.single(
            path,
            f"{number} has more decimal places than {currency} allows ({minor_units(currency)})",
        )
    return Money(value=value, currency=currency)


def _decimal(text: str, path: str, kind: NumberKind = NumberKind.QUANTITY) -> Decimal:
    """A non-negative number of ``kind``, bounded by its form before any arithmetic."""
    try:
        return read_number(text, kind, negative=False)
    except BadNumber as bad:
        raise InputError.single(path, bad.message) from None


def _json(text: str, path: str) -> Any:
    """A JSON field value: no key twice, no text a document cannot hold, bounded nesting."""
    try:
        value = load_json_text(text, path)
    except _YamlSyntax as exc:
        message = exc.problem.message.replace("JSON syntax error", "not valid JSON")
        raise InputError.single(path, message) from None
    bad = [Problem(f"{path}{where}", why) for where, why in walk_texts(value, "")]
    if bad:
        raise InputError(bad)
    return value


def _items(raw: Any, path: str) -> list[dict[str, Any]]:
    """CAP items: a JSON list of {text, due} (or of strings), or "text; text@YYYY-MM-DD; …"."""
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped.startswith("["):
            raw = _json(stripped, path)
        else:
            raw = [part.strip() for part in stripped.split(";") if part.strip()]
    if not isinstance(raw, list):
        raise InputError.single(path, "must be a list of items")
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            text, _, due = item.partition("@")
            item = {"text": text.strip(), "due": due.strip() or None}
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise InputError.single(f"{path}[{i}]", "each item needs a text")
        due_raw = item.get("due")
        try:
            due_val = None if due_raw in (None, "") else date.fromisoformat(str(due_raw))
        except ValueError:
            raise InputError.single(f"{path}[{i}].due", f"{due_raw!r} is not an ISO date") from None
        if due_val is not None and (problem := day_problem(due_val)) is not None:
            raise InputError.single(f"{path}[{i}].due", problem)
        out.append({"text": str(item["text"]).strip(), "due": due_val})
    return out


def _payroll_lines(raw: Any, path: str) -> list[dict[str, Any]]:
    """Payroll lines: PayrollLine values (``wsr payroll import``) or a JSON list of objects."""
    if isinstance(raw, str):
        raw = _json(raw, path)
    if not isinstance(raw, list | tuple) or not raw:
        raise InputError.single(path, "must be a non-empty list of payroll lines")
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        try:
            line = item if isinstance(item, PayrollLine) else PayrollLine.from_json(item)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise InputError.single(
                f"{path}[{i}]",
                "needs worker_ref, period_start, period_end, pay_date (ISO dates), earnings and "
                f"premium (decimals or null): {exc}",
            ) from None
        if line.earnings < 0 or (line.premium is not None and line.premium < 0):
            raise InputError.single(f"{path}[{i}]", "amounts must not be negative")
        out.append({k: v for k, v in attrs.asdict(line).items() if k not in ("event", "source")})
    return out


@attrs.define(frozen=True, kw_only=True)
class _Field:
    """What a field parser needs: where the value goes, the agreement, the obligation finder."""

    path: str
    spec: EventField
    ctx: AgreementContext
    find: Callable[[str], Obligation | None]


def _supplier(text: str, raw: Any, f: _Field) -> Any:
    if text not in f.ctx.suppliers:
        covered = ", ".join(f.ctx.suppliers) or "none"
        raise InputError.single(f.path, f"unknown supplier {text!r} (covered: {covered})")
    return text


def _unit(text: str, raw: Any, f: _Field) -> Any:
    if text not in UNITS:
        raise InputError.single(
            f.path, f"unknown unit {text!r} (known: {', '.join(sorted(UNITS))})"
        )
    return text


def _date_field(text: str, raw: Any, f: _Field) -> Any:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.single(f.path, f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    if (problem := day_problem(day)) is not None:
        raise InputError.single(f.path, problem)
    return day


def _integer(text: str, raw: Any, f: _Field) -> Any:
    try:
        return read_int(text, lo=0)
    except BadNumber as bad:
        message = bad.message
        if message.startswith("must be at least 0"):
            message = f"{text.strip()} must not be negative"
        raise InputError.single(f.path, message) from None


def _obligation(text: str, raw: Any, f: _Field) -> Any:
    ob = f.find(text)
    if ob is None or ob.agreement_id != f.ctx.id:
        raise InputError.single(f.path, f"no obligation {text!r} in agreement {f.ctx.id}")
    return text


def _choice(text: str, raw: Any, f: _Field) -> Any:
    if text not in f.spec.choices:
        raise InputError.single(
            f.path,
            f"unknown {f.path} {text!r} (choose one of: {', '.join(f.spec.choices)})",
        )
    return text


def _text(text: str, raw: Any, f: _Field) -> Any:
    if not text.strip():
        raise InputError.single(f.path, "must not be empty")
    if len(text) > MAX_RECORD_TEXT:
        raise InputError.single(
            f.path,
            f"at most {MAX_RECORD_TEXT:,} characters (this has {len(text):,}); "
            "attach it as evidence",
        )
    return text


def _reference(text: str, raw: Any, f: _Field) -> Any:
    """A text field that names something (a complaint, a complainant): an identifier."""
    text = _text(text, raw, f)
    if (problem := identifier_problem(text.strip())) is not None:
        raise InputError.single(f.path, problem)
    return text


#: text fields that name something and so are identifiers (kept to MAX_IDENTIFIER)
REFERENCE_FIELDS = frozenset({"complaint", "complainant_ref"})

#: one parser per field type (``tests/obligations/test_event_registry.py`` checks coverage)
PARSERS: dict[FieldType, Callable[[str, Any, _Field], Any]] = {
    FieldType.SUPPLIER: _supplier,
    FieldType.DECIMAL: lambda text, raw, f: _decimal(text, f.path),
    FieldType.MONEY: lambda text, raw, f: parse_money(text, currency=f.ctx.currency, path=f.path),
    FieldType.UNIT: _unit,
    FieldType.TEXT: _text,
    FieldType.DATE: _date_field,
    FieldType.INTEGER: _integer,
    FieldType.OBLIGATION: _obligation,
    FieldType.ITEMS: lambda text, raw, f: _items(raw, f.path),
    FieldType.CHOICE: _choice,
    FieldType.PAYROLL_LINES: lambda text, raw, f: _payroll_lines(raw, f.path),
}


def _typed(
    spec: EventField,
    raw: Any,
    *,
    path: str,
    ctx: AgreementContext,
    find: Callable[[str], Obligation | None],
) -> Any:
    text = raw if isinstance(raw, str) else str(raw)
    if isinstance(raw, str) and (problem := text_problem(raw)) is not None:
        raise InputError.single(path, problem)  # one check for every field type
    parser = PARSERS[spec.type]
    if spec.type is FieldType.TEXT and path in REFERENCE_FIELDS:
        parser = _reference
    return parser(text, raw, _Field(path=path, spec=spec, ctx=ctx, find=find))


def validate_event(
    ctx: AgreementContext,
    type: str,
    *,
    on: str | date | datetime,
    fields: Mapping[str, Any],
    now: datetime,
    find: Callable[[str], Obligation | None],
) -> Event:
    """The validated event (no id yet: the store gives it one), or InputError with every problem."""
    if type not in EVENTS:
        known = ", ".join(sorted(EVENTS))
        raise InputError.single("type", f"unknown event type {type!r} (known: {known})")
    problems: list[Problem] = []
    try:
        at, day = parse_on(on, ctx=ctx)
    except InputError as exc:
        problems.extend(exc.problems)
        at, day = now, ctx.signed_on
    etype = EVENTS[type]
    types = etype.fields
    payload: dict[str, Any] = {}
    for key, raw in fields.items():
        if key not in types:
            known = ", ".join(sorted(types)) or "none"
            shown = key if key.strip() and key.isprintable() else f"fields[{key!r}]"
            problems.append(Problem(shown, f"unknown field for {type} (known: {known})"))
            continue
        try:
            payload[key] = _typed(types[key], raw, path=key, ctx=ctx, find=find)
        except InputError as exc:
            problems.extend(exc.problems)
    missing = sorted(etype.required - set(fields))
    problems.extend(Problem(key, f"required for {type}") for key in missing)
    if problems:
        raise InputError(problems)
    return Event(
        agreement_id=ctx.id,
        type=type,
        occurred_at=at,
        occurred_on=day,
        payload=payload,
        recorded_at=now,
    )
