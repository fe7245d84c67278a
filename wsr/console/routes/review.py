"""The review pages: drafts from answers, a draft clause by clause, its moves and downloads.

Thin: each handler reads the form, calls the review store (whose pure rules decide), and
redirects (POST → 303) or re-renders the page with each problem beside its field. Access: every
signed-in person may list and open the drafts they may see (counsel: its own brand's only,
others' are 404); the rules of :mod:`wsr._review` say who may move, comment or decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from clauses import LIMITS, Conflict, EngineError, InputError, InputKind
from obligations import ObligationService

from ..._review import ReviewForbidden, StatusAction
from ..._review_draft import (
    MEDIA_TYPES,
    draft_from_upload,
    parse_signed_on,
    pdf_available,
    render_download,
)
from ..._review_view import review_view
from .._access import Action, Viewer, may_see_agreement, may_write
from .._deps import console_of, csrf_check, get_now, get_service, get_viewer
from .._errors import field_errors, status_of
from .._review_deps import forbidden, library, reviewer, reviews, visible
from .._templates import render

router = APIRouter(include_in_schema=False)


def _list_page(
    request: Request, viewer: Viewer, *, status: int = 200, errors: dict[str, str] | None = None
) -> Response:
    drafts = [d for d in reviews(request).list() if may_see_agreement(viewer, d.record_json)]
    return render(
        request,
        "review_list.html",
        status_code=status,
        drafts=drafts,
        may_create=may_write(viewer, Action.DRAFTS_CREATE),
        field_errors=errors or {},
    )


def _page(
    request: Request,
    viewer: Viewer,
    draft_id: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    review = visible(request, viewer, draft_id)
    view = review_view(review, reviews(request).standard(draft_id), library(), reviewer(viewer))
    return render(
        request,
        "review.html",
        status_code=status,
        view=view,
        pdf_available=pdf_available(),
        field_errors=errors or {},
    )


def _back(request: Request, draft_id: str, message: str, anchor: str = "") -> Response:
    response = RedirectResponse(f"/review/{draft_id}{anchor}", status_code=303)
    console_of(request).flash(response, message)
    return response


@router.get("/review")
def review_list(request: Request, viewer: Viewer = Depends(get_viewer)) -> Response:
    return _list_page(request, viewer)


@router.post("/review", dependencies=[Depends(csrf_check)])
def create_draft(
    request: Request,
    answers: Annotated[UploadFile, File()],
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> Response:
    if not may_write(viewer, Action.DRAFTS_CREATE):
        raise forbidden(ReviewForbidden("answers", "only negotiators may create drafts"))
    data = answers.file.read(LIMITS[InputKind.ANSWERS] + 1)
    try:
        drafted = draft_from_upload(data, answers.filename, library())
        review = reviews(request).create(
            drafted.agreement, drafted.standard, drafted.answers_text, reviewer(viewer), now=now
        )
    except (InputError, Conflict) as exc:
        return _list_page(request, viewer, status=status_of(exc), errors=field_errors(exc))
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    return _back(request, review.draft_id, f"Draft {review.draft_id} created from the answers.")


@router.post("/review/{draft_id}/revise", dependencies=[Depends(csrf_check)])
def revise_draft(
    draft_id: str,
    request: Request,
    answers: Annotated[UploadFile, File()],
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> Response:
    visible(request, viewer, draft_id)
    data = answers.file.read(LIMITS[InputKind.ANSWERS] + 1)
    try:
        drafted = draft_from_upload(data, answers.filename, library())
        review = reviews(request).revise(
            draft_id,
            drafted.agreement,
            drafted.standard,
            drafted.answers_text,
            reviewer(viewer),
            now=now,
        )
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    except EngineError as exc:
        if status_of(exc) == 500:
            raise
        return _page(request, viewer, draft_id, status=status_of(exc), errors=field_errors(exc))
    changed = review.history[-1].reason.rpartition("clauses changed: ")[2]
    return _back(
        request,
        draft_id,
        f"Revised: the text is now {review.record.id}; clauses changed: {changed}.",
    )


@router.get("/review/{draft_id}/answers")
def answers_file(draft_id: str, request: Request, viewer: Viewer = Depends(get_viewer)) -> Response:
    """The answers the draft's current text was made from, as uploaded."""
    visible(request, viewer, draft_id)
    text = reviews(request).answers_yaml(draft_id)
    return Response(
        text.encode("utf-8"),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{draft_id}.answers.yaml"'},
    )


@router.get("/review/{draft_id}")
def review_page(draft_id: str, request: Request, viewer: Viewer = Depends(get_viewer)) -> Response:
    return _page(request, viewer, draft_id)


@router.post("/review/{draft_id}/status", dependencies=[Depends(csrf_check)])
def move(
    draft_id: str,
    request: Request,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    signed_on: Annotated[str | None, Form()] = None,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> Response:
    visible(request, viewer, draft_id)
    who = reviewer(viewer)
    try:
        if action == StatusAction.EXECUTE.value:
            day = parse_signed_on(signed_on)
            review, result = reviews(request).execute(
                draft_id, who, service, signed_on=day, now=now
            )
            message = (
                f"Executed on {day.isoformat()} and registered for tracking: "
                f"{result.obligations} obligations."
            )
        else:
            review = reviews(request).move(draft_id, action, who, now=now, reason=reason)
            message = f"The draft is now {review.status.value.replace('_', ' ')}."
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    except EngineError as exc:
        if status_of(exc) == 500:
            raise
        return _page(request, viewer, draft_id, status=status_of(exc), errors=field_errors(exc))
    return _back(request, draft_id, message)


@router.post("/review/{draft_id}/clauses/{clause_id}/comments", dependencies=[Depends(csrf_check)])
def add_comment(
    draft_id: str,
    clause_id: str,
    request: Request,
    text: Annotated[str, Form()] = "",
    reply_to: Annotated[str | None, Form()] = None,
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> Response:
    visible(request, viewer, draft_id)
    try:
        parent = _reply_to(reply_to)
        made = reviews(request).comment(
            draft_id, clause_id, reviewer(viewer), text, now=now, reply_to=parent
        )
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    except EngineError as exc:
        if status_of(exc) == 500:
            raise
        return _page(request, viewer, draft_id, status=status_of(exc), errors=field_errors(exc))
    return _back(request, draft_id, "Comment added.", f"#comment-{made.id}")


@router.post("/review/{draft_id}/clauses/{clause_id}/decision", dependencies=[Depends(csrf_check)])
def decide_clause(
    draft_id: str,
    clause_id: str,
    request: Request,
    decision: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> Response:
    visible(request, viewer, draft_id)
    try:
        made, review = reviews(request).decide(
            draft_id, clause_id, decision, reviewer(viewer), now=now, note=note
        )
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    except EngineError as exc:
        if status_of(exc) == 500:
            raise
        return _page(request, viewer, draft_id, status=status_of(exc), errors=field_errors(exc))
    said = "approved" if made.verdict.value == "approve" else "changes requested"
    message = f"Clause {clause_id}: {said}."
    if review.status.value == "changes_requested" and made.verdict.value != "approve":
        message += " The draft is back with the negotiator."
    return _back(request, draft_id, message, f"#clause-{clause_id}")


@router.get("/review/{draft_id}/download/{kind}")
def download(
    draft_id: str, kind: str, request: Request, viewer: Viewer = Depends(get_viewer)
) -> Response:
    return draft_download(request, viewer, draft_id, kind)


def draft_download(request: Request, viewer: Viewer, draft_id: str, kind: str) -> Response:
    """One of the draft's files (for the page and the API alike); 503 for a PDF without
    LibreOffice (the page offers none then)."""
    from starlette.exceptions import HTTPException

    from clauses import ToolMissing

    review = visible(request, viewer, draft_id)
    try:
        name, data = render_download(
            kind,
            review.record,
            reviews(request).standard(draft_id),
            library(),
            redline_time=review.created_at,
        )
    except ToolMissing as exc:
        raise HTTPException(503, str(exc)) from None
    return file_response(name, data)


def file_response(name: str, data: bytes) -> Response:
    suffix = "." + name.rsplit(".", 1)[-1]
    return Response(
        data,
        media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _reply_to(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError.single("reply_to", f"{text!r} is not a comment number") from None
