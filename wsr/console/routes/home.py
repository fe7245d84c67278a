"""``/``: the agreements the viewer may see (a placeholder until the dashboard replaces it)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from obligations import ObligationService

from .._access import Viewer, buyer_names, may_see_agreement
from .._deps import get_now, get_service, get_viewer
from .._templates import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    with service.store.read():
        tracked = [
            a for a in service.agreements(now=now) if may_see_agreement(viewer, a.record_json)
        ]
    rows = [
        {
            "id": a.id,
            "title": a.title,
            "status": str(a.status),
            "buyers": ", ".join(sorted(buyer_names(a.record_json))),
            "signed_on": a.signed_on.isoformat(),
        }
        for a in tracked
    ]
    return render(request, "home.html", agreements=rows, now=now)
