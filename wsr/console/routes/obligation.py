"""The obligation page and its actions: evidence (upload, accept or reject with a reason),
record fulfilment (``wsr fulfil``), confirm or dismiss a suspected breach, waive with a reason,
exercise a power.

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
from .._deps import console_of, get_now, get_service, get_viewer
from .._placed import Placed, place, problems_of
from .._templates import render
from ._obligation_detail import detail
from ._pagekit import Acting, acting, upload

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
    if can["fulfil"]:
        shown.add("fulfil")
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


def _acted(
    act: Acting,
    obligation_id: str,
    *,
    posted: str,
    names: list[str],
    values: dict[str, str],
    action: Callable[[], Obligation],
    done: str,
) -> Response:
    """Run one action: the page again with a flash when it worked, the form's errors if not."""
    request, viewer, service, now = act.request, act.viewer, act.service, act.now
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


async def _act(act: Acting, obligation_id: str, **how: Any) -> Response:
    """:func:`_acted` on a worker thread (the service's work is synchronous)."""
    return await run_in_threadpool(lambda: _acted(act, obligation_id, **how))


def _check_reason(reason: str) -> None:
    """The CLI's own check of a reason for the record (``wsr waive/breach … --reason``)."""
    from wsr._cmd_obligations import require_reason

    require_reason(reason)


async def _evidence_file(act: Acting) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    """The posted form's text inputs and its ``file`` (name, bytes; up to one byte past the
    evidence limit, which the check refuses), or None when no file was chosen."""
    form = await act.request.form()
    values = await act.values()
    file = upload(form, "file")
    attached = None
    if file is not None:
        attached = (file.filename or "", await file.read(LIMITS[InputKind.EVIDENCE] + 1))
    await form.close()  # the spooled upload is read: close it now, not at garbage collection
    return values, attached


@router.post("/obligations/{obligation_id}/evidence")
async def add_evidence(
    obligation_id: str, act: Acting = Depends(acting(Action.EVIDENCE))
) -> Response:
    values, attached = await _evidence_file(act)
    filename = attached[0] if attached else ""

    def action() -> Obligation:
        if attached is None:
            raise InputError.single("file", "choose the evidence file to upload")
        return act.service.add_evidence(
            obligation_id,
            filename=filename,
            content=attached[1],
            note=values.get("note", ""),
            now=act.now,
        )

    return await _act(
        act,
        obligation_id,
        posted="evidence",
        names=["file", "note", "filename"],
        values=values,
        action=action,
        done=f"Evidence {filename!r} uploaded; it awaits a decision.",
    )


@router.post("/obligations/{obligation_id}/fulfil")
async def fulfil(obligation_id: str, act: Acting = Depends(acting(Action.FULFIL))) -> Response:
    """Record performance as ``wsr fulfil ID --on DATE [--evidence FILE] [--note TEXT]`` does,
    with the CLI's checks of the note and the file."""
    from .api_fulfil import check_fulfilment

    values, attached = await _evidence_file(act)
    on, note = values.get("on", ""), values.get("note", "")

    def action() -> Obligation:
        check_fulfilment(on, note, attached)
        return act.service.fulfil(obligation_id, on=on, evidence=attached, note=note, now=act.now)

    return await _act(
        act,
        obligation_id,
        posted="fulfil",
        names=["on", "note", "file", "filename"],
        values=values,
        action=action,
        done="Fulfilment recorded" + (" with its evidence." if attached else "."),
    )


@router.post("/obligations/{obligation_id}/evidence/{piece}/decision")
async def decide_evidence(
    obligation_id: str, piece: int, act: Acting = Depends(acting(Action.EVIDENCE_DECISIONS))
) -> Response:
    values = await act.values()
    accept = values.get("decision") == "accept"
    reason = values.get("reason", "")

    def action() -> Obligation:
        _check_reason(reason)
        return act.service.decide_evidence(
            obligation_id, accept=accept, reason=reason, now=act.now, piece=piece
        )

    return await _act(
        act,
        obligation_id,
        posted=f"decide-{piece}",
        names=["reason", "piece"],
        values=values,
        action=action,
        done=f"Evidence {piece} {'accepted' if accept else 'rejected'}.",
    )


@router.post("/obligations/{obligation_id}/breach")
async def breach_decision(
    obligation_id: str, act: Acting = Depends(acting(Action.BREACH))
) -> Response:
    values = await act.values()
    confirm = values.get("decision") == "confirm"
    on, reason = values.get("on", ""), values.get("reason", "")
    decide = act.service.confirm_breach if confirm else act.service.dismiss_breach

    def action() -> Obligation:
        _check_reason(reason)
        return decide(obligation_id, on=on, reason=reason, now=act.now)

    done = "Breach confirmed." if confirm else "Suspected breach dismissed."
    return await _act(
        act,
        obligation_id,
        posted="breach",
        names=["on", "reason"],
        values=values,
        action=action,
        done=done,
    )


@router.post("/obligations/{obligation_id}/waive")
async def waive(obligation_id: str, act: Acting = Depends(acting(Action.WAIVE))) -> Response:
    values = await act.values()
    reason = values.get("reason", "")

    def action() -> Obligation:
        _check_reason(reason)
        return act.service.waive(obligation_id, reason=reason, now=act.now)

    return await _act(
        act,
        obligation_id,
        posted="waive",
        names=["reason"],
        values=values,
        action=action,
        done="Obligation waived.",
    )


@router.post("/obligations/{obligation_id}/powers")
async def exercise_power(
    obligation_id: str, act: Acting = Depends(acting(Action.POWERS))
) -> Response:
    values = await act.values()
    ref = values.get("power", "")
    on, reason = values.get("on", ""), values.get("reason", "")
    with act.service.store.read():
        ctx = detail(act.service, act.viewer, obligation_id, act.now)
    number = next((k for k, p in enumerate(ctx["powers"], start=1) if p["ref"] == ref), 0)

    def action() -> Obligation:
        _check_reason(reason)
        if not ref.startswith(f"{obligation_id}/"):
            raise InputError.single("power", f"{ref!r} is not a power of {obligation_id}")
        return act.service.exercise_power(ref, on=on, reason=reason, now=act.now)

    return await _act(
        act,
        obligation_id,
        posted=f"power-{number}",
        names=["on", "reason", "power"],
        values=values,
        action=action,
        done="Power exercised; it is on the record.",
    )
