"""The dashboard ``/``: counts at a glance, the filters, a page of obligations, and the chart of
deadlines per week over the coming weeks (server-rendered SVG, :mod:`wsr.console._chart`).

The data come from one query (:func:`dashboard_data`); the filter form is a plain GET (a
bookmarkable URL), which htmx turns into a partial refresh of the results when it is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from obligations import ObligationService
from obligations._calendar import local_date
from obligations._enums import LegalState

from .._access import Viewer, buyer_names, may_see_agreement, redact_view
from .._chart import WeekBar, deadline_chart, week_start
from .._deps import get_now, get_service, get_viewer
from .._templates import render

router = APIRouter(include_in_schema=False)

#: the filters, in the order the form shows them
FILTERS = ("agreement", "buyer", "supplier", "clause", "obligor", "state")
PAGE = 50
WEEKS = 12
#: the counts at a glance: key, label
COUNTS = (
    ("due_soon", "due soon"),
    ("overdue", "overdue"),
    ("breach_suspected", "breach suspected"),
    ("in_cure", "in cure"),
    ("violated", "violated"),
)


@dataclass
class DashData:
    counts: dict[str, int]
    choices: dict[str, list[tuple[str, str]]]
    rows: list[dict[str, Any]]
    has_next: bool
    weeks: list[WeekBar]
    total: int | None = None
    notes: list[str] = field(default_factory=list)


def _in_cure(view: dict[str, Any]) -> bool:
    return str(view.get("spec_id", "")).endswith(".cure") and view.get("state") in (
        "created",
        "in_effect",
        "suspended",
    )


def dashboard_data(
    service: ObligationService,
    viewer: Viewer,
    *,
    now: datetime,
    filters: dict[str, str],
    offset: int,
    limit: int,
) -> DashData:
    """Counts, filter choices, one page of obligations and the weekly deadlines, for what the
    viewer may see. Call inside a unit of work on the store."""
    agreements = [
        a for a in service.agreements(now=now) if may_see_agreement(viewer, a.record_json)
    ]
    buyers = {a.id: buyer_names(a.record_json) for a in agreements}
    views = []
    for a in agreements:
        views += [redact_view(viewer, v) for v in service.views(now=now, agreement_id=a.id)]
    choices = {
        "agreement": [(a.id, a.title) for a in agreements],
        "buyer": [(b, b) for b in sorted({b for bs in buyers.values() for b in bs})],
        "supplier": [(s, s) for s in sorted({v["subject"] for v in views if v.get("subject")})],
        "clause": [(c, c) for c in sorted({v["clause_id"] for v in views})],
        "obligor": [(o, o.replace("_", " ")) for o in sorted({v["obligor"] for v in views})],
        "state": [(s.value, s.value.replace("_", " ")) for s in LegalState],
    }

    def keep(v: dict[str, Any]) -> bool:
        return (
            (not filters.get("agreement") or v["agreement_id"] == filters["agreement"])
            and (not filters.get("buyer") or filters["buyer"] in buyers.get(v["agreement_id"], ()))
            and (not filters.get("supplier") or v.get("subject") == filters["supplier"])
            and (not filters.get("clause") or v["clause_id"] == filters["clause"])
            and (not filters.get("obligor") or v["obligor"] == filters["obligor"])
            and (not filters.get("state") or v["state"] == filters["state"])
        )

    found = sorted((v for v in views if keep(v)), key=lambda v: (v["due"], v["id"]))
    counts = {
        "due_soon": sum(v["timing"] == "due_soon" for v in found),
        "overdue": sum(v["timing"] == "overdue" for v in found),
        "breach_suspected": sum("breach_suspected" in v["flags"] for v in found),
        "in_cure": sum(_in_cure(v) for v in found),
        "violated": sum(v["state"] == "violated" for v in found),
    }
    tz = agreements[0].timezone if agreements else "UTC"
    today = local_date(now, tz)
    first = week_start(today)
    per_week = [0] * WEEKS
    flagged = [0] * WEEKS
    for v in found:
        if v["state"] not in ("created", "in_effect", "suspended"):
            continue
        due = date.fromisoformat(v["due"])
        k = (due - first).days // 7
        if due >= today and 0 <= k < WEEKS:
            per_week[k] += 1
            if "breach_suspected" in v["flags"] or _in_cure(v):
                flagged[k] += 1
    weeks = [
        WeekBar(start=first + timedelta(weeks=k), count=per_week[k], flagged=flagged[k])
        for k in range(WEEKS)
    ]
    return DashData(
        counts=counts,
        choices=choices,
        rows=found[offset : offset + limit],
        has_next=len(found) > offset + limit,
        weeks=weeks,
        total=len(found),
    )


def _href(filters: dict[str, str], **over: Any) -> str:
    merged = {**filters, **{k: str(v) for k, v in over.items()}}
    query = urlencode({k: v for k, v in merged.items() if v not in ("", None, "0")})
    return f"/?{query}" if query else "/"


@router.get("/")
def dashboard(
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    params = request.query_params
    filters = {k: params.get(k, "").strip() for k in FILTERS}
    try:
        offset = max(int(params.get("offset", "0")), 0)
    except ValueError:
        offset = 0
    with service.store.read():
        data = dashboard_data(service, viewer, now=now, filters=filters, offset=offset, limit=PAGE)
    active = {k: v for k, v in filters.items() if v}
    scope = ", ".join(f"{k} {v}" for k, v in active.items()) or "all agreements you may see"
    counts = [
        {
            "key": key,
            "label": label,
            "count": data.counts.get(key, 0),
            "href": _href(filters, **({"state": "violated"} if key == "violated" else {})),
        }
        for key, label in COUNTS
    ]
    shown_rows = len(data.rows)
    ctx = {
        "counts": counts,
        "chart": Markup(deadline_chart(data.weeks, title=f"Deadlines per week ({scope})")),
        "weeks": WEEKS,
        "filter_fields": [
            {
                "name": name,
                "label": name.capitalize(),
                "choices": data.choices.get(name, []),
                "value": filters[name],
            }
            for name in FILTERS
        ],
        "rows": data.rows,
        "summary": (
            f"{data.total} obligations ({scope})"
            if data.total is not None
            else f"Obligations ({scope})"
        ),
        "first_row": offset + 1 if shown_rows else 0,
        "last_row": offset + shown_rows,
        "prev_href": _href(filters, offset=max(offset - PAGE, 0)) if offset else "",
        "next_href": _href(filters, offset=offset + PAGE) if data.has_next else "",
    }
    return render(request, "pages/dashboard.html", **ctx)
