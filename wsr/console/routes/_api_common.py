"""What the REST API's core routes share: the router they are registered on (prefix ``/api``,
tag ``core``, the documented error answers), the limits, and the helpers that put every
answer through the access policy (an agreement another brand's viewer may not see is answered
as not found, in the same words; events and views are redacted for the viewer).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from obligations import ObligationService, TrackedAgreement

from .._access import Viewer, buyer_names, may_see_agreement, redact_event, redact_view
from .._deps import check_agreement
from .api_models import ERRORS, AgreementOut, EventOut, ObligationView

router = APIRouter(prefix="/api", tags=["core"], responses=ERRORS)

#: the largest evidence file, as ``wsr fulfil --evidence`` allows (clauses' input limits)
MAX_EVIDENCE = 25 << 20
#: the longest page of obligations one call returns (as the dashboard's queries allow)
MAX_LIMIT = 500


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _agreement(tracked: TrackedAgreement) -> AgreementOut:
    return AgreementOut(
        id=tracked.id,
        title=tracked.title,
        status=str(tracked.status),
        timezone=tracked.timezone,
        currency=tracked.currency,
        signed_on=tracked.signed_on.isoformat(),
        effective_date=tracked.effective_date.isoformat(),
        term_end=tracked.term_end.isoformat(),
        terminated_on=_iso(tracked.terminated_on),
        buyers=sorted(buyer_names(tracked.record_json)),
    )


def _visible(service: ObligationService, viewer: Viewer, now: datetime) -> list[TrackedAgreement]:
    return [a for a in service.agreements(now=now) if may_see_agreement(viewer, a.record_json)]


def _seen(service: ObligationService, viewer: Viewer, agreement_id: str) -> TrackedAgreement:
    """The agreement if the viewer may see it; NotFound (404) otherwise, in the same words."""
    tracked = service.store.get_agreement(agreement_id)
    check_agreement(viewer, agreement_id, tracked.record_json)
    return tracked


def _event(viewer: Viewer, ev: Any) -> EventOut:
    data = ev.to_dict()
    return EventOut(
        id=data["id"],
        type=data["type"],
        occurred_on=data["occurred_on"],
        occurred_at=data["occurred_at"],
        recorded_at=data["recorded_at"],
        fields=redact_event(viewer, data["type"], data["payload"] or {}),
    )


def _view(viewer: Viewer, view: dict[str, Any]) -> ObligationView:
    return ObligationView.model_validate(redact_view(viewer, view))
