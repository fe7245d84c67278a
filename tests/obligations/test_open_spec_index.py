"""The time rules' questions are answered from ``ix_obligations_open_spec`` (0009_awake).

Every read at an instant some agreement's wake has passed, every sweep and every write's own
time step asks ``open_of_specs``/``first_open`` for one agreement's open instances of a few
specs in a narrower open state (``in_effect``). The index covers the open rows only, and
SQLite uses a partial index only when the query's WHERE contains its condition as written: so
both stores render the open states beside the narrower state. Without that, SQLite walked
every row of the agreement (or every row due before the bound) on the million-instance store
(2.2 s of one listing; benchmarks/README.md, "awake (stop 18)"). These tests ask SQLite's
planner about the very statements the stores run (PostgreSQL's planner picks a sequential
scan on a table this small whatever the indexes, so the plan is checked on SQLite only; the
answers are checked equal on both by the store-contract and fast-read tests).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

from obligations import LegalState
from obligations.stores._fastread import FastReadStore
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.obligations.conftest import _agreement, _obligation, _sqlite_store

INDEX = "ix_obligations_open_spec"
BOUND = datetime(2026, 6, 1, tzinfo=UTC)
FLAGS = ("breach_suspected", "breach_confirmed")


def _filled(tmp_path: Any) -> SqlAlchemyObligationStore:
    """Two agreements, a few specs, open and closed rows over many due days."""
    store = _sqlite_store(tmp_path)
    obs = []
    for agreement_id in ("agr-000000000001", "agr-000000000002"):
        for spec in ("premium.payment", "premium.pass_through", "worker_education.sessions"):
            for i in range(60):
                state = (LegalState.IN_EFFECT, LegalState.FULFILLED, LegalState.CREATED)[i % 3]
                obs.append(
                    _obligation(
                        agreement_id,
                        spec_id=spec,
                        key=f"k{i}",
                        due=date(2026, 1, 1) + timedelta(days=3 * i),
                        state=state,
                        flags=frozenset({"breach_suspected"}) if i % 7 == 0 else frozenset(),
                    )
                )
    with store.transaction():
        for agreement_id in ("agr-000000000001", "agr-000000000002"):
            store.add_agreement(_agreement(agreement_id))
        store.add_obligations(obs)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return store


def _plan(path: str, sql: str, params: Any) -> str:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params)).fetchall()
    return " | ".join(str(r[-1]) for r in rows)


class _Recording:
    """A sqlite3 connection that remembers the statements it runs (for their plans)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.seen: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.seen.append((sql, params))
        return self.conn.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def _questions(store: Any) -> list[Any]:
    """The time rules' three kinds of question, as the step asks them."""
    states = frozenset({LegalState.IN_EFFECT})
    agreement_id = "agr-000000000001"
    return [
        store.open_of_specs(
            agreement_id,
            ["premium.payment", "worker_education.sessions"],
            due_before=BOUND,
            states=states,
            without_flags=FLAGS,
        ),
        store.open_of_specs(agreement_id, ["premium.pass_through"], states=states),
        store.first_open(
            agreement_id,
            ["premium.payment"],
            due_from=BOUND,
            states=states,
            without_flags=FLAGS,
        ),
    ]


def test_the_sql_store_asks_the_time_rules_questions_through_the_index(tmp_path):
    store = _filled(tmp_path)
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, ctx: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "FROM obligations" in sql:
            seen.append((sql, params))

    from sqlalchemy import event

    event.listen(store.engine, "before_cursor_execute", record)
    found = _questions(store)
    event.remove(store.engine, "before_cursor_execute", record)
    assert found[0] and found[1] and found[2] is not None  # the questions have answers
    assert len(seen) == 3
    path = str(store.engine.url.database)
    for sql, params in seen:
        assert INDEX in _plan(path, sql, params), sql


def test_the_fast_read_store_asks_them_through_the_index_too(tmp_path):
    path = str(_filled(tmp_path).engine.url.database)
    conn = _Recording(sqlite3.connect(path))
    fast = FastReadStore(conn, "sqlite")
    found = _questions(fast)
    assert found[0] and found[1]
    assert len(conn.seen) >= 2
    for sql, params in conn.seen:
        assert INDEX in _plan(path, sql, params), sql


def test_postgresql_is_not_told_the_open_states_again():
    """PostgreSQL proves the partial indexes' condition from the narrower state; given it again
    it counted the state's selectivity twice, estimated one row on the 1M store and passed the
    open-spec index by (6 ms a question instead of 0.6; benchmarks/README.md, stop 22). SQLite
    still gets it spelled out, as its partial indexes need."""
    from sqlalchemy.dialects import postgresql, sqlite

    q = SqlAlchemyObligationStore.find_query(
        agreement_id="agr-000000000001",
        spec_ids=["premium.payment"],
        states=[LegalState.IN_EFFECT],
    )
    open_term = "obligations.state IN ('created', 'in_effect', 'suspended')"
    assert open_term in str(q.compile(dialect=sqlite.dialect()))
    pg = str(q.compile(dialect=postgresql.dialect()))
    assert "'created'" not in pg and "obligations.state IN" in pg
    every = SqlAlchemyObligationStore.find_query(states=list(LegalState))
    assert open_term not in str(every.compile(dialect=sqlite.dialect()))
