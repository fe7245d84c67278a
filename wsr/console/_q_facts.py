"""The console's agreement facts and scope: each tracked agreement's record decoded once per
process (titles, buyers, suppliers, clauses, obligors, section texts — an agreement's id is the
hash of its record, so a record once read never changes), whether a viewer may see it
(remembered per role, brand and agreement), the filters' scope as a WHERE clause, the filter
choices, and the read-only unit of work every console query runs in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clauses import NotFound
from obligations import (
    ObligationService,
    ObligationStore,
)

from ._access import Viewer, may_see_agreement
from ._q_filters import MAX_SUPPLIER_CHOICES, Filters, _Where


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Choices:
    """The filter values the viewer may pick (only from agreements they may see)."""

    agreements: tuple[Choice, ...]
    buyers: tuple[Choice, ...]
    suppliers: tuple[Choice, ...]
    clauses: tuple[Choice, ...]
    obligors: tuple[Choice, ...]
    #: how many suppliers there are in all (``suppliers`` lists at most MAX_SUPPLIER_CHOICES)
    suppliers_total: int


@dataclass(frozen=True)
class ClauseText:
    clause_id: str
    clause_version: str
    section: str
    title: str
    #: (paragraph number, text) in order, as the tracked agreement's record gives them
    paragraphs: list[tuple[str, str]]


# -- agreement facts (decoded once per agreement and process) ----------------------------------


@dataclass(frozen=True)
class _Facts:
    id: str
    title: str
    record_json: str
    buyers: tuple[str, ...]
    suppliers: tuple[tuple[str, str], ...]
    clauses: tuple[tuple[str, str], ...]
    obligors: tuple[str, ...]
    #: section number -> the section's clause text
    sections: Mapping[str, ClauseText]


_FACTS: dict[str, _Facts] = {}
_SEES: dict[tuple[str, str | None, str], bool] = {}
_LOCK = threading.Lock()
_MAX_CACHED = 512


def _facts(agreement_id: str, title: str, record_json: str) -> _Facts:
    record = json.loads(record_json)
    parties = [p for p in record.get("parties", []) if isinstance(p, dict)]
    sections: dict[str, ClauseText] = {}
    clauses: list[tuple[str, str]] = []
    obligors: set[str] = set()
    for s in record.get("sections", []):
        sections[str(s.get("number"))] = ClauseText(
            clause_id=str(s.get("clause_id")),
            clause_version=str(s.get("clause_version", "")),
            section=str(s.get("number")),
            title=str(s.get("title", "")),
            paragraphs=[
                (str(p.get("number", "")), str(p.get("text", ""))) for p in s.get("paragraphs", [])
            ],
        )
        specs = s.get("obligations") or []
        if specs:
            clauses.append((str(s.get("clause_id")), str(s.get("title", ""))))
        obligors.update(str(o.get("obligor")) for o in specs if o.get("obligor"))
    return _Facts(
        id=agreement_id,
        title=title,
        record_json=record_json,
        buyers=tuple(sorted(str(p["name"]) for p in parties if p.get("role") == "buyer")),
        suppliers=tuple(
            (str(s["id"]), str(s.get("name", s["id"])))
            for s in record.get("suppliers", [])
            if isinstance(s, dict) and "id" in s
        ),
        clauses=tuple(clauses),
        obligors=tuple(sorted(obligors)),
        sections=sections,
    )


def _all_facts(
    store: ObligationStore, wakes: dict[str, datetime | None] | None = None
) -> list[_Facts]:
    """Every tracked agreement's facts, ordered by id (records read only the first time);
    ``wakes`` is given each agreement's stored wake (``agreements.wake_at``, read with it)."""
    out: list[_Facts] = []
    for head in store.agreement_heads():
        if wakes is not None:
            wakes[head.id] = head.wake_at
        found = _FACTS.get(head.id)
        if found is None:
            full = store.get_agreement(head.id)
            found = _facts(head.id, head.title, full.record_json)
            with _LOCK:
                if len(_FACTS) >= _MAX_CACHED:
                    _FACTS.clear()
                _FACTS[head.id] = found
        out.append(found)
    return out


def _sees(viewer: Viewer, facts: _Facts) -> bool:
    """:func:`may_see_agreement`, remembered per (role, brand, agreement): the record is
    immutable, and parsing it on every request would cost more than the queries."""
    key = (viewer.role.value, viewer.brand, facts.id)
    seen = _SEES.get(key)
    if seen is None:
        seen = may_see_agreement(viewer, facts.record_json)
        with _LOCK:
            if len(_SEES) >= 16 * _MAX_CACHED:
                _SEES.clear()
            _SEES[key] = seen
    return seen


def _store(source: ObligationService | ObligationStore) -> Any:
    store = source.store if isinstance(source, ObligationService) else source
    if not hasattr(store, "engine") or not hasattr(store, "connection"):
        raise TypeError("the console's queries need a SQL store (obligations.open_store)")
    return store


def _read(store: Any) -> Any:
    """A read-only unit of work on ``store`` and its connection."""
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(store.read())
    conn = stack.enter_context(store.connection(write=False))
    if conn.dialect.name == "postgresql":
        # each statement reads a few thousand index entries: starting parallel workers costs
        # more than it saves, and on a busy server far more (measured: bench_console)
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    return stack, conn


def _service(source: ObligationService | ObligationStore) -> ObligationService:
    return source if isinstance(source, ObligationService) else ObligationService(source)


def _scope(
    store: Any, viewer: Viewer, filters: Filters, wakes: dict[str, datetime | None]
) -> tuple[list[_Facts], list[_Facts], _Where]:
    """(the agreements the viewer sees, those in the filters' scope, the scope's WHERE);
    ``wakes`` is filled with every agreement's stored wake."""
    every = _all_facts(store, wakes)
    visible = [f for f in every if _sees(viewer, f)]
    scoped = visible
    if filters.agreement is not None:
        scoped = [f for f in scoped if f.id == filters.agreement]
        if not scoped:  # unknown, or another brand's: the same answer
            raise NotFound("agreement", filters.agreement, path="agreement")
    if filters.buyer is not None:
        scoped = [f for f in scoped if filters.buyer in f.buyers]
    where = _Where()
    if len(scoped) != len(every):
        where.add("agreement_id IN :agreements", agreements=[f.id for f in scoped] or ["-"])
        where.expanding.add("agreements")
    if filters.supplier is not None:
        where.add("subject = :supplier", supplier=filters.supplier)
    if filters.clause is not None:
        where.add("clause_id = :clause", clause=filters.clause)
    if filters.obligor is not None:
        where.add("obligor = :obligor", obligor=filters.obligor)
    return visible, scoped, where


_CHOICES: dict[tuple[tuple[str, ...], tuple[str, ...]], Choices] = {}


def _choices(visible: Sequence[_Facts], scoped: Sequence[_Facts]) -> Choices:
    """The filter choices, remembered per (visible, scoped) agreements: they come from the
    records alone, which never change."""
    key = (tuple(f.id for f in visible), tuple(f.id for f in scoped))
    found = _CHOICES.get(key)
    if found is None:
        found = _make_choices(visible, scoped)
        with _LOCK:
            if len(_CHOICES) >= _MAX_CACHED:
                _CHOICES.clear()
            _CHOICES[key] = found
    return found


def _make_choices(visible: Sequence[_Facts], scoped: Sequence[_Facts]) -> Choices:
    buyers = sorted({b for f in visible for b in f.buyers})
    suppliers: dict[str, str] = {}
    for f in scoped:
        for sid, name in f.suppliers:
            suppliers.setdefault(sid, name)
    clauses: dict[str, str] = {}
    for f in scoped:
        for cid, title in f.clauses:
            clauses.setdefault(cid, title)
    obligors = sorted({o for f in scoped for o in f.obligors})
    listed = sorted(suppliers.items())[:MAX_SUPPLIER_CHOICES]
    return Choices(
        agreements=tuple(Choice(f.id, f.title) for f in visible),
        buyers=tuple(Choice(b, b) for b in buyers),
        suppliers=tuple(Choice(sid, f"{name} ({sid})") for sid, name in listed),
        clauses=tuple(Choice(cid, title) for cid, title in sorted(clauses.items())),
        obligors=tuple(Choice(o, o.replace("_", " ")) for o in obligors),
        suppliers_total=len(suppliers),
    )
