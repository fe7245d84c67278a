"""A very large ``add_obligations`` on SQLite rebuilds the secondary indexes once, with the same
result as keeping them up to date: the same stored rows, every index back, a duplicate natural
key still refused with nothing written. (``_REBUILD_AFTER`` is lowered so a few rows qualify.)
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest

from clauses import Conflict
from obligations.stores import sqlalchemy as sql_module
from obligations.stores._sqltables import OBLIGATION_INDEXES
from tests.obligations.conftest import _sqlite_store


def _many(make_obligation, n: int, agreement_id: str = "agr-000000000001"):
    return [
        make_obligation(
            agreement_id,
            subject=f"GROWER-{i % 7}",
            key=(date(2026, 1, 5) + timedelta(weeks=i)).isoformat(),
            due=date(2026, 2, 11) + timedelta(weeks=i),
        )
        for i in range(n)
    ]


def _indexes(store) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {r[0] for r in rows}


def _rows(store) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM obligations ORDER BY id")]


@pytest.fixture
def two_stores(tmp_path, make_agreement):
    stores = []
    for name in ("rebuilt", "kept"):
        (tmp_path / name).mkdir()
        store = _sqlite_store(tmp_path / name)
        store.add_agreement(make_agreement())
        stores.append(store)
    yield stores
    for store in stores:
        store.engine.dispose()


def test_a_large_add_rebuilds_the_indexes_and_stores_the_same_rows(
    two_stores, make_obligation, monkeypatch
):
    rebuilt, kept = two_stores
    obs = _many(make_obligation, 40)
    calls = []
    real = sql_module.SqlAlchemyObligationStore._rebuild_indexes

    def spy(conn, adding):
        chosen = real(conn, adding)
        calls.append(len(chosen))
        return chosen

    monkeypatch.setattr(sql_module.SqlAlchemyObligationStore, "_rebuild_indexes", staticmethod(spy))
    monkeypatch.setattr(sql_module, "_REBUILD_AFTER", 10)
    rebuilt.add_obligations(obs)
    monkeypatch.setattr(sql_module, "_REBUILD_AFTER", 10_000)
    kept.add_obligations(obs)
    assert calls == [len(OBLIGATION_INDEXES), 0]
    assert _rows(rebuilt) == _rows(kept)
    assert _indexes(rebuilt) == _indexes(kept)
    assert {ix.name for ix in OBLIGATION_INDEXES} <= _indexes(rebuilt)
    assert (
        rebuilt.find_obligations()
        == kept.find_obligations()
        == sorted(obs, key=lambda o: (o.due_at, o.id))
    )


def test_a_duplicate_natural_key_is_still_refused_and_nothing_is_written(
    two_stores, make_obligation, monkeypatch
):
    store, _ = two_stores
    obs = _many(make_obligation, 20)
    twin = attrs.evolve(obs[3], id="ob-twin")  # another id, the same natural key
    monkeypatch.setattr(sql_module, "_REBUILD_AFTER", 10)
    with pytest.raises(Conflict, match="same agreement, spec, subject and key"):
        store.add_obligations([*obs, twin])
    assert _rows(store) == []
    assert {ix.name for ix in OBLIGATION_INDEXES} <= _indexes(store)
    store.add_obligations(obs)  # the transaction and the indexes are intact
    assert len(_rows(store)) == 20


def test_an_add_smaller_than_the_table_keeps_the_indexes(two_stores, make_obligation, monkeypatch):
    store, _ = two_stores
    monkeypatch.setattr(sql_module, "_REBUILD_AFTER", 10)
    store.add_obligations(_many(make_obligation, 30))
    with store.transaction(), store._conn() as conn:
        assert store._rebuild_indexes(conn, 20) == ()  # 20 more into a table of 30
        assert store._rebuild_indexes(conn, 31) == OBLIGATION_INDEXES
        assert store._rebuild_indexes(conn, 9) == ()  # under the threshold
