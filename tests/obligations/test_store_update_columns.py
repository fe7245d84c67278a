"""``update_obligations`` writes only the columns that changed (SQLite and PostgreSQL).

A sweep's change is mostly a flag, the data and ``updated_at``; SET-ting every column made
both databases rewrite every index entry of each changed row (benchmarks/README.md, "awake
(stop 18)"). These tests watch the UPDATE statements the store sends and read the rows back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
from sqlalchemy import event

from obligations import LegalState

LATER = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _updates(store: Any, call: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, ctx: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("UPDATE OBLIGATIONS"):
            seen.append((sql, params))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return seen


def test_only_the_changed_columns_are_set_and_the_rows_read_back_whole(
    sql_store, make_agreement, make_obligation
):
    sql_store.add_agreement(make_agreement())
    a, b, c = (make_obligation(subject=s) for s in ("GROWER-A", "GROWER-B", "GROWER-C"))
    sql_store.add_obligations([a, b, c])
    a2 = attrs.evolve(a, flags=frozenset({"late"}), updated_at=LATER)
    b2 = attrs.evolve(b, state=LegalState.FULFILLED, updated_at=LATER)
    b3 = attrs.evolve(b2, flags=frozenset({"partially_paid"}))  # the same id twice: last wins
    seen = _updates(sql_store, lambda: sql_store.update_obligations([a2, b2, c, b3]))
    set_clauses = sorted(sql.split(" SET ")[1].split(" WHERE ")[0] for sql, _ in seen)
    assert len(seen) == 2, seen  # a2 and b3 differ in their columns; c is unchanged
    assert all("subject" not in s and "due_at" not in s and "spec_id" not in s for s in set_clauses)
    assert any("flags" in s and "state" not in s for s in set_clauses)
    assert any("flags" in s and "state" in s for s in set_clauses)
    assert sql_store.get_obligation(a.id) == a2
    assert sql_store.get_obligation(b.id) == b3
    assert sql_store.get_obligation(c.id) == c


def test_an_unchanged_obligation_writes_nothing(sql_store, make_agreement, make_obligation):
    sql_store.add_agreement(make_agreement())
    a = make_obligation()
    sql_store.add_obligations([a])
    assert _updates(sql_store, lambda: sql_store.update_obligations([a])) == []
    assert sql_store.get_obligation(a.id) == a
