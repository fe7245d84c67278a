"""The console's reads: the dashboard, the obligation list, one obligation's page — the ONE code
path the pages and the REST API (``/api/obligations``, ``/api/obligations/{id}``) both call.

What it shows: the obligations **as a sweep at ``now`` would leave them** (reads never write;
``wsr sweep`` is the one writer of time-driven change). The figures and the list are SQL over
the stored rows; the time step (``ObligationService.time_overlay``, for the agreements in the
viewer's scope only) says which rows a sweep at ``now`` would create or change, and
:mod:`wsr.console._projection` lays those over the counts, the chart and the page. An agreement
that is quiet at ``now`` (its stored ``wake_at`` has not come: nothing can change) costs
nothing, and when no agreement in scope is awake the reads are the SQL statements alone.

Fast on a million obligations: every figure is one SQL statement over an index of migration
``0007_queries`` (counts and the chart from the covering index of the open rows, the judged
rows from their partial index, a page of the list by walking a due-order index to its LIMIT);
nothing loads all rows, and the agreement records (for titles, parties, suppliers, clause
text) are decoded once per process and agreement — an agreement's id is the hash of its
record, so a record once read never changes. ``Dashboard.as_of`` is the business time of the
last sweep a scheduler recorded (what is stored; the page shows the projection at ``now``).

Access: every agreement is checked with :func:`wsr.console._access.may_see_agreement` (counsel
sees only its brand's) and every obligation view and history entry goes through
``redact_view``; an agreement or obligation the viewer may not see is reported exactly like
one that does not exist.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, text

from clauses import InputError, NotFound, Problem
from obligations import (
    LegalState,
    Obligation,
    ObligationService,
    ObligationStore,
    evidence_pieces,
)
from obligations.stores.tables import (
    JUDGED_SQL,
    OPEN_STATES_SQL,
    UTCDateTime,
    audit_log,
    notice_events,
    notices,
    obligations_from_rows,
)
from obligations.stores.tables import obligations as obligations_table

from . import _projection
from ._access import Action, Viewer, may_see_agreement, may_write, redact_view

__all__ = [
    "CATEGORIES",
    "CHART_WEEKS",
    "DEFAULT_LIMIT",
    "DUE_SOON_DAYS",
    "MAX_LIMIT",
    "Choice",
    "Choices",
    "ClauseText",
    "Dashboard",
    "Filters",
    "ObligationDetail",
    "Page",
    "Week",
    "dashboard",
    "obligation_detail",
    "obligations_page",
    "parse_filters",
    "parse_page",
]

#: the dashboard's counts at a glance, in the order shown (also the values of ``Filters.show``)
CATEGORIES: tuple[str, ...] = ("due_soon", "overdue", "breach_suspected", "in_cure", "violated")
DUE_SOON_DAYS = 7
CHART_WEEKS = 12
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: how many suppliers the filter choices list (an agreement may cover thousands: past this a
#: page offers a text field; the filter takes any supplier id)
MAX_SUPPLIER_CHOICES = 250

_STATES = frozenset(s.value for s in LegalState)
_NOT_CONFIRMED = (
    "flags LIKE '%\"breach_suspected\"%' AND state <> 'violated' "
    "AND flags NOT LIKE '%\"breach_confirmed\"%'"
)
_CURE = "spec_id LIKE '%.cure'"


# -- arguments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the dashboard and ``/api/obligations`` narrow to. ``agreement``, ``buyer``,
    ``supplier``, ``clause`` and ``obligor`` narrow everything (counts, chart, list);
    ``state`` (a legal state, or ``open``) and ``show`` (one of :data:`CATEGORIES`) narrow the
    list only, so the counts still say how many of each there are."""

    agreement: str | None = None
    buyer: str | None = None
    supplier: str | None = None
    clause: str | None = None
    obligor: str | None = None
    state: str | None = None
    show: str | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if self.state is not None and self.state != "open" and self.state not in _STATES:
            known = ", ".join(["open", *sorted(_STATES)])
            problems.append(Problem("state", f"{self.state!r} is not a state (known: {known})"))
        if self.show is not None and self.show not in CATEGORIES:
            problems.append(
                Problem("show", f"{self.show!r} is not one of: {', '.join(CATEGORIES)}")
            )
        if problems:
            raise InputError(problems)

    def params(self) -> dict[str, str]:
        """The filters that are set, as query-string parameters (for links and pagination)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


def parse_filters(params: Mapping[str, str | None]) -> Filters:
    """Filters from query parameters (blank values are no filter); InputError naming each."""
    names = ("agreement", "buyer", "supplier", "clause", "obligor", "state", "show")
    given = {n: (params.get(n) or "").strip() or None for n in names}
    return Filters(**given)


def parse_page(limit: int | str | None, offset: int | str | None) -> tuple[int, int]:
    """(limit, offset) checked: 1 ≤ limit ≤ :data:`MAX_LIMIT`, offset ≥ 0."""
    problems: list[Problem] = []

    def whole(value: int | str | None, path: str, default: int) -> int:
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            problems.append(Problem(path, "must be a whole number, e.g. 50"))
            return default

    lim, off = whole(limit, "limit", DEFAULT_LIMIT), whole(offset, "offset", 0)
    if not 1 <= lim <= MAX_LIMIT:
        problems.append(Problem("limit", f"must be between 1 and {MAX_LIMIT}"))
    if off < 0:
        problems.append(Problem("offset", "must not be negative"))
    if problems:
        raise InputError(problems)
    return lim, off


# -- results -------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ClauseText:
    clause_id: str
    clause_version: str
    section: str
    title: str
    #: (paragraph number, text) in order, as the tracked agreement's record gives them
    paragraphs: list[tuple[str, str]]


@dataclass(frozen=True)
class ObligationDetail:
    obligation: dict[str, Any]
    agreement: dict[str, Any]
    clause: ClauseText | None
    history: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    #: what the viewer may do now: action name -> what it acts on (see obligation_detail)
    actions: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        clause = None
        if self.clause is not None:
            clause = {
                "clause_id": self.clause.clause_id,
                "clause_version": self.clause.clause_version,
                "section": self.clause.section,
                "title": self.clause.title,
                "paragraphs": [{"number": n, "text": t} for n, t in self.clause.paragraphs],
            }
        return {
            "obligation": self.obligation,
            "agreement": self.agreement,
            "clause": clause,
            "history": self.history,
            "notices": self.notices,
            "evidence": self.evidence,
            "actions": self.actions,
        }


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


# -- the WHERE clause ------------------------------------------------------------------------------


@dataclass
class _Where:
    terms: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    expanding: set[str] = field(default_factory=set)

    def add(self, term: str, **params: Any) -> None:
        self.terms.append(term)
        self.params.update(params)

    def sql(self, *extra: str) -> str:
        terms = [*extra, *self.terms]
        return " AND ".join(terms) if terms else "1 = 1"

    def statement(self, sql: str) -> Any:
        stmt = text(sql)
        binds: list[Any] = [
            bindparam(n, expanding=True) for n in sorted(self.expanding) if n in self.params
        ]
        binds += [
            bindparam(n, type_=UTCDateTime)
            for n, v in self.params.items()
            if isinstance(v, datetime) and f":{n}" in sql
        ]
        return stmt.bindparams(*binds) if binds else stmt


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


def _list_where(where: _Where, filters: Filters, now: datetime) -> _Where:
    out = _Where(list(where.terms), dict(where.params), set(where.expanding))
    if filters.state == "open":
        out.add(OPEN_STATES_SQL)
    elif filters.state is not None:
        out.add("state = :state", state=filters.state)
    show = filters.show
    if show == "due_soon":
        out.add(OPEN_STATES_SQL)
        out.add("due_at > :now AND due_at <= :soon", now=now, soon=now + timedelta(DUE_SOON_DAYS))
    elif show == "overdue":
        out.add(OPEN_STATES_SQL)
        out.add("due_at <= :now AND kind <> 'prohibition'", now=now)
    elif show == "breach_suspected":
        out.add(JUDGED_SQL)
        out.add(_NOT_CONFIRMED)
    elif show == "in_cure":
        out.add(JUDGED_SQL)
        out.add(_CURE)
        out.add(OPEN_STATES_SQL)
    elif show == "violated":
        out.add("state = 'violated'")
    return out


# -- the queries -----------------------------------------------------------------------------------


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
    # the suspected, in cure and violated rows: their partial index
    parts += [
        f"(SELECT count(*) FROM obligations WHERE {w.sql(JUDGED_SQL, cond)})"
        for cond in (_NOT_CONFIRMED, f"{_CURE} AND {OPEN_STATES_SQL}", "state = 'violated'")
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


def _service(source: ObligationService | ObligationStore) -> ObligationService:
    return source if isinstance(source, ObligationService) else ObligationService(source)


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
    the exact rule, ``obligations._wake.quiet``; this only narrows what it is asked)."""
    awake = [f.id for f in scoped if (w := wakes.get(f.id)) is None or now >= w]
    if len(awake) < len(scoped):
        last = _store(source).last_audit_at()
        if last is not None and now < last:  # a read in the past of a later write
            awake = [f.id for f in scoped]
    if not awake:
        return {}
    everything = len(awake) == len(scoped) and "agreements" not in where.params
    found = _service(source).time_overlay(now=now, agreement_ids=None if everything else awake)
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


def _obligations(conn: Connection, ids: Sequence[str]) -> list[Obligation]:
    out: list[Obligation] = []
    ids = list(ids)
    for i in range(0, len(ids), 5000):  # within every driver's limit on bound parameters
        q = select(obligations_table).where(obligations_table.c.id.in_(ids[i : i + 5000]))
        out += obligations_from_rows(conn.execute(q).all())
    return out


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


# -- one obligation --------------------------------------------------------------------------------


def _history(conn: Connection, viewer: Viewer, obligation_id: str) -> list[dict[str, Any]]:
    q = (
        select(
            audit_log.c.seq,
            audit_log.c.at,
            audit_log.c.actor,
            audit_log.c.action,
            audit_log.c.reason,
            audit_log.c.before,
            audit_log.c.after,
        )
        .where(audit_log.c.obligation_id == obligation_id)
        .order_by(audit_log.c.seq)
    )
    out: list[dict[str, Any]] = []
    for r in conn.execute(q):
        before = json.loads(r.before) if r.before else None
        after = json.loads(r.after) if r.after else None
        out.append(
            redact_view(
                viewer,
                {
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "action": r.action,
                    "reason": r.reason,
                    "changes": _changes(before, after),
                },
            )
        )
    return out


#: the fields a history entry shows as before → after
_SHOWN = ("state", "flags", "evidence", "paid", "fulfilled_on", "late", "due")


def _changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in _SHOWN:
        b = None if before is None else before.get(name)
        a = None if after is None else after.get(name)
        if b != a:
            out[name] = {"before": b, "after": a}
    return out


def _notices(conn: Connection, obligation_id: str) -> list[dict[str, Any]]:
    q = (
        select(
            notices.c.id,
            notices.c.step,
            notices.c.recipient,
            notices.c.recipient_name,
            notices.c.recipient_role,
            notices.c.due_on,
            notices.c.decided_at,
            notices.c.subject,
            notices.c.sha256,
            notices.c.state,
            notices.c.attempts,
            notices.c.provider,
            notices.c.provider_message_id,
            notices.c.sent_at,
            notices.c.delivery,
            notices.c.delivered_at,
        )
        .where(notices.c.obligation_id == obligation_id)
        .order_by(notices.c.decided_at, notices.c.id)
    )
    found = [dict(r._mapping) for r in conn.execute(q)]
    if not found:
        return []
    ev = (
        select(notice_events.c.notice_id, notice_events.c.event, notice_events.c.event_at)
        .where(notice_events.c.notice_id.in_([n["id"] for n in found]))
        .order_by(notice_events.c.event_at, notice_events.c.id)
    )
    events: dict[str, list[dict[str, Any]]] = {}
    for r in conn.execute(ev):
        events.setdefault(r.notice_id, []).append({"event": r.event, "at": r.event_at.isoformat()})
    out = []
    for n in found:
        shown = {k: _json_value(v) for k, v in n.items()}
        shown["delivery_events"] = events.get(n["id"], [])
        out.append(shown)
    return out


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _actions(viewer: Viewer, ob: Obligation, now: datetime) -> dict[str, list[str]]:
    """What ``viewer`` may do to ``ob`` now, each by the write matrix and the engine's rules
    (the service still decides: this only says which buttons to offer)."""
    out: dict[str, list[str]] = {}
    suspected = "breach_suspected" in ob.flags
    confirmed = "breach_confirmed" in ob.flags or ob.state is LegalState.VIOLATED
    overdue = ob.state.value in ("created", "in_effect", "suspended") and (
        ob.kind != "prohibition" and now >= ob.due_at
    )
    if may_write(viewer, Action.EVIDENCE):
        out["evidence_add"] = [ob.id]
    if may_write(viewer, Action.EVIDENCE_DECISIONS):
        waiting = [str(p.number) for p in evidence_pieces(ob) if p.decision is None]
        if waiting:
            out["evidence_accept"] = waiting
            out["evidence_reject"] = waiting
    if may_write(viewer, Action.BREACH) and not confirmed:
        if suspected or overdue:
            out["breach_confirm"] = [ob.id]
        if suspected:
            out["breach_dismiss"] = [ob.id]
    if may_write(viewer, Action.WAIVE) and ob.state is LegalState.IN_EFFECT:  # discharge
        out["waive"] = [ob.id]
    # performance is recorded on an obligation in effect (the engine refuses one not settled
    # by a person's record, with its reason, beside the form)
    if may_write(viewer, Action.FULFIL) and ob.state is LegalState.IN_EFFECT:
        out["fulfil"] = [ob.id]
    if may_write(viewer, Action.POWERS):
        available = [
            str(p["id"])
            for p in ob.data.get("available_powers", ())
            if p.get("state") == "available"
        ]
        if available:
            out["power_exercise"] = available
    return out


def obligation_detail(
    source: ObligationService | ObligationStore,
    obligation_id: str,
    viewer: Viewer,
    *,
    now: datetime,
) -> ObligationDetail:
    """One obligation with the clause text and section it comes from, its audit history, its
    notices with their delivery events, its evidence with decisions, and the actions the viewer
    may take. ``NotFound`` for an obligation that does not exist or that the viewer may not
    see (the same answer)."""
    store = _store(source)
    stack, conn = _read(store)
    with stack:
        found = _obligations(conn, [obligation_id])
        ob = found[0] if found else None
        visible = [f for f in _all_facts(store) if _sees(viewer, f)]
        # as a sweep at now would leave it: the stored row's agreement stepped, or (an
        # instance the sweep would create, not stored yet) every agreement the viewer sees
        scope = [f.id for f in visible if ob is None or f.id == ob.agreement_id]
        if scope:
            ob = _service(source).time_overlay(now=now, agreement_ids=scope).get(obligation_id, ob)
        facts = None if ob is None else next((f for f in visible if f.id == ob.agreement_id), None)
        if ob is None or facts is None:
            raise NotFound("obligation", obligation_id)
        tracked = store.get_agreement(ob.agreement_id)
        history = _history(conn, viewer, ob.id)
        sent = _notices(conn, ob.id)
    return ObligationDetail(
        obligation=redact_view(viewer, ob.to_view(now)),
        agreement={
            "id": tracked.id,
            "title": tracked.title,
            "status": tracked.status.value,
            "buyers": list(facts.buyers),
        },
        clause=facts.sections.get(ob.section),
        history=history,
        notices=sent,
        evidence=[redact_view(viewer, p.to_json()) for p in evidence_pieces(ob)],
        actions=_actions(viewer, ob, now),
    )
