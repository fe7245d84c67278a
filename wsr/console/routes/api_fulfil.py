"""``POST /api/obligations/{id}/fulfil``: record that an obligation was performed, as
``wsr fulfil ID --on DATE [--note TEXT]`` does, for programs (the obligation page's form posts
to ``/obligations/{id}/fulfil``, with an optional evidence file).

Who may: the roles the write matrix gives :attr:`~wsr.console._access.Action.FULFIL` (the
monitoring body: monitor, admin). The checks and messages are the CLI's
(:func:`check_fulfilment`, then the engine's: a date, a state that can be fulfilled, a spec
settled by a person's record); the write is in the audit log under the user's email. Errors:
422 for bad input naming the body's field (``on``, ``note``), 409 where the obligation
cannot be fulfilled now, 404 for one that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from .._access import Action
from ._pagekit import Acting, acting
from .api_core import ERRORS, ObligationDetail

router = APIRouter(prefix="/api", tags=["core"], responses=ERRORS)


class Fulfilment(BaseModel):
    """What ``wsr fulfil`` takes (evidence goes to ``POST …/evidence``, as a file)."""

    on: str = Field(description="The date it was performed (YYYY-MM-DD); late if after due.")
    note: str = Field("", description="A note for the record.")


def check_fulfilment(on: str, note: str, evidence: tuple[str, bytes] | None) -> None:
    """The CLI's checks before the store is opened (``wsr fulfil --note/--evidence``), with its
    messages on the console's inputs (``on``, ``note``, ``file``): a date (``--on`` is required
    there; a blank one here would read "'' is not an ISO date"), text a document can hold, and
    a named, non-empty evidence file within the evidence limit."""
    from clauses import LIMITS, InputError, InputKind, text_problem
    from wsr._cmd_obligations import check_text

    if not on.strip():
        raise InputError.single("on", "give the date it was performed (YYYY-MM-DD)")
    check_text(note, "note")
    if evidence is None:
        return
    name, content = evidence
    if (bad_name := text_problem(name)) is not None:
        raise InputError.single("file", f"the file name {bad_name}")
    limit = LIMITS[InputKind.EVIDENCE]
    if len(content) > limit:
        raise InputError.single("file", f"the evidence file may be at most {limit >> 20} MiB")
    if not content:
        raise InputError.single("file", "the file is empty; attach the evidence itself")


@router.post(
    "/obligations/{obligation_id}/fulfil",
    response_model=ObligationDetail,
)
async def fulfil_obligation(
    obligation_id: str,
    body: Fulfilment,
    act: Acting = Depends(acting(Action.FULFIL)),
) -> dict[str, Any]:
    """Record that the obligation was performed on ``on`` (late if after its due date), as
    ``wsr fulfil``; answers the obligation's page as it is afterwards."""
    from .. import queries

    def store() -> dict[str, Any]:
        check_fulfilment(body.on, body.note, None)
        service = act.service
        with service.store.transaction():
            # not found, or another brand's: the same answer, before anything is written
            queries.obligation_detail(service, obligation_id, act.viewer, now=act.now)
            service.fulfil(obligation_id, on=body.on, evidence=None, note=body.note, now=act.now)
        return queries.obligation_detail(service, obligation_id, act.viewer, now=act.now).to_json()

    return await run_in_threadpool(store)
