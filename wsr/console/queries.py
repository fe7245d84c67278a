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

The parts, one job each (this module keeps the names the routes, tests and benchmarks import):
``_q_filters`` (the filters, paging and their SQL terms), ``_q_facts`` (agreement facts, access,
scope, choices), ``_q_list`` (a page of the list and the time overlay), ``_q_dashboard`` (the
counts and the chart), ``_q_detail`` (one obligation's page), ``_q_actions`` (its actions).
"""

from __future__ import annotations

from ._q_dashboard import Dashboard, Week, dashboard
from ._q_detail import ObligationDetail, obligation_detail
from ._q_facts import Choice, Choices, ClauseText
from ._q_filters import (
    CATEGORIES,
    CHART_WEEKS,
    DEFAULT_LIMIT,
    DUE_SOON_DAYS,
    MAX_LIMIT,
    Filters,
    parse_filters,
    parse_page,
)
from ._q_list import Page, obligations_page

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
