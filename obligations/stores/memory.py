"""An in-memory :class:`~obligations.abc.ObligationStore` for tests, demos and the trace runner.

Transactions copy the state when the outermost one begins and put the copy back if it fails,
so a failed unit of work leaves nothing behind — the same guarantee the SQL store gives. The
values are immutable, so shallow copies of the dicts are enough.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import attrs

from clauses import Conflict, NotFound

from .._audit import AuditHead, entry_mac, link, signed_head
from .._auditkey import AuditKey
from .._enums import LegalState
from .._model import AuditEntry, Event, EvidenceRef, Obligation, TrackedAgreement
from ..abc import Clock, ObligationStore


def _natural_key(ob: Obligation) -> tuple[str, str, str | None, str]:
    """(agreement, spec, subject, key): unique, as the SQL store's unique index makes it."""
    return (ob.agreement_id, ob.spec_id, ob.subject, ob.key)


class MemoryObligationStore(ObligationStore):
    """Dict-based store; not shared between processes, gone when the process ends."""

    def __init__(self, *, audit_key: AuditKey | None = None, clock: Clock | None = None) -> None:
        #: signs the chain; by default a key that lives and dies with this store
        self.audit_key = AuditKey.in_memory() if audit_key is None else audit_key
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._head = AuditHead(seq=0, hash=None)
        self._agreements: dict[str, TrackedAgreement] = {}
        self._obligations: dict[str, Obligation] = {}
        self._natural: dict[tuple[str, str, str | None, str], str] = {}
        self._events: list[tuple[int, Event]] = []
        self._audit: list[AuditEntry] = []
        self._blobs: dict[str, bytes] = {}
        self._evidence: list[EvidenceRef] = []
        self._depth = 0
        self._reading = 0
        #: agreements whose wake the current unit of work forgot (see ``unwoken``)
        self._unwoken: set[str] = set()

    @classmethod
    def seeded(
        cls,
        *,
        agreements: Sequence[TrackedAgreement],
        obligations: Sequence[Obligation],
        events: Sequence[Event],
    ) -> MemoryObligationStore:
        """A store holding copies of stored values as they are (ids kept, nothing validated
        again): the sandbox a what-if records its hypothetical events in. The audit log
        starts empty; the sandbox is thrown away."""
        store = cls()
        store._agreements = {a.id: a for a in agreements}
        for ob in obligations:
            store._obligations[ob.id] = ob
            store._natural[_natural_key(ob)] = ob.id
        store._events = list(enumerate(events, start=1))
        return store

    # -- unit of work ----------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {
            "_agreements": dict(self._agreements),
            "_obligations": dict(self._obligations),
            "_natural": dict(self._natural),
            "_events": list(self._events),
            "_audit": list(self._audit),
            "_blobs": dict(self._blobs),
            "_evidence": list(self._evidence),
            "_head": self._head,
        }

    @contextmanager
    def read(self) -> Iterator[None]:
        if self._depth:  # inside a unit of work: join it
            yield
            return
        self._reading += 1
        try:
            yield
        finally:
            self._reading -= 1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._reading:
            raise RuntimeError("a write inside a read-only unit of work: reads never write")
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        saved = self._state()
        self._depth = 1
        self._unwoken = set()
        try:
            yield
        except BaseException:
            for name, value in saved.items():
                setattr(self, name, value)
            raise
        finally:
            self._depth = 0

    # -- agreements ------------------------------------------------------------------------
    def add_agreement(self, agreement: TrackedAgreement) -> None:
        with self.transaction():
            if agreement.id in self._agreements:
                have = self._agreements[agreement.id]
                raise Conflict(
                    "agreement",
                    f"agreement {agreement.id} is already tracked (since "
                    f"{have.created_at.isoformat()}); nothing changed",
                )
            self._agreements[agreement.id] = attrs.evolve(agreement, wake_at=None)
            self._unwoken.add(agreement.id)

    def get_agreement(self, agreement_id: str) -> TrackedAgreement:
        try:
            return self._agreements[agreement_id]
        except KeyError:
            raise NotFound("agreement", agreement_id) from None

    def list_agreements(self) -> list[TrackedAgreement]:
        return [self._agreements[k] for k in sorted(self._agreements)]

    def update_agreement(self, agreement: TrackedAgreement) -> None:
        with self.transaction():
            self.get_agreement(agreement.id)
            self._agreements[agreement.id] = attrs.evolve(agreement, wake_at=None)
            self._unwoken.add(agreement.id)

    # -- wakes (obligations._wake) -----------------------------------------------------------
    def _forget_wakes(self, agreement_ids: Iterable[str]) -> None:
        for agreement_id in set(agreement_ids):
            have = self._agreements.get(agreement_id)
            if have is not None and have.wake_at is not None:
                self._agreements[agreement_id] = attrs.evolve(have, wake_at=None)
            self._unwoken.add(agreement_id)

    def unwoken(self) -> set[str]:
        return set(self._unwoken) if self._depth else set()

    def set_wakes(self, wakes: Mapping[str, datetime | None]) -> None:
        with self.transaction():
            for agreement_id, wake in wakes.items():
                have = self.get_agreement(agreement_id)
                self._agreements[agreement_id] = attrs.evolve(have, wake_at=wake)
            self._unwoken.difference_update(wakes)

    # -- obligations -----------------------------------------------------------------------
    def add_obligations(self, obligations: Sequence[Obligation]) -> None:
        with self.transaction():
            for ob in obligations:
                nat = _natural_key(ob)
                if ob.id in self._obligations or nat in self._natural:
                    raise Conflict("obligation", f"obligation {ob.id} already exists")
                self._obligations[ob.id] = ob
                self._natural[nat] = ob.id
            self._forget_wakes(ob.agreement_id for ob in obligations)

    def update_obligations(self, obligations: Sequence[Obligation]) -> None:
        with self.transaction():
            for ob in obligations:
                self.get_obligation(ob.id)
                self._obligations[ob.id] = ob
            self._forget_wakes(ob.agreement_id for ob in obligations)

    def get_obligation(self, obligation_id: str) -> Obligation:
        try:
            return self._obligations[obligation_id]
        except KeyError:
            raise NotFound("obligation", obligation_id) from None

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
        wanted = None if states is None else {LegalState(s) for s in states}
        excluded = frozenset(exclude_kinds or ())
        found = [
            ob
            for ob in self._obligations.values()
            if (agreement_id is None or ob.agreement_id == agreement_id)
            and (spec_id is None or ob.spec_id == spec_id)
            and (subject is None or ob.subject == subject)
            and (key is None or ob.key == key)
            and (wanted is None or ob.state in wanted)
            and (due_from is None or ob.due_at >= due_from)
            and (due_before is None or ob.due_at < due_before)
            and ob.kind not in excluded
        ]
        found.sort(key=lambda ob: (ob.due_at, ob.id))
        return found if limit is None else found[:limit]

    # -- events ----------------------------------------------------------------------------
    def add_event(self, event: Event) -> Event:
        with self.transaction():
            sequence = len(self._events) + 1
            stored = event.with_sequence(sequence)
            self._events.append((sequence, stored))
            self._forget_wakes([stored.agreement_id])
            return stored

    def list_events(self, agreement_id: str, *, type: str | None = None) -> list[Event]:
        rows = [
            (ev.occurred_at, seq, ev)
            for seq, ev in self._events
            if ev.agreement_id == agreement_id and (type is None or ev.type == type)
        ]
        rows.sort(key=lambda r: (r[0], r[1]))
        return [ev for _, _, ev in rows]

    # -- audit -----------------------------------------------------------------------------
    def append_audit(self, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
        if not entries:
            return []
        with self.transaction():
            last = self._audit[-1] if self._audit else None
            key = self.audit_key.load_or_create() if self._head.seq == 0 else self.audit_key.load()
            now = self.clock()
            if last is not None and last.recorded_at is not None and now < last.recorded_at:
                now = last.recorded_at
            linked = link(entries, last=last, recorded_at=now, key=key)
            self._audit.extend(linked)
            tip = linked[-1]
            assert tip.seq is not None
            self._head = signed_head(
                key, AuditHead(seq=tip.seq, hash=tip.hash, legacy_seq=self._head.legacy_seq)
            )
            return linked

    def audit_head(self) -> AuditHead:
        return self._head

    def sign_audit(self, key: bytes) -> int:
        with self.transaction():
            self._audit = [
                attrs.evolve(e, mac=entry_mac(key, e.seq, e.hash))
                for e in self._audit
                if e.seq is not None and e.hash is not None
            ]
            self._head = signed_head(key, self._head)
            return len(self._audit)

    def audit_entries(self, agreement_id: str | None = None) -> list[AuditEntry]:
        return [e for e in self._audit if agreement_id is None or e.agreement_id == agreement_id]

    def last_audit_at(self) -> datetime | None:
        return self._audit[-1].at if self._audit else None

    # -- evidence --------------------------------------------------------------------------
    def put_evidence(
        self,
        content: bytes,
        *,
        filename: str,
        obligation_id: str,
        note: str,
        submitted_at: datetime,
    ) -> EvidenceRef:
        with self.transaction():
            self.get_obligation(obligation_id)
            sha = hashlib.sha256(content).hexdigest()
            self._blobs.setdefault(sha, bytes(content))
            ref = EvidenceRef(
                sha256=sha,
                filename=filename,
                size=len(content),
                obligation_id=obligation_id,
                submitted_at=submitted_at,
                note=note,
            )
            self._evidence.append(ref)
            return ref

    def list_evidence(self, obligation_id: str) -> list[EvidenceRef]:
        return [r for r in self._evidence if r.obligation_id == obligation_id]

    def all_evidence(self) -> list[EvidenceRef]:
        return list(self._evidence)

    def evidence_content(self, sha256: str) -> bytes:
        """The stored bytes for a digest (NotFound if none)."""
        try:
            return self._blobs[sha256]
        except KeyError:
            raise NotFound("evidence", sha256) from None
