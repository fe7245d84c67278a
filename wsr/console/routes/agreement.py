"""The agreement page: parties, status, clauses, and the ways into its obligations, events,
what-if panel (the ``bundle`` and ``review`` streams add their links in the template's
``agreement_links`` block)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from obligations import ObligationService

from .._access import Action, Viewer, may_write, redact_event
from .._deps import get_now, get_service, get_viewer
from .._templates import render
from ._pagekit import seen_agreement

router = APIRouter(include_in_schema=False)

#: how many of the latest events the page lists
RECENT_EVENTS = 12


@router.get("/agreements/{agreement_id}")
def agreement_page(
    request: Request,
    agreement_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
        events = service.store.list_events(agreement_id)[-RECENT_EVENTS:]
    tracked, record = seen.tracked, seen.record
    return render(
        request,
        "pages/agreement.html",
        agreement={
            "id": tracked.id,
            "title": tracked.title,
            "status": tracked.status.value,
            "signed_on": tracked.signed_on.isoformat(),
            "effective_date": tracked.effective_date.isoformat(),
            "term_end": tracked.term_end.isoformat(),
            "terminated_on": tracked.terminated_on.isoformat() if tracked.terminated_on else "",
            "timezone": tracked.timezone,
            "currency": tracked.currency,
        },
        parties=record.parties,
        suppliers=record.suppliers,
        sections=[
            {
                "number": s.number,
                "title": s.title,
                "clause_id": s.clause_id,
                "clause_version": s.clause_version,
                "alternative": s.alternative,
                "alternative_kind": s.alternative_kind,
                "specs": len(s.obligations),
            }
            for s in record.sections
        ],
        events=[
            {
                "id": e.id,
                "type": e.type,
                "occurred_on": e.occurred_on.isoformat(),
                "supplier": redact_event(viewer, e.type, dict(e.payload)).get("supplier", ""),
            }
            for e in reversed(events)
        ],
        may={"events": may_write(viewer, Action.EVENTS)},
    )
