"""Drafts in review on SQLite and PostgreSQL: every write stored, audited, and refused whole."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clauses import Conflict, InputError, NotFound
from obligations import ObligationService
from obligations._db import make_engine, upgrade
from obligations.stores._sqltables import clause_comments, clause_decisions, drafts
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.obligations.conftest import _empty, pg_engine  # noqa: F401  (a fixture)
from tests.wsr.review_fixtures import COUNSEL, NEGOTIATOR, NOW, OTHER_COUNSEL, fair_food
from wsr._review import DraftStatus, ReviewForbidden, ReviewRefused, Verdict
from wsr._review_store import ReviewStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Any) -> SqlAlchemyObligationStore:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'wsr.db'}")
        upgrade(engine)
        return SqlAlchemyObligationStore(engine)
    engine = request.getfixturevalue("pg_engine")
    _empty(engine)
    return SqlAlchemyObligationStore(engine)


def _count(store: SqlAlchemyObligationStore, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _created(store: SqlAlchemyObligationStore):
    d = fair_food()
    return ReviewStore(store).create(d.agreement, d.standard, d.answers_text, NEGOTIATOR, now=NOW)


def test_create_read_back_and_list(sql_store):
    r = _created(sql_store)
    d = fair_food()
    assert r.draft_id == d.agreement.id and r.status is DraftStatus.DRAFT
    assert r.record == d.agreement and r.created_by == NEGOTIATOR.email and r.created_at == NOW
    [h] = r.history
    assert (h.from_status, h.to_status, h.by, h.at) == (
        None,
        DraftStatus.DRAFT,
        NEGOTIATOR.email,
        NOW,
    )
    rs = ReviewStore(sql_store)
    assert rs.standard(r.draft_id) == d.standard
    assert rs.answers_yaml(r.draft_id) == d.answers_text
    [line] = rs.list()
    assert (line.id, line.status, line.brands) == (r.draft_id, DraftStatus.DRAFT, (COUNSEL.brand,))
    with pytest.raises(Conflict, match="already under review as draft"):
        _created(sql_store)
    with pytest.raises(NotFound):
        rs.get("agr-000000000000")


def test_the_full_review_is_stored_and_audited_with_the_user(sql_store):
    rs = ReviewStore(sql_store)
    r = _created(sql_store)
    did = r.draft_id
    t = NOW
    r = rs.move(did, "submit", NEGOTIATOR, now=(t := t + timedelta(hours=1)))
    assert r.status is DraftStatus.IN_REVIEW
    c1 = rs.comment(did, "premium", COUNSEL, "Why 97%?", now=(t := t + timedelta(hours=1)))
    assert c1.id is not None
    for cid in r.clause_ids():
        if cid != "premium":
            rs.decide(did, cid, "approve", COUNSEL, now=t)
    _, r = rs.decide(did, "premium", Verdict.REQUEST_CHANGES, COUNSEL, now=t, note="Say 95%")
    assert r.status is DraftStatus.CHANGES_REQUESTED
    c2 = rs.comment(did, "premium", NEGOTIATOR, "97% is the programme's share", now=t,
                    reply_to=c1.id)  # fmt: skip
    r = rs.move(did, "submit", NEGOTIATOR, now=(t := t + timedelta(hours=1)))
    _, r = rs.decide(did, "premium", "approve", COUNSEL, now=t)
    r = rs.move(did, "approve", COUNSEL, now=(t := t + timedelta(hours=1)))
    assert r.status is DraftStatus.APPROVED
    service = ObligationService(sql_store, actor=NEGOTIATOR.email)
    r, result = rs.execute(did, NEGOTIATOR, service, signed_on=date(2026, 1, 5),
                           now=(t := t + timedelta(days=3)))  # fmt: skip
    assert r.status is DraftStatus.EXECUTED and r.signed_on == date(2026, 1, 5)
    assert result.obligations > 0
    assert sql_store.get_agreement(did).signed_on == date(2026, 1, 5)
    assert sql_store.find_obligations(agreement_id=did)  # its obligations are tracked
    # read back from the database, not from the returned value
    back = rs.get(did)
    assert [(h.action, h.to_status.value, h.by) for h in back.history] == [
        ("create", "draft", NEGOTIATOR.email),
        ("submit", "in_review", NEGOTIATOR.email),
        ("request_changes", "changes_requested", COUNSEL.email),
        ("submit", "in_review", NEGOTIATOR.email),
        ("approve", "approved", COUNSEL.email),
        ("execute", "executed", NEGOTIATOR.email),
    ]
    assert [(c.id, c.reply_to, c.author) for c in back.thread("premium")] == [
        (c1.id, None, COUNSEL.email),
        (c2.id, c1.id, NEGOTIATOR.email),
    ]
    assert len(back.decisions) == len(r.clause_ids()) + 1
    # every write is in the audit log, hash-chained, with the user as actor
    entries = [e for e in sql_store.audit_entries(did) if e.action.startswith(("draft", "clause"))]
    assert [e.action for e in entries][:3] == ["draft_created", "draft_status", "clause_commented"]
    assert {e.actor for e in entries} == {NEGOTIATOR.email, COUNSEL.email}
    assert sum(e.action == "clause_decided" for e in entries) == len(r.clause_ids()) + 1
    assert sum(e.action == "draft_status" for e in entries) == 5
    tracked = [e for e in sql_store.audit_entries(did) if e.action == "agreement_tracked"]
    assert tracked and tracked[0].actor == NEGOTIATOR.email
    from obligations._auditcheck import reconcile

    assert reconcile(sql_store, sql_store.audit_entries()) == []  # `wsr audit verify` agrees


def test_refused_moves_write_nothing(sql_store):
    rs = ReviewStore(sql_store)
    r = _created(sql_store)
    before = (len(sql_store.audit_entries()), _count(sql_store, clause_decisions))
    with pytest.raises(ReviewRefused):
        rs.move(r.draft_id, "approve", COUNSEL, now=NOW)
    with pytest.raises(ReviewRefused):
        rs.decide(r.draft_id, "premium", "approve", COUNSEL, now=NOW)  # not in review yet
    rs.move(r.draft_id, "submit", NEGOTIATOR, now=NOW)
    before = (len(sql_store.audit_entries()), _count(sql_store, clause_decisions))
    with pytest.raises(ReviewForbidden):
        rs.decide(r.draft_id, "premium", "approve", OTHER_COUNSEL, now=NOW)
    with pytest.raises(ReviewForbidden):
        rs.comment(r.draft_id, "premium", OTHER_COUNSEL, "x", now=NOW)
    with pytest.raises(ReviewRefused):
        rs.move(r.draft_id, "approve", COUNSEL, now=NOW)
    with pytest.raises(InputError, match="signing date"):
        rs.move(r.draft_id, "execute", NEGOTIATOR, now=NOW)
    assert (len(sql_store.audit_entries()), _count(sql_store, clause_decisions)) == before
    assert _count(sql_store, clause_comments) == 0
    assert rs.get(r.draft_id).status is DraftStatus.IN_REVIEW


def test_execute_that_fails_to_track_leaves_the_draft_approved(sql_store):
    rs = ReviewStore(sql_store)
    r = _created(sql_store)
    rs.move(r.draft_id, "submit", NEGOTIATOR, now=NOW)
    for cid in r.clause_ids():
        rs.decide(r.draft_id, cid, "approve", COUNSEL, now=NOW)
    rs.move(r.draft_id, "approve", COUNSEL, now=NOW)
    service = ObligationService(sql_store, actor=NEGOTIATOR.email)
    audit = len(sql_store.audit_entries())
    with pytest.raises(Exception, match="signed_on|sign"):  # before the effective date - 1 year
        rs.execute(r.draft_id, NEGOTIATOR, service, signed_on=date(2020, 1, 1), now=NOW)
    assert rs.get(r.draft_id).status is DraftStatus.APPROVED
    assert len(sql_store.audit_entries()) == audit
    assert sql_store.list_agreements() == []
    with sql_store.engine.connect() as conn:
        assert conn.execute(select(drafts.c.signed_on)).scalar_one() is None


def test_a_revised_draft_keeps_its_id_and_is_tracked_under_its_new_text(sql_store):
    from clauses import assemble, parse_answers
    from clauses._library import load_yaml_text
    from tests.wsr.review_fixtures import FAIR_FOOD, library

    rs = ReviewStore(sql_store)
    r = _created(sql_store)
    did = r.draft_id
    rs.move(did, "submit", NEGOTIATOR, now=NOW)
    for cid in r.clause_ids():
        rs.decide(did, cid, "approve", COUNSEL, now=NOW)
    _, r = rs.decide(did, "premium", "request_changes", COUNSEL, now=NOW, note="30 days")
    data = load_yaml_text(FAIR_FOOD.read_text(encoding="utf-8"), "x")
    data["clauses"]["premium"]["payment_due_days"] = 30
    lib = library()
    answers = parse_answers(data, lib)
    new, new_std = assemble(answers, lib), assemble(answers.as_standard(lib), lib)
    r = rs.revise(did, new, new_std, "# revised\n", NEGOTIATOR, now=NOW + timedelta(hours=1))
    LATER = NOW + timedelta(hours=2)
    assert r.draft_id == did and r.record == new and r.status is DraftStatus.CHANGES_REQUESTED
    assert rs.answers_yaml(did) == "# revised\n" and rs.standard(did) == new_std
    assert r.history[-1].action == "revise" and "clauses changed: premium" in r.history[-1].reason
    with pytest.raises(Conflict, match=f"already under review as draft {did}"):
        rs.create(new, new_std, "x", NEGOTIATOR, now=LATER)
    rs.move(did, "submit", NEGOTIATOR, now=LATER)
    with pytest.raises(ReviewRefused, match="clauses.premium: changed since counsel decided"):
        rs.move(did, "approve", COUNSEL, now=LATER)
    rs.decide(did, "premium", "approve", COUNSEL, now=LATER)
    rs.move(did, "approve", COUNSEL, now=LATER)
    service = ObligationService(sql_store, actor=NEGOTIATOR.email)
    r, _ = rs.execute(did, NEGOTIATOR, service, signed_on=date(2026, 1, 2), now=LATER)
    assert sql_store.get_agreement(new.id).title == new.title
    [revised] = [e for e in sql_store.audit_entries(did) if e.action == "draft_revised"]
    assert revised.actor == NEGOTIATOR.email and revised.after["record"] == new.id


def test_the_audit_log_stays_in_time_order(sql_store):
    rs = ReviewStore(sql_store)
    r = _created(sql_store)
    with pytest.raises(InputError, match="now: .* is before the newest audit entry"):
        rs.move(r.draft_id, "submit", NEGOTIATOR, now=NOW - timedelta(minutes=1))
    assert rs.get(r.draft_id).status is DraftStatus.DRAFT
