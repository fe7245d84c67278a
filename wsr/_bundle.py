"""The arbitration bundle of an agreement, or of one obligation in dispute: gathering and redaction.

What an arbitrator (or counsel preparing for one) needs in one place: a dated chronology —
the events recorded, every change the audit log holds (state, deadline, evidence decisions,
breaches, powers), the notices served and the delivery evidence SendGrid's signed webhook
recorded for each, the evidence submitted —, the agreement as signed (its record and content
hash), the clause text, and the evidence files as exhibits with their SHA-256. This module
reads all of that from the store into a :class:`Bundle` value, as the viewer may see it;
:mod:`wsr._bundle_files` writes the PDF and the ZIP. Its parts: ``_bundle_model`` (the values),
``_bundle_redact`` (the redactor), ``_bundle_chronology`` (the dated lines),
``_bundle_notices`` (the notices and their delivery evidence), ``_bundle_evidence`` (exhibits).

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

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ._bundle_chronology import (
    _KIND_ORDER,
    _audit_lines,
    _concerns,
    _event_entry,
    _evidence_entry,
    _notice_entries,
)
from ._bundle_evidence import Exhibit, ExhibitIndex, evidence_refs, make_exhibits
from ._bundle_model import Bundle, Delivery, Entry, Notice
from ._bundle_notices import _notice, _notices
from ._bundle_redact import WITHHELD, _prepared_for, _Redactor

if TYPE_CHECKING:
    from obligations import Obligation
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
    from wsr.console._access import Viewer

__all__ = ["WITHHELD", "Bundle", "Delivery", "Entry", "Exhibit", "Notice", "load_bundle"]


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
