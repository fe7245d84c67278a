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

from clauses import Conflict, InputError, NotFound
from obligations import LegalState, ObligationService, TrackedAgreement

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
#: the longest page of obligations one call returns
MAX_LIMIT = 500
#: the widest due_within window, as ``wsr obligations --due-within`` allows
MAX_DUE_WITHIN = 36_600


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
    total: int
    limit: int
    offset: int
    items: list[ObligationView]


class AuditOut(BaseModel):
    seq: int | None
    at: str
    recorded_at: str | None
    actor: str
    action: str
    reason: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class EvidenceOut(BaseModel):
    sha256: str
    filename: str
    size: int
    submitted_at: str
    note: str = ""


class ObligationDetail(BaseModel):
    obligation: ObligationView
    history: list[AuditOut]
    evidence: list[EvidenceOut]


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
    state: LegalState | None = Query(None, description="Only obligations in this state."),
    due_within: int | None = Query(
        None, ge=0, le=MAX_DUE_WITHIN, description="Open, due within this many days."
    ),
    overdue: bool = Query(False, description="Open and past due."),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000_000),
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> ObligationPage:
    """Obligations the viewer may see, by due date, filtered as ``wsr obligations`` and the
    dashboard filter them."""
    if overdue and due_within is not None:
        raise InputError.single("overdue", "give either overdue or due_within, not both")
    with service.store.read():
        if agreement is not None:
            agreements = [_seen(service, viewer, agreement)]
        else:
            agreements = _visible(service, viewer, now)
        if buyer is not None:
            agreements = [a for a in agreements if buyer in buyer_names(a.record_json)]
        views: list[dict[str, Any]] = []
        for tracked in agreements:
            views += service.views(
                now=now, agreement_id=tracked.id, due_within=due_within, overdue=overdue
            )
    views = [
        v
        for v in views
        if (supplier is None or v["subject"] == supplier)
        and (clause is None or v["clause_id"] == clause)
        and (obligor is None or v["obligor"] == obligor)
        and (state is None or v["state"] == state.value)
    ]
    views.sort(key=lambda v: (v["due"], v["id"]))
    page = views[offset : offset + limit]
    return ObligationPage(
        total=len(views), limit=limit, offset=offset, items=[_view(viewer, v) for v in page]
    )


def _history(viewer: Viewer, service: ObligationService, ob: Any) -> list[AuditOut]:
    return [
        AuditOut(
            seq=e.seq,
            at=e.at.isoformat(),
            recorded_at=_iso(e.recorded_at),
            actor=e.actor,
            action=e.action,
            reason=e.reason,
            before=None if e.before is None else redact_view(viewer, e.before),
            after=None if e.after is None else redact_view(viewer, e.after),
        )
        for e in service.store.audit_entries(ob.agreement_id)
        if e.obligation_id == ob.id
    ]


def _evidence(service: ObligationService, obligation_id: str) -> list[EvidenceOut]:
    return [
        EvidenceOut(
            sha256=r.sha256,
            filename=r.filename,
            size=r.size,
            submitted_at=r.submitted_at.isoformat(),
            note=r.note,
        )
        for r in service.store.list_evidence(obligation_id)
    ]


def _obligation(service: ObligationService, viewer: Viewer, obligation_id: str) -> Any:
    ob = service.store.get_obligation(obligation_id)
    tracked = service.store.get_agreement(ob.agreement_id)
    if not may_see_agreement(viewer, tracked.record_json):
        raise NotFound("obligation", obligation_id)
    return ob


@router.get("/obligations/{obligation_id}", response_model=ObligationDetail)
def get_obligation(
    obligation_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> ObligationDetail:
    """One obligation as stored (a sweep brings stored rows to now), its audit history and
    its evidence."""
    with service.store.read():
        ob = _obligation(service, viewer, obligation_id)
        return ObligationDetail(
            obligation=_view(viewer, ob.to_view(now)),
            history=_history(viewer, service, ob),
            evidence=_evidence(service, ob.id),
        )


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
) -> ObligationDetail:
    """Attach evidence to an obligation without fulfilling it; it awaits a monitor's decision."""
    from starlette.concurrency import run_in_threadpool

    content = await _read_upload(file)
    filename = file.filename or ""

    def store() -> ObligationDetail:
        with service.store.transaction():
            _obligation(service, viewer, obligation_id)
            # ObligationService.add_evidence comes with the `queries` stream (issue 12)
            attach = getattr(service, "add_evidence", None)
            if attach is None:
                raise Conflict("file", "this engine cannot attach evidence on its own yet")
            after = attach(obligation_id, filename=filename, content=content, note=note, now=now)
            return ObligationDetail(
                obligation=_view(viewer, after.to_view(now)),
                history=_history(viewer, service, after),
                evidence=_evidence(service, after.id),
            )

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
