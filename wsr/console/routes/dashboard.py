"""The dashboard ``/``: counts at a glance, the filters, a page of obligations, and the chart of
deadlines per week over the coming weeks (server-rendered SVG, :mod:`wsr.console._chart`).

The data come from :func:`wsr.console.queries.dashboard` (the one read the page and
``/api/obligations`` share); the filter form is a plain GET (a bookmarkable URL), which htmx
turns into a refresh of the dashboard in place when it is there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from obligations import LegalState, ObligationService

from .. import queries
from .._access import Viewer
from .._chart import WeekBar, deadline_chart
from .._deps import get_now, get_service, get_viewer
from .._templates import render

router = APIRouter(include_in_schema=False)

#: the filters, in the order the form shows them (``show``, a count's category, is a link)
FILTERS = ("agreement", "buyer", "supplier", "clause", "obligor", "state")
PAGE = queries.DEFAULT_LIMIT
#: the counts at a glance: key, label
COUNTS = (
    ("due_soon", "due soon"),
    ("overdue", "overdue"),
    ("breach_suspected", "breach suspected"),
    ("in_cure", "in cure"),
    ("violated", "violated"),
)


def _href(filters: dict[str, str], **over: Any) -> str:
    merged = {**filters, **{k: str(v) for k, v in over.items()}}
    query = urlencode({k: v for k, v in merged.items() if v not in ("", None, "0")})
    return f"/?{query}" if query else "/"


def _choices(dash: queries.Dashboard) -> dict[str, list[tuple[str, str]]]:
    c = dash.choices
    return {
        "agreement": [(x.value, x.label) for x in c.agreements],
        "buyer": [(x.value, x.label) for x in c.buyers],
        "supplier": [(x.value, x.label) for x in c.suppliers],
        "clause": [(x.value, x.label) for x in c.clauses],
        "obligor": [(x.value, x.label) for x in c.obligors],
        "state": [("open", "open (any)")]
        + [(s.value, s.value.replace("_", " ")) for s in LegalState],
    }


@router.get("/")
def dashboard(
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    params = request.query_params
    filters = queries.parse_filters(params)
    limit, offset = queries.parse_page(None, params.get("offset"))
    dash = queries.dashboard(service, viewer, now=now, filters=filters, limit=limit, offset=offset)
    given = filters.params()
    narrowing = {k: v for k, v in given.items() if k != "show"}
    scope = ", ".join(f"{k} {v}" for k, v in narrowing.items()) or "all agreements you may see"
    counts = [
        {
            "key": key,
            "label": label,
            "count": dash.counts.get(key, 0),
            "href": _href(narrowing, show=key),
            "active": filters.show == key,
        }
        for key, label in COUNTS
    ]
    choices = _choices(dash)
    truncated = dash.choices.suppliers_total > len(dash.choices.suppliers)
    bars = [WeekBar(start=w.label, count=w.count) for w in dash.weeks]
    rows = dash.page.items
    showing = dict(COUNTS).get(filters.show or "", "")
    ctx: dict[str, Any] = {
        "counts": counts,
        "chart": Markup(
            deadline_chart(bars, title=f"Deadlines per week ({scope})", axis_label="week from")
        ),
        "weeks": len(bars),
        "filter_fields": [
            {
                "name": name,
                "label": name.capitalize(),
                "choices": choices.get(name, []),
                "value": given.get(name, ""),
                "text": name == "supplier" and truncated,
            }
            for name in FILTERS
        ],
        "show": filters.show or "",
        "showing": showing,
        "unshow_href": _href(narrowing),
        "rows": rows,
        "summary": (f"Only {showing}: o" if showing else "O")
        + f"bligations of {scope}, in due order",
        "as_of": dash.as_of.isoformat(timespec="minutes") if dash.as_of else "",
        "first_row": offset + 1 if rows else 0,
        "last_row": offset + len(rows),
        "prev_href": _href(given, offset=max(offset - limit, 0)) if offset else "",
        "next_href": _href(given, offset=offset + limit) if dash.page.has_more else "",
    }
    return render(request, "pages/dashboard.html", **ctx)
