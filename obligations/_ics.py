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

What is listed (``docs/calendar-feeds.md``): every open obligation, whatever its date, and
the closed ones — fulfilled, violated, discharged, terminated — whose day is at most
``closed_days`` (90) before ``now`` or later. Calendar apps poll a subscribed feed every few
minutes and replace what they show with what it holds, so a feed of every deadline an
agreement ever had grew without end (88,000 events for one agreement) while its useful part is
what is open and what closed recently. An event that leaves the window is simply no longer in
the feed, which is how a subscribed calendar drops it (a subscription is a snapshot, not an
iTIP exchange: there is no CANCEL message to send). As VEVENTs, fulfilled and violated ones
stay on the day they concern (marked in the summary), and discharged or terminated ones are
``CANCELLED`` with a higher SEQUENCE while they are in the window, so a calendar that keeps
events shows them struck through rather than silently gone. As VTODOs, open obligations are
NEEDS-ACTION and fulfilled ones COMPLETED; violated, discharged and terminated ones are left
out: there is nothing left to do by that date.

How it is written. icalendar makes the envelope (the VCALENDAR and its properties) and is what
the tests parse the feed with; the events are written here, one content line at a time, with
the TEXT escaping (RFC 5545 §3.3.11) and the 75-octet folding (§3.1) icalendar itself applies.
Building an ``icalendar.Event`` per deadline cost about 2 ms (property objects, parameter
dictionaries and a character-by-character fold of every line): 97 % of a 100,000-deadline feed.
``tests/obligations/test_calendar_feed_bytes.py`` checks the output byte for byte against
icalendar's own ``Event``/``Todo`` serialisation, and the folding and escaping against
icalendar's on random text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from icalendar import Calendar

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


#: how many days back a closed deadline stays in the feed
CLOSED_DAYS = 90

_CLOSED_SHOWN = frozenset({LegalState.FULFILLED})


def listed(
    obligations: Iterable[Obligation],
    *,
    now: datetime,
    component: CalendarComponent | str = CalendarComponent.VEVENT,
    closed_days: int | None = CLOSED_DAYS,
) -> list[Obligation]:
    """The obligations a feed at ``now`` holds, in feed order (due date, then id): the open ones
    and the closed ones due at most ``closed_days`` before ``now``'s UTC date (all of them when
    None); as VTODOs only the open and the fulfilled ones."""
    kind = CalendarComponent(component)
    cutoff = None if closed_days is None else now.astimezone(UTC).date() - timedelta(closed_days)
    out = []
    for ob in obligations:
        if ob.state in OPEN:
            out.append(ob)
        elif kind is CalendarComponent.VTODO and ob.state not in _CLOSED_SHOWN:
            continue
        elif cutoff is None or ob.due >= cutoff:
            out.append(ob)
    out.sort(key=lambda o: (o.due, o.id))
    return out


# -- content lines ------------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """A TEXT value as icalendar's ``vText`` writes it (RFC 5545 §3.3.11; the same replacements
    in the same order, line ends of any kind becoming ``\\n``)."""
    return (
        text.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def fold(line: str) -> str:
    """``line`` folded as icalendar folds it: pieces of at most 74 octets joined by CRLF and a
    space, never splitting a UTF-8 character, and a piece that would end in ``\\`` or ``^``
    hands that character to the next one (so an escape is never cut in two). Done on the
    UTF-8 octets (a cut moves back over continuation octets), not character by character."""
    if line.isascii():
        if len(line) < 75:
            return line  # most lines: nothing to do
        data = line.encode("ascii")
    else:
        data = line.encode("utf-8")
        if len(data) < 75:
            return line
    pieces, i = [], 0
    while len(data) - i > 74:
        j = i + 74
        while data[j] & 0xC0 == 0x80:  # inside a character: cut before it
            j -= 1
        if data[j - 1] in _CARRIED:
            j -= 1
        pieces.append(data[i:j])
        i = j
    pieces.append(data[i:])
    return b"\r\n ".join(pieces).decode("utf-8")


#: the octets a folded piece never ends with (``\\`` and ``^``: escapes)
_CARRIED = frozenset(b"\\^")


def _day(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _instant(at: datetime) -> str:
    """An instant in UTC as icalendar writes one (``…Z``, whole seconds)."""
    at = at.astimezone(UTC)
    return f"{_day(at)}T{at.hour:02d}{at.minute:02d}{at.second:02d}Z"


def _event(ob: Obligation, stamp: str, description: str, sequence: int) -> list[str]:
    """A VEVENT's lines, in icalendar's order (its canonical ones, then alphabetical)."""
    lines = [
        "BEGIN:VEVENT",
        fold("SUMMARY:" + escape_text(_DONE_PREFIX.get(ob.state, "") + _summary(ob))),
        f"DTSTART;VALUE=DATE:{_day(ob.due)}",  # a date: an all-day event
        f"DTEND;VALUE=DATE:{_day(ob.due + timedelta(days=1))}",  # exclusive: the due day
        stamp,
        fold(f"UID:{escape_text(ob.id)}@{UID_DOMAIN}"),
        f"SEQUENCE:{sequence}",
        fold(f"CATEGORIES:{escape_text(ob.kind)},{escape_text(ob.clause_id)}"),
        fold("DESCRIPTION:" + escape_text(description)),
        f"LAST-MODIFIED:{_instant(ob.updated_at)}",
    ]
    if ob.state in (LegalState.DISCHARGED, LegalState.TERMINATED):
        lines.append("STATUS:CANCELLED")
    else:
        if ob.state in OPEN and "breach_suspected" in ob.flags:
            lines.append("PRIORITY:1")
        lines.append("STATUS:CONFIRMED")
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]  # a deadline, never shown as busy
    return lines


def _todo(ob: Obligation, stamp: str, description: str) -> list[str]:
    """A VTODO's lines, in icalendar's order (alphabetical: a VTODO has no canonical one)."""
    lines = [
        "BEGIN:VTODO",
        fold(f"CATEGORIES:{escape_text(ob.kind)},{escape_text(ob.clause_id)}"),
        fold("DESCRIPTION:" + escape_text(description)),
        stamp,
        f"DUE;VALUE=DATE:{_day(ob.due)}",
        f"LAST-MODIFIED:{_instant(ob.updated_at)}",
    ]
    if ob.state is LegalState.FULFILLED:
        lines += ["PERCENT-COMPLETE:100", "STATUS:COMPLETED"]
    else:
        if "breach_suspected" in ob.flags:
            lines.append("PRIORITY:1")
        lines.append("STATUS:NEEDS-ACTION")
    lines += [
        fold("SUMMARY:" + escape_text(_summary(ob))),
        fold(f"UID:{escape_text(ob.id)}@{UID_DOMAIN}"),
        "END:VTODO",
    ]
    return lines


def calendar_feed(
    obligations: Iterable[Obligation],
    *,
    now: datetime,
    agreements: Mapping[str, TrackedAgreement] | None = None,
    name: str = "WSR obligation deadlines",
    component: CalendarComponent | str = CalendarComponent.VEVENT,
    sequence: Mapping[str, int] | None = None,
    closed_days: int | None = CLOSED_DAYS,
) -> bytes:
    """The iCalendar text (bytes, CRLF line ends) for ``obligations`` as seen at ``now``.

    It holds what :func:`listed` keeps (``closed_days`` None: every obligation given).
    ``sequence`` gives each obligation's SEQUENCE (:func:`calendar_sequences`; 0 for one not
    in it); a VTODO feed has none.
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
    envelope: bytes = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert envelope.endswith(end)
    agreements = agreements or {}
    sequence = sequence or {}
    dtstamp = f"DTSTAMP:{_instant(stamp)}"
    lines: list[str] = []
    for ob in listed(obligations, now=now, component=kind, closed_days=closed_days):
        description = _description(ob, agreements.get(ob.agreement_id))
        if kind is CalendarComponent.VTODO:
            lines += _todo(ob, dtstamp, description)
        else:
            lines += _event(ob, dtstamp, description, sequence.get(ob.id, 0))
    if not lines:
        return envelope
    body = "\r\n".join(lines).encode("utf-8")
    return envelope[: -len(end)] + body + b"\r\n" + end
