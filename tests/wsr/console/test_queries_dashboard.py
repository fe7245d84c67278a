"""The console's queries (``wsr.console.queries``) on the seeded example agreements, on SQLite
and PostgreSQL, against an independent oracle: every figure the SQL gives is recomputed here by
scanning every stored obligation in Python (``Obligation.timing``, its flags and state).

The oracle's rows are what ``ObligationService.obligations`` (the CLI's listing) shows at the
read's ``now``: the stored rows with the time step laid over them, as a sweep at ``now`` would
leave them (docs/design.md, "The console's reads"); the seeded store is swept at NOW first."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from clauses import InputError, NotFound
from obligations import OPEN, LegalState, Obligation, ObligationService, Timing, open_store
from tests.wsr.console.conftest import COMPLAINANT_REFS, USERS, Seeded
from wsr.console._access import Viewer
from wsr.console.queries import (
    CATEGORIES,
    CHART_WEEKS,
    Filters,
    dashboard,
    obligation_detail,
    obligations_page,
    parse_filters,
    parse_page,
)


def viewer(role: str) -> Viewer:
    p = USERS[role]
    return Viewer(user_id=0, email=p.email, role=p.role, brand=p.brand)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> Any:
    """(service, store, seeded), swept at the seeded NOW."""
    made: Seeded = request.getfixturevalue("seeded" if request.param == "sqlite" else "seeded_pg")
    store = open_store(made.db_url)
    service = ObligationService(store, actor="monitor@wsr.example")
    service.sweep(now=made.now)
    yield service, store, made
    store.engine.dispose()


def category(ob: Obligation, now: datetime) -> set[str]:
    """The dashboard categories of one obligation, from the model (the oracle)."""
    out = set()
    timing = ob.timing(now)
    if timing is Timing.DUE_SOON:
        out.add("due_soon")
    if timing is Timing.OVERDUE:
        out.add("overdue")
    confirmed = "breach_confirmed" in ob.flags or ob.state is LegalState.VIOLATED
    if "breach_suspected" in ob.flags and not confirmed:
        out.add("breach_suspected")
    if ob.spec_id.endswith(".cure") and ob.state in OPEN:
        out.add("in_cure")
    if ob.state is LegalState.VIOLATED:
        out.add("violated")
    return out


def scoped(service: Any, made: Seeded, f: Filters, who: Viewer, now: datetime) -> list[Obligation]:
    every = service.obligations(agreement_id=None, now=now)
    visible = {made.fair_food, made.accord}
    if who.brand is not None:
        visible = {made.own} if who.brand == made.buyers["fair_food"] else set()
    buyers = {made.fair_food: made.buyers["fair_food"], made.accord: made.buyers["accord"]}
    return [
        o
        for o in every
        if o.agreement_id in visible
        and (f.agreement is None or o.agreement_id == f.agreement)
        and (f.buyer is None or buyers[o.agreement_id] == f.buyer)
        and (f.supplier is None or o.subject == f.supplier)
        and (f.clause is None or o.clause_id == f.clause)
        and (f.obligor is None or o.obligor == f.obligor)
    ]


def listed(ob: Obligation, f: Filters, now: datetime) -> bool:
    if f.state == "open" and ob.state not in OPEN:
        return False
    if f.state not in (None, "open") and ob.state.value != f.state:
        return False
    return f.show is None or f.show in category(ob, now)


def every_page(service: Any, who: Viewer, now: datetime, f: Filters) -> list[str]:
    ids: list[str] = []
    offset = 0
    while True:
        page = obligations_page(service, who, now=now, filters=f, limit=7, offset=offset)
        ids += [v["id"] for v in page.items]
        if not page.has_more:
            return ids
        offset += 7


def filter_cases(made: Seeded, store: Any) -> list[Filters]:
    obs = store.find_obligations(agreement_id=made.fair_food)
    supplier = next(o.subject for o in obs if o.subject)
    return [
        Filters(),
        Filters(agreement=made.fair_food),
        Filters(buyer=made.buyers["accord"]),
        Filters(supplier=supplier),
        Filters(clause="premium"),
        Filters(obligor="buyer"),
        Filters(agreement=made.fair_food, state="open"),
        *(Filters(show=c) for c in CATEGORIES),
        Filters(state="fulfilled"),
    ]


def test_counts_chart_and_list_match_a_scan_of_every_row(world):
    service, store, made = world
    who = viewer("monitor")
    # confirmed breaches (violated, and the cures their clauses run from the confirmation),
    # leaving one suspicion unconfirmed
    suspects = [o for o in store.find_obligations() if "breach_suspected" in o.flags]
    assert len(suspects) > 1
    for ob in suspects[1:]:
        done = service.confirm_breach(ob.id, on=made.now, reason="confirmed", now=made.now)
        if done.spec_id == "premium.payment" and done.state is LegalState.VIOLATED:
            # its cure runs from the breach notice's delivery (the shipped ladder)
            service.record_event(
                done.agreement_id,
                "breach_notice_delivered",
                on=made.now,
                fields={"obligation": done.id, "notice": "n-1"},
                now=made.now,
            )
    seen_counts = set()
    # at NOW, and when the next open deadline (40 days on) is within the week
    nows = (made.now, made.now + timedelta(days=36))
    cases = [(now, f) for now in nows for f in filter_cases(made, store)]
    for now, f in cases:
        rows = scoped(service, made, f, who, now)
        board = dashboard(service, who, now=now, filters=f, limit=5)
        expected = {c: sum(c in category(o, now) for o in rows) for c in CATEGORIES}
        assert board.counts == expected, f
        seen_counts |= {c for c, n in expected.items() if n}
        assert len(board.weeks) == CHART_WEEKS
        for i, week in enumerate(board.weeks):
            lo, hi = now + timedelta(days=7 * i), now + timedelta(days=7 * (i + 1))
            want = sum(o.state in OPEN and lo < o.due_at <= hi for o in rows)
            assert (week.start, week.end, week.count) == (lo, hi, want), (f, i)
        assert board.weeks[0].count == board.counts["due_soon"]
        wanted = [o.id for o in rows if listed(o, f, now)]
        assert [v["id"] for v in board.page.items] == wanted[:5], f
        assert board.page.has_more == (len(wanted) > 5)
        assert every_page(service, who, now, f) == wanted, f
    # the seeded season has something in every category, so the comparison means something
    assert seen_counts == set(CATEGORIES)


def test_the_list_items_are_the_cli_views(world):
    service, _store, made = world
    page = obligations_page(
        service, viewer("monitor"), now=made.now, filters=Filters(agreement=made.fair_food)
    )
    cli = {v["id"]: v for v in service.views(now=made.now, agreement_id=made.fair_food)}
    assert page.items and all(item == cli[item["id"]] for item in page.items)


def test_choices_come_from_the_records_the_viewer_may_see(world):
    service, _store, made = world
    board = dashboard(service, viewer("monitor"), now=made.now)
    assert {c.value for c in board.choices.agreements} == {made.fair_food, made.accord}
    assert {c.value for c in board.choices.buyers} == set(made.buyers.values())
    assert "premium" in {c.value for c in board.choices.clauses}
    assert "buyer" in {c.value for c in board.choices.obligors}
    assert board.choices.suppliers_total == len(board.choices.suppliers) > 0
    mine = dashboard(service, viewer("counsel"), now=made.now)
    assert [c.value for c in mine.choices.agreements] == [made.own]
    assert [c.value for c in mine.choices.buyers] == [made.buyers["fair_food"]]
    narrowed = dashboard(
        service, viewer("monitor"), now=made.now, filters=Filters(agreement=made.accord)
    )
    own_suppliers = {c.value for c in mine.choices.suppliers}
    assert own_suppliers.isdisjoint({c.value for c in narrowed.choices.suppliers})


def test_counsel_sees_only_its_brand_and_never_a_complainant(world):
    service, store, made = world
    now = made.now
    counsel = viewer("counsel")
    board = dashboard(service, counsel, now=now, limit=500)
    assert {v["agreement_id"] for v in board.page.items} == {made.own}
    want = scoped(service, made, Filters(), counsel, now)
    assert board.counts == {c: sum(c in category(o, now) for o in want) for c in CATEGORIES}
    with pytest.raises(NotFound) as other:
        dashboard(service, counsel, now=now, filters=Filters(agreement=made.other))
    with pytest.raises(NotFound) as unknown:
        dashboard(service, counsel, now=now, filters=Filters(agreement="agr-000000000000"))
    assert str(other.value).replace(made.other, "X") == str(unknown.value).replace(
        "agr-000000000000", "X"
    )
    theirs = store.find_obligations(agreement_id=made.other)[0]
    with pytest.raises(NotFound, match="no obligation with the id"):
        obligation_detail(service, theirs.id, counsel, now=now)
    nobody = dashboard(service, viewer("counsel_other"), now=now)
    assert nobody.page.items == [] and set(nobody.counts.values()) == {0}
    assert nobody.choices.agreements == ()
    # nothing counsel is shown names a complainant, in the list or on any obligation page
    shown = [board.page.to_json()]
    shown += [
        obligation_detail(service, item["id"], counsel, now=now).to_json()
        for item in board.page.items
    ]
    text = json.dumps(shown, default=str)
    assert not [ref for ref in COMPLAINANT_REFS if ref in text]


def test_the_obligation_page(world):
    service, store, made = world
    now = made.now
    monitor = viewer("monitor")
    ob = store.get_obligation(made.premium)
    service.add_evidence(ob.id, filename="wire.pdf", content=b"%PDF wire", note="", now=now)
    detail = obligation_detail(service, ob.id, monitor, now=now)
    assert (
        detail.obligation
        == service.views(now=now, agreement_id=ob.agreement_id)[
            [v["id"] for v in service.views(now=now, agreement_id=ob.agreement_id)].index(ob.id)
        ]
    )
    record = json.loads(store.get_agreement(ob.agreement_id).record_json)
    section = next(s for s in record["sections"] if s["number"] == ob.section)
    assert detail.clause is not None
    assert (detail.clause.clause_id, detail.clause.title) == ("premium", section["title"])
    assert detail.clause.paragraphs == [(p["number"], p["text"]) for p in section["paragraphs"]]
    log = [e for e in store.audit_entries(ob.agreement_id) if e.obligation_id == ob.id]
    assert [(h["seq"], h["action"], h["actor"]) for h in detail.history] == [
        (e.seq, e.action, e.actor) for e in log
    ]
    assert detail.history[-1]["action"] == "evidence_submitted"
    assert detail.history[-1]["changes"] == {
        "evidence": {"before": log[-1].before["evidence"], "after": "submitted"}
    }
    [piece] = detail.evidence
    assert (piece["filename"], piece["state"], piece["decision"]) == ("wire.pdf", "submitted", None)
    assert detail.actions["evidence_accept"] == ["1"] == detail.actions["evidence_reject"]
    assert ("waive" in detail.actions) == (ob.state is LegalState.IN_EFFECT)
    assert ("breach_dismiss" in detail.actions) == ("breach_suspected" in ob.flags)
    assert detail.agreement["id"] == ob.agreement_id
    # counsel of this brand reads the same page but may do nothing on it
    mine = obligation_detail(service, ob.id, viewer("counsel"), now=now)
    assert mine.actions == {} and mine.clause == detail.clause
    service.decide_evidence(ob.id, accept=False, reason="wrong account", now=now)
    again = obligation_detail(service, ob.id, monitor, now=now)
    assert again.evidence[0]["decision"]["reason"] == "wrong account"
    assert "evidence_accept" not in again.actions
    with pytest.raises(NotFound):
        obligation_detail(service, "ob-nope", monitor, now=now)


def test_notices_with_their_delivery_on_the_obligation_page(world, tmp_path):
    from scheduler import sweep
    from scheduler.notify import OutboxNotifier

    service, store, made = world
    box = OutboxNotifier(tmp_path / "outbox", from_email="n@example.org")
    later = made.now + timedelta(days=30)
    sweep(store, box, now=later, actor="test", console_url="http://console.example")
    with store.read():
        from sqlalchemy import text

        with store.connection(write=False) as conn:
            row = conn.execute(
                text("SELECT obligation_id, count(*) FROM notices GROUP BY 1")
            ).first()
    assert row is not None, "the sweep decided notices"
    detail = obligation_detail(service, row[0], viewer("monitor"), now=later)
    assert len(detail.notices) == row[1]
    assert all(n["state"] == "sent" and n["provider"] == "outbox" for n in detail.notices)
    assert all(n["delivery_events"] == [] for n in detail.notices)


def test_reads_never_write(world):
    service, store, made = world
    before = (store.find_obligations(), store.audit_entries())
    later = made.now + timedelta(days=400)
    dashboard(service, viewer("monitor"), now=later)
    obligations_page(service, viewer("admin"), now=later, filters=Filters(show="overdue"))
    obligation_detail(service, made.premium, viewer("monitor"), now=later)
    assert (store.find_obligations(), store.audit_entries()) == before


def test_bad_filters_and_pages_name_the_field():
    with pytest.raises(InputError) as bad:
        parse_filters({"state": "lost", "show": "late", "agreement": " "})
    assert [p.path for p in bad.value.problems] == ["state", "show"]
    assert parse_filters({"agreement": " agr-1 ", "supplier": ""}) == Filters(agreement="agr-1")
    with pytest.raises(InputError) as bad:
        parse_page("x", "-1")
    assert [str(p) for p in bad.value.problems] == [
        "limit: must be a whole number, e.g. 50",
        "offset: must not be negative",
    ]
    with pytest.raises(InputError, match="limit: must be between 1 and 500"):
        parse_page(501, 0)
    assert parse_page(None, None) == (50, 0)


def test_as_of_is_the_last_sweep_a_scheduler_recorded(world):
    from datetime import timedelta as td

    from scheduler._heartbeat import Heartbeat

    service, store, made = world
    assert dashboard(service, viewer("monitor"), now=made.now).as_of is None
    beat = Heartbeat(store.engine, interval=td(minutes=5))
    beat.start()
    beat.swept(made.now - td(hours=1), {"checked": 2})
    board = dashboard(service, viewer("monitor"), now=made.now)
    assert board.as_of == made.now - td(hours=1)
