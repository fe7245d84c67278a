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

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from obligations import LegalState, ObligationService
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

from ..._bundle import Bundle, load_bundle
from ..._bundle_files import build_pdf, build_zip
from .._access import Action, Viewer
from .._deps import check_agreement, console_of, get_now, require_action
from .._templates import render
from .api_core import ERRORS

router = APIRouter(tags=["bundles"])

_viewer = require_action(Action.BUNDLES.value)


def _documented(media: str, what: str) -> dict[int | str, dict[str, object]]:
    """The answers an /api download documents: the file, or the console's error shapes."""
    body = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": what, "content": {media: body}}, **ERRORS}


_PDF = _documented("application/pdf", "The bundle's PDF.")
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
    return _download(build_pdf(bundle), f"{bundle.stem}.pdf", "application/pdf")


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
         "state": o.state.value, "flags": ", ".join(sorted(o.flags))}
        for o in stored
        if o.state is LegalState.VIOLATED or {"breach_suspected", "disputed"} & o.flags
    ]  # fmt: skip
    return render(
        request, "bundle.html", agreement=tracked, disputed=disputed, now=now, title=tracked.title
    )


@router.get("/api/agreements/{agreement_id}/bundle.pdf", response_class=Response, responses=_PDF)
@router.get(
    "/agreements/{agreement_id}/bundle.pdf", response_class=Response, include_in_schema=False
)
def agreement_bundle_pdf(
    agreement_id: str,
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
    now: datetime = Depends(get_now),
) -> Response:
    """The agreement's arbitration bundle as a PDF (chronology, notices and their delivery
    evidence, exhibits with SHA-256, the agreement as signed), PDF exhibits appended."""
    return _pdf(_load(store, viewer, agreement_id, now))


@router.get("/api/agreements/{agreement_id}/bundle.zip", response_class=Response, responses=_ZIP)
@router.get(
    "/agreements/{agreement_id}/bundle.zip", response_class=Response, include_in_schema=False
)
def agreement_bundle_zip(
    agreement_id: str,
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
    now: datetime = Depends(get_now),
) -> Response:
    """The originals of the agreement's bundle (record, exhibits, notices as sent, the
    chronology) with ``manifest.json`` naming each file's SHA-256."""
    return _zip(_load(store, viewer, agreement_id, now))


@router.get("/api/obligations/{obligation_id}/bundle.pdf", response_class=Response, responses=_PDF)
@router.get(
    "/obligations/{obligation_id}/bundle.pdf", response_class=Response, include_in_schema=False
)
def obligation_bundle_pdf(
    obligation_id: str,
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
    now: datetime = Depends(get_now),
) -> Response:
    """The bundle of one obligation in dispute, as a PDF."""
    agreement_id = _agreement_of(store, viewer, obligation_id)
    return _pdf(_load(store, viewer, agreement_id, now, obligation_id))


@router.get("/api/obligations/{obligation_id}/bundle.zip", response_class=Response, responses=_ZIP)
@router.get(
    "/obligations/{obligation_id}/bundle.zip", response_class=Response, include_in_schema=False
)
def obligation_bundle_zip(
    obligation_id: str,
    viewer: Viewer = Depends(_viewer),
    store: SqlAlchemyObligationStore = Depends(_store),
    now: datetime = Depends(get_now),
) -> Response:
    """The originals of one obligation's bundle with their manifest."""
    agreement_id = _agreement_of(store, viewer, obligation_id)
    return _zip(_load(store, viewer, agreement_id, now, obligation_id))
