"""What the review page and the review API show of a draft, built once for both (pure).

Per clause: the chosen alternative beside the standard text with the differences marked
(:func:`clauses.render.html_diff.clause_diff`, the redline's own word diff), the commentary
and the variables from the library, how it stands against the standard
(:func:`clauses.compare_to_standard`), its comment thread and each brand's standing decision;
for the draft: its history, what still stands between it and approval, and the moves the
person looking at it may make (asked of the pure rules in :mod:`wsr._review`, never
re-decided here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from clauses import Agreement, EngineError, Library, compare_to_standard
from clauses.render.html_diff import ClauseDiff, clause_diff

from ._review import (
    ADMIN,
    NEGOTIATOR,
    Comment,
    DraftStatus,
    Review,
    Reviewer,
    Standing,
    StatusAction,
    approval_gaps,
    standing,
    thread_order,
    transition,
)


@dataclass(frozen=True)
class VariableView:
    name: str
    label: str
    value: str
    standard: str | None  # the standard's value when it differs, else None
    basis: str = ""  # "reference": compared with a programme's figure, not the standard


@dataclass(frozen=True)
class ClauseView:
    clause_id: str
    number: str
    title: str
    status: str  # same | changed | added | absent (DeviationStatus values)
    alternative: str
    alternative_label: str
    alternative_kind: str
    standard_alternative_label: str
    diff: ClauseDiff
    commentary: str
    variables: tuple[VariableView, ...]
    thread: tuple[tuple[int, Comment], ...]
    standing: tuple[Standing, ...]


@dataclass(frozen=True)
class ReviewView:
    review: Review
    clauses: tuple[ClauseView, ...]
    absent: tuple[ClauseView, ...]  # clauses of the standard the draft leaves out
    gaps: tuple[str, ...]
    actions: tuple[StatusAction, ...]  # status moves this person may make now
    may_comment: bool
    may_decide: bool
    may_revise: bool
    counts: dict[str, int]


def shown(value: Any) -> str:
    """A variable's JSON value as counsel reads it (lists of rows as ``a, b; c, d``)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            return "; ".join(", ".join(f"{k}: {shown(v)}" for k, v in row.items()) for row in value)
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def allowed_actions(review: Review, who: Reviewer) -> tuple[StatusAction, ...]:
    """The status moves the rules would let ``who`` make now (execute needs a date: checked
    with the creation time, since only the state and the role matter for offering it)."""
    out = []
    for act in (StatusAction.SUBMIT, StatusAction.APPROVE, StatusAction.EXECUTE):
        try:
            transition(review, act, who, now=review.created_at)
        except EngineError:
            continue
        out.append(act)
    return tuple(out)


def _may_comment(review: Review, who: Reviewer) -> bool:
    if review.status is DraftStatus.EXECUTED:
        return False
    if who.role in (ADMIN, NEGOTIATOR):
        return True
    return who.role == "counsel" and who.brand is not None and who.brand in review.brands


def _may_decide(review: Review, who: Reviewer) -> bool:
    return (
        who.role == "counsel"
        and who.brand is not None
        and who.brand in review.brands
        and review.status in (DraftStatus.IN_REVIEW, DraftStatus.CHANGES_REQUESTED)
    )


def review_view(review: Review, standard: Agreement, lib: Library, who: Reviewer) -> ReviewView:
    report = compare_to_standard(review.record, standard, lib)
    std = {s.clause_id: s for s in standard.sections}
    stands = standing(review)
    views = []
    for section in review.record.sections:
        cid = section.clause_id
        dev = report.clause(cid)
        cdef = lib.clauses.get(cid)
        changes = {v.name: v for v in dev.variables}
        variables = []
        for name, value in section.variables.items():
            vdef = cdef.variables.get(name) if cdef is not None else None
            change = changes.get(name)
            variables.append(
                VariableView(
                    name,
                    vdef.label if vdef is not None and vdef.label else name,
                    shown(value),
                    shown(change.standard) if change is not None else None,
                    change.basis if change is not None else "",
                )
            )
        views.append(
            ClauseView(
                clause_id=cid,
                number=section.number,
                title=section.title,
                status=dev.status.value,
                alternative=section.alternative,
                alternative_label=dev.alternative_label or section.alternative,
                alternative_kind=section.alternative_kind,
                standard_alternative_label=dev.standard_alternative_label
                or (dev.standard_alternative or "—"),
                diff=clause_diff(section, std.get(cid)),
                commentary=cdef.commentary if cdef is not None else dev.commentary,
                variables=tuple(variables),
                thread=tuple(thread_order(review.thread(cid))),
                standing=tuple(s for s in stands if s.clause_id == cid),
            )
        )
    absent = []
    have = {s.clause_id for s in review.record.sections}
    for s in standard.sections:
        if s.clause_id in have:
            continue
        cdef = lib.clauses.get(s.clause_id)
        absent.append(
            ClauseView(
                clause_id=s.clause_id,
                number="",
                title=s.title,
                status="absent",
                alternative="",
                alternative_label="(left out)",
                alternative_kind="",
                standard_alternative_label=s.alternative,
                diff=clause_diff(None, s),
                commentary=cdef.commentary if cdef is not None else "",
                variables=(),
                thread=(),
                standing=(),
            )
        )
    return ReviewView(
        review=review,
        clauses=tuple(views),
        absent=tuple(absent),
        gaps=tuple(str(g) for g in approval_gaps(review)),
        actions=allowed_actions(review, who),
        may_comment=_may_comment(review, who),
        may_decide=_may_decide(review, who),
        may_revise=who.role in (ADMIN, NEGOTIATOR)
        and review.status in (DraftStatus.DRAFT, DraftStatus.CHANGES_REQUESTED),
        counts=report.counts(),
    )


def review_json(view: ReviewView) -> dict[str, Any]:
    """The review as the API answers it (no HTML; the diff as the redline's pieces)."""
    r = view.review
    return {
        "id": r.draft_id,
        "agreement_id": r.record.id,  # the current text's id: the draft's own until revised
        "title": r.record.title,
        "content_hash": r.record.content_hash,
        "status": r.status.value,
        "brands": sorted(r.brands),
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat(),
        "signed_on": r.signed_on.isoformat() if r.signed_on else None,
        "history": [
            {
                "from": h.from_status.value if h.from_status else None,
                "to": h.to_status.value,
                "action": h.action,
                "by": h.by,
                "at": h.at.isoformat(),
                "reason": h.reason,
            }
            for h in r.history
        ],
        "approval_gaps": list(view.gaps),
        "actions": [a.value for a in view.actions],
        "summary": view.counts,
        "clauses": [
            {
                "clause_id": c.clause_id,
                "number": c.number,
                "title": c.title,
                "status": c.status,
                "alternative": c.alternative,
                "variables": {v.name: v.value for v in c.variables},
                "differs_from_standard": {
                    v.name: v.standard for v in c.variables if v.standard is not None
                },
                "comments": [
                    {
                        "id": m.id,
                        "author": m.author,
                        "role": m.author_role,
                        "at": m.at.isoformat(),
                        "text": m.text,
                        "reply_to": m.reply_to,
                    }
                    for _, m in c.thread
                ],
                "decisions": [
                    {
                        "brand": s.brand,
                        "decision": s.decision.verdict.value if s.decision else None,
                        "by": s.decision.by if s.decision else None,
                        "at": s.decision.at.isoformat() if s.decision else None,
                        "note": s.decision.note if s.decision else "",
                    }
                    for s in c.standing
                ],
            }
            for c in view.clauses
        ],
    }
