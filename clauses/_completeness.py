"""Is the agreement WSR at all? The clause types left out, and the WSR elements they carried.

The library marks the clause types that carry one of the six WSR elements (``required:`` in
a clause file). An agreement that includes no clause carrying an element is not a WSR
agreement, whatever else it says; drafting it is allowed, because counsel may be mid-way
through a negotiation, but never silent: the record lists every clause type left out, each
missing element becomes a warning, and ``wsr draft --strict`` refuses unless the answers
record the omission with a reason and an approver (``omit:``).
"""

from __future__ import annotations

from collections.abc import Collection

from ._agreement import Agreement, OmissionRec, WarningRec
from ._answers import Answers
from ._exceptions import InputError, Problem
from ._library import Library


def omissions(answers: Answers, lib: Library) -> list[OmissionRec]:
    """Every clause type of the library the answers leave out, in library order.

    ``required`` is true when no included clause carries the same WSR element, so leaving
    out a premium in an agreement that finances remediation is an ordinary omission.
    """
    needed = set(required_omissions(lib, answers.clauses))
    out = []
    for cid, cdef in lib.clauses.items():
        if cid in answers.clauses:
            continue
        req = cdef.required
        required = cid in needed
        recorded = answers.omissions.get(cid)
        out.append(
            OmissionRec(
                clause_id=cid,
                title=cdef.title,
                required=required,
                reason=recorded.reason if recorded else None,
                approved_by=recorded.approved_by if recorded else None,
                lacks=req.lacks if required and req is not None else "",
            )
        )
    return out


def required_omissions(lib: Library, included: Collection[str]) -> list[str]:
    """The clause types left out of ``included`` whose WSR element no included clause carries,
    in library order: the omissions that need a recorded reason and approver (else a warning,
    and ``--strict`` refuses)."""
    carried = {
        cdef.required.element
        for cid, cdef in lib.clauses.items()
        if cid in included and cdef.required is not None
    }
    return [
        cid
        for cid, cdef in lib.clauses.items()
        if cid not in included
        and cdef.required is not None
        and cdef.required.element not in carried
    ]


def _unrecorded(omitted: list[OmissionRec]) -> list[OmissionRec]:
    return [o for o in omitted if o.required and (o.reason is None or o.approved_by is None)]


def _message(o: OmissionRec) -> str:
    return (
        f"required clause {o.title!r} is left out: {o.lacks} Include it under "
        f"clauses.{o.clause_id}, or record omit.{o.clause_id}.reason and .approved_by"
    )


def omission_warnings(omitted: list[OmissionRec]) -> list[WarningRec]:
    """One warning per required clause left out without a recorded reason and approver."""
    return [
        WarningRec(path=f"clauses.{o.clause_id}", message=_message(o)) for o in _unrecorded(omitted)
    ]


def require_complete(agreement: Agreement) -> None:
    """``--strict``: refuse an agreement that leaves out a required clause unrecorded."""
    problems = [
        Problem(f"clauses.{o.clause_id}", _message(o)) for o in _unrecorded(agreement.omitted)
    ]
    if problems:
        raise InputError(problems)
