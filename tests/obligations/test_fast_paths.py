"""The shortcuts taken for speed give exactly what the validating paths give.

The store builds Obligations read from its own tables without re-running the model's
converters (``Obligation.from_fields``), lifecycle moves convert only the fields they change
(``Obligation.evolved``), the audit chain spells the hashed JSON out from the snapshots' texts
(``_audit.link_texts``) and ``UTCDateTime`` memoises its conversions. Each test here compares a
shortcut with the slow path it replaces.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clauses import canonical_json
from obligations import OPEN, AuditEntry, EvidenceState, LegalState, Money, Obligation
from obligations._audit import GENESIS, _body_json, chain_hash, link, link_texts, verify_chain
from obligations.stores._sqltables import UTCDateTime

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)


def _validated(ob: Obligation) -> Obligation:
    """The same obligation rebuilt through ``__init__`` (every converter runs)."""
    return Obligation(**{f.name: getattr(ob, f.name) for f in attrs.fields(Obligation)})


def _assert_typed_like(fast: Obligation, slow: Obligation) -> None:
    assert fast == slow
    for f in attrs.fields(Obligation):
        a, b = getattr(fast, f.name), getattr(slow, f.name)
        assert type(a) is type(b), f.name
        if isinstance(a, datetime):
            assert a.tzinfo is UTC, f.name
    assert fast.to_dict() == slow.to_dict()
    assert canonical_json(fast.to_dict()) == canonical_json(slow.to_dict())


# -- the store's read path ------------------------------------------------------------------------


def test_store_reads_equal_validated_obligations(
    sql_store, make_agreement, make_obligation, rich_obligation
):
    sql_store.add_agreement(make_agreement())
    written = [
        rich_obligation,
        make_obligation(subject=None, key="once", spec_id="transparency_reporting.report"),
        make_obligation(
            key="2026-01-12",
            amount=Money(value=Decimal("1235"), currency="JPY"),
            paid=Decimal("0.000"),
            state=LegalState.FULFILLED,
            fulfilled_on=date(2026, 2, 1),
            flags={"late"},
            data={"ünïcode": "✓"},
            due_at=datetime(2026, 2, 12, 0, 30, tzinfo=timezone(timedelta(hours=-5))),
        ),
        make_obligation(key="2026-01-19", state=LegalState.CREATED, evidence="accepted"),
    ]
    sql_store.add_obligations(written)
    found = sql_store.find_obligations()
    assert sorted(found, key=lambda o: o.id) == sorted(written, key=lambda o: o.id)
    for ob in found:
        _assert_typed_like(ob, _validated(ob))
        _assert_typed_like(sql_store.get_obligation(ob.id), _validated(ob))
    # reading twice gives equal values that share no mutable state
    again = {o.id: o for o in sql_store.find_obligations(states=OPEN)}
    for ob in found:
        if ob.id in again:
            assert again[ob.id] == ob
            assert again[ob.id].data is not ob.data
    assert isinstance(found[0].state, LegalState)
    assert all(isinstance(o.evidence, EvidenceState) for o in found)


def test_from_fields_equals_the_constructor_and_checks_the_width(make_obligation):
    ob = make_obligation(flags={"late"}, data={"a": 1})
    values = tuple(getattr(ob, f.name) for f in attrs.fields(Obligation))
    (fast,) = Obligation.from_fields([values])
    _assert_typed_like(fast, ob)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.state = LegalState.FULFILLED  # type: ignore[misc]
    with pytest.raises(ValueError, match="29 fields, got 28"):
        Obligation.from_fields([values[:-1]])


# -- lifecycle moves --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"state": "fulfilled", "updated_at": datetime(2026, 3, 14, 9, tzinfo=UTC)},
        {"state": LegalState.SUSPENDED, "data": {"reason": "strike"}},
        {"paid": 12, "flags": ["late", "partially_paid"], "evidence": "submitted"},
        {"fulfilled_on": "2026-03-01", "late": True, "period_start": None},
        {"due_at": datetime(2026, 3, 14, 9, tzinfo=timezone(timedelta(hours=2)))},
        {"amount": Money(value=Decimal("10"), currency="USD"), "subject": None},
    ],
)
def test_evolved_equals_attrs_evolve(make_obligation, changes):
    ob = make_obligation(data={"x": [1, 2]})
    fast, slow = ob.evolved(**changes), attrs.evolve(ob, **changes)
    _assert_typed_like(fast, slow)
    assert fast.data is not ob.data


def test_evolved_refuses_what_evolve_refuses(make_obligation):
    ob = make_obligation()
    with pytest.raises(TypeError, match="no field 'colour'"):
        ob.evolved(colour="red")
    with pytest.raises(ValueError, match="naive"):
        ob.evolved(updated_at=datetime(2026, 3, 14, 9))
    with pytest.raises(ValueError):
        ob.evolved(state="nonsense")
    with pytest.raises(TypeError, match="float"):
        ob.evolved(paid=1.5)


# -- the audit chain ----------------------------------------------------------------------------


def _entries(make_obligation: Any) -> list[AuditEntry]:
    ob = make_obligation(data={"note": "naïve “quotes” \\ and \n newlines"})
    snap = ob.to_dict()
    return [
        AuditEntry(agreement_id="agr-1", at=NOW, actor="cli", action="agreement_tracked",
                   after={"title": "Ünïcode ✓"}),
        AuditEntry(agreement_id="agr-1", obligation_id=ob.id, at=NOW, actor="cli",
                   action="created", reason="compiled", after=snap),
        AuditEntry(agreement_id="agr-1", obligation_id=ob.id, at=NOW + timedelta(hours=1),
                   actor="compile", action="activated", before=snap, after=ob.to_dict()),
        AuditEntry(agreement_id="agr-1", obligation_id=None, at=NOW, actor="a\u2028b",
                   action="agreement_status", reason='"quoted"', before={"n": 1}, after=None),
    ]  # fmt: skip


def test_body_json_is_the_canonical_json_of_the_hashed_body(make_obligation):
    stamped = [
        attrs.evolve(e, recorded_at=NOW + timedelta(seconds=3)) for e in _entries(make_obligation)
    ]
    for entry in _entries(make_obligation) + stamped:
        for prev in (GENESIS, "ab" * 32):
            body = entry.hashed_body()
            body["prev_hash"] = prev
            before = None if entry.before is None else canonical_json(dict(entry.before))
            after = None if entry.after is None else canonical_json(dict(entry.after))
            assert _body_json(entry, prev, before, after) == canonical_json(body)


def test_link_texts_chain_verifies_and_carries_the_snapshots_texts(make_obligation):
    entries = _entries(make_obligation)
    first = link(entries[:1], last=None)
    rest = link_texts(entries[1:], last=first[0])
    chain = first + [e for e, _, _ in rest]
    assert verify_chain(chain) == []
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    prev = GENESIS
    for entry, original in zip(chain, entries, strict=True):
        assert entry.hash == chain_hash(prev, entry)
        assert entry.prev_hash == prev
        assert entry == attrs.evolve(original, seq=entry.seq, prev_hash=prev, hash=entry.hash)
        prev = entry.hash
    for entry, before, after in rest:
        assert before == (None if entry.before is None else canonical_json(dict(entry.before)))
        assert after == (None if entry.after is None else canonical_json(dict(entry.after)))


def test_chained_equals_evolve(make_obligation):
    entry = _entries(make_obligation)[2]
    assert entry.chained(seq=7, prev_hash="p" * 64, hash="h" * 64) == attrs.evolve(
        entry, seq=7, prev_hash="p" * 64, hash="h" * 64
    )


# -- UTCDateTime's memo ---------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()])
def test_memoised_binding_still_refuses_naive_datetimes(dialect):
    bind = UTCDateTime().bind_processor(dialect)
    assert bind is not None
    aware = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)
    first = bind(aware)
    assert bind(aware.astimezone(timezone(timedelta(hours=-4)))) == first  # the same instant
    with pytest.raises(ValueError, match="naive"):
        bind(aware.replace(tzinfo=None))  # equal wall clock, cached key: still refused
    assert bind(None) is None


def test_memoised_results_are_aware_utc_on_both_engines(sql_store):
    with sql_store.engine.connect() as conn:
        col = sa.literal(NOW - timedelta(microseconds=5), UTCDateTime())
        for _ in range(3):  # the second and third come from the memo
            got = conn.execute(sa.select(col)).scalar_one()
            assert got == NOW - timedelta(microseconds=5)
            assert got.tzinfo is UTC
        conn.rollback()


# -- writing many rows ----------------------------------------------------------------------------


def test_insert_rows_stores_what_sqlalchemy_insert_stores(
    sql_store, make_agreement, rich_obligation
):
    from obligations.stores._sqltables import obligations
    from obligations.stores.sqlalchemy import _insert_rows, _ob_row

    sql_store.add_agreement(make_agreement())
    plain = attrs.evolve(rich_obligation, id="ob-via-sqlalchemy", key="k1")
    fast = attrs.evolve(rich_obligation, id="ob-via-insert-rows", key="k2")
    with sql_store.engine.begin() as conn:
        conn.execute(sa.insert(obligations), [_ob_row(plain)])
        _insert_rows(conn, obligations, [_ob_row(fast)])
        cols = ", ".join(c.name for c in obligations.columns if c.name not in ("id", "key"))
        stored = conn.exec_driver_sql(f"SELECT {cols} FROM obligations ORDER BY key").all()
    assert len(stored) == 2
    assert stored[0] == stored[1]  # byte for byte the same representation
    assert sql_store.get_obligation(fast.id) == fast


def test_gc_paused_restores_the_collector():
    import gc

    from obligations._bulk import gc_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
