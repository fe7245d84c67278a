"""How rules and decisions see obligations and hand back what they changed.

Rules are pure: they read through a :class:`Lookup` (the store in production, a list in
tests) and return an :class:`Outcome` — new and changed obligations, audit entries, messages —
that the service writes in one transaction. :class:`Work` collects an Outcome while rules run,
so a later rule sees what an earlier one did to the same obligation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from ._enums import OPEN, LegalState
from ._lifecycle import audit, birth, move
from ._model import AuditEntry, Obligation


class Lookup(Protocol):
    """Read access to one agreement's obligations (a store query, or a list in tests)."""

    def get(self, obligation_id: str) -> Obligation | None: ...

    def by_key(self, spec_id: str, subject: str | None, key: str) -> Obligation | None: ...

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        """Open obligations (of one subject, of some specs, due before an instant, in some of
        the open states, carrying none of some flags), by ``due_at`` then id."""
        ...


@attrs.define
class ListLookup:
    """A :class:`Lookup` over a list of obligations."""

    obligations: Sequence[Obligation]

    def get(self, obligation_id: str) -> Obligation | None:
        return next((o for o in self.obligations if o.id == obligation_id), None)

    def by_key(self, spec_id: str, subject: str | None, key: str) -> Obligation | None:
        return next(
            (
                o
                for o in self.obligations
                if o.spec_id == spec_id and o.subject == subject and o.key == key
            ),
            None,
        )

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        found = [
            o
            for o in self.obligations
            if o.state in OPEN
            and (subject is None or o.subject == subject)
            and (spec_ids is None or o.spec_id in spec_ids)
            and (due_before is None or o.due_at < due_before)
            and (states is None or o.state in states)
            and not (without_flags and o.flags.intersection(without_flags))
        ]
        return sorted(found, key=lambda o: (o.due_at, o.id))


@attrs.define(frozen=True, kw_only=True)
class Outcome:
    """What one event (or one decision) changes: new and changed obligations, log, messages."""

    created: list[Obligation] = attrs.field(factory=list)
    changed: list[Obligation] = attrs.field(factory=list)
    audit: list[AuditEntry] = attrs.field(factory=list)
    messages: list[str] = attrs.field(factory=list)


class Work:
    """Collects changes while rules run, so a later rule sees an earlier rule's result."""

    def __init__(self, lookup: Lookup, *, at: datetime, actor: str) -> None:
        self.lookup = lookup
        self.at = at
        self.actor = actor
        self.new: dict[str, Obligation] = {}
        self.changed: dict[str, Obligation] = {}
        self.audit: list[AuditEntry] = []
        self.messages: list[str] = []

    def current(self, ob: Obligation) -> Obligation:
        return self.new.get(ob.id) or self.changed.get(ob.id) or ob

    def get(self, obligation_id: str) -> Obligation | None:
        found = self.new.get(obligation_id) or self.changed.get(obligation_id)
        return found or self.lookup.get(obligation_id)

    def by_key(self, spec_id: str, subject: str | None, key: str) -> Obligation | None:
        for ob in self.new.values():
            if ob.spec_id == spec_id and ob.subject == subject and ob.key == key:
                return ob
        found = self.lookup.by_key(spec_id, subject, key)
        return None if found is None else self.current(found)

    def open(
        self,
        *,
        subject: str | None = None,
        spec_ids: Collection[str] | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        """Open obligations (of one subject, of some specs, due before an instant), as this
        work has left them (an instance's due instant never changes once it exists)."""
        if due_before is None and states is None and not without_flags:
            found_ = self.lookup.open(subject=subject, spec_ids=spec_ids)
        else:
            found_ = self.lookup.open(
                subject=subject,
                spec_ids=spec_ids,
                due_before=due_before,
                states=states,
                without_flags=without_flags,
            )
        # what this work created is all offered (a superset is harmless: the rules decide)
        seen = {o.id: self.current(o) for o in found_}
        for ob in self.new.values():
            if (
                (subject is None or ob.subject == subject)
                and (spec_ids is None or ob.spec_id in spec_ids)
                and (due_before is None or ob.due_at < due_before)
            ):
                seen[ob.id] = ob
        found = [o for o in seen.values() if o.state in OPEN]
        return sorted(found, key=lambda o: (o.due_at, o.id))

    def create(self, ob: Obligation, reason: str) -> Obligation:
        active, entries = birth(ob, at=self.at, actor=self.actor, reason=reason)
        self.new[active.id] = active
        self.audit.extend(entries)
        return active

    def update(self, before: Obligation, after: Obligation, *, action: str, reason: str) -> None:
        self._put(after)
        self.audit.append(
            audit(before, after, action=action, at=self.at, actor=self.actor, reason=reason)
        )

    def move(
        self, ob: Obligation, action: str, *, reason: str, changes: Mapping[str, Any] | None = None
    ) -> Obligation:
        after, entry = move(
            ob, action, at=self.at, actor=self.actor, reason=reason, changes=changes
        )
        self._put(after)
        self.audit.append(entry)
        return after

    def _put(self, ob: Obligation) -> None:
        if ob.id in self.new:
            self.new[ob.id] = ob
        else:
            self.changed[ob.id] = ob

    def outcome(self) -> Outcome:
        return Outcome(
            created=list(self.new.values()),
            changed=list(self.changed.values()),
            audit=self.audit,
            messages=self.messages,
        )
