"""The arbitration bundle of an agreement, or of one obligation in dispute: gathering and redaction.

What an arbitrator (or counsel preparing for one) needs in one place: a dated chronology —
the events recorded, every change the audit log holds (state, deadline, evidence decisions,
breaches, powers), the notices served and the delivery evidence SendGrid's signed webhook
recorded for each, the evidence submitted —, the agreement as signed (its record and content
hash), the clause text, and the evidence files as exhibits with their SHA-256. This module
reads all of that from the store into a :class:`Bundle` value, as the viewer may see it;
:mod:`wsr._bundle_files` writes the PDF and the ZIP.

Redaction. ``viewer`` None is the monitor's full view. Otherwise every event's fields go
through :func:`wsr.console._access.redact_event` — the one rule of what a viewer may not see.
What it drops from an event decides two more things, so the rule still lives in one place:

* the values it dropped (a complainant reference, a confidential finding's text) are withheld
  wherever else they would appear as text: audit reasons quote event fields ("retaliation found
  on … (complainant_ref W-2)"), and notes and file names are typed by people;
* evidence for an obligation that such an event brought into being (a complaint's
  investigation, a retaliation watch) is listed by name-free number and SHA-256 but its content
  is withheld: those files are the complaint's confidential substance.

Reads never write: the obligations are shown as a read at ``now`` shows them, and nothing in
the store changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ._bundle_evidence import Exhibit, ExhibitIndex, evidence_refs, make_exhibits

if TYPE_CHECKING:
    from clauses import Agreement, SectionRec
    from obligations import AuditEntry, Event, Obligation, TrackedAgreement
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
    from wsr.console._access import Viewer

#: what a withheld value reads as
WITHHELD = "[withheld]"

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


@attrs.frozen(kw_only=True)
class Entry:
    """One dated line of the chronology."""

    at: datetime
    kind: str
    what: str
    detail: str = ""
    obligation_id: str | None = None
    actor: str = ""
    #: where it comes from: ``audit.<seq>``, ``events.<id>``, ``notices.<id>``, …
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "what": self.what,
            "detail": self.detail,
            "obligation_id": self.obligation_id,
            "actor": self.actor,
            "source": self.source,
        }


@attrs.frozen(kw_only=True)
class Delivery:
    event: str
    at: datetime
    message_id: str
    request_id: int
    verified: bool


@attrs.frozen(kw_only=True)
class Notice:
    id: str
    obligation_id: str
    step: str
    recipient: str
    due_on: str
    decided_at: datetime
    sent_at: datetime | None
    state: str
    provider: str
    provider_message_id: str
    sha256: str
    subject: str
    body_text: str
    deliveries: tuple[Delivery, ...]
    #: the message exactly as hashed (canonical JSON of to, subject, text, html): its SHA-256
    #: is the notice's own when nothing in it was withheld from this viewer
    document: bytes
    #: the stored text still hashes to the SHA-256 recorded when the notice was decided
    hash_matches: bool
    #: nothing in the message was withheld from this viewer
    verbatim: bool


@attrs.frozen(kw_only=True)
class Bundle:
    agreement: TrackedAgreement
    record: Agreement
    #: the obligation in dispute (None: the whole agreement)
    obligation: Obligation | None
    #: the obligations in scope as the bundle states them (:func:`_obligation_row`)
    obligations: tuple[dict[str, str], ...]
    sections: tuple[SectionRec, ...]
    chronology: tuple[Entry, ...]
    exhibits: tuple[Exhibit, ...]
    notices: tuple[Notice, ...]
    #: who it was prepared for, in words
    prepared_for: str
    redacted: bool
    generated_at: datetime

    @property
    def stem(self) -> str:
        tail = f"-{self.obligation.id}" if self.obligation is not None else ""
        return f"bundle-{self.agreement.id}{tail}"

    @property
    def title(self) -> str:
        if self.obligation is None:
            return f"Arbitration bundle — {self.agreement.title}"
        return f"Arbitration bundle — {self.obligation.title} ({self.obligation.id})"


# -- redaction ----------------------------------------------------------------------------------


class _Redactor:
    """The viewer's redaction: event fields through ``redact_event``, and what it dropped
    withheld from free text too."""

    def __init__(self, viewer: Viewer | None, events: Sequence[Event]) -> None:
        self.viewer = viewer
        self.confidential_events: set[str] = set()
        values: set[str] = set()
        if viewer is not None:
            from .console._access import redact_event

            for ev in events:
                fields = ev.to_dict()["payload"]
                shown = redact_event(viewer, ev.type, fields)
                dropped = [v for k, v in fields.items() if k not in shown or shown[k] != v]
                if dropped and ev.id is not None:
                    self.confidential_events.add(ev.id)
                values.update(_texts(dropped))
        # longest first, so a value that contains another is withheld whole
        self._values = sorted((v for v in values if v.strip()), key=len, reverse=True)

    @property
    def active(self) -> bool:
        return self.viewer is not None

    def fields(self, event: Event) -> dict[str, Any]:
        fields: dict[str, Any] = event.to_dict()["payload"]
        if self.viewer is None:
            return fields
        from .console._access import redact_event

        return redact_event(self.viewer, event.type, fields)

    def withhold(self, values: Sequence[str]) -> None:
        """Withhold these texts too (a withheld exhibit's file name and note)."""
        if self.viewer is None:
            return
        more = {v for v in values if v.strip()}
        self._values = sorted(set(self._values) | more, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._values:
            if secret in value:
                value = value.replace(secret, WITHHELD)
        return value


def _texts(values: Iterable[Any]) -> set[str]:
    out: set[str] = set()
    for v in values:
        if isinstance(v, Mapping):
            out |= _texts(v.values())
        elif isinstance(v, list | tuple):
            out |= _texts(v)
        elif v is not None and not isinstance(v, bool):
            out.add(str(v))
    return out


# -- gathering ----------------------------------------------------------------------------------


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


def _notices(
    store: SqlAlchemyObligationStore, agreement_id: str, obligation_ids: set[str] | None
) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from obligations.stores.tables import notice_events, notices, webhook_requests

    q = sa.select(notices).where(notices.c.agreement_id == agreement_id)
    q = q.order_by(notices.c.decided_at, notices.c.due_on, notices.c.id)
    out: list[dict[str, Any]] = []
    with store.connection(write=False) as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
        if obligation_ids is not None:
            rows = [r for r in rows if r["obligation_id"] in obligation_ids]
        for row in rows:
            events = conn.execute(
                sa.select(
                    notice_events.c.event,
                    notice_events.c.event_at,
                    notice_events.c.sg_message_id,
                    webhook_requests.c.id.label("request_id"),
                    webhook_requests.c.verified,
                )
                .join(webhook_requests, webhook_requests.c.id == notice_events.c.request_id)
                .where(notice_events.c.notice_id == row["id"])
                .order_by(notice_events.c.event_at, notice_events.c.id)
            )
            row["deliveries"] = [dict(e._mapping) for e in events]
            out.append(row)
    return out


def _notice(row: Mapping[str, Any], redact: _Redactor) -> Notice:
    import json

    from scheduler import message_sha256

    raw = {
        "to": row["recipient"],
        "subject": row["subject"],
        "text": row["body_text"],
        "html": row["body_html"],
    }
    shown = {k: None if v is None else redact.text(v) for k, v in raw.items()}
    document = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return Notice(
        document=document.encode("utf-8"),
        hash_matches=message_sha256(
            row["recipient"], row["subject"], row["body_text"], row["body_html"]
        )
        == row["sha256"],
        verbatim=shown == raw,
        id=row["id"],
        obligation_id=row["obligation_id"],
        step=row["step"],
        recipient=redact.text(
            f"{row['recipient_name']} <{row['recipient']}> ({row['recipient_role']})"
        ),
        due_on=row["due_on"].isoformat(),
        decided_at=row["decided_at"],
        sent_at=row["sent_at"],
        state=row["state"],
        provider=row["provider"] or "",
        provider_message_id=row["provider_message_id"] or "",
        sha256=row["sha256"],
        subject=redact.text(row["subject"]),
        body_text=redact.text(row["body_text"]),
        deliveries=tuple(
            Delivery(
                event=d["event"],
                at=d["event_at"],
                message_id=d["sg_message_id"],
                request_id=d["request_id"],
                verified=bool(d["verified"]),
            )
            for d in row["deliveries"]
        ),
    )


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


def _prepared_for(viewer: Viewer | None) -> str:
    if viewer is None:
        return "the monitor (the full record, nothing withheld)"
    from .console._access import sees_confidential

    brand = f", {viewer.brand}" if viewer.brand else ""
    who = f"{viewer.email} ({viewer.role.value}{brand})"
    if sees_confidential(viewer):
        return who
    return f"{who}; complainants' identities and confidential complaint details withheld"


def _obligation_row(ob: Obligation, redact: _Redactor) -> dict[str, str]:
    """What the bundle says about an obligation: chosen fields only (never ``data``, which
    holds the fields of the event that created it)."""
    amount = ""
    if ob.amount is not None:
        amount = str(ob.amount) + (f" (paid {ob.paid})" if ob.paid else "")
    return {
        "id": ob.id,
        "clause": f"{ob.clause_id} {ob.clause_version}, section {ob.section}",
        "title": redact.text(ob.title),
        "subject": redact.text(ob.subject or ""),
        "owed": f"{ob.obligor} → {ob.beneficiary}",
        "due": ob.due.isoformat(),
        "state": ob.state.value,
        "flags": ", ".join(sorted(ob.flags)),
        "amount": amount,
        "evidence": ob.evidence.value,
    }


def load_bundle(
    store: SqlAlchemyObligationStore,
    agreement_id: str,
    *,
    now: datetime,
    obligation_id: str | None = None,
    viewer: Viewer | None = None,
    allowed: Callable[[Viewer, str], None] | None = None,
) -> Bundle:
    """Everything the bundle shows, read in one snapshot of the store (nothing is written).

    ``NotFound`` for an unknown agreement (path ``AGREEMENT``) and an obligation that is not
    the agreement's (path ``--obligation``); ``allowed(viewer, record_json)`` may refuse the
    viewer (it raises) once the agreement is read.
    """
    from clauses import Agreement, InputError, NotFound
    from obligations import ObligationService

    with store.read():
        try:
            tracked = store.get_agreement(agreement_id)
        except NotFound:
            raise NotFound(
                "agreement", agreement_id, path="AGREEMENT", hint="see `wsr agreements`"
            ) from None
        if viewer is not None and allowed is not None:
            allowed(viewer, tracked.record_json)
        record = Agreement.from_json(tracked.record_json)
        service = ObligationService(store, actor="bundle")
        obligations = service.obligations(agreement_id=agreement_id, now=now)
        by_id = {o.id: o for o in obligations}
        events = store.list_events(agreement_id)
        entries = store.audit_entries(agreement_id)
        scope: Obligation | None = None
        if obligation_id is not None:
            scope = by_id.get(obligation_id)
            if scope is None:
                raise InputError.single(
                    "--obligation",
                    f"agreement {agreement_id} has no obligation {obligation_id!r}; see "
                    f"`wsr obligations --agreement {agreement_id}`",
                )
        redact = _Redactor(viewer, events)
        in_scope = [scope] if scope is not None else obligations
        ids = {o.id for o in in_scope}
        exhibits = make_exhibits(store, evidence_refs(store, in_scope), by_id, redact)
        notice_rows = _notices(store, agreement_id, ids if scope is not None else None)
    chronology = [
        _event_entry(ev, redact) for ev in events if scope is None or _concerns(ev, scope)
    ]
    chronology.extend(
        _audit_lines(
            [e for e in entries if scope is None or e.obligation_id in (None, scope.id)],
            redact,
            ExhibitIndex(exhibits),
        )
    )
    notices = [_notice(r, redact) for r in notice_rows]
    for notice in notices:
        chronology.extend(_notice_entries(notice))
    chronology.extend(_evidence_entry(ex) for ex in exhibits)
    chronology.sort(key=lambda e: (e.at, _KIND_ORDER.get(e.kind, 9)))
    if scope is not None:
        sections = tuple(s for s in record.sections if s.clause_id == scope.clause_id)
    else:
        sections = tuple(record.sections)
    return Bundle(
        agreement=tracked,
        record=record,
        obligation=scope,
        obligations=tuple(_obligation_row(o, redact) for o in in_scope),
        sections=sections,
        chronology=tuple(chronology),
        exhibits=tuple(exhibits),
        notices=tuple(notices),
        prepared_for=_prepared_for(viewer),
        redacted=redact.active,
        generated_at=now,
    )
