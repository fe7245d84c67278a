"""What an event means must be true when it happens: the preconditions the registry declares.

A reinstatement ends a suspension, and a resolution closes a complaint; recorded without the
state it ends (never suspended, a complaint that does not exist) or dated before it began, it
would be applied as if it made sense — a reinstatement dated before its suspension marked the
cut-off "complied throughout". The event registry declares each such event's precondition
(``clauses._vocabulary.Requires``); this module is the one pure check of it against the events
already recorded on the agreement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from clauses import Problem
from clauses._vocabulary import EVENTS, FieldType, Requires

from ._model import Event, Obligation


def _names(required: Requires, field: str, earlier: Event) -> set[object]:
    return {
        earlier.id if key == "id" else earlier.payload.get(key) for key in required.match[field]
    }


def _begins(required: Requires, event: Event, earlier: Event) -> bool:
    return earlier.type == required.begun_by and all(
        event.payload.get(field) in _names(required, field, earlier) for field in required.match
    )


def _ends(required: Requires, event: Event, earlier: Event) -> bool:
    return earlier.type == event.type and all(
        earlier.payload.get(field) == event.payload.get(field) for field in required.match
    )


def unmet(event: Event, history: Sequence[Event]) -> list[Problem]:
    """Problems (at the event's first matched field) when ``event``'s declared precondition does
    not hold on its date, given the agreement's recorded ``history``; empty when it does."""
    required = EVENTS[event.type].requires if event.type in EVENTS else None
    if required is None:
        return []
    field = next(iter(required.match))
    named = event.payload.get(field)
    begun = [e for e in history if _begins(required, event, e)]
    if not begun:
        return [
            Problem(
                field,
                f"{named!r} was never {required.what.removeprefix('an ')}: no "
                f"{required.begun_by} names it; record that first, or check the {field}",
            )
            if required.what == "suspended"
            else Problem(
                field,
                f"no {required.begun_by} event is {named!r} (give the event id or the "
                f"complainant reference of {required.what})",
            )
        ]
    when = event.occurred_at
    standing = [
        (e.occurred_at, i, e)
        for i, e in enumerate(history)
        if e.occurred_at <= when and (_begins(required, event, e) or _ends(required, event, e))
    ]
    if not standing:
        first = min(begun, key=lambda e: e.occurred_at)
        return [
            Problem(
                field,
                f"{event.type} on {event.occurred_on.isoformat()} is dated before the "
                f"{required.begun_by} of {named!r} on {first.occurred_on.isoformat()} it would "
                f"end; date it on or after {first.occurred_on.isoformat()}",
            )
        ]
    latest = max(standing, key=lambda t: (t[0], t[1]))[2]
    if latest.type != required.begun_by:
        return [
            Problem(
                field,
                f"{named!r} is not {required.what} on {event.occurred_on.isoformat()}: the "
                f"{event.type} of {latest.occurred_on.isoformat()} already ended it",
            )
        ]
    return []


def before_obligation(
    event: Event,
    find: Callable[[str], Obligation | None],
    trigger_day: Callable[[str], date | None],
) -> list[Problem]:
    """Problems when ``event`` names an obligation (a payment's ``obligation``) that did not yet
    exist on the event's date: before its period began, or before the event that created it."""
    problems: list[Problem] = []
    for name, spec in EVENTS[event.type].fields.items():
        if spec.type is not FieldType.OBLIGATION or name not in event.payload:
            continue
        ob = find(str(event.payload[name]))
        if ob is None:
            continue
        start = ob.period_start
        if start is None and ob.trigger_event_id is not None:
            start = trigger_day(ob.trigger_event_id)
        if start is not None and event.occurred_on < start:
            problems.append(
                Problem(
                    "on",
                    f"{event.occurred_on.isoformat()} is before obligation {ob.id} existed "
                    f"(from {start.isoformat()}); a {event.type.replace('_recorded', '')} "
                    "cannot be made for it before then: check the date or the obligation",
                )
            )
    return problems
