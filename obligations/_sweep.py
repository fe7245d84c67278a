"""What ``wsr sweep`` and ``wsr whatif`` report: plain values with their JSON documents.

The decisions are made elsewhere (``_advance`` for time, ``_rules`` for events); these only
say what a sweep changed, or how a hypothetical future differs from today's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from ._model import Event, Obligation, TrackedAgreement

#: the fields a what-if compares, in the order it shows them
COMPARED = ("state", "due", "timing", "amount", "paid", "flags")


@attrs.define(frozen=True, kw_only=True)
class AgreementChange:
    """An agreement whose status or term a sweep moved."""

    before: TrackedAgreement
    after: TrackedAgreement

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement_id": self.after.id,
            "status": {"before": self.before.status.value, "after": self.after.status.value},
            "term_end": {
                "before": self.before.term_end.isoformat(),
                "after": self.after.term_end.isoformat(),
            },
        }


@attrs.define(frozen=True, kw_only=True)
class SweepResult:
    """One sweep at ``now``: what it changed, for every tracked agreement (all in one
    transaction). Empty when a sweep at this ``now`` had already been applied."""

    now: datetime
    checked: int
    agreements: list[AgreementChange] = attrs.field(factory=list)
    created: list[Obligation] = attrs.field(factory=list)
    changed: list[Obligation] = attrs.field(factory=list)
    audit_entries: int = 0
    messages: list[str] = attrs.field(factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.agreements or self.created or self.changed or self.audit_entries)

    def counts(self) -> dict[str, int]:
        return {
            "agreements_checked": self.checked,
            "agreements_changed": len(self.agreements),
            "obligations_created": len(self.created),
            "obligations_changed": len(self.changed),
            "audit_entries": self.audit_entries,
        }

    def to_json(self) -> dict[str, Any]:
        """The ``wsr sweep --json`` document."""
        return {
            "now": self.now.isoformat(),
            "changed_anything": self.changed_anything,
            "counts": self.counts(),
            "agreements": [a.to_json() for a in self.agreements],
            "created": [o.to_view(self.now) for o in self.created],
            "changed": [o.to_view(self.now) for o in self.changed],
            "messages": list(self.messages),
        }


def _shown(ob: Obligation, name: str, now: datetime) -> Any:
    """One compared field as the JSON view shows it."""
    return ob.to_view(now)[name]


@attrs.define(frozen=True, kw_only=True)
class WhatIfChange:
    """An obligation that exists today and differs in the hypothetical future."""

    before: Obligation
    after: Obligation
    #: field → (today, then), as the JSON view shows them, for the fields in COMPARED
    fields: dict[str, tuple[Any, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.after.id,
            "spec_id": self.after.spec_id,
            "subject": self.after.subject,
            "changes": {k: {"before": b, "after": a} for k, (b, a) in self.fields.items()},
        }


def diff_obligations(
    today: Iterable[Obligation], then: Iterable[Obligation], now: datetime
) -> tuple[list[Obligation], list[WhatIfChange]]:
    """(created, changed) going from ``today``'s obligations to ``then``'s, both at ``now``."""
    before = {o.id: o for o in today}
    created: list[Obligation] = []
    changed: list[WhatIfChange] = []
    for ob in then:
        old = before.get(ob.id)
        if old is None:
            created.append(ob)
            continue
        fields = {
            name: (_shown(old, name, now), _shown(ob, name, now))
            for name in COMPARED
            if _shown(old, name, now) != _shown(ob, name, now)
        }
        if fields:
            changed.append(WhatIfChange(before=old, after=ob, fields=fields))
    return created, changed


@attrs.define(frozen=True, kw_only=True)
class Hypothetical:
    """An event a what-if records in memory: as ``wsr event TYPE --on ON --set k=v …``."""

    type: str
    on: str | date | datetime
    fields: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.define(frozen=True, kw_only=True)
class WhatIfResult:
    """Hypothetical events applied in memory on top of the stored state (nothing written)."""

    agreement: TrackedAgreement
    now: datetime
    events: list[Event]
    obligations: list[Obligation]
    created: list[Obligation]
    changed: list[WhatIfChange]
    messages: list[str] = attrs.field(factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``wsr whatif --json`` document."""
        return {
            "agreement_id": self.agreement.id,
            "now": self.now.isoformat(),
            "status": self.agreement.status.value,
            "events": [e.to_dict() for e in self.events],
            "obligations": [o.to_view(self.now) for o in self.obligations],
            "differences": {
                "created": [o.to_view(self.now) for o in self.created],
                "changed": [c.to_json() for c in self.changed],
            },
            "messages": list(self.messages),
        }


def ordered(obligations: Sequence[Obligation]) -> list[Obligation]:
    """Obligations in listing order: due instant, then id."""
    return sorted(obligations, key=lambda o: (o.due_at, o.id))
