"""The console's list (``/api/obligations`` and the dashboard's table): one page in due order
from a due-order index, with the rows a sweep at ``now`` would create or change laid over it
(:func:`_time_overlay`: the time step for the agreements in scope only, and none at all when
none of them is awake).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from obligations import (
    Obligation,
    ObligationService,
    ObligationStore,
)
from obligations.stores.tables import obligations as obligations_table
from obligations.stores.tables import (
    obligations_from_rows,
)

from . import _projection
from ._access import Viewer, redact_view
from ._overlay_cache import overlay_cache
from ._q_facts import _Facts, _read, _scope, _service, _store
from ._q_filters import DEFAULT_LIMIT, DUE_SOON_DAYS, Filters, _list_where, _Where, parse_page


@dataclass(frozen=True)
class Page:
    """One page of the list, in due order: ``Obligation.to_view`` documents, redacted."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    has_more: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "limit": self.limit,
            "offset": self.offset,
            "has_more": self.has_more,
        }


def _page(
    conn: Connection,
    viewer: Viewer,
    where: _Where,
    *,
    now: datetime,
    limit: int,
    offset: int,
    overlay: Mapping[str, Obligation] | None = None,
    match: Any = None,
) -> Page:
    """One page in due order: the ids from a due-order index (to LIMIT, no row read for the
    rows skipped), joined back to their rows, in ONE statement; with an ``overlay`` (the rows
    a sweep at ``now`` would create or change, in scope), the stored rows without those ids
    merged with the overlaid rows ``match`` keeps (:func:`_projection.merge_page`)."""

    def fetch(start: int, count: int) -> list[Obligation]:
        w = _Where(
            list(where.terms), {**where.params, "lim": count, "off": start}, set(where.expanding)
        )
        if overlay:
            w.add("id NOT IN :shadowed", shadowed=sorted(overlay))
            w.expanding.add("shadowed")
        ids = (
            f"SELECT id FROM obligations WHERE {w.sql()} ORDER BY due_at, id LIMIT :lim OFFSET :off"
        )
        columns = ", ".join(f"o.{c.name}" for c in obligations_table.columns)
        sql = (
            f"SELECT {columns} FROM obligations o JOIN ({ids}) page ON o.id = page.id "
            "ORDER BY o.due_at, o.id"
        )
        stmt = w.statement(sql).columns(*obligations_table.columns)
        return obligations_from_rows(conn.execute(stmt, w.params).all())

    if overlay:
        shown = {k: o for k, o in overlay.items() if match(o)}
        found, has_more = _projection.merge_page(fetch, shown, limit=limit, offset=offset)
    else:
        found = fetch(offset, limit + 1)
        has_more = len(found) > limit
        found = found[:limit]
    items = [redact_view(viewer, o.to_view(now)) for o in found]
    return Page(items=items, limit=limit, offset=offset, has_more=has_more)


def _time_overlay(
    source: ObligationService | ObligationStore,
    scoped: Sequence[_Facts],
    wakes: Mapping[str, datetime | None],
    where: _Where,
    filters: Filters,
    now: datetime,
) -> dict[str, Obligation]:
    """What a sweep at ``now`` would create or change in the filters' scope: the time step
    runs for the agreements in scope only (after the access filter), never for the others.

    The stored wakes read with the agreements' heads say which agreements may be awake (wake
    unknown or come); the others are passed by with no statement at all (the quiet case: the
    SQL alone, as fast as before the projection) unless ``now`` is before the newest audit
    entry, when the service decides for every one (``ObligationService.time_overlay`` applies
    the exact rule, ``obligations._wake.quiet``; this only narrows what it is asked).

    The step's result is kept for the next requests at the same ``now`` over the same rows
    (:mod:`wsr.console._overlay_cache`, keyed by the store's revision in this snapshot)."""
    awake = [f.id for f in scoped if (w := wakes.get(f.id)) is None or now >= w]
    if len(awake) < len(scoped):
        last = _store(source).last_audit_at()
        if last is not None and now < last:  # a read in the past of a later write
            awake = [f.id for f in scoped]
    if not awake:
        return {}
    everything = len(awake) == len(scoped) and "agreements" not in where.params
    asked = None if everything else tuple(sorted(awake))
    store = _store(source)
    revision = store.data_revision()  # in this read's snapshot, as the step's rows are
    cache = overlay_cache(store)

    def step() -> dict[str, Obligation]:
        return _service(source).time_overlay(now=now, agreement_ids=asked)

    def from_parts() -> dict[str, Obligation]:
        """The overlay from each agreement's part, kept apart by its own revision (read in
        this snapshot too): after a write only the agreements it wrote are stepped again."""
        revisions = store.agreement_revisions()
        if revisions is None:
            return step()
        ids = sorted(wakes) if asked is None else asked  # ``wakes`` holds every agreement
        parts: dict[str, dict[str, Obligation]] = {}
        for a in ids:
            kept = cache.part((a, r, now)) if (r := revisions.get(a)) is not None else None
            if kept is not None:
                parts[a] = kept
        missing = [a for a in ids if a not in parts]
        if missing:
            fresh = _service(source).time_overlay_parts(now=now, agreement_ids=missing)
            for a, part in fresh.items():
                if (r := revisions.get(a)) is not None:
                    cache.keep_part((a, r, now), part)
            parts.update(fresh)
        return {k: o for a in ids for k, o in parts[a].items()}

    found = step() if revision is None else cache.get((revision, now, asked), from_parts)
    agreements = frozenset(f.id for f in scoped)
    return {
        k: o
        for k, o in found.items()
        if _projection.in_scope(
            o,
            agreements=agreements,
            supplier=filters.supplier,
            clause=filters.clause,
            obligor=filters.obligor,
        )
    }


def _list_match(filters: Filters, now: datetime) -> Any:
    return _projection.list_match(filters.state, filters.show, now, DUE_SOON_DAYS)


def _obligations(conn: Connection, ids: Sequence[str]) -> list[Obligation]:
    out: list[Obligation] = []
    ids = list(ids)
    for i in range(0, len(ids), 5000):  # within every driver's limit on bound parameters
        q = select(obligations_table).where(obligations_table.c.id.in_(ids[i : i + 5000]))
        out += obligations_from_rows(conn.execute(q).all())
    return out


def obligations_page(
    source: ObligationService | ObligationStore,
    viewer: Viewer,
    *,
    now: datetime,
    filters: Filters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Page:
    """The dashboard's list alone (``/api/obligations``): the same filters, the same order."""
    filters = filters or Filters()
    limit, offset = parse_page(limit, offset)
    store = _store(source)
    stack, conn = _read(store)
    with stack:
        wakes: dict[str, datetime | None] = {}
        _visible, scoped, where = _scope(store, viewer, filters, wakes)
        return _page(
            conn,
            viewer,
            _list_where(where, filters, now),
            now=now,
            limit=limit,
            offset=offset,
            overlay=_time_overlay(source, scoped, wakes, where, filters, now),
            match=_list_match(filters, now),
        )
