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
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from clauses import InputError
from obligations import ObligationService, TrackedAgreement

from .._access import (
    Action,
    Viewer,
    buyer_names,
    may_see_agreement,
    redact_event,
    redact_view,
)
from .._deps import (
    check_agreement,
    console_of,
    csrf_check,
    get_now,
    get_service,
    get_viewer,
    require_action,
)


class ErrorItem(BaseModel):
    path: str = Field(description="The field the problem concerns (the engine's name for it).")
    message: str


class Errors(BaseModel):
    """Every refusal: one entry per problem."""

    errors: list[ErrorItem]


#: the error answers every API route may give, documented so that clients (and the OpenAPI
#: fuzzing in the tests) know their shape; 422 replaces FastAPI's own validation error shape
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Errors, "description": "No valid session or bearer token."},
    403: {"model": Errors, "description": "The viewer's role may not do this."},
    404: {"model": Errors, "description": "Not found (or another brand's)."},
    409: {"model": Errors, "description": "The stored state does not allow it."},
    422: {"model": Errors, "description": "Bad input: each problem with its field."},
}

router = APIRouter(prefix="/api", tags=["core"], responses=ERRORS)

#: the largest evidence file, as ``wsr fulfil --evidence`` allows (clauses' input limits)
MAX_EVIDENCE = 25 << 20
#: the longest page of obligations one call returns (as the dashboard's queries allow)
MAX_LIMIT = 500


# -- models -------------------------------------------------------------------------------------


class Party(BaseModel):
    role: str
    name: str


class Supplier(BaseModel):
    id: str
    name: str
    country: str


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


class AgreementDetail(AgreementOut):
    content_hash: str | None = None
    parties: list[Party]
    suppliers: list[Supplier]
    termination_reason: str = ""


class Money(BaseModel):
    value: str
    currency: str


class ObligationView(BaseModel):
    """One obligation as ``wsr obligations --json`` shows it (the CLI contract)."""

    id: str
    agreement_id: str
    clause_id: str
    clause_version: str
    spec_id: str
    title: str
    obligor: str
    beneficiary: str
    subject: str | None = None
    due: str
    state: str
    timing: str | None = None
    flags: list[str]
    amount: Money | None = None
    paid: str | None = None
    late: bool
    evidence: str
    section: str
    period_start: str | None = None
    period_end: str | None = None
    powers: list[dict[str, Any]] = Field(default_factory=list)


class ObligationPage(BaseModel):
    """One page of the list in due order; ``has_more``: a next page exists."""

    items: list[ObligationView]
    limit: int
    offset: int
    has_more: bool


class Paragraph(BaseModel):
    number: str
    text: str


class ClauseText(BaseModel):
    """The clause an obligation comes from, as the signed agreement gives it."""

    clause_id: str
    clause_version: str
    section: str
    title: str
    paragraphs: list[Paragraph]


class ObligationDetail(BaseModel):
    """One obligation's page (``wsr.console.queries.obligation_detail``): the obligation, its
    agreement, the clause text and section, the audit history, the notices with their delivery
    events, the evidence with decisions, and what the viewer may do now."""

    obligation: ObligationView
    agreement: dict[str, Any]
    clause: ClauseText | None = None
    history: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    actions: dict[str, list[str]] = Field(default_factory=dict)


class EventIn(BaseModel):
    """An event as ``wsr event AGREEMENT TYPE --on ON --set key=value`` takes it."""

    type: str = Field(description="The event type, e.g. purchase_recorded.")
    on: str = Field(description="When it happened: a date (YYYY-MM-DD) or an aware time.")
    fields: dict[str, str] = Field(
        default_factory=dict, description="The event's fields, as `--set key=value` gives them."
    )


class EventOut(BaseModel):
    id: str
    type: str
    occurred_on: str
    occurred_at: str
    recorded_at: str
    fields: dict[str, Any]


class EventResultOut(BaseModel):
    event: EventOut
    created: list[ObligationView]
    changed: list[ObligationView]
    messages: list[str]


class ClauseSummary(BaseModel):
    id: str
    version: str
    title: str
    category: str
    order: int
    mandatory: bool
    summary: str
    alternatives: list[str]


class NoticeOut(BaseModel):
    """A notice the sweeps decided, with its sending state and proof of delivery."""

    id: str
    agreement_id: str
    obligation_id: str
    step: str
    recipient: str
    recipient_name: str
    recipient_role: str
    language: str
    due_on: str
    decided_at: str
    subject: str
    sha256: str
    state: str
    attempts: int
    provider: str | None = None
    provider_message_id: str | None = None
    sent_at: str | None = None
    last_error: str | None = None
    delivery: str | None = None
    delivered_at: str | None = None


# -- helpers ------------------------------------------------------------------------------------


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


# -- agreements and events ----------------------------------------------------------------------


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


# -- obligations --------------------------------------------------------------------------------


@router.get("/obligations", response_model=ObligationPage)
def list_obligations(
    agreement: str | None = Query(None, description="Only this agreement's obligations."),
    buyer: str | None = Query(None, description="Only agreements with this buyer party."),
    supplier: str | None = Query(None, description="Only obligations about this supplier id."),
    clause: str | None = Query(None, description="Only obligations of this clause id."),
    obligor: str | None = Query(None, description="Only obligations owed by this party role."),
    state: str | None = Query(None, description="A legal state, or `open`."),
    show: str | None = Query(
        None,
        description="One of the dashboard's counts: due_soon, overdue, breach_suspected, "
        "in_cure, violated.",
    ),
    overdue: bool = Query(False, description="Open and past due (the same as show=overdue)."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000_000),
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    """Obligations the viewer may see, in due order, filtered as the dashboard filters them
    (the same code path: :func:`wsr.console.queries.obligations_page`)."""
    from .. import queries

    if overdue:
        if show not in (None, "overdue"):
            raise InputError.single("overdue", "give either overdue or show, not both")
        show = "overdue"
    filters = queries.parse_filters(
        {
            "agreement": agreement,
            "buyer": buyer,
            "supplier": supplier,
            "clause": clause,
            "obligor": obligor,
            "state": state,
            "show": show,
        }
    )
    page = queries.obligations_page(
        service, viewer, now=now, filters=filters, limit=limit, offset=offset
    )
    return page.to_json()


@router.get("/obligations/{obligation_id}", response_model=ObligationDetail)
def get_obligation(
    obligation_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    """One obligation with the clause it comes from, its history, notices and evidence (the
    obligation page's code path: :func:`wsr.console.queries.obligation_detail`)."""
    from .. import queries

    return queries.obligation_detail(service, obligation_id, viewer, now=now).to_json()


async def _read_upload(file: UploadFile) -> bytes:
    """The upload's bytes, refused past :data:`MAX_EVIDENCE` without reading it all."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(1 << 20):
        size += len(chunk)
        if size > MAX_EVIDENCE:
            raise InputError.single(
                "file", f"more than {MAX_EVIDENCE >> 20} MiB; evidence files are at most 25 MiB"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/obligations/{obligation_id}/evidence",
    response_model=ObligationDetail,
    status_code=201,
    dependencies=[Depends(csrf_check)],
)
async def add_evidence(
    obligation_id: str,
    file: UploadFile = File(..., description="The evidence file (at most 25 MiB)."),
    note: str = Form("", description="What the file shows (recorded)."),
    viewer: Viewer = Depends(require_action(Action.EVIDENCE)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    """Attach evidence to an obligation without fulfilling it; it awaits a monitor's decision
    (``wsr evidence add``); answers the obligation's page as it is afterwards."""
    from starlette.concurrency import run_in_threadpool

    content = await _read_upload(file)
    filename = file.filename or ""

    def store() -> dict[str, Any]:
        from .. import queries

        with service.store.transaction():
            # not found, or another brand's: the same answer, before anything is stored
            queries.obligation_detail(service, obligation_id, viewer, now=now)
            service.add_evidence(
                obligation_id, filename=filename, content=content, note=note, now=now
            )
        return queries.obligation_detail(service, obligation_id, viewer, now=now).to_json()

    return await run_in_threadpool(store)


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
