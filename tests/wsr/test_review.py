"""The review rules (wsr._review): states, moves, who may make them, the approval rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from clauses import Conflict, InputError, NotFound
from tests.wsr.review_fixtures import (
    ADMIN,
    BRAND,
    COUNSEL,
    MONITOR,
    NEGOTIATOR,
    NOW,
    OTHER_COUNSEL,
    fair_food,
)
from wsr._review import (
    ClauseDecision,
    Comment,
    DraftStatus,
    Review,
    ReviewForbidden,
    ReviewRefused,
    StatusAction,
    Verdict,
    applied,
    approval_gaps,
    brand_parties,
    comment,
    decide,
    section_hash,
    standing,
    thread_order,
    transition,
)


def review(status: DraftStatus = DraftStatus.DRAFT, **over) -> Review:
    record = fair_food().agreement
    return Review(
        draft_id=record.id,
        record=record,
        status=status,
        created_by=NEGOTIATOR.email,
        created_at=NOW,
        **over,
    )


def with_decision(r: Review, clause_id: str, verdict: Verdict, who=COUNSEL) -> Review:
    d, change = decide(r, clause_id, verdict, who, now=NOW, note="x")
    r = replace(r, decisions=(*r.decisions, d))
    return applied(r, change) if change else r


def all_approved(r: Review) -> Review:
    for cid in r.clause_ids():
        r = with_decision(r, cid, Verdict.APPROVE)
    return r


def test_the_brand_is_the_buyer_party():
    assert brand_parties(fair_food().agreement) == {BRAND}


def test_the_whole_path_draft_to_approved():
    r = review()
    change = transition(r, "submit", NEGOTIATOR, now=NOW)
    assert (change.from_status, change.to_status, change.by) == (
        DraftStatus.DRAFT,
        DraftStatus.IN_REVIEW,
        NEGOTIATOR.email,
    )
    r = applied(r, change)
    r = all_approved(r)
    assert approval_gaps(r) == []
    approved = transition(r, StatusAction.APPROVE, COUNSEL, now=NOW + timedelta(hours=1))
    assert approved.to_status is DraftStatus.APPROVED and approved.by == COUNSEL.email
    r = applied(r, approved)
    done = transition(r, "execute", NEGOTIATOR, now=NOW)
    assert done.to_status is DraftStatus.EXECUTED
    r = applied(r, done)
    assert [c.to_status for c in r.history] == [DraftStatus.IN_REVIEW, DraftStatus.APPROVED,
                                                 DraftStatus.EXECUTED]  # fmt: skip


def test_approval_needs_every_clause_approved_by_brand_counsel():
    r = applied(review(), transition(review(), "submit", NEGOTIATOR, now=NOW))
    first, *rest = r.clause_ids()
    for cid in rest:
        r = with_decision(r, cid, Verdict.APPROVE)
    gaps = approval_gaps(r)
    assert [g.path for g in gaps] == [f"clauses.{first}"]
    assert "not yet decided by counsel of Example Fresh Markets Inc." in gaps[0].message
    with pytest.raises(ReviewRefused) as exc:
        transition(r, "approve", COUNSEL, now=NOW)
    assert f"clauses.{first}: not yet decided" in str(exc.value)


def test_a_request_for_changes_sends_the_draft_back_and_a_later_approval_counts():
    r = applied(review(), transition(review(), "submit", NEGOTIATOR, now=NOW))
    r = all_approved(r)
    r = with_decision(r, "premium", Verdict.REQUEST_CHANGES)
    assert r.status is DraftStatus.CHANGES_REQUESTED
    assert r.history[-1].action == "request_changes" and r.history[-1].by == COUNSEL.email
    assert "Premium and Pass-Through: x" in r.history[-1].reason
    assert [g.path for g in approval_gaps(r)] == ["clauses.premium"]
    with pytest.raises(ReviewRefused, match="is changes_requested; it cannot be approved"):
        transition(r, "approve", COUNSEL, now=NOW)
    # the negotiator answers and submits again; counsel approves the clause, then the draft
    r = applied(r, transition(r, "submit", NEGOTIATOR, now=NOW))
    r = with_decision(r, "premium", Verdict.APPROVE)
    assert transition(r, "approve", COUNSEL, now=NOW).to_status is DraftStatus.APPROVED


def test_a_request_for_changes_needs_a_note():
    r = review(DraftStatus.IN_REVIEW)
    with pytest.raises(InputError) as exc:
        decide(r, "premium", "request_changes", COUNSEL, now=NOW, note="  ")
    assert exc.value.problems[0].path == "note"


def test_a_decision_on_changed_text_no_longer_counts():
    r = all_approved(review(DraftStatus.IN_REVIEW))
    sec = r.record.section("premium")
    # the same decision recorded against another version of the clause's text
    old = [d for d in r.decisions if d.clause_id == "premium"][0]
    r = replace(
        r,
        decisions=tuple(replace(d, section_hash="0" * 64) if d is old else d for d in r.decisions),
    )
    [gap] = approval_gaps(r)
    assert gap.path == "clauses.premium" and "changed since counsel decided" in gap.message
    s = next(s for s in standing(r) if s.clause_id == "premium")
    assert s.decision is None and len(s.stale) == 1
    assert section_hash(sec) == old.section_hash


@pytest.mark.parametrize("who", [NEGOTIATOR, ADMIN, MONITOR, OTHER_COUNSEL])
def test_only_counsel_of_the_brand_decides_and_approves(who):
    r = all_approved(review(DraftStatus.IN_REVIEW))
    with pytest.raises(ReviewForbidden):
        decide(r, "premium", "approve", who, now=NOW)
    with pytest.raises(ReviewForbidden):
        transition(r, "approve", who, now=NOW)


@pytest.mark.parametrize("who", [COUNSEL, MONITOR, OTHER_COUNSEL])
def test_only_negotiators_and_admins_submit_and_execute(who):
    with pytest.raises(ReviewForbidden, match="negotiators"):
        transition(review(), "submit", who, now=NOW)
    with pytest.raises(ReviewForbidden, match="negotiators"):
        transition(review(DraftStatus.APPROVED), "execute", who, now=NOW)
    assert transition(review(), "submit", ADMIN, now=NOW).to_status is DraftStatus.IN_REVIEW


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (DraftStatus.DRAFT, "approve",
         "is draft; it cannot be approved (from draft it can only be: submit)"),
        (DraftStatus.DRAFT, "execute", "is draft; it cannot be executed"),
        (DraftStatus.IN_REVIEW, "submit",
         "is in_review; it cannot be submitted (from in_review it can only be: approve)"),
        (DraftStatus.APPROVED, "submit",
         "cannot be submitted (from approved it can only be: execute)"),
        (DraftStatus.EXECUTED, "submit",
         "is executed; it cannot be submitted (nothing more can happen to it)"),
    ],
)  # fmt: skip
def test_wrong_moves_are_refused_with_what_is_possible(status, action, message):
    who = COUNSEL if action == "approve" else NEGOTIATOR
    with pytest.raises(ReviewRefused) as exc:
        transition(review(status), action, who, now=NOW)
    assert message in str(exc.value)
    assert exc.value.problems[0].path == "action"
    assert isinstance(exc.value, Conflict)  # the console answers 409, the CLI exit 2


def test_unknown_action_and_decision_are_named():
    with pytest.raises(InputError, match="unknown action 'sign'.*submit, approve, execute"):
        transition(review(), "sign", NEGOTIATOR, now=NOW)
    with pytest.raises(InputError, match="unknown decision 'ok'"):
        decide(review(DraftStatus.IN_REVIEW), "premium", "ok", COUNSEL, now=NOW)


def test_decisions_only_while_in_review_or_sent_back():
    for status in (DraftStatus.DRAFT, DraftStatus.APPROVED, DraftStatus.EXECUTED):
        with pytest.raises(ReviewRefused, match="decided while it is in review"):
            decide(review(status), "premium", "approve", COUNSEL, now=NOW)
    d, change = decide(review(DraftStatus.CHANGES_REQUESTED), "premium", "request_changes",
                       COUNSEL, now=NOW, note="n")  # fmt: skip
    assert isinstance(d, ClauseDecision) and change is None  # already sent back


def test_comments_threads_and_who_may_comment():
    r = review(DraftStatus.IN_REVIEW)
    c = comment(r, "premium", COUNSEL, "  Why 97%?  ", now=NOW)
    assert (c.author, c.author_role, c.text, c.reply_to) == (
        COUNSEL.email,
        "counsel",
        "Why 97%?",
        None,
    )
    r = replace(r, comments=(replace(c, id=1),))
    reply = comment(r, "premium", NEGOTIATOR, "The programme's share.", now=NOW, reply_to=1)
    r = replace(r, comments=(*r.comments, replace(reply, id=2)))
    top = comment(r, "premium", ADMIN, "Noted", now=NOW)
    r = replace(r, comments=(*r.comments, replace(top, id=3)))
    assert [(d, c.id) for d, c in thread_order(r.thread("premium"))] == [(0, 1), (1, 2), (0, 3)]
    with pytest.raises(InputError, match="no comment 1 on clause code_of_conduct"):
        comment(r, "code_of_conduct", NEGOTIATOR, "x", now=NOW, reply_to=1)
    with pytest.raises(ReviewForbidden):
        comment(r, "premium", MONITOR, "x", now=NOW)
    with pytest.raises(ReviewForbidden, match="not a party"):
        comment(r, "premium", OTHER_COUNSEL, "x", now=NOW)
    with pytest.raises(InputError) as exc:
        comment(r, "premium", NEGOTIATOR, " \n ", now=NOW)
    assert exc.value.problems[0].path == "text"
    with pytest.raises(NotFound, match="no clause with the id 'nope'"):
        comment(r, "nope", NEGOTIATOR, "x", now=NOW)
    with pytest.raises(ReviewRefused, match="is executed"):
        comment(review(DraftStatus.EXECUTED), "premium", NEGOTIATOR, "x", now=NOW)
    with pytest.raises(InputError, match="control characters"):
        comment(r, "premium", NEGOTIATOR, "a\x00b", now=NOW)
    with pytest.raises(InputError, match="keep it to 10,000"):
        comment(r, "premium", NEGOTIATOR, "x" * 10_001, now=NOW)
    assert isinstance(c, Comment)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        transition(review(), "submit", NEGOTIATOR, now=NOW.replace(tzinfo=None))


def test_no_brand_party_means_no_approval():
    r = review(DraftStatus.IN_REVIEW)
    record = r.record.model_copy(
        update={"parties": [p for p in r.record.parties if p.role != "buyer"]}
    )
    r = replace(r, record=record)
    [gap] = approval_gaps(r)
    assert gap.path == "parties" and "no brand party" in gap.message


def _revised_record(**premium):
    from clauses import assemble, parse_answers
    from clauses._library import load_yaml_text
    from tests.wsr.review_fixtures import FAIR_FOOD, library

    data = load_yaml_text(FAIR_FOOD.read_text(encoding="utf-8"), "x")
    data["clauses"]["premium"].update(premium)
    return assemble(parse_answers(data, library()), library())


def test_a_revision_keeps_the_decisions_on_unchanged_clauses():
    from wsr._review import changed_clauses, revise

    r = applied(review(), transition(review(), "submit", NEGOTIATOR, now=NOW))
    r = all_approved(r)
    r = with_decision(r, "premium", Verdict.REQUEST_CHANGES)
    new = _revised_record(payment_due_days=30)
    assert changed_clauses(r.record, new) == ["premium"]
    change = revise(r, new, NEGOTIATOR, now=NOW)
    assert (change.from_status, change.to_status, change.action) == (
        DraftStatus.CHANGES_REQUESTED,
        DraftStatus.CHANGES_REQUESTED,
        "revise",
    )
    assert "clauses changed: premium" in change.reason and new.id in change.reason
    r = replace(applied(r, change), record=new)
    [gap] = approval_gaps(r)  # the request for changes was on the old premium text
    assert gap.path == "clauses.premium" and "changed since counsel decided" in gap.message
    r = applied(r, transition(r, "submit", NEGOTIATOR, now=NOW))
    r = with_decision(r, "premium", Verdict.APPROVE)
    assert approval_gaps(r) == []


def test_revisions_are_refused_out_of_turn():
    from wsr._review import revise

    new = _revised_record(payment_due_days=30)
    with pytest.raises(ReviewRefused, match="is in_review; it can be revised while"):
        revise(review(DraftStatus.IN_REVIEW), new, NEGOTIATOR, now=NOW)
    with pytest.raises(ReviewForbidden):
        revise(review(), new, COUNSEL, now=NOW)
    with pytest.raises(ReviewRefused, match="exactly the text under review"):
        revise(review(), review().record, NEGOTIATOR, now=NOW)
