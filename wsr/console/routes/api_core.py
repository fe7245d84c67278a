"""The REST API's core: agreements, their events, obligations, evidence, the clause library,
notices.

JSON over HTTP; every answer goes through the access policy (:mod:`wsr.console._access`):
counsel sees only its brand's agreements (another brand's is answered as if it did not
exist), and confidential complaint details are removed by ``redact_event`` / ``redact_view``.
Writes act as the viewer (the audit log names their email) and need the write matrix's
permission; a browser session's POST also needs its CSRF token (``X-CSRF-Token``), a bearer
token none. Errors: ``{"errors": [{"path", "message"}]}`` — 422 for bad input with the
engine's own paths and messages (what ``wsr event`` prints, spelled there as ``--on`` and
``--set amount``), 404 for what does not exist, 409 for what the stored state forbids.

The routes live in modules of one job each, all on one router (``_api_common.router``, so the
OpenAPI description lists them as before): ``api_agreements`` (agreements and events),
``api_obligations`` (obligations and evidence), and here the clause library and the notices;
the models are in ``api_models``. This module keeps the names its importers use
(``router``, ``ERRORS``, ``Errors``, ``ObligationDetail``, …).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends, Query, Request

from obligations import ObligationService

from .._access import Viewer
from .._deps import console_of, get_now, get_service, get_viewer
from ._api_common import (
    MAX_EVIDENCE,
    MAX_LIMIT,
    _agreement,
    _event,
    _iso,
    _seen,
    _view,
    _visible,
    router,
)

# the route modules in the order their routes are registered (the OpenAPI paths' order)
from .api_agreements import get_agreement, list_agreements, list_events, record_event

# isort: split
from .api_obligations import _read_upload, add_evidence, get_obligation, list_obligations

# isort: split
from .api_models import (
    ERRORS,
    AgreementDetail,
    AgreementOut,
    ClauseSummary,
    ClauseText,
    ErrorItem,
    Errors,
    EventIn,
    EventOut,
    EventResultOut,
    Money,
    NoticeOut,
    ObligationDetail,
    ObligationPage,
    ObligationView,
    Paragraph,
    Party,
    Supplier,
)

__all__ = [
    "AgreementDetail",
    "AgreementOut",
    "ClauseSummary",
    "ClauseText",
    "ERRORS",
    "ErrorItem",
    "Errors",
    "EventIn",
    "EventOut",
    "EventResultOut",
    "MAX_EVIDENCE",
    "MAX_LIMIT",
    "Money",
    "NoticeOut",
    "ObligationDetail",
    "ObligationPage",
    "ObligationView",
    "Paragraph",
    "Party",
    "Supplier",
    "_agreement",
    "_event",
    "_iso",
    "_read_upload",
    "_seen",
    "_view",
    "_visible",
    "add_evidence",
    "get_agreement",
    "get_clause",
    "get_obligation",
    "list_agreements",
    "list_events",
    "list_library",
    "list_notices",
    "list_obligations",
    "record_event",
    "router",
]


# -- the clause library -------------------------------------------------------------------------


def _library() -> Any:
    from clauses import load_library

    return load_library()


@router.get("/library", response_model=list[ClauseSummary])
def list_library(viewer: Viewer = Depends(get_viewer)) -> list[ClauseSummary]:
    """The clause library: each clause with its alternatives, in agreement order."""
    return [
        ClauseSummary(
            id=c.id,
            version=c.version,
            title=c.title,
            category=c.category,
            order=c.order,
            mandatory=c.mandatory,
            summary=c.summary,
            alternatives=list(c.alternatives),
        )
        for c in _library()
    ]


@router.get("/library/{clause_id}", response_model=dict[str, Any])
def get_clause(clause_id: str, viewer: Viewer = Depends(get_viewer)) -> dict[str, Any]:
    """One clause as the library declares it: variables, alternatives and their text,
    obligations, powers, commentary (``wsr library CLAUSE --json``)."""
    return dict(_library().get(clause_id).model_dump(mode="json"))


# -- notices ------------------------------------------------------------------------------------


@router.get("/notices", response_model=list[NoticeOut])
def list_notices(
    request: Request,
    agreement: str | None = Query(None, description="Only this agreement's notices."),
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> list[NoticeOut]:
    """The notices the sweeps decided, with their sending state and delivery evidence."""
    from scheduler import list_notices as stored_notices

    store = console_of(request).store
    with store.read():
        if agreement is not None:
            _seen(service, viewer, agreement)
            rows = stored_notices(store, agreement_id=agreement)
        else:
            visible = {a.id for a in _visible(service, viewer, now)}
            rows = [r for r in stored_notices(store) if r["agreement_id"] in visible]
    return [
        NoticeOut(
            **{k: r[k] for k in NoticeOut.model_fields if k not in _NOTICE_TIMES},
            **{k: _iso(r[k]) for k in _NOTICE_TIMES},
        )
        for r in rows
    ]


_NOTICE_TIMES = ("due_on", "decided_at", "sent_at", "delivered_at")
