"""Arbitration bundle downloads: the PDF and the ZIP of an agreement, or of one obligation, that
the viewer may see — as they may see it (``wsr._bundle``: counsel's never names a complainant).

``/agreements/{id}/bundle`` is a page with the links; the downloads are
``/agreements/{id}/bundle.pdf|.zip`` and ``/obligations/{id}/bundle.pdf|.zip``, and the same
under ``/api`` for programs (in the OpenAPI description; errors as JSON). Counsel asking
for another brand's agreement gets the same 404 as for one that does not exist. Each download
is made when asked for (the PDF through LibreOffice, a few seconds): nothing is kept, so a
bundle is always the record as it stands.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from obligations import LegalState, ObligationService
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

from ..._bundle import Bundle, load_bundle
from ..._bundle_files import build_pdf, build_zip
from .._access import Action, Viewer
from .._deps import check_agreement, console_of, get_now, require_action
from .._templates import render
from ._pagekit import Acting, acting, download
from .api_core import ERRORS, Errors

router = APIRouter(tags=["bundles"])

_viewer = require_action(Action.BUNDLES.value)
#: a download: the roles that may have bundles (a GET: no CSRF token)
_ASKS = acting(Action.BUNDLES, csrf=False)


def _documented(media: str, what: str) -> dict[int | str, dict[str, object]]:
    """The answers an /api download documents: the file, or the console's error shapes."""
    body = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": what, "content": {media: body}}, **ERRORS}


_PDF = {
    **_documented("application/pdf", "The bundle's PDF."),
    503: {"model": Errors, "description": "LibreOffice, which makes the PDF, is not installed."},
}
_ZIP = _documented("application/zip", "The originals with manifest.json.")


def _store(request: Request) -> SqlAlchemyObligationStore:
    """The console's store (reads only: a bundle writes nothing)."""
    return console_of(request).store


def _load(
    store: SqlAlchemyObligationStore,
    viewer: Viewer,
    agreement_id: str,
    now: datetime,
    obligation_id: str | None = None,
) -> Bundle:
    from clauses import NotFound

    with store.read():
        try:
            tracked = store.get_agreement(agreement_id)
        except NotFound:
            raise NotFound("agreement", agreement_id, path="agreement") from None
        check_agreement(viewer, agreement_id, tracked.record_json)
    return load_bundle(store, agreement_id, now=now, obligation_id=obligation_id, viewer=viewer)


def _agreement_of(store: SqlAlchemyObligationStore, viewer: Viewer, obligation_id: str) -> str:
    """The agreement of a stored obligation the viewer may see (404 otherwise)."""
    from clauses import NotFound

    with store.read():
        try:
            ob = store.get_obligation(obligation_id)
        except NotFound:
            raise NotFound("obligation", obligation_id, path="obligation") from None
        tracked = store.get_agreement(ob.agreement_id)
        try:
            check_agreement(viewer, ob.agreement_id, tracked.record_json)
        except NotFound:
            raise NotFound("obligation", obligation_id, path="obligation") from None
    return ob.agreement_id


def _download(data: bytes, name: str, media: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _pdf(bundle: Bundle) -> Response:
    """The PDF, or 503 saying LibreOffice is needed and how to install it (the ZIP is made
    without it), as ``wsr bundle`` refuses."""
    from clauses import ToolMissing

    try:
        data = build_pdf(bundle)
    except ToolMissing as exc:
        raise HTTPException(503, f"{exc}; the ZIP download works without it") from None
    return _download(data, f"{bundle.stem}.pdf", "application/pdf")


def _zip(bundle: Bundle) -> Response:
    return _download(build_zip(bundle), f"{bundle.stem}.zip", "application/zip")


@router.get("/agreements/{agreement_id}/bundle", include_in_schema=False)
def bundle_page(
    request: Request,
    agreement_id: str,
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
    now: datetime = Depends(get_now),
) -> Response:
    from clauses import NotFound

    with store.read():
        try:
            tracked = store.get_agreement(agreement_id)
        except NotFound:
            raise NotFound("agreement", agreement_id, path="agreement") from None
        check_agreement(viewer, agreement_id, tracked.record_json)
        # as a read at now shows them, like every listing
        stored = ObligationService(store, actor=viewer.email).obligations(
            agreement_id=agreement_id, now=now
        )
    disputed = [
        {"id": o.id, "title": o.title, "subject": o.subject or "", "due": o.due.isoformat(),
         "state": o.state.value, "flags": sorted(o.flags),
         "in_force": o.to_view(now)["in_force"]}
        for o in stored
        if o.state is LegalState.VIOLATED or {"breach_suspected", "disputed"} & o.flags
    ]  # fmt: skip
    return render(
        request, "bundle.html", agreement=tracked, disputed=disputed, now=now, title=tracked.title
    )


@download(router, "/agreements/{agreement_id}/bundle.pdf", _PDF)
def agreement_bundle_pdf(agreement_id: str, act: Acting = Depends(_ASKS)) -> Response:
    """The agreement's arbitration bundle as a PDF (chronology, notices and their delivery
    evidence, exhibits with SHA-256, the agreement as signed), PDF exhibits appended."""
    return _pdf(_load(_store(act.request), act.viewer, agreement_id, act.now))


@download(router, "/agreements/{agreement_id}/bundle.zip", _ZIP)
def agreement_bundle_zip(agreement_id: str, act: Acting = Depends(_ASKS)) -> Response:
    """The originals of the agreement's bundle (record, exhibits, notices as sent, the
    chronology) with ``manifest.json`` naming each file's SHA-256."""
    return _zip(_load(_store(act.request), act.viewer, agreement_id, act.now))


def _obligation_bundle(act: Acting, obligation_id: str) -> Bundle:
    store = _store(act.request)
    agreement_id = _agreement_of(store, act.viewer, obligation_id)
    return _load(store, act.viewer, agreement_id, act.now, obligation_id)


@download(router, "/obligations/{obligation_id}/bundle.pdf", _PDF)
def obligation_bundle_pdf(obligation_id: str, act: Acting = Depends(_ASKS)) -> Response:
    """The bundle of one obligation in dispute, as a PDF."""
    return _pdf(_obligation_bundle(act, obligation_id))


@download(router, "/obligations/{obligation_id}/bundle.zip", _ZIP)
def obligation_bundle_zip(obligation_id: str, act: Acting = Depends(_ASKS)) -> Response:
    """The originals of one obligation's bundle with their manifest."""
    return _zip(_obligation_bundle(act, obligation_id))
