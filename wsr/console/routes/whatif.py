"""The what-if panel: hypothetical events on an agreement, what each party would owe, by when.

A read: the engine's ``whatif`` applies the events to an in-memory copy of the agreement, so
nothing is written, whoever asks (a POST only because the rows are a form; it needs the CSRF
token like every page form, and no write permission).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from clauses import EVENTS
from obligations import Obligation, ObligationService, WhatIfResult

from .._access import Viewer, redact_view
from .._deps import csrf_check, get_now, get_service, get_viewer
from .._eventform import event_fields, event_types
from .._placed import place
from .._templates import render
from .._whatif import MAX_ROWS, Row, owed_by_party, rows_from_form, run_whatif
from ._pagekit import Seen, seen_agreement, shown, text_fields

router = APIRouter(include_in_schema=False)

#: what a changed obligation's difference shows, in this order
SHOWN_CHANGES = ("state", "due", "timing", "amount", "paid", "flags")


def _row_context(seen: Seen, row: Row, errors: list[Any] | None = None) -> dict[str, Any]:
    etype = EVENTS.get(row.type)
    fields = event_fields(
        row.type,
        currency=seen.tracked.currency,
        suppliers=seen.suppliers(),
        values=row.values,
        prefix=row.prefix,
    )
    names = [f"{row.prefix}type", f"{row.prefix}on", *(f.name for f in fields)]
    placed = place(errors or [], names, prefix=row.prefix)
    return {
        "index": row.index,
        "type": row.type,
        "on": row.on,
        "fields": fields,
        "type_help": etype.help if etype else "",
        "field_errors": placed.fields,
        "errors": placed.general,
    }


def _views(viewer: Viewer, obligations: list[Obligation], now: datetime) -> list[dict[str, Any]]:
    return [redact_view(viewer, o.to_view(now)) for o in obligations]


def _result_context(
    seen: Seen, viewer: Viewer, result: WhatIfResult, now: datetime
) -> dict[str, Any]:
    groups = [
        {"party": g.party, "role": g.role, "obligations": _views(viewer, g.obligations, now)}
        for g in owed_by_party(result.obligations, seen.record)
    ]
    changed = []
    for change in result.changed:
        diffs = [
            f"{name} {shown(change.fields[name][0])} → {shown(change.fields[name][1])}"
            for name in (*SHOWN_CHANGES, *sorted(set(change.fields) - set(SHOWN_CHANGES)))
            if name in change.fields
        ]
        changed.append(
            {
                "id": change.after.id,
                "title": change.after.title,
                "subject": change.after.subject,
                "what": "; ".join(diffs),
            }
        )
    return {
        "result": {"events": result.events, "status": result.agreement.status.value},
        "groups": groups,
        "created": _views(viewer, result.created, now),
        "changed": changed,
        "messages": result.messages,
    }


def _page(
    request: Request,
    seen: Seen,
    now: datetime,
    rows: list[dict[str, Any]],
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "pages/whatif.html",
        status_code=status_code,
        agreement=seen.head(),
        types=event_types(),
        rows=rows,
        now_shown=now.isoformat(timespec="minutes"),
        general=extra.pop("general", []),
        **extra,
    )


def _blank(seen: Seen, now: datetime, index: int = 0) -> Row:
    return Row(index=index, type="", on=seen.today(now).isoformat(), values={})


@router.get("/agreements/{agreement_id}/whatif")
def whatif_panel(
    request: Request,
    agreement_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
    return _page(request, seen, now, [_row_context(seen, _blank(seen, now))])


@router.get("/agreements/{agreement_id}/whatif/fields")
def whatif_row_fields(
    request: Request,
    agreement_id: str,
    row: int = 0,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    """One row's fields for its chosen type (htmx swaps them in)."""
    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
    index = min(max(row, 0), MAX_ROWS - 1)
    type_ = request.query_params.get(f"r{index}.type", "")
    ctx = _row_context(seen, Row(index=index, type=type_, on="", values={}))
    return render(
        request,
        "pages/_event_fields.html",
        fields=ctx["fields"],
        type_help=ctx["type_help"],
        field_errors={},
        fields_id=f"row-{index}-fields",
        is_determination=False,
    )


def _run(
    request: Request,
    viewer: Viewer,
    service: ObligationService,
    now: datetime,
    agreement_id: str,
    values: dict[str, str],
) -> Response:
    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
    rows = rows_from_form(values)
    if values.get("action") == "add" or not rows:
        shown_rows = [_row_context(seen, r) for r in rows]
        if len(rows) < MAX_ROWS:
            shown_rows.append(_row_context(seen, _blank(seen, now, len(rows))))
        return _page(request, seen, now, shown_rows)
    answer = run_whatif(service, agreement_id, now=now, rows=rows)
    if answer.result is None:
        by_row: dict[int, list[Any]] = {}
        for k, problem in answer.problems:
            by_row.setdefault(k, []).append(problem)
        shown_rows = [_row_context(seen, r, by_row.get(r.index)) for r in rows]
        general = [str(p) for p in by_row.get(-1, [])]
        return _page(request, seen, now, shown_rows, status_code=422, general=general)
    return _page(
        request,
        seen,
        now,
        [_row_context(seen, r) for r in rows],
        **_result_context(seen, viewer, answer.result, now),
    )


@router.post("/agreements/{agreement_id}/whatif")
async def whatif_run(
    request: Request,
    agreement_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
    _csrf: None = Depends(csrf_check),
) -> Response:
    values = text_fields(await request.form())
    values.pop("csrf_token", None)
    return await run_in_threadpool(_run, request, viewer, service, now, agreement_id, values)
