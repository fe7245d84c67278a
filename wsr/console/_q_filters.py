"""The console's filters and paging: what a request narrows to (:class:`Filters`, checked at
construction so a bad value is an ``InputError`` naming its field), the page bounds, and the SQL
terms they become (:class:`_Where`, :func:`_list_where`) — one place, so the counts, the chart and
the list (``_q_dashboard``, ``_q_list``) and the projection's predicates (``_projection``) agree
on what each filter means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text

from clauses import InputError, Problem
from obligations import (
    LegalState,
)
from obligations.stores.tables import (
    JUDGED_SQL,
    OPEN_STATES_SQL,
    SUSPECTED_SQL,
    UTCDateTime,
)

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
#: suspected, not violated, not confirmed: the condition of ``ix_obligations_suspected``
#: (0011_judged), spelled as it is so both planners see the query implies it
_NOT_CONFIRMED = SUSPECTED_SQL
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
