"""The REST API's core: agreements, their events, obligations, the clause library, notices.

JSON over HTTP; every answer goes through the access policy (:mod:`wsr.console._access`):
counsel sees only its brand's agreements, and confidential complaint details are removed by
``redact_event`` / ``redact_view``. Errors: ``{"errors": [{"path", "message"}]}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from obligations import ObligationService

from .._access import Viewer, buyer_names, may_see_agreement
from .._deps import check_agreement, get_now, get_service, get_viewer

router = APIRouter(prefix="/api", tags=["core"])


class AgreementOut(BaseModel):
    id: str
    title: str
    status: str
    timezone: str
    currency: str
    signed_on: str
    effective_date: str
    term_end: str
    terminated_on: str | None = None
    buyers: list[str]


def _agreement(tracked: Any) -> AgreementOut:
    return AgreementOut(
        id=tracked.id,
        title=tracked.title,
        status=str(tracked.status),
        timezone=tracked.timezone,
        currency=tracked.currency,
        signed_on=tracked.signed_on.isoformat(),
        effective_date=tracked.effective_date.isoformat(),
        term_end=tracked.term_end.isoformat(),
        terminated_on=tracked.terminated_on.isoformat() if tracked.terminated_on else None,
        buyers=sorted(buyer_names(tracked.record_json)),
    )


@router.get("/agreements", response_model=list[AgreementOut])
def list_agreements(
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> list[AgreementOut]:
    """The tracked agreements the viewer may see, with their status at the console's now."""
    with service.store.read():
        tracked = service.agreements(now=now)
    return [_agreement(a) for a in tracked if may_see_agreement(viewer, a.record_json)]


@router.get("/agreements/{agreement_id}", response_model=AgreementOut)
def get_agreement(
    agreement_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> AgreementOut:
    with service.store.read():
        found = next((a for a in service.agreements(now=now) if a.id == agreement_id), None)
        if found is None:
            service.store.get_agreement(agreement_id)  # raises NotFound with the store's words
            raise AssertionError("unreachable")
    check_agreement(viewer, agreement_id, found.record_json)
    return _agreement(found)
