"""Deadlines as an RFC 5545 calendar feed (``wsr calendar``), one VTODO per obligation.

A VTODO rather than a VEVENT because a deadline is something to *do* by a date, and calendar
clients show to-dos with a due date and a done state. The feed is a pure function of the
obligations and ``now`` (DTSTAMP), so the same data gives byte-identical output and clients that
re-subscribe see stable UIDs (obligation id + ``@wsr-engine``) update in place rather than
duplicate. Open obligations are NEEDS-ACTION and fulfilled ones COMPLETED; obligations that were
violated, discharged or terminated are left out: there is nothing left to do by that date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from icalendar import Calendar, Todo

from ._enums import OPEN, LegalState
from ._model import Obligation, TrackedAgreement

PRODID = "-//WSR agreement engine//obligation deadlines//EN"
UID_DOMAIN = "wsr-engine"


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


def calendar_feed(
    obligations: Iterable[Obligation],
    *,
    now: datetime,
    agreements: Mapping[str, TrackedAgreement] | None = None,
    name: str = "WSR obligation deadlines",
) -> bytes:
    """The iCalendar text (bytes, CRLF line ends) for ``obligations`` as seen at ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    stamp = now.astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    agreements = agreements or {}
    listed = [o for o in obligations if o.state in OPEN or o.state is LegalState.FULFILLED]
    for ob in sorted(listed, key=lambda o: (o.due, o.id)):
        todo = Todo()
        todo.add("uid", f"{ob.id}@{UID_DOMAIN}")
        todo.add("dtstamp", stamp)
        todo.add("due", ob.due)
        todo.add("summary", _summary(ob))
        todo.add("description", _description(ob, agreements.get(ob.agreement_id)))
        todo.add("categories", [ob.kind, ob.clause_id])
        todo.add("last-modified", ob.updated_at)
        if ob.state is LegalState.FULFILLED:
            todo.add("status", "COMPLETED")
            todo.add("percent-complete", 100)
        else:
            todo.add("status", "NEEDS-ACTION")
            if "breach_suspected" in ob.flags:
                todo.add("priority", 1)
        cal.add_component(todo)
    feed: bytes = cal.to_ical()
    return feed
