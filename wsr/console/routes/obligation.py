"""The obligation page and its actions: evidence (upload, accept or reject with a reason),
confirm or dismiss a suspected breach, waive with a reason, exercise a power.

Each action is a POST form with the CSRF token, offered only to the roles the write matrix
gives it (``may_write``) and refused to the others even if posted; it calls the service method
the CLI calls, and comes back to the page (POST, then redirect) — or, refused, re-renders the
page with each message beside the input of the form that was posted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clauses import LIMITS, Conflict, InputError, InputKind, InvalidTransition
from obligations import Obligation, ObligationService

from .._access import Action, Viewer, may_write
from .._deps import console_of, csrf_check, get_now, get_service, get_viewer, require_action
from .._placed import Placed, place, problems_of
from .._templates import render
from ._obligation_detail import detail
from ._pagekit import text_fields, upload

router = APIRouter(include_in_schema=False)

FORM_ERRORS = (InputError, Conflict, InvalidTransition)
#: the CLI's spelling of an input -> the page's
RENAMED = {"--reason": "reason", "--on": "on", "--note": "note", "--evidence": "file"}


def _may(viewer: Viewer) -> dict[str, bool]:
    return {"events": may_write(viewer, Action.EVENTS)}


def _forms(ctx: dict[str, Any]) -> set[str]:
    """The action forms the page shows (the same conditions as the template)."""
    can = ctx["can"]
    shown = {f"decide-{e['number']}" for e in ctx["evidence"] if e["decidable"]}
    shown |= {f"power-{k}" for k, p in enumerate(ctx["powers"], start=1) if p["exercisable"]}
    if can["upload"]:
        shown.add("evidence")
    if can["confirm"] or can["dismiss"]:
        shown.add("breach")
    if can["waive"]:
        shown.add("waive")
    return shown


def _page(
    request: Request,
    viewer: Viewer,
    service: ObligationService,
    now: datetime,
    obligation_id: str,
    *,
    posted: str = "",
    placed: Placed | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with service.store.read():
        ctx = detail(service, viewer, obligation_id, now)
    placed = placed or Placed()
    if posted and posted not in _forms(ctx):
        # the form is gone (the state moved on): its messages go above, none is lost
        placed.general += [
            f"{name}: {message}" for name, ms in placed.fields.items() for message in ms
        ]
        placed.fields = {}
    return render(
        request,
        "pages/obligation.html",
        status_code=status_code,
        may=_may(viewer),
        posted=posted,
        field_errors=placed.fields,
        general=placed.general,
        values=values or {},
        **ctx,
    )


@router.get("/obligations/{obligation_id}")
def obligation_page(
    request: Request,
    obligation_id: str,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    return _page(request, viewer, service, now, obligation_id)


def _act(
    request: Request,
    viewer: Viewer,
    service: ObligationService,
    now: datetime,
    obligation_id: str,
    *,
    posted: str,
    names: list[str],
    values: dict[str, str],
    action: Callable[[], Obligation],
    done: str,
) -> Response:
    """Run one action: the page again with a flash when it worked, the form's errors if not."""
    with service.store.read():
        detail(service, viewer, obligation_id, now)  # 404 for what the viewer may not see
    try:
        action()
    except FORM_ERRORS as exc:
        placed = place(problems_of(exc), names, rename=RENAMED)
        return _page(
            request,
            viewer,
            service,
            now,
            obligation_id,
            posted=posted,
            placed=placed,
            values=values,
            status_code=422,
        )
    response = RedirectResponse(f"/obligations/{obligation_id}", status_code=303)
    console_of(request).flash(response, done)
    return response


def _check_reason(reason: str) -> None:
    """The CLI's own check of a reason for the record (``wsr waive/breach … --reason``)."""
    from wsr._cmd_obligations import require_reason

    require_reason(reason)


@router.post("/obligations/{obligation_id}/evidence")
async def add_evidence(
    request: Request,
    obligation_id: str,
    viewer: Viewer = Depends(require_action(Action.EVIDENCE)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
    _csrf: None = Depends(csrf_check),
) -> Response:
    form = await request.form()
    values = text_fields(form)
    file = upload(form, "file")
    content = b""
    filename = ""
    if file is not None:
        content = await file.read(LIMITS[InputKind.EVIDENCE] + 1)
        filename = file.filename or ""
    await form.close()  # the spooled upload is read: close it now, not at garbage collection
    note = values.get("note", "")

    def action() -> Obligation:
        if file is None:
            raise InputError.single("file", "choose the evidence file to upload")
        return service.add_evidence(
            obligation_id, filename=filename, content=content, note=note, now=now
        )

    return await run_in_threadpool(
        _act,
        request,
        viewer,
        service,
        now,
        obligation_id,
        posted="evidence",
        names=["file", "note", "filename"],
        values=values,
        action=action,
        done=f"Evidence {filename!r} uploaded; it awaits a decision.",
    )


@router.post("/obligations/{obligation_id}/evidence/{piece}/decision")
async def decide_evidence(
    request: Request,
    obligation_id: str,
    piece: int,
    viewer: Viewer = Depends(require_action(Action.EVIDENCE_DECISIONS)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
    _csrf: None = Depends(csrf_check),
) -> Response:
    values = text_fields(await request.form())
    accept = values.get("decision") == "accept"
    reason = values.get("reason", "")

    def action() -> Obligation:
        _check_reason(reason)
        return service.decide_evidence(
            obligation_id, accept=accept, reason=reason, now=now, piece=piece
        )

    return await run_in_threadpool(
        _act,
        request,
        viewer,
        service,
        now,
        obligation_id,
        posted=f"decide-{piece}",
        names=["reason", "piece"],
        values=values,
        action=action,
        done=f"Evidence {piece} {'accepted' if accept else 'rejected'}.",
    )


@router.post("/obligations/{obligation_id}/breach")
async def breach_decision(
    request: Request,
    obligation_id: str,
    viewer: Viewer = Depends(require_action(Action.BREACH)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
    _csrf: None = Depends(csrf_check),
) -> Response:
    values = text_fields(await request.form())
    confirm = values.get("decision") == "confirm"
    on, reason = values.get("on", ""), values.get("reason", "")

    def action() -> Obligation:
        _check_reason(reason)
        if confirm:
            return service.confirm_breach(obligation_id, on=on, reason=reason, now=now)
        return service.dismiss_breach(obligation_id, on=on, reason=reason, now=now)

    return await run_in_threadpool(
        _act,
        request,
        viewer,
        service,
        now,
        obligation_id,
        posted="breach",
        names=["on", "reason"],
        values=values,
        action=action,
        done="Breach confirmed." if confirm else "Suspected breach dismissed.",
    )


@router.post("/obligations/{obligation_id}/waive")
async def waive(
    request: Request,
    obligation_id: str,
    viewer: Viewer = Depends(require_action(Action.WAIVE)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
    _csrf: None = Depends(csrf_check),
) -> Response:
    values = text_fields(await request.form())
    reason = values.get("reason", "")

    def action() -> Obligation:
        _check_reason(reason)
        return service.waive(obligation_id, reason=reason, now=now)

    return await run_in_threadpool(
        _act,
        request,
        viewer,
        service,
        now,
        obligation_id,
        posted="waive",
        names=["reason"],
        values=values,
        action=action,
        done="Obligation waived.",
    )


@router.post("/obligations/{obligation_id}/powers")
async def exercise_power(
    request: Request,
    obligation_id: str,
    viewer: Viewer = Depends(require_action(Action.POWERS)),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
    _csrf: None = Depends(csrf_check),
) -> Response:
    values = text_fields(await request.form())
    ref = values.get("power", "")
    on, reason = values.get("on", ""), values.get("reason", "")
    with service.store.read():
        ctx = detail(service, viewer, obligation_id, now)
    number = next((k for k, p in enumerate(ctx["powers"], start=1) if p["ref"] == ref), 0)

    def action() -> Obligation:
        _check_reason(reason)
        if not ref.startswith(f"{obligation_id}/"):
            raise InputError.single("power", f"{ref!r} is not a power of {obligation_id}")
        return service.exercise_power(ref, on=on, reason=reason, now=now)

    return await run_in_threadpool(
        _act,
        request,
        viewer,
        service,
        now,
        obligation_id,
        posted=f"power-{number}",
        names=["on", "reason", "power"],
        values=values,
        action=action,
        done="Power exercised; it is on the record.",
    )
