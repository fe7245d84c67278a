"""The interfaces the engine depends on; adapters live in :mod:`obligations.stores`.

The service talks only to :class:`ObligationStore`, so the in-memory store (tests, demos) and
the SQLAlchemy store (SQLite by default, PostgreSQL when shared) are interchangeable. A store
persists and finds; it never decides anything about obligations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import attrs

from ._audit import AuditHead
from ._auditkey import AuditKey
from ._enums import OPEN, LegalState
from ._model import AuditEntry, Event, EvidenceRef, Obligation, TrackedAgreement

#: a source of the current, timezone-aware time (services take one; domain code takes ``now``)
Clock = Callable[[], datetime]


class ObligationStore(ABC):
    """Persistence for tracked agreements, obligations, events, the audit chain and evidence.

    A store signs the audit chain with ``audit_key`` (kept outside the store) and stamps each
    entry's ``recorded_at`` from ``clock``, the wall clock no command option sets.
    """

    audit_key: AuditKey
    clock: Clock

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One unit of work: all of it is written or none of it; nested calls join the outer one."""

    def read(self) -> AbstractContextManager[None]:
        """A read-only unit of work: one consistent snapshot, no write lock, nothing written.

        Reads never write (``wsr obligations`` at any ``--now`` is a question), so they need
        not queue behind each other or behind a writer. A write attempted inside one is a bug
        and raises; a read opened inside a transaction joins it. The default is a plain
        transaction, for stores without a cheaper read.
        """
        return self.transaction()

    @abstractmethod
    def add_agreement(self, agreement: TrackedAgreement) -> None:
        """Store a newly tracked agreement; ``Conflict`` if its id is already tracked."""

    @abstractmethod
    def get_agreement(self, agreement_id: str) -> TrackedAgreement:
        """The agreement by id; ``NotFound("agreement", id)`` if it is not tracked."""

    @abstractmethod
    def list_agreements(self) -> list[TrackedAgreement]:
        """Every tracked agreement, ordered by id."""

    def agreement_heads(self) -> list[TrackedAgreement]:
        """Every tracked agreement, ordered by id, ``record_json`` left empty: for listings,
        which already hold the records (an id is the hash of its record, so it never changes).
        Never write one of these back."""
        return [attrs.evolve(a, record_json="") for a in self.list_agreements()]

    @abstractmethod
    def update_agreement(self, agreement: TrackedAgreement) -> None:
        """Replace a tracked agreement (status, term end); ``NotFound`` if it is not tracked."""

    @abstractmethod
    def add_obligations(self, obligations: Sequence[Obligation]) -> None:
        """Store new obligations; ``Conflict`` if an id already exists."""

    @abstractmethod
    def update_obligations(self, obligations: Sequence[Obligation]) -> None:
        """Replace existing obligations by id; ``NotFound`` if one does not exist."""

    @abstractmethod
    def get_obligation(self, obligation_id: str) -> Obligation:
        """The obligation by id; ``NotFound("obligation", id)`` if there is none."""

    @abstractmethod
    def find_obligations(
        self,
        *,
        agreement_id: str | None = None,
        spec_id: str | None = None,
        subject: str | None = None,
        key: str | None = None,
        states: Collection[LegalState] | None = None,
        due_from: datetime | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
        exclude_kinds: Collection[str] | None = None,
    ) -> list[Obligation]:
        """Obligations matching every given filter, ordered by ``due_at`` then id.

        ``due_from`` is inclusive and ``due_before`` exclusive, both compared with ``due_at``;
        ``exclude_kinds`` leaves out obligations of those kinds (e.g. ``prohibition``).
        """

    def period_subjects(
        self, agreement_id: str, spec_id: str, key: str, among: Collection[str | None]
    ) -> set[str | None]:
        """Which of the subjects ``among`` already have an instance of ``spec_id`` with ``key``
        (a period's first day): how the time step finds the recurring instances still missing.
        Asked by full natural key, so a SQL store answers with one index seek per subject."""
        wanted = set(among)
        return {
            o.subject
            for o in self.find_obligations(agreement_id=agreement_id, spec_id=spec_id, key=key)
            if o.subject in wanted
        }

    def open_of_specs(
        self,
        agreement_id: str | None,
        spec_ids: Collection[str],
        *,
        subject: str | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        """The open obligations of ``spec_ids`` in one agreement (in every agreement when
        None; of one subject and due before ``due_before``, if given), ordered by ``due_at``
        then id: what the time rules act on, asked on every read, so a SQL store answers it
        in one statement. ``states`` narrows the open states, ``without_flags`` leaves out
        instances carrying any of those flags."""
        found = [
            ob
            for spec_id in sorted(spec_ids)
            for ob in self.find_obligations(
                agreement_id=agreement_id,
                spec_id=spec_id,
                subject=subject,
                states=OPEN if states is None else OPEN & frozenset(states),
                due_before=due_before,
            )
            if not ob.flags.intersection(without_flags)
        ]
        return sorted(found, key=lambda o: (o.due_at, o.id))

    def first_open(
        self,
        agreement_id: str,
        spec_ids: Collection[str],
        *,
        due_from: datetime,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> Obligation | None:
        """The first (by ``due_at`` then id) open obligation of ``spec_ids`` in one agreement
        due at or after ``due_from``, as :meth:`open_of_specs` filters: what a time rule's next
        wake is computed from (``Rule.wakes_at``). A SQL store answers it with one indexed row."""
        later = [
            ob
            for ob in self.open_of_specs(
                agreement_id, spec_ids, states=states, without_flags=without_flags
            )
            if ob.due_at >= due_from
        ]
        return later[0] if later else None

    def set_wakes(self, wakes: Mapping[str, datetime | None]) -> None:
        """Store each agreement's next wake (``TrackedAgreement.wake_at``; None: unknown).

        Only the service calls it, with wakes it has just computed inside the same unit of
        work (``obligations._wake``). The default keeps nothing: every agreement stays
        unknown, so every read steps it — slower, never wrong."""
        return None

    def unwoken(self) -> set[str]:
        """The agreements whose wake this unit of work has forgotten (its obligations, events
        or row were written): the service computes a fresh wake for each before it commits.
        Every store forgets a wake on such a write, whoever writes (the safety net)."""
        return set()

    def periods_subjects(
        self, agreement_id: str, asks: Sequence[tuple[str, str, Collection[str | None]]]
    ) -> list[set[str | None]]:
        """:meth:`period_subjects` for each (spec_id, key, among) of ``asks``, in order.

        The time step asks this about the newest pending period of every recurring spec of an
        agreement at once, so a SQL store can answer them in one statement (one round trip)."""
        return [
            self.period_subjects(agreement_id, spec_id, key, among) for spec_id, key, among in asks
        ]

    def find_views(
        self,
        *,
        now: datetime,
        agreement_id: str | None = None,
        states: Collection[LegalState] | None = None,
        due_from: datetime | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
        exclude_kinds: Collection[str] | None = None,
    ) -> list[tuple[datetime, str, dict[str, Any]]]:
        """(due_at, id, ``to_view(now)``) for what :meth:`find_obligations` finds with the
        same filters, in its order: a listing printed as JSON. A store may build the views
        straight from its rows."""
        found = self.find_obligations(
            agreement_id=agreement_id,
            states=states,
            due_from=due_from,
            due_before=due_before,
            limit=limit,
            exclude_kinds=exclude_kinds,
        )
        return [(o.due_at, o.id, o.to_view(now)) for o in found]

    @abstractmethod
    def add_event(self, event: Event) -> Event:
        """Store an event; returns it with its id (see :meth:`Event.with_sequence`)."""

    @abstractmethod
    def list_events(self, agreement_id: str, *, type: str | None = None) -> list[Event]:
        """The agreement's events, ordered by ``occurred_at`` (then the order they were stored)."""

    @abstractmethod
    def append_audit(self, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
        """Append to the hash chain; returns the entries with seq, prev_hash and hash filled."""

    @abstractmethod
    def audit_entries(self, agreement_id: str | None = None) -> list[AuditEntry]:
        """The chain (or one agreement's entries), ordered by ``seq``."""

    def data_revision(self) -> int | None:
        """A number that is equal in two reads only if nothing was written between them, or
        None when this store cannot say (then nothing read from it may be reused)."""
        return None

    def agreement_revisions(self) -> dict[str, int] | None:
        """For each agreement, a number that is equal in two reads only if neither its row nor
        its obligations were written between them (an agreement missing from the dict: unknown),
        or None when this store cannot say. An agreement's time step reads nothing else, so a
        step computed at one revision serves every read at the same ``now`` and revision."""
        return None

    def last_audit_at(self) -> datetime | None:
        """When the newest audit entry is dated (None for an empty log): the log is in time
        order, so nothing may be recorded at an earlier ``now``."""
        entries = self.audit_entries()
        return entries[-1].at if entries else None

    @abstractmethod
    def audit_head(self) -> AuditHead:
        """The chain head as last appended (seq, hash, its signature)."""

    @abstractmethod
    def sign_audit(self, key: bytes) -> int:
        """Sign every entry and the head with ``key`` (``wsr audit rekey``); how many entries."""

    @abstractmethod
    def put_evidence(
        self,
        content: bytes,
        *,
        filename: str,
        obligation_id: str,
        note: str,
        submitted_at: datetime,
    ) -> EvidenceRef:
        """Store evidence content-addressed by sha256 (identical content is stored once)."""

    @abstractmethod
    def list_evidence(self, obligation_id: str) -> list[EvidenceRef]:
        """Evidence submitted for an obligation, oldest first."""

    @abstractmethod
    def all_evidence(self) -> list[EvidenceRef]:
        """Every evidence link in the store (``size`` -1 when the content row is missing)."""

    @abstractmethod
    def evidence_content(self, sha256: str) -> bytes:
        """The stored bytes for a digest (``NotFound`` if none)."""
