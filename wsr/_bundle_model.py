"""The arbitration bundle as values (:mod:`wsr._bundle` gathers them, :mod:`wsr._bundle_files`
writes them): a dated chronology :class:`Entry`, a :class:`Notice` served with its
:class:`Delivery` evidence, and the :class:`Bundle` itself — frozen, so what was read in one
snapshot of the store is what the PDF and the ZIP say.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ._bundle_evidence import Exhibit

if TYPE_CHECKING:
    from clauses import Agreement, SectionRec
    from obligations import Obligation, TrackedAgreement


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
