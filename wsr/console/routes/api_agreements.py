"""The REST API's agreements and their events: list, detail, the recorded events, and
``POST …/events`` (as ``wsr event`` records one: the same validation and messages).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends

from obligations import ObligationService

from .._access import Action, Viewer
from .._deps import csrf_check, get_now, get_service, get_viewer, require_action
from ._api_common import _agreement, _event, _seen, _view, _visible, router
from .api_models import (
    AgreementDetail,
    AgreementOut,
    EventIn,
    EventOut,
    EventResultOut,
    Party,
    Supplier,
)


@router.get("/agreements", response_model=list[AgreementOut])
def list_agreements(
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> list[AgreementOut]:
    """The tracked agreements the viewer may see, with their status at the console's now."""
    with service.store.read():
        return [_agreement(a) for a in _visible(service, viewer, now)]


@router.get("/agreements/{agreement_id}", response_model=AgreementDetail)
def get_agreement(
    agreement_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> AgreementDetail:
    """One agreement: its parties, suppliers and status."""
    import json

    with service.store.read():
        _seen(service, viewer, agreement_id)
        tracked = next(a for a in service.agreements(now=now) if a.id == agreement_id)
    record = json.loads(tracked.record_json)
    return AgreementDetail(
        **_agreement(tracked).model_dump(),
        content_hash=record.get("content_hash"),
        parties=[Party(role=p["role"], name=p["name"]) for p in record.get("parties", [])],
        suppliers=[
            Supplier(id=s["id"], name=s["name"], country=s.get("country", ""))
            for s in record.get("suppliers", [])
        ],
        termination_reason=tracked.termination_reason,
    )


@router.get("/agreements/{agreement_id}/events", response_model=list[EventOut])
def list_events(
    agreement_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
) -> list[EventOut]:
    """The agreement's recorded events, oldest first (confidential fields removed for a brand)."""
    with service.store.read():
        _seen(service, viewer, agreement_id)
        return [_event(viewer, ev) for ev in service.store.list_events(agreement_id)]


@router.post(
    "/agreements/{agreement_id}/events",
    response_model=EventResultOut,
    status_code=201,
    dependencies=[Depends(csrf_check)],
)
def record_event(
    agreement_id: str,
    body: EventIn,
    viewer: Viewer = Depends(require_action(Action.EVENTS)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> EventResultOut:
    """Record an event, as ``wsr event`` does: the same validation and messages; prints the
    obligations it created or changed, and any messages."""
    with service.store.transaction():
        _seen(service, viewer, agreement_id)
        result = service.record_event(
            agreement_id, body.type, on=body.on, fields=body.fields, now=now
        )
    return EventResultOut(
        event=_event(viewer, result.event),
        created=[_view(viewer, o.to_view(now)) for o in result.created],
        changed=[_view(viewer, o.to_view(now)) for o in result.changed],
        messages=list(result.messages),
    )
