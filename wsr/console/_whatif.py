"""The what-if panel's rows and its answer: who would owe what, by when.

Rows are posted as ``r<N>.type``, ``r<N>.on`` and ``r<N>.<field>`` (the event form's fields
with a prefix), so a panel of several hypothetical events is one plain form that works without
JavaScript. The engine's :meth:`ObligationService.whatif` does all the work in memory; this
module only reads the rows, runs it, and says which row an error belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clauses import Agreement, EngineError, Problem
from obligations import OPEN, Hypothetical, Obligation, ObligationService, WhatIfResult

from ._eventform import posted_fields

__all__ = ["Owed", "Row", "WhatIfAnswer", "owed_by_party", "rows_from_form", "run_whatif"]

#: at most this many hypothetical events in one panel (each is applied in memory)
MAX_ROWS = 20

_ROW_KEY = re.compile(r"^r(\d{1,3})\.type$")


@dataclass(frozen=True)
class Row:
    """One hypothetical event as posted (values are the raw inputs, kept for re-display)."""

    index: int
    type: str
    on: str
    values: Mapping[str, str]

    @property
    def prefix(self) -> str:
        return f"r{self.index}."

    def hypothetical(self) -> Hypothetical:
        fields = posted_fields(self.type, self.values, prefix=self.prefix)
        return Hypothetical(type=self.type, on=self.on, fields=fields)


def rows_from_form(form: Mapping[str, Any]) -> list[Row]:
    """The posted rows in index order, without those marked ``r<N>.remove``, renumbered
    from 0 so that the inputs and their errors line up on the page that comes back."""
    found: list[tuple[int, str]] = []
    for key in form:
        match = _ROW_KEY.match(key)
        if match:
            found.append((int(match.group(1)), str(form[key])))
    rows: list[Row] = []
    for old, type_ in sorted(found):
        if form.get(f"r{old}.remove"):
            continue
        new = len(rows)
        prefix_old, prefix_new = f"r{old}.", f"r{new}."
        values = {
            prefix_new + k[len(prefix_old) :]: str(v)
            for k, v in form.items()
            if k.startswith(prefix_old) and k not in (f"r{old}.type", f"r{old}.on")
        }
        rows.append(Row(index=new, type=type_, on=str(form.get(f"r{old}.on", "")), values=values))
        if len(rows) == MAX_ROWS:
            break
    return rows


@dataclass(frozen=True)
class Owed:
    """What one party would owe: its open obligations, soonest first."""

    party: str
    role: str
    obligations: list[Obligation]


def owed_by_party(obligations: Sequence[Obligation], record: Agreement) -> list[Owed]:
    """The open obligations grouped by obligor (named as the agreement names the party; a
    supplier obligation by the supplier's name), soonest due first."""
    names = {p.role: p.name for p in record.parties}
    suppliers = {s.id: s.name for s in record.suppliers}
    groups: dict[tuple[str, str], list[Obligation]] = {}
    for ob in obligations:
        if ob.state not in OPEN:
            continue
        if ob.obligor == "supplier" and ob.subject:
            party = suppliers.get(ob.subject, ob.subject)
        else:
            party = names.get(ob.obligor, ob.obligor.replace("_", " "))
        groups.setdefault((ob.obligor, party), []).append(ob)
    order = {"buyer": 0, "supplier": 1, "monitor": 2, "worker_organization": 3}
    return [
        Owed(party=party, role=role, obligations=sorted(obs, key=lambda o: (o.due_at, o.id)))
        for (role, party), obs in sorted(
            groups.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])
        )
    ]


@dataclass
class WhatIfAnswer:
    """The engine's answer, or the problems with the row they belong to (-1: the panel)."""

    result: WhatIfResult | None = None
    problems: list[tuple[int, Problem]] = field(default_factory=list)


def _problems(exc: EngineError) -> list[Problem]:
    found = getattr(exc, "problems", None)
    return list(found) if found else [Problem("", str(exc))]


def run_whatif(
    service: ObligationService, agreement_id: str, *, now: datetime, rows: Sequence[Row]
) -> WhatIfAnswer:
    """Run the rows as hypothetical events, in order; nothing is written.

    The engine stops at the first event it refuses without saying which it was; the rows
    before it were accepted, so the row is found by running the rows one more at a time
    (what-ifs are computed in memory, and a panel has at most :data:`MAX_ROWS` rows).
    """
    events = [row.hypothetical() for row in rows]
    try:
        return WhatIfAnswer(result=service.whatif(agreement_id, now=now, events=events))
    except EngineError as exc:
        first = exc
    for k in range(len(events)):
        try:
            service.whatif(agreement_id, now=now, events=events[: k + 1])
        except EngineError as exc:
            return WhatIfAnswer(problems=[(k, p) for p in _problems(exc)])
    return WhatIfAnswer(problems=[(-1, p) for p in _problems(first)])
