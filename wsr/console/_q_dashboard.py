"""The console's dashboard: the counts at a glance and the chart of the coming weeks in ONE SQL
statement over the indexes of migration ``0007_queries``, shifted by the rows a sweep at ``now``
would create or change (:func:`_projected`), with the filter choices and a page of the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from obligations import (
    Obligation,
    ObligationService,
    ObligationStore,
)
from obligations.stores.tables import (
    IN_CURE_SQL,
    JUDGED_SQL,
    OPEN_STATES_SQL,
    UTCDateTime,
)

from . import _projection
from ._access import Viewer
from ._q_facts import Choices, _choices, _read, _scope, _store
from ._q_filters import (
    _NOT_CONFIRMED,
    CHART_WEEKS,
    DEFAULT_LIMIT,
    Filters,
    _list_where,
    _Where,
    parse_page,
)
from ._q_list import Page, _list_match, _obligations, _page, _time_overlay


@dataclass(frozen=True)
class Week:
    """Open obligations due in ``(start, end]`` (instants), labelled by the start's date."""

    start: datetime
    end: datetime
    count: int

    @property
    def label(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    filters: Filters
    #: category (CATEGORIES) -> how many
    counts: dict[str, int]
    choices: Choices
    page: Page
    #: the next CHART_WEEKS weeks from now
    weeks: list[Week]
    #: the business time of the last sweep a scheduler recorded (None: none recorded)
    as_of: datetime | None


def _figures(
    conn: Connection, where: _Where, now: datetime, *, by_supplier: bool
) -> tuple[dict[str, int], list[Week], datetime | None]:
    """The counts, the chart and the last sweep's time: ONE statement (a round trip costs as
    much as a figure), each figure a scalar subquery over its index."""
    bounds = [now + timedelta(days=7 * i) for i in range(CHART_WEEKS + 1)]
    params = {f"w{i}": b for i, b in enumerate(bounds)}
    w = _Where(list(where.terms), {**where.params, **params}, set(where.expanding))
    # One range count per figure, each answered from the covering index of the open rows
    # (SQLite is told so: for one agreement it would rather walk that agreement's due-order
    # index and read every row for its state; a supplier's own index is better still).
    source = "obligations"
    if conn.dialect.name == "sqlite" and not by_supplier:
        source = "obligations INDEXED BY ix_obligations_open_watch"
    ranges = ["due_at <= :w0 AND kind <> 'prohibition'"] + [
        f"due_at > :w{i} AND due_at <= :w{i + 1}" for i in range(CHART_WEEKS)
    ]
    parts = [f"(SELECT count(*) FROM {source} WHERE {w.sql(OPEN_STATES_SQL, r)})" for r in ranges]
    # the suspected and in cure rows: each count's own partial index (0011_judged: no
    # condition left to test per entry); the violated: ix_obligations_state_due_at
    parts += [
        f"(SELECT count(*) FROM obligations WHERE {w.sql(JUDGED_SQL, cond)})"
        for cond in (_NOT_CONFIRMED, IN_CURE_SQL, "state = 'violated'")
    ]
    parts.append("(SELECT max(last_now) FROM scheduler_heartbeats) AS last_now")
    stmt = w.statement("SELECT " + ", ".join(parts))
    row = conn.execute(stmt, w.params).one()
    counts = {
        "due_soon": int(row[1]),
        "overdue": int(row[0]),
        "breach_suspected": int(row[CHART_WEEKS + 1]),
        "in_cure": int(row[CHART_WEEKS + 2]),
        "violated": int(row[CHART_WEEKS + 3]),
    }
    chart = [
        Week(start=bounds[i], end=bounds[i + 1], count=int(row[i + 1])) for i in range(CHART_WEEKS)
    ]
    last = row[CHART_WEEKS + 4]
    as_of = None if last is None else _instant(last, conn)
    return counts, chart, as_of


def _instant(value: Any, conn: Connection) -> datetime:
    """A stored instant as read by ``max()`` (SQLite: its UTC text; PostgreSQL: aware)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    out = UTCDateTime().process_result_value(value, conn.dialect)
    assert out is not None
    return out


def _projected(
    conn: Connection,
    counts: dict[str, int],
    weeks: list[Week],
    overlay: Mapping[str, Obligation],
) -> tuple[dict[str, int], list[Week]]:
    """The counts and the chart with the stored versions of the overlaid rows taken out and
    the overlaid ones counted in."""
    if not overlay:
        return counts, weeks
    bounds = [w.start for w in weeks] + [weeks[-1].end]
    shifted, per_week = dict(counts), [w.count for w in weeks]
    stored = _obligations(conn, list(overlay))
    _projection.shift_figures(shifted, per_week, bounds, stored, overlay.values())
    return shifted, [
        Week(start=w.start, end=w.end, count=n) for w, n in zip(weeks, per_week, strict=True)
    ]


def dashboard(
    source: ObligationService | ObligationStore,
    viewer: Viewer,
    *,
    now: datetime,
    filters: Filters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Dashboard:
    """Counts at a glance, filter choices, a page of obligations and the deadlines per week
    for the coming :data:`CHART_WEEKS` weeks, for what ``viewer`` may see (a read)."""
    filters = filters or Filters()
    limit, offset = parse_page(limit, offset)
    store = _store(source)
    stack, conn = _read(store)
    with stack:
        wakes: dict[str, datetime | None] = {}
        visible, scoped, where = _scope(store, viewer, filters, wakes)
        overlay = _time_overlay(source, scoped, wakes, where, filters, now)
        counts, weeks, as_of = _figures(conn, where, now, by_supplier=filters.supplier is not None)
        counts, weeks = _projected(conn, counts, weeks, overlay)
        page = _page(
            conn,
            viewer,
            _list_where(where, filters, now),
            now=now,
            limit=limit,
            offset=offset,
            overlay=overlay,
            match=_list_match(filters, now),
        )
    return Dashboard(
        now=now,
        filters=filters,
        counts=counts,
        choices=_choices(visible, scoped),
        page=page,
        weeks=weeks,
        as_of=as_of,
    )
