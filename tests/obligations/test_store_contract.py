"""The ObligationStore contract, run unchanged on the memory, SQLite and PostgreSQL stores."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from clauses import Conflict, NotFound
from obligations import OPEN, AuditEntry, Event, LegalState, Money
from obligations._audit import verify_chain

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)


def _seed(store, make_agreement, make_obligation):
    store.add_agreement(make_agreement())
    obs = [
        make_obligation(subject="GROWER-G", key="2026-01-05", due=date(2026, 2, 11)),
        make_obligation(subject="GROWER-H", key="2026-01-05", due=date(2026, 2, 11)),
        make_obligation(subject="GROWER-G", key="2026-01-12", due=date(2026, 2, 18)),
        make_obligation(
            spec_id="sourcing_cutoff.cease_purchases",
            subject="GROWER-H",
            key="ev-1",
            due=date(2026, 3, 9),
        ),
        make_obligation(
            spec_id="transparency_reporting.annual_report",
            subject=None,
            key="once",
            due=date(2026, 3, 16),
            state=LegalState.CREATED,
        ),
        make_obligation(
            subject="GROWER-G",
            key="2025-12-29",
            due=date(2026, 2, 4),
            state=LegalState.FULFILLED,
            fulfilled_on=date(2026, 2, 1),
        ),
    ]
    store.add_obligations(obs)
    return obs


# -- agreements ---------------------------------------------------------------------------------


def test_agreement_round_trip_and_listing(store, make_agreement):
    b = make_agreement("agr-00000000000b", title="B")
    a = make_agreement("agr-00000000000a", title="A", status="executed")
    store.add_agreement(b)
    store.add_agreement(a)
    assert store.get_agreement(a.id) == a
    assert [x.id for x in store.list_agreements()] == [a.id, b.id]
    changed = attrs.evolve(b, status="terminated", term_end=date(2027, 1, 1))
    store.update_agreement(changed)
    assert store.get_agreement(b.id) == changed
    assert changed.terminated_on is None and changed.termination_reason == ""
    ended = attrs.evolve(changed, terminated_on=date(2026, 2, 20), termination_reason="left")
    store.update_agreement(ended)
    assert store.get_agreement(b.id) == ended
    born_ended = make_agreement(
        "agr-00000000000c", status="terminated", terminated_on="2026-03-01", termination_reason="r"
    )
    store.add_agreement(born_ended)
    assert store.get_agreement(born_ended.id).terminated_on == date(2026, 3, 1)
    assert store.get_agreement(born_ended.id) == born_ended


def test_tracking_twice_is_a_conflict_naming_the_first_time(store, make_agreement):
    store.add_agreement(make_agreement())
    with pytest.raises(Conflict, match=r"agreement agr-000000000001 is already tracked .*nothing"):
        store.add_agreement(make_agreement(title="again"))
    assert store.get_agreement("agr-000000000001").title == "Test Fair Food Agreement"


def test_unknown_agreement_is_not_found(store, make_agreement):
    with pytest.raises(NotFound, match="no agreement with the id 'agr-nope'"):
        store.get_agreement("agr-nope")
    with pytest.raises(NotFound):
        store.update_agreement(make_agreement("agr-nope"))


# -- obligations --------------------------------------------------------------------------------


def test_obligation_round_trip_is_lossless(store, make_agreement, rich_obligation):
    store.add_agreement(make_agreement())
    store.add_obligations([rich_obligation])
    got = store.get_obligation(rich_obligation.id)
    assert got == rich_obligation
    assert got.to_dict() == rich_obligation.to_dict()
    assert got.due_at.tzinfo is not None and got.due_at.utcoffset() == timedelta(0)


def test_subjectless_obligation_keeps_subject_none(store, make_agreement, make_obligation):
    store.add_agreement(make_agreement())
    ob = make_obligation(spec_id="transparency_reporting.annual_report", subject=None, key="once")
    store.add_obligations([ob])
    assert store.get_obligation(ob.id).subject is None


def test_find_orders_by_due_at_then_id(store, make_agreement, make_obligation):
    obs = _seed(store, make_agreement, make_obligation)
    found = store.find_obligations()
    assert [o.id for o in found] == [o.id for o in sorted(obs, key=lambda o: (o.due_at, o.id))]
    same_day = [o for o in found if o.due == date(2026, 2, 11)]
    assert [o.id for o in same_day] == sorted(o.id for o in same_day)


def test_find_filters(store, make_agreement, make_obligation):
    obs = _seed(store, make_agreement, make_obligation)
    ids = lambda found: {o.id for o in found}  # noqa: E731
    assert ids(store.find_obligations(spec_id="premium.payment", subject="GROWER-G")) == {
        obs[0].id,
        obs[2].id,
        obs[5].id,
    }
    assert ids(store.find_obligations(spec_id="premium.payment", key="2026-01-05")) == {
        obs[0].id,
        obs[1].id,
    }
    assert ids(store.find_obligations(states=[LegalState.CREATED])) == {obs[4].id}
    assert ids(store.find_obligations(states=OPEN)) == ids(obs) - {obs[5].id}
    assert store.find_obligations(states=[]) == []
    assert store.find_obligations(agreement_id="agr-other") == []
    assert len(store.find_obligations(agreement_id="agr-000000000001")) == len(obs)


def test_due_window_is_inclusive_exclusive_on_due_at(store, make_agreement, make_obligation):
    obs = _seed(store, make_agreement, make_obligation)
    at = obs[0].due_at  # end of 2026-02-11 in New York
    found = store.find_obligations(due_from=at, due_before=obs[2].due_at)
    assert {o.id for o in found} == {obs[0].id, obs[1].id}
    overdue = store.find_obligations(states=OPEN, due_before=NOW)
    assert [o.due for o in overdue] == [date(2026, 2, 11)] * 2 + [
        date(2026, 2, 18),
        date(2026, 3, 9),
    ]
    assert len(store.find_obligations(states=OPEN, due_before=NOW, limit=3)) == 3
    assert store.find_obligations(states=OPEN, due_before=NOW, limit=1)[0].id == min(
        obs[0].id, obs[1].id
    )


def test_duplicate_obligation_is_a_conflict(store, make_agreement, make_obligation):
    store.add_agreement(make_agreement())
    ob = make_obligation()
    store.add_obligations([ob])
    with pytest.raises(Conflict, match="already exists"):
        store.add_obligations([make_obligation(subject="GROWER-Z"), ob])
    # nothing of the failed call was written
    assert [o.id for o in store.find_obligations()] == [ob.id]


def test_same_natural_key_under_another_id_is_a_conflict(store, make_agreement, make_obligation):
    store.add_agreement(make_agreement())
    ob = make_obligation()
    store.add_obligations([ob])
    with pytest.raises(Conflict):
        store.add_obligations([attrs.evolve(ob, id="ob-ffffffffffffffff")])


def test_update_and_not_found(store, make_agreement, make_obligation):
    _seed(store, make_agreement, make_obligation)
    ob = store.find_obligations(subject="GROWER-H", spec_id="premium.payment")[0]
    done = attrs.evolve(
        ob,
        state=LegalState.FULFILLED,
        paid=Decimal("2500"),
        flags={"late"},
        late=True,
        fulfilled_on=date(2026, 2, 12),
        updated_at=NOW,
    )
    store.update_obligations([done])
    assert store.get_obligation(ob.id) == done
    with pytest.raises(NotFound, match="no obligation with the id 'ob-missing'"):
        store.get_obligation("ob-missing")
    with pytest.raises(NotFound):
        store.update_obligations([attrs.evolve(done, id="ob-missing")])
    assert store.get_obligation(ob.id) == done


# -- transactions -------------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_failed_transaction_leaves_nothing(store, make_agreement, make_obligation):
    with pytest.raises(Boom), store.transaction():
        store.add_agreement(make_agreement())
        store.add_obligations([make_obligation()])
        store.append_audit([_entry("agreement_tracked")])
        with store.transaction():  # a nested call joins the outer unit of work
            store.add_obligations([make_obligation(subject="GROWER-H")])
        raise Boom
    assert store.list_agreements() == []
    assert store.find_obligations() == []
    assert store.audit_entries() == []
    # and the store still works afterwards; the chain starts from scratch
    store.add_agreement(make_agreement())
    assert store.append_audit([_entry("agreement_tracked")])[0].seq == 1


def test_conflict_inside_a_transaction_rolls_back_earlier_writes(
    store, make_agreement, make_obligation
):
    store.add_agreement(make_agreement())
    with pytest.raises(Conflict), store.transaction():
        store.add_obligations([make_obligation(subject="GROWER-A")])
        store.add_agreement(make_agreement())
    assert store.find_obligations() == []


# -- events -------------------------------------------------------------------------------------


def _event(day: int, supplier: str = "GROWER-G", qty: str = "250000") -> Event:
    return Event(
        agreement_id="agr-000000000001",
        type="purchase_recorded",
        occurred_at=datetime(2026, 1, day, 5, 0, tzinfo=UTC),
        occurred_on=date(2026, 1, day),
        payload={"supplier": supplier, "quantity": Decimal(qty), "unit": "lb"},
        recorded_at=NOW,
    )


def test_events_get_ids_and_come_back_in_time_order(store, make_agreement):
    store.add_agreement(make_agreement())
    late = store.add_event(_event(9))
    early = store.add_event(_event(7))
    twin = store.add_event(_event(7))  # identical facts, recorded twice: still two events
    store.add_event(
        Event(
            agreement_id="agr-000000000001",
            type="supplier_suspended",
            occurred_at=datetime(2026, 1, 8, 5, tzinfo=UTC),
            occurred_on=date(2026, 1, 8),
            payload={"supplier": "GROWER-H", "reason": "audit"},
            recorded_at=NOW,
        )
    )
    assert all(e.id and e.id.startswith("ev-") for e in (late, early, twin))
    assert len({late.id, early.id, twin.id}) == 3
    listed = store.list_events("agr-000000000001", type="purchase_recorded")
    assert [e.id for e in listed] == [early.id, twin.id, late.id]
    assert listed[0] == early
    assert listed[0].payload["quantity"] == Decimal("250000")
    assert len(store.list_events("agr-000000000001")) == 4
    assert store.list_events("agr-other") == []


# -- audit chain --------------------------------------------------------------------------------


def _entry(action: str, *, ob: str | None = None, before=None, after=None, agr="agr-000000000001"):
    return AuditEntry(
        agreement_id=agr,
        obligation_id=ob,
        at=NOW,
        actor="test",
        action=action,
        reason=f"because {action}",
        before=before,
        after=after,
    )


def test_audit_chain_is_appended_and_verifies(store, make_agreement, rich_obligation):
    store.add_agreement(make_agreement())
    first = store.append_audit([_entry("agreement_tracked")])
    more = store.append_audit(
        [
            _entry("created", ob=rich_obligation.id, after=rich_obligation.to_dict()),
            _entry(
                "fulfilled",
                ob=rich_obligation.id,
                before=rich_obligation.to_dict(),
                after={**rich_obligation.to_dict(), "state": "fulfilled"},
            ),
            _entry("event_recorded", agr="agr-000000000002"),
        ]
    )
    assert [e.seq for e in first + more] == [1, 2, 3, 4]
    assert more[0].prev_hash == first[0].hash
    chain = store.audit_entries()
    assert chain == first + more
    assert verify_chain(chain) == []
    assert [e.seq for e in store.audit_entries("agr-000000000001")] == [1, 2, 3]
    assert chain[1].after == rich_obligation.to_dict()


# -- evidence -----------------------------------------------------------------------------------


def test_evidence_is_content_addressed(store, make_agreement, make_obligation):
    store.add_agreement(make_agreement())
    a, b = make_obligation(), make_obligation(subject="GROWER-H")
    store.add_obligations([a, b])
    content = b"%PDF-1.4 remittance advice\n"
    r1 = store.put_evidence(
        content, filename="remit.pdf", obligation_id=a.id, note="wire", submitted_at=NOW
    )
    r2 = store.put_evidence(
        content,
        filename="copy.pdf",
        obligation_id=b.id,
        note="",
        submitted_at=NOW + timedelta(hours=1),
    )
    assert r1.sha256 == r2.sha256 == hashlib.sha256(content).hexdigest()
    assert r1.size == len(content)
    assert store.list_evidence(a.id) == [r1]
    assert store.list_evidence(b.id) == [r2]
    assert store.evidence_content(r1.sha256) == content
    with pytest.raises(NotFound):
        store.put_evidence(
            b"x", filename="x", obligation_id="ob-missing", note="", submitted_at=NOW
        )


def test_evidence_bytes_are_stored_once(sql_store, make_agreement, make_obligation):
    sql_store.add_agreement(make_agreement())
    ob = make_obligation()
    sql_store.add_obligations([ob])
    for i in range(3):
        sql_store.put_evidence(
            b"same bytes",
            filename=f"f{i}.txt",
            obligation_id=ob.id,
            note="",
            submitted_at=NOW + timedelta(minutes=i),
        )
    with sql_store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM evidence").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM evidence_links").scalar_one() == 3
    assert [r.filename for r in sql_store.list_evidence(ob.id)] == ["f0.txt", "f1.txt", "f2.txt"]


def test_money_in_other_currencies_round_trips(store, make_agreement, make_obligation):
    store.add_agreement(make_agreement(currency="JPY"))
    ob = make_obligation(amount=Money(value=Decimal("150000"), currency="JPY"))
    store.add_obligations([ob])
    assert store.get_obligation(ob.id).amount == Money(value=Decimal("150000"), currency="JPY")


def test_find_can_leave_out_kinds(store, make_agreement, make_obligation):
    obs = _seed(store, make_agreement, make_obligation)
    cutoff = attrs.evolve(obs[3], kind="prohibition")
    store.update_obligations([cutoff])
    ids = lambda found: {o.id for o in found}  # noqa: E731
    assert ids(store.find_obligations(states=OPEN, exclude_kinds=("prohibition",))) == ids(obs) - {
        obs[5].id,
        cutoff.id,
    }
    assert ids(store.find_obligations(exclude_kinds=("prohibition", "payment"))) == ids(
        store.find_obligations()
    ) - {cutoff.id} - {o.id for o in store.find_obligations() if o.kind == "payment"}
    limited = store.find_obligations(states=OPEN, exclude_kinds=("prohibition",), limit=2)
    assert len(limited) == 2 and cutoff.id not in ids(limited)


def test_periods_subjects_answers_each_ask_as_period_subjects(
    store, make_agreement, make_obligation
):
    """The batched question the time step asks: every ask answered as if asked alone —
    complete, partial, empty and subject-less periods, and more subjects than one chunk."""
    store.add_agreement(make_agreement())
    growers = [f"GROWER-{i:04d}" for i in range(1203)]
    stored = [
        *(make_obligation(subject=g, key="2026-01-05") for g in growers),
        *(make_obligation(subject=g, key="2026-01-12") for g in growers[::7]),
        make_obligation(spec_id="transparency_reporting.annual_report", subject=None, key="once"),
    ]
    store.add_obligations(stored)
    with_none: set[str | None] = {*growers, None}
    asks = [
        ("premium.payment", "2026-01-05", set(growers)),  # every subject has it
        ("premium.payment", "2026-01-12", set(growers)),  # one in seven has it
        ("premium.payment", "2026-01-19", set(growers)),  # nobody has it yet
        ("premium.payment", "2026-01-05", {"GROWER-0001", "NOT-A-GROWER"}),
        ("transparency_reporting.annual_report", "once", {None}),
        ("transparency_reporting.annual_report", "once", with_none),
        ("premium.payment", "2026-01-05", set()),
    ]
    truth = [
        {o.subject for o in stored if (o.spec_id, o.key) == (spec, key) and o.subject in among}
        for spec, key, among in asks
    ]
    assert truth[0] == set(growers) and len(truth[1]) == 172 and truth[2] == set()
    assert store.periods_subjects("agr-000000000001", asks) == truth
    assert [store.period_subjects("agr-000000000001", *ask) for ask in asks] == truth
    assert store.periods_subjects("agr-other", asks[:2]) == [set(), set()]
    assert store.periods_subjects("agr-000000000001", []) == []


def test_open_of_specs_is_the_open_obligations_of_those_specs(
    store, make_agreement, make_obligation
):
    """What the time rules read: open instances of a few specs, in due order, on every store."""
    obs = _seed(store, make_agreement, make_obligation)
    specs = {"premium.payment", "transparency_reporting.annual_report"}
    expected = sorted(
        (o for o in obs if o.spec_id in specs and o.state in OPEN), key=lambda o: (o.due_at, o.id)
    )
    assert {o.id for o in expected} == {obs[0].id, obs[1].id, obs[2].id, obs[4].id}
    assert store.open_of_specs("agr-000000000001", specs) == expected
    assert store.open_of_specs("agr-000000000001", specs, subject="GROWER-G") == [
        o for o in expected if o.subject == "GROWER-G"
    ]
    assert store.open_of_specs("agr-000000000001", set()) == []
    assert store.open_of_specs("agr-other", specs) == []


def test_open_of_specs_narrows_by_state_flags_due_and_agreement(
    store, make_agreement, make_obligation
):
    """The time rules' narrower questions (Rule.acts_before, time_states, time_skips)."""
    obs = _seed(store, make_agreement, make_obligation)
    store.add_agreement(make_agreement("agr-000000000002"))
    flagged = [
        make_obligation(
            "agr-000000000002", key="2026-01-19", due=date(2026, 2, 25), flags={"kpi_missed"}
        ),
        make_obligation(key="2026-01-26", due=date(2026, 3, 4), flags={"late", "disputed"}),
        make_obligation(key="2026-02-02", due=date(2026, 3, 11), state=LegalState.SUSPENDED),
    ]
    store.add_obligations(flagged)
    everything = obs + flagged
    specs = {"premium.payment", "transparency_reporting.annual_report"}
    cut = datetime(2026, 3, 5, tzinfo=UTC)
    for agreement_id in ("agr-000000000001", None):
        for states in (None, {LegalState.IN_EFFECT}, {LegalState.SUSPENDED, LegalState.CREATED}):
            for without in ((), ("late",), ("kpi_missed", "disputed")):
                for due_before in (None, cut):
                    expected = sorted(
                        (
                            o
                            for o in everything
                            if o.spec_id in specs
                            and o.state in OPEN
                            and (agreement_id is None or o.agreement_id == agreement_id)
                            and (states is None or o.state in states)
                            and not o.flags & set(without)
                            and (due_before is None or o.due_at < due_before)
                        ),
                        key=lambda o: (o.due_at, o.id),
                    )
                    got = store.open_of_specs(
                        agreement_id,
                        specs,
                        states=states,
                        without_flags=without,
                        due_before=due_before,
                    )
                    assert got == expected, (agreement_id, states, without, due_before)


def test_periods_subjects_is_not_fooled_by_a_subject_holding_the_separator(
    store, make_agreement, make_obligation
):
    """The SQL stores read a period's subjects joined by ``\\x1f`` (stores/_periods.py): a stored
    subject "A\\x1fB" must not answer for subjects "A" and "B", which have no instance."""
    store.add_agreement(make_agreement())
    store.add_obligations(
        [make_obligation(subject="A\x1fB"), make_obligation(subject="C"), make_obligation(key="x")]
    )
    many = {f"P{i}" for i in range(20)}  # enough subjects that the period is read as a range
    asks = [
        ("premium.payment", "2026-01-05", {"A", "B", *many}),
        ("premium.payment", "2026-01-05", {"A", "C", "A\x1fB", *many}),
        ("premium.payment", "2026-01-05", {"C", None, *many}),
        ("premium.payment", "2026-01-05", {"A", "B"}),
        ("premium.payment", "2026-01-05", {"A", "C", "A\x1fB"}),
    ]
    found = store.periods_subjects("agr-000000000001", asks)
    assert found == [set(), {"C", "A\x1fB"}, {"C"}, set(), {"C", "A\x1fB"}]
