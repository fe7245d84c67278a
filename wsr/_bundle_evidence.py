"""The bundle's evidence: which files are exhibits, how they are named, and which exhibit each
evidence decision of the audit log concerns.

An exhibit is one evidence link (a file stored by its SHA-256, attached to an obligation at an
instant), numbered ``E1``, ``E2``, … in the order submitted. Only the scope's obligations'
evidence is read (``list_evidence`` of each obligation that has any), never the whole store's.

A decision in the audit log (``evidence_accepted`` / ``evidence_rejected``) records the
obligation's evidence list before and after; the piece whose decision changed is the one
decided, and :func:`decided` names it by its exhibit, so each decision line of the chronology
says which file it was about. For a viewer who may not see confidential complaint material,
an exhibit of an obligation such an event created is withheld whole: its content, and its file
name and note wherever else they would appear as text (the audit log's reasons quote them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from obligations import AuditEntry, EvidenceRef, Obligation
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

#: why a withheld exhibit's content is not in a brand's bundle
WITHHELD_EXHIBIT = "withheld: confidential complaint material (the monitor holds the original)"


@attrs.frozen(kw_only=True)
class Exhibit:
    """One evidence file; ``content`` None when it is withheld from this viewer."""

    number: str
    filename: str
    sha256: str
    size: int
    obligation_id: str
    submitted_at: datetime
    note: str
    content: bytes | None
    withheld: str = ""

    @property
    def looks_like_pdf(self) -> bool:
        return self.content is not None and self.content.lstrip()[:5] == b"%PDF-"

    def zip_name(self) -> str:
        """Its name in the ZIP: the number, then the file name made safe for every system."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.filename).strip("._") or "file"
        return f"exhibits/{self.number}-{safe[:100]}"


class Redaction(Protocol):
    """What the bundle's redactor offers here (``wsr._bundle_redact._Redactor``)."""

    confidential_events: set[str]

    def text(self, value: str) -> str: ...

    def withhold(self, values: Sequence[str]) -> None: ...


def evidence_refs(
    store: SqlAlchemyObligationStore, in_scope: Sequence[Obligation]
) -> list[EvidenceRef]:
    """The evidence links of the scope's obligations: those whose evidence is not ``none``
    (an upload, a fulfilment with a file, a decision all move it) or whose record lists some."""
    refs: list[EvidenceRef] = []
    for ob in in_scope:
        if ob.evidence.value != "none" or ob.data.get("evidence"):
            refs.extend(store.list_evidence(ob.id))
    return refs


def _key(obligation_id: str, sha256: str, at: datetime | str | None) -> tuple[str, str, str]:
    when = at if isinstance(at, datetime) else _instant(at)
    return obligation_id, sha256, when.isoformat() if when is not None else ""


def _instant(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def make_exhibits(
    store: SqlAlchemyObligationStore,
    refs: Sequence[EvidenceRef],
    obligations: Mapping[str, Obligation],
    redact: Redaction,
) -> list[Exhibit]:
    """The exhibits as ``redact``'s viewer may see them; the file names and notes of withheld
    ones are withheld from every text of the bundle from here on."""
    out: list[Exhibit] = []
    hidden: list[str] = []
    ordered = sorted(refs, key=lambda r: (r.submitted_at, r.obligation_id))
    for n, ref in enumerate(ordered, 1):
        ob = obligations.get(ref.obligation_id)
        confidential = (
            ob is not None
            and ob.trigger_event_id is not None
            and ob.trigger_event_id in redact.confidential_events
        )
        if confidential:
            hidden += [ref.filename, ref.note]
        out.append(
            Exhibit(
                number=f"E{n}",
                filename=f"evidence {n}" if confidential else redact.text(ref.filename),
                sha256=ref.sha256,
                size=ref.size,
                obligation_id=ref.obligation_id,
                submitted_at=ref.submitted_at,
                note="" if confidential else redact.text(ref.note),
                content=None if confidential else store.evidence_content(ref.sha256),
                withheld=WITHHELD_EXHIBIT if confidential else "",
            )
        )
    redact.withhold(hidden)
    return out


class ExhibitIndex:
    """The exhibits by (obligation, SHA-256, instant submitted): what the audit log's
    evidence lists identify a piece by."""

    def __init__(self, exhibits: Sequence[Exhibit]) -> None:
        self._by = {_key(e.obligation_id, e.sha256, e.submitted_at): e for e in exhibits}

    def decided(self, entry: AuditEntry) -> Exhibit | None:
        """The exhibit an evidence decision (or upload) is about: the piece of the
        obligation's evidence list whose decision changed (or that is new)."""
        before = _pieces(entry.before)
        after = _pieces(entry.after)
        for i, piece in enumerate(after):
            old = before[i] if i < len(before) else None
            if old is None or old.get("decision") != piece.get("decision"):
                return self._by.get(
                    _key(
                        entry.obligation_id or "",
                        str(piece.get("sha256", "")),
                        piece.get("submitted_at"),
                    )
                )
        return None


def _pieces(snapshot: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    data = (snapshot or {}).get("data")
    pieces = data.get("evidence") if isinstance(data, Mapping) else None
    if not isinstance(pieces, list):
        return []
    return [p for p in pieces if isinstance(p, Mapping)]
