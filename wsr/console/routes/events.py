"""Recording events, determinations and payroll imports from the console.

The form is generated from the event registry; what it posts goes to the same service methods
the CLI calls (``record_event``, ``record_determination``, ``import_payroll`` after
``parse_payroll_csv``), so the validation and the messages are the CLI's, shown on the input
each message's path names. After a write the browser is sent to the event's own page (POST,
then redirect: a reload never records it twice), which shows what it did from the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clauses import EVENTS, LIMITS, Conflict, InputError, InputKind, InvalidTransition, NotFound
from obligations import ObligationService

from .._access import Action, Viewer, may_write, redact_event
from .._deps import console_of, get_now, get_service, get_viewer
from .._errors import Forbidden
from .._eventform import event_fields, event_types
from .._placed import Placed, place, problems_of
from .._templates import render
from ._pagekit import Acting, Seen, acting, seen_agreement, shown, upload

router = APIRouter(include_in_schema=False)

#: the problems a form shows beside its inputs (a missing agreement is a 404 page instead)
FORM_ERRORS = (InputError, Conflict, InvalidTransition)
#: at most this many messages ride in the flash cookie (the event page shows what it did)
FLASHED = 6
#: CLI spellings of the same inputs
RENAMED = {"--on": "on", "--supplier": "supplier", "--set": "type", "--period": "period"}


def _form_context(
    seen: Seen,
    viewer: Viewer,
    now: datetime,
    *,
    values: dict[str, str],
    placed: Placed | None = None,
    posted: str = "",
) -> dict[str, Any]:
    from obligations import PAYROLL_COLUMNS

    type_ = values.get("type", "")
    etype = EVENTS.get(type_)
    return {
        "agreement": seen.head(),
        "types": event_types(),
        "type": type_,
        "type_help": etype.help if etype else "",
        "is_determination": bool(etype and etype.determination)
        and may_write(viewer, Action.DETERMINATIONS),
        "scope": values.get("scope", "all"),
        "on": values.get("on", seen.today(now).isoformat()),
        "fields": event_fields(
            type_,
            currency=seen.tracked.currency,
            suppliers=seen.suppliers(),
            values=values,
        ),
        "suppliers": seen.suppliers(),
        "may_payroll": may_write(viewer, Action.EVENTS),
        "payroll_columns": ", ".join(PAYROLL_COLUMNS),
        "payroll_help": "The supplier's payroll for one Premium Period, checked worker by worker "
        "against the Workers' Share (as `wsr payroll import`).",
        "values": values,
        "posted": posted,
        "field_errors": placed.fields if placed else {},
        "general": placed.general if placed else [],
    }


#: the forms are for the roles that record events (a GET: no CSRF token)
_ASKS = acting(Action.EVENTS, csrf=False)


def _empty_form(act: Acting, agreement_id: str, template: str) -> Response:
    values = dict(act.request.query_params)
    with act.service.store.read():
        seen = seen_agreement(act.service, act.viewer, agreement_id, act.now)
    ctx = _form_context(seen, act.viewer, act.now, values=values)
    return render(act.request, template, **ctx)


@router.get("/agreements/{agreement_id}/events/new")
def new_event(agreement_id: str, act: Acting = Depends(_ASKS)) -> Response:
    return _empty_form(act, agreement_id, "pages/events_new.html")


@router.get("/agreements/{agreement_id}/events/fields")
def event_type_fields(agreement_id: str, act: Acting = Depends(_ASKS)) -> Response:
    """The fields of the chosen type (htmx swaps them in when the select changes)."""
    return _empty_form(act, agreement_id, "pages/_event_fields.html")


def _record(
    request: Request,
    viewer: Viewer,
    service: ObligationService,
    now: datetime,
    agreement_id: str,
    values: dict[str, str],
) -> Response:
    from .._eventform import posted_fields

    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
    type_ = values.get("type", "")
    etype = EVENTS.get(type_)
    fields = posted_fields(type_, values)
    on = values.get("on", "")
    # a determination binds every buyer: recorded so unless the monitor chose this agreement only
    default_scope = "all" if may_write(viewer, Action.DETERMINATIONS) else "one"
    scope = values.get("scope", default_scope)
    across = bool(etype and etype.determination) and scope != "one"
    if across and not may_write(viewer, Action.DETERMINATIONS):
        raise Forbidden(f"a {viewer.role.value} may not record a monitor's determination")
    if across and not fields.get("supplier"):
        # no supplier, no determination to spread: the engine's own refusal on this agreement
        # says what is missing (``supplier: required for …``), as `wsr event` does
        across = False
    try:
        if across:
            results = service.record_determination(
                type_, supplier=fields.get("supplier", ""), on=on, fields=fields, now=now
            )
        else:
            results = [service.record_event(agreement_id, type_, on=on, fields=fields, now=now)]
    except FORM_ERRORS as exc:
        names = ["type", "on", *(f.name for f in event_fields(type_, currency="", suppliers=[]))]
        placed = place(problems_of(exc), names, rename=RENAMED)
        ctx = _form_context(seen, viewer, now, values=values, placed=placed, posted="event")
        return render(request, "pages/events_new.html", status_code=422, **ctx)
    here = next((r for r in results if r.event.agreement_id == agreement_id), results[0])
    response = RedirectResponse(
        f"/agreements/{here.event.agreement_id}/events/{here.event.id}", status_code=303
    )
    messages = [f"Recorded {type_.replace('_', ' ')} on {here.event.occurred_on.isoformat()}."]
    if across:
        messages.append(
            f"The determination was recorded on {len(results)} agreement"
            f"{'s' if len(results) != 1 else ''} covering {fields.get('supplier')}."
        )
    messages += [m for r in results for m in r.messages]
    console_of(request).flash(response, *messages[:FLASHED])
    return response


@router.post("/agreements/{agreement_id}/events")
async def record_event(agreement_id: str, act: Acting = Depends(acting(Action.EVENTS))) -> Response:
    values = await act.values()
    return await run_in_threadpool(
        _record, act.request, act.viewer, act.service, act.now, agreement_id, values
    )


def _payroll(
    request: Request,
    viewer: Viewer,
    service: ObligationService,
    now: datetime,
    agreement_id: str,
    values: dict[str, str],
    content: bytes | None,
    filename: str,
) -> Response:
    from obligations import parse_payroll_csv

    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
    names = ["supplier", "period", "file", filename]
    try:
        if content is None:
            raise InputError.single("file", "choose the payroll CSV file to import")
        limit = LIMITS[InputKind.PAYROLL]
        if len(content) > limit:
            raise InputError.single(
                "file",
                f"is {len(content):,} bytes; the {InputKind.PAYROLL.value} may be at most "
                f"{limit >> 20} MiB",
            )
        payroll = parse_payroll_csv(content, source=filename, currency=seen.tracked.currency)
        result = service.import_payroll(
            agreement_id,
            values.get("supplier", ""),
            payroll,
            period=values.get("period") or None,
            now=now,
        )
    except FORM_ERRORS as exc:
        placed = place(problems_of(exc), names, rename=RENAMED)
        # the file's own problems (name:line:column) are shown on the file input
        placed.fields.setdefault("file", []).extend(placed.fields.pop(filename, []))
        if not placed.fields["file"]:
            del placed.fields["file"]
        ctx = _form_context(seen, viewer, now, values=values, placed=placed, posted="payroll")
        return render(request, "pages/events_new.html", status_code=422, **ctx)
    response = RedirectResponse(
        f"/agreements/{agreement_id}/events/{result.event.id}", status_code=303
    )
    console_of(request).flash(
        response,
        f"Imported the payroll of {values.get('supplier')} ({len(payroll.lines)} lines).",
        *result.messages[: FLASHED - 1],
    )
    return response


@router.post("/agreements/{agreement_id}/payroll")
async def import_payroll(
    agreement_id: str, act: Acting = Depends(acting(Action.EVENTS))
) -> Response:
    form = await act.request.form()
    values = await act.values()
    file = upload(form, "file")
    content: bytes | None = None
    filename = "payroll.csv"
    if file is not None:
        # one byte past the limit is enough to refuse it with its size
        content = await file.read(LIMITS[InputKind.PAYROLL] + 1)
        filename = (file.filename or filename).replace("/", "_").replace("\\", "_")
    await form.close()  # the spooled upload is read: close it now, not at garbage collection
    return await run_in_threadpool(
        _payroll,
        act.request,
        act.viewer,
        act.service,
        act.now,
        agreement_id,
        values,
        content,
        filename,
    )


# -- the event's own page ------------------------------------------------------------------------


def _consequences(
    service: ObligationService, viewer: Viewer, agreement_id: str, event_id: str, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, str]], str]:
    """(created obligations' views, changed obligations with what changed, who recorded it)
    from the audit entries written with the event (same unit of work: the same ``at`` and
    actor, right after its ``event_recorded`` entry)."""
    from .._access import redact_view

    entries = service.store.audit_entries(agreement_id)
    start = next(
        (
            k
            for k, e in enumerate(entries)
            if e.action == "event_recorded" and (e.after or {}).get("id") == event_id
        ),
        None,
    )
    if start is None:
        return [], [], ""
    head = entries[start]
    created: list[str] = []
    changed: dict[str, list[str]] = {}
    for e in entries[start + 1 :]:
        if e.at != head.at or e.actor != head.actor or e.action == "event_recorded":
            break
        if e.obligation_id is None:
            continue
        if e.action in ("created", "activated") and e.obligation_id not in changed:
            if e.obligation_id not in created:
                created.append(e.obligation_id)
        elif e.obligation_id not in created:
            what = e.action.replace("_", " ")
            before, after = (e.before or {}).get("state"), (e.after or {}).get("state")
            if before and after and before != after:
                what += f" ({before} → {after})"
            changed.setdefault(e.obligation_id, []).append(what)
    views = []
    for oid in created:
        try:
            views.append(redact_view(viewer, service.store.get_obligation(oid).to_view(now)))
        except NotFound:
            continue
    rows = []
    for oid, whats in changed.items():
        try:
            ob = service.store.get_obligation(oid)
        except NotFound:
            continue
        rows.append({"id": oid, "title": ob.title, "what": "; ".join(dict.fromkeys(whats))})
    return views, rows, head.actor


@router.get("/agreements/{agreement_id}/events/{event_id}")
def event_page(
    request: Request,
    agreement_id: str,
    event_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    with service.store.read():
        seen = seen_agreement(service, viewer, agreement_id, now)
        found = [e for e in service.store.list_events(agreement_id) if e.id == event_id]
        if not found:
            raise NotFound("event", event_id, path="event")
        event = found[0]
        created, changed, actor = _consequences(service, viewer, agreement_id, event_id, now)
    payload = event.to_dict()["payload"]
    fields = {k: shown(v) for k, v in redact_event(viewer, event.type, payload).items()}
    return render(
        request,
        "pages/event.html",
        agreement=seen.head(),
        event=event,
        fields=fields,
        created=created,
        changed=changed,
        recorded_by=actor,
    )
