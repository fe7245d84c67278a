"""The REST API's obligations: the list (the dashboard's filters and code path), one
obligation's page, and ``POST …/evidence`` (an upload refused past 25 MiB without reading it
all, stored without fulfilling the obligation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends, File, Form, Query, UploadFile

from clauses import InputError
from obligations import ObligationService

from .._access import Action, Viewer
from .._deps import csrf_check, get_now, get_service, get_viewer, require_action
from ._api_common import MAX_EVIDENCE, MAX_LIMIT, router
from .api_models import ObligationDetail, ObligationPage


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
