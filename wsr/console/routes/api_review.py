"""The review API: create a draft from answers, move it, comment and decide per clause.

Same store, same rules and same messages as the pages (:mod:`wsr.console.routes.review`);
bad input is 422 ``{"errors": [{"path", "message"}]}`` with `wsr draft`'s paths, a move the
draft's state does not allow is 409, a draft counsel's brand is not party to is 404, a role
that may not do something is 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from clauses import LIMITS, InputKind
from obligations import ObligationService

from ..._review import ReviewForbidden, StatusAction
from ..._review_draft import MEDIA_TYPES, draft_from_upload, parse_signed_on
from ..._review_view import review_json, review_view
from .._access import Viewer, may_see_agreement
from .._deps import get_now, get_service, get_viewer
from .._review_deps import forbidden, library, reviewer, reviews, visible
from .api_core import ERRORS, Errors
from .review import draft_download

router = APIRouter(prefix="/api", tags=["review"], responses=ERRORS)

#: a download's answer: the file, or 503 for a PDF where LibreOffice is not installed
_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, as `wsr draft` writes it.",
        "content": {t: {} for t in dict.fromkeys(MEDIA_TYPES.values())},
    },
    503: {"model": Errors, "description": "A PDF was asked for; LibreOffice is not installed."},
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateDraft(_Body):
    answers: str = Field(
        description="The answers file's text: the YAML (or JSON) `wsr draft` takes, or the "
        "answers the guided interview saves",
        max_length=LIMITS[InputKind.ANSWERS],
    )
    filename: str = Field("answers.yaml", description="ends in .json for JSON answers")


class StatusMove(_Body):
    action: str = Field(description="submit, approve or execute")
    reason: str = ""
    signed_on: str | None = Field(None, description="YYYY-MM-DD; required to execute")


class NewComment(_Body):
    text: str
    reply_to: int | None = None


class ClauseVerdict(_Body):
    decision: str = Field(description="approve or request_changes")
    note: str = Field("", description="what to change (required to request changes)")


def _json(request: Request, viewer: Viewer, draft_id: str, **extra: Any) -> dict[str, Any]:
    review = visible(request, viewer, draft_id)
    view = review_view(review, reviews(request).standard(draft_id), library(), reviewer(viewer))
    return {**review_json(view), **extra}


@router.get("/drafts")
def list_drafts(request: Request, viewer: Viewer = Depends(get_viewer)) -> list[dict[str, Any]]:
    """The drafts the viewer may see, the most recently changed first."""
    return [
        {
            "id": d.id,
            "title": d.title,
            "status": d.status.value,
            "brands": list(d.brands),
            "created_by": d.created_by,
            "created_at": d.created_at.isoformat(),
            "updated_at": d.updated_at.isoformat(),
        }
        for d in reviews(request).list()
        if may_see_agreement(viewer, d.record_json)
    ]


@router.post("/agreements", status_code=201)
def create_agreement(
    body: CreateDraft,
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> JSONResponse:
    """Draft an agreement from answers (status ``draft``), validated as `wsr draft` does."""
    who = reviewer(viewer)
    if who.role not in ("admin", "negotiator"):
        raise forbidden(ReviewForbidden("answers", "only negotiators may create drafts"))
    drafted = draft_from_upload(body.answers.encode("utf-8"), body.filename, library())
    review = reviews(request).create(
        drafted.agreement, drafted.standard, drafted.answers_text, who, now=now
    )
    return JSONResponse(
        _json(request, viewer, review.draft_id),
        status_code=201,
        headers={"Location": f"/api/agreements/{review.draft_id}/review"},
    )


@router.post("/agreements/{agreement_id}/answers")
def revise_agreement(
    agreement_id: str,
    body: CreateDraft,
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    """Revised answers for a draft (while a draft or back with the negotiator): its text is
    replaced; decisions on the clauses that changed no longer count."""
    visible(request, viewer, agreement_id)
    drafted = draft_from_upload(body.answers.encode("utf-8"), body.filename, library())
    try:
        reviews(request).revise(
            agreement_id,
            drafted.agreement,
            drafted.standard,
            drafted.answers_text,
            reviewer(viewer),
            now=now,
        )
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    return _json(request, viewer, agreement_id)


@router.get("/agreements/{agreement_id}/review")
def get_review(
    agreement_id: str, request: Request, viewer: Viewer = Depends(get_viewer)
) -> dict[str, Any]:
    """A draft in review: status, history, and per clause its terms, comments, decisions."""
    return _json(request, viewer, agreement_id)


@router.post("/agreements/{agreement_id}/status")
def change_status(
    agreement_id: str,
    body: StatusMove,
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    service: ObligationService = Depends(get_service),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    """Submit, approve, or execute (with ``signed_on``: registered for tracking)."""
    visible(request, viewer, agreement_id)
    who = reviewer(viewer)
    try:
        if body.action == StatusAction.EXECUTE.value:
            day = parse_signed_on(body.signed_on)
            _, result = reviews(request).execute(agreement_id, who, service, signed_on=day, now=now)
            return _json(request, viewer, agreement_id, tracked={"obligations": result.obligations})
        reviews(request).move(agreement_id, body.action, who, now=now, reason=body.reason)
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    return _json(request, viewer, agreement_id)


@router.post("/agreements/{agreement_id}/clauses/{clause_id}/comments", status_code=201)
def comment_clause(
    agreement_id: str,
    clause_id: str,
    body: NewComment,
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    visible(request, viewer, agreement_id)
    try:
        made = reviews(request).comment(
            agreement_id, clause_id, reviewer(viewer), body.text, now=now, reply_to=body.reply_to
        )
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    return {
        "id": made.id,
        "clause_id": made.clause_id,
        "author": made.author,
        "role": made.author_role,
        "at": made.at.isoformat(),
        "text": made.text,
        "reply_to": made.reply_to,
    }


@router.post("/agreements/{agreement_id}/clauses/{clause_id}/decision")
def decide_clause(
    agreement_id: str,
    clause_id: str,
    body: ClauseVerdict,
    request: Request,
    viewer: Viewer = Depends(get_viewer),
    now: datetime = Depends(get_now),
) -> dict[str, Any]:
    """Counsel of the brand approves a clause or requests changes (which sends it back)."""
    visible(request, viewer, agreement_id)
    try:
        reviews(request).decide(
            agreement_id, clause_id, body.decision, reviewer(viewer), now=now, note=body.note
        )
    except ReviewForbidden as exc:
        raise forbidden(exc) from None
    return _json(request, viewer, agreement_id)


@router.get("/agreements/{agreement_id}/downloads/{kind}", response_class=Response, responses=_FILE)
def download(
    agreement_id: str, kind: str, request: Request, viewer: Viewer = Depends(get_viewer)
) -> Response:
    """docx, pdf (LibreOffice), md, redline, deviations, deviations-pdf or json."""
    return draft_download(request, viewer, agreement_id, kind)
