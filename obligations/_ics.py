"""Deadlines as an RFC 5545 calendar feed (``wsr calendar``): all-day VEVENTs, or VTODOs.

VEVENTs by default, because the calendars people subscribe with (Google Calendar, iOS,
Fastmail) ignore VTODO: each deadline is an all-day event on its due date (``DTSTART;VALUE=DATE``
and the exclusive next-day ``DTEND`` RFC 5545 §3.6.1 asks for), transparent so it never shows
the person as busy. A VTODO feed (``--vtodo``) is kept for task clients, which show to-dos with a
due date and a done state.

The feed is a pure function of the obligations, their audit history and ``now`` (DTSTAMP), so
the same data gives byte-identical output, and clients that re-subscribe see stable UIDs
(obligation id + ``@wsr-engine``) update in place rather than duplicate. ``SEQUENCE`` is the
revision number RFC 5545 §3.8.7.4 says to increment on a significant change: here, each change
of the deadline or of the legal state the audit log records, plus one when the state a read
shows at ``now`` differs from the last one recorded (a sweep has not stored it yet; when it
does, the count from the log is the same number, so it never goes back). It is counted from
the log, never stored, so a read writes nothing.

What is listed: as VEVENTs, every obligation — fulfilled and violated ones stay on the day
they concern (marked in the summary), and discharged or terminated ones are ``CANCELLED`` with a
higher SEQUENCE, which is how a subscribed calendar learns to drop an event it already shows.
As VTODOs, open obligations are NEEDS-ACTION and fulfilled ones COMPLETED; violated, discharged
and terminated ones are left out: there is nothing left to do by that date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from icalendar import Calendar, Event, Todo

from ._enums import OPEN, LegalState
from ._model import AuditEntry, Obligation, TrackedAgreement

PRODID = "-//WSR agreement engine//obligation deadlines//EN"
UID_DOMAIN = "wsr-engine"


class CalendarComponent(StrEnum):
    """What each deadline becomes in the feed."""

    VEVENT = "vevent"
    VTODO = "vtodo"


#: a VEVENT's summary prefix for a deadline that no longer waits on anyone
_DONE_PREFIX = {
    LegalState.FULFILLED: "Fulfilled: ",
    LegalState.VIOLATED: "Breached: ",
    LegalState.DISCHARGED: "Discharged: ",
    LegalState.TERMINATED: "Terminated: ",
}


def _revision(snapshot: Mapping[str, Any] | None) -> tuple[Any, Any] | None:
    if snapshot is None:
        return None
    return (snapshot.get("due"), snapshot.get("state"))


def calendar_sequences(
    entries: Iterable[AuditEntry], current: Iterable[Obligation]
) -> dict[str, int]:
    """Each current obligation's SEQUENCE, from the audit ``entries`` (any superset of theirs).

    One for every recorded change of ``due`` or ``state`` (an entry whose before and after
    differ in either), and one more when the obligation as shown now differs from the last
    recorded after. An obligation the log has never seen (a recurring instance only a read has
    computed so far) is at 0.
    """
    counts: dict[str, int] = {}
    last: dict[str, tuple[Any, Any]] = {}
    for entry in entries:
        oid = entry.obligation_id
        if oid is None or entry.after is None:
            continue
        after = _revision(entry.after)
        assert after is not None
        before = _revision(entry.before)
        if before is not None and before != after:
            counts[oid] = counts.get(oid, 0) + 1
        last[oid] = after
    out: dict[str, int] = {}
    for ob in current:
        n = counts.get(ob.id, 0)
        shown = (ob.due.isoformat(), ob.state.value)
        if ob.id in last and last[ob.id] != shown:
            n += 1
        out[ob.id] = n
    return out


def _summary(ob: Obligation) -> str:
    return f"{ob.title} — {ob.subject}" if ob.subject else ob.title


def _description(ob: Obligation, agreement: TrackedAgreement | None) -> str:
    lines = [
        f"Clause {ob.clause_id} version {ob.clause_version}, section {ob.section} ({ob.spec_id})",
        f"Owed by {ob.obligor} to {ob.beneficiary}",
    ]
    if agreement is not None:
        lines.insert(0, f"Agreement: {agreement.title} ({agreement.id})")
    else:
        lines.insert(0, f"Agreement: {ob.agreement_id}")
    if ob.amount is not None:
        line = f"Amount: {ob.amount}"
        if ob.paid:
            line += f" (paid so far {ob.paid} {ob.amount.currency})"
        lines.append(line)
    if ob.period_start and ob.period_end:
        lines.append(f"Period: {ob.period_start.isoformat()} to {ob.period_end.isoformat()}")
    lines.append(f"State: {ob.state.value}")
    if ob.flags:
        lines.append("Flags: " + ", ".join(sorted(ob.flags)))
    lines.append(f"Obligation id: {ob.id}")
    return "\n".join(lines)


def _todo(ob: Obligation, stamp: datetime, description: str) -> Todo:
    todo = Todo()
    todo.add("uid", f"{ob.id}@{UID_DOMAIN}")
    todo.add("dtstamp", stamp)
    todo.add("due", ob.due)
    todo.add("summary", _summary(ob))
    todo.add("description", description)
    todo.add("categories", [ob.kind, ob.clause_id])
    todo.add("last-modified", ob.updated_at)
    if ob.state is LegalState.FULFILLED:
        todo.add("status", "COMPLETED")
        todo.add("percent-complete", 100)
    else:
        todo.add("status", "NEEDS-ACTION")
        if "breach_suspected" in ob.flags:
            todo.add("priority", 1)
    return todo


def _event(ob: Obligation, stamp: datetime, description: str, sequence: int) -> Event:
    event = Event()
    event.add("uid", f"{ob.id}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", ob.due)  # a date: DTSTART;VALUE=DATE
    event.add("dtend", ob.due + timedelta(days=1))  # exclusive: the event is the due day
    event.add("sequence", sequence)
    event.add("summary", _DONE_PREFIX.get(ob.state, "") + _summary(ob))
    event.add("description", description)
    event.add("categories", [ob.kind, ob.clause_id])
    event.add("last-modified", ob.updated_at)
    event.add("transp", "TRANSPARENT")  # a deadline, not a meeting: never shows as busy
    if ob.state in (LegalState.DISCHARGED, LegalState.TERMINATED):
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        if ob.state in OPEN and "breach_suspected" in ob.flags:
            event.add("priority", 1)
    return event


def calendar_feed(
    obligations: Iterable[Obligation],
    *,
    now: datetime,
    agreements: Mapping[str, TrackedAgreement] | None = None,
    name: str = "WSR obligation deadlines",
    component: CalendarComponent | str = CalendarComponent.VEVENT,
    sequence: Mapping[str, int] | None = None,
) -> bytes:
    """The iCalendar text (bytes, CRLF line ends) for ``obligations`` as seen at ``now``.

    ``sequence`` gives each obligation's SEQUENCE (:func:`calendar_sequences`; 0 for one not in it);
    a VTODO feed has none.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    kind = CalendarComponent(component)
    stamp = now.astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    agreements = agreements or {}
    sequence = sequence or {}
    if kind is CalendarComponent.VTODO:
        listed = [o for o in obligations if o.state in OPEN or o.state is LegalState.FULFILLED]
    else:
        listed = list(obligations)
    for ob in sorted(listed, key=lambda o: (o.due, o.id)):
        description = _description(ob, agreements.get(ob.agreement_id))
        if kind is CalendarComponent.VTODO:
            cal.add_component(_todo(ob, stamp, description))
        else:
            cal.add_component(_event(ob, stamp, description, sequence.get(ob.id, 0)))
    feed: bytes = cal.to_ical()
    return feed
