"""The dashboard's "breach suspected" and "in cure" counts read their own partial index on
PostgreSQL (migration 0011_judged).

Both counts used to read ``ix_obligations_judged`` (every judged row) and test their own
condition on each entry; at 1M on PostgreSQL that was most of the dashboard statement's SQL
(benchmarks/README.md, "console4 (stop 20)"). A partial index serves a query only when the
planner can prove the query implies the index's condition (the console spells each as the
index does). This asks PostgreSQL's planner for the plan of the very statement the dashboard
runs, sequential scans off (a table this small is otherwise scanned whatever the indexes) and
``ix_obligations_judged`` dropped inside a rolled-back transaction (on a few rows it is a near
tie): without the two indexes, or with conditions they do not cover, it names another index.
SQLite's planner may pick either index for these counts (``ix_obligations_judged`` holds the
conditions' columns, so it answers them from the index too); the counts themselves are checked
on both dialects against an oracle in test_queries_dashboard.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from obligations import ObligationService, open_store
from tests.wsr.console.conftest import Seeded
from tests.wsr.console.test_queries_dashboard import viewer
from wsr.console.queries import Filters, dashboard


def _figures_statement(made: Seeded, filters: Filters) -> tuple[str, Any]:
    """The one statement of counts the dashboard runs, with its parameters."""
    store = open_store(made.db_url)
    service = ObligationService(store, actor="monitor@wsr.example")
    service.sweep(now=made.now)
    # as autovacuum leaves a store: statistics, and the visibility map an index-only scan needs
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        dashboard(service, viewer("monitor"), now=made.now, filters=filters)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
        store.engine.dispose()
    (found,) = [s for s in seen if "scheduler_heartbeats" in s[0]]
    return found


def _plan(made: Seeded, sql: str, params: Any) -> str:
    engine = sa.create_engine(made.db_url)
    try:
        with engine.connect() as conn, conn.begin() as tx:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            # the wide index the counts read before 0011 is a near tie on a table this small
            # (which wins depends on the visibility map); without it the plan shows whether the
            # statement can read the partial indexes at all. Rolled back below.
            conn.exec_driver_sql("DROP INDEX ix_obligations_judged")
            rows = conn.exec_driver_sql(f"EXPLAIN {sql}", params).fetchall()
            tx.rollback()
    finally:
        engine.dispose()
    return "\n".join(str(r[0]) for r in rows)


@pytest.mark.postgres
def test_each_count_reads_its_own_partial_index(seeded_pg: Seeded) -> None:
    for filters in (Filters(), Filters(agreement=seeded_pg.accord)):
        plan = _plan(seeded_pg, *_figures_statement(seeded_pg, filters))
        assert "ix_obligations_suspected" in plan, plan
        assert "ix_obligations_in_cure" in plan, plan
