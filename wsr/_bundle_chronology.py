"""The bundle's chronology lines: the events recorded, the audit log's changes (an obligation's
birth read as one line, evidence decisions naming their exhibit), the notices served with their
delivery evidence, the evidence submitted — each an :class:`~wsr._bundle_model.Entry`, its
free text through the viewer's redactor; and the order of lines that share an instant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._bundle_evidence import Exhibit, ExhibitIndex
from ._bundle_model import Entry, Notice
from ._bundle_redact import _Redactor

if TYPE_CHECKING:
    from obligations import AuditEntry, Event, Obligation

#: the order of entries that share an instant: what happened, then what the engine did with it
_KIND_ORDER = {
    "agreement": 0,
    "event": 1,
    "change": 2,
    "evidence": 3,
    "decision": 4,
    "notice": 5,
    "delivery": 6,
}

#: audit actions that are a person's decision about evidence (the console's evidence review)
_EVIDENCE_DECISIONS = frozenset({"evidence_accepted", "evidence_rejected"})
#: the audit actions whose chronology line names the exhibit concerned: the decisions, and
#: the filings (an upload, a fulfilment with a file)
_NAMING = _EVIDENCE_DECISIONS | {"evidence_submitted", "fulfilled"}
#: the obligation fields a chronology entry reports the change of
_CHANGED = ("state", "due", "evidence", "flags", "paid")


def _fmt(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, Mapping) and "value" in value and "currency" in value:
        return f"{value['value']} {value['currency']}"
    return "—" if value is None or value == "" else str(value)


def _change_detail(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    if before is None:
        parts = [f"state {_fmt(after.get('state'))}", f"due {_fmt(after.get('due'))}"]
        if after.get("amount") is not None:
            parts.append(f"amount {_fmt(after.get('amount'))}")
        return "; ".join(parts)
    return "; ".join(
        f"{key} {_fmt(before.get(key))} → {_fmt(after.get(key))}"
        for key in _CHANGED
        if before.get(key) != after.get(key)
    )


def _named(snapshot: Mapping[str, Any] | None) -> str:
    """An obligation as a chronology line names it: its title and subject."""
    if snapshot is None:
        return ""
    subject = snapshot.get("subject")
    return f": {snapshot.get('title', '')}" + (f" — {subject}" if subject else "")


def _audit_lines(
    entries: Sequence[AuditEntry], redact: _Redactor, exhibits: ExhibitIndex | None = None
) -> list[Entry]:
    """The audit log as chronology lines. An obligation's birth is two entries (created, then
    in effect at the same instant); they read as one line. An evidence line names its exhibit
    (number, file as shown, SHA-256) when ``exhibits`` has it."""
    out: list[Entry] = []
    born: dict[str, AuditEntry] = {}
    for entry in entries:
        if entry.action == "created" and entry.obligation_id is not None:
            born[entry.obligation_id] = entry
            continue
        first = born.pop(entry.obligation_id or "", None)
        if first is not None and entry.action == "activated" and entry.at == first.at:
            line = _audit_entry(first, redact)
            assert line is not None
            out.append(attrs.evolve(line, what="created, in effect" + line.what[len("created") :]))
            continue
        if first is not None:
            out.append(_audit_entry(first, redact))  # type: ignore[arg-type]
        line = _audit_entry(entry, redact, exhibits)
        if line is not None:
            out.append(line)
    out.extend(_audit_entry(first, redact) for first in born.values())  # type: ignore[misc]
    return out


def _audit_entry(
    entry: AuditEntry, redact: _Redactor, exhibits: ExhibitIndex | None = None
) -> Entry | None:
    action = entry.action
    if action == "event_recorded":
        return None  # the event itself is in the chronology, dated when it happened
    what = action.replace("_", " ") + _named(entry.after)
    detail = ""
    kind = "agreement" if entry.obligation_id is None else "change"
    if entry.obligation_id is not None and entry.after is not None:
        detail = _change_detail(entry.before, entry.after)
        evidence_moved = entry.before is not None and entry.before.get(
            "evidence"
        ) != entry.after.get("evidence")
        if action in _EVIDENCE_DECISIONS or (evidence_moved and action != "fulfilled"):
            kind = "decision"
        named = exhibits.decided(entry) if exhibits is not None and action in _NAMING else None
        if named is not None:
            verb = action.removeprefix("evidence_").replace("_", " ")
            what = f"evidence {named.number} {verb}: {named.filename}" + _named(entry.after)
            detail = f"SHA-256 {named.sha256}" + (f"; {detail}" if detail else "")
    if action.startswith("notice_"):
        kind = "notice"
    if entry.reason:
        detail = f"{detail}. Reason: {entry.reason}" if detail else f"Reason: {entry.reason}"
    return Entry(
        at=entry.at,
        kind=kind,
        what=redact.text(what),
        detail=redact.text(detail),
        obligation_id=entry.obligation_id,
        actor=redact.text(entry.actor),
        source=f"audit.{entry.seq}",
    )


def _event_entry(event: Event, redact: _Redactor) -> Entry:
    fields = redact.fields(event)
    detail = "; ".join(f"{k}: {_fmt(v)}" for k, v in sorted(fields.items()))
    recorded = f"recorded {event.recorded_at.isoformat(timespec='seconds')}"
    return Entry(
        at=event.occurred_at,
        kind="event",
        what=event.type.replace("_", " ") + f" on {event.occurred_on.isoformat()}",
        detail=redact.text(f"{detail}; {recorded}" if detail else recorded),
        source=f"events.{event.id}",
    )


def _concerns(event: Event, ob: Obligation) -> bool:
    """Whether an event belongs in the bundle of one obligation: the event that created it,
    an event naming it (a payment), or one about its subject (a supplier's purchases and
    suspensions); an obligation of the whole agreement takes every event."""
    if event.id is not None and event.id == ob.trigger_event_id:
        return True
    values = event.payload.values()
    if ob.id in values:
        return True
    return ob.subject is None or event.payload.get("supplier") == ob.subject


def _notice_entries(notice: Notice) -> list[Entry]:
    served = notice.sent_at or notice.decided_at
    state = "sent" if notice.sent_at else notice.state
    by = f" via {notice.provider} ({notice.provider_message_id})" if notice.provider else ""
    out = [
        Entry(
            at=served,
            kind="notice",
            what=f"notice {notice.step} {state} to {notice.recipient}",
            detail=f"“{notice.subject}”; due {notice.due_on}{by}; SHA-256 {notice.sha256}",
            obligation_id=notice.obligation_id,
            source=f"notices.{notice.id}",
        )
    ]
    for d in notice.deliveries:
        how = "verified (ECDSA)" if d.verified else "NOT verified"
        out.append(
            Entry(
                at=d.at,
                kind="delivery",
                what=f"{d.event} — notice {notice.id[:12]}",
                detail=f"SendGrid message {d.message_id}; webhook request #{d.request_id}, {how}",
                obligation_id=notice.obligation_id,
                source=f"notice_events.{notice.id}",
            )
        )
    return out


def _evidence_entry(ex: Exhibit) -> Entry:
    note = f"; note: {ex.note}" if ex.note else ""
    return Entry(
        at=ex.submitted_at,
        kind="evidence",
        what=f"evidence {ex.number} submitted: {ex.filename}",
        detail=f"SHA-256 {ex.sha256}; {ex.size} bytes{note}",
        obligation_id=ex.obligation_id,
        source=f"evidence.{ex.sha256[:16]}",
    )
