"""The whole content of a store, for "nothing was written" checks: every table, every row."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from obligations.abc import ObligationStore
from obligations.stores._sqltables import metadata
from obligations.stores.memory import MemoryObligationStore
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore


def dump(store: ObligationStore) -> Any:
    """Every table as sorted rows (SQL stores: every table in the database, not only those
    the store knows; the memory store: all of its state)."""
    if isinstance(store, MemoryObligationStore):
        return store._state()
    assert isinstance(store, SqlAlchemyObligationStore)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        for name in sorted(names):
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            rows = conn.execute(sa.select(table)).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def reset(store: ObligationStore) -> None:
    """Empty every table of a SQL store (between Hypothesis examples)."""
    assert isinstance(store, SqlAlchemyObligationStore)
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name not in ("audit_head", "store_revision"):
                conn.execute(table.delete())
        conn.exec_driver_sql(
            "UPDATE audit_head SET seq = 0, hash = NULL, mac = NULL, legacy_seq = 0"
        )
        # a write like any other: the revision only ever grows (what was read before the
        # reset must never be taken for what is there after it)
        conn.exec_driver_sql("UPDATE store_revision SET n = n + 1")


def fast_dump(store: SqlAlchemyObligationStore) -> Any:
    """:func:`dump` from the store's own table names (no reflection: a Hypothesis suite dumps
    twice per example), every row as the database holds it (no column types in between, so a
    damaged value is dumped, not decoded)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(sa.text(f"SELECT * FROM {table.name}")).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out
