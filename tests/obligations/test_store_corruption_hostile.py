"""A corrupted store on SQLite and PostgreSQL: reads and writes give an engine error naming what
is wrong, or work; never another exception, and a refused write writes nothing on top (issue 9).

Each example damages one column of one stored row (an unknown state, a non-decimal amount,
broken JSON, a NUL, an over-long or empty value …) the way an edit outside ``wsr`` would, then
lists the obligations and records an ordinary purchase; the row is put back afterwards. The
counts go to the session summary (``tests/tally.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from clauses import EngineError
from obligations import ObligationService
from obligations.stores._sqltables import metadata
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests import tally
from tests.obligations.dump import fast_dump
from tests.obligations.factories import fair_food

AGREEMENT = fair_food()
NOW = datetime(2026, 6, 1, 14, tzinfo=UTC)
TABLES = ("agreements", "obligations", "events", "audit_log", "audit_head")
JUNK = [
    "",
    "not_a_state",
    "NaN",
    "1e999999",
    "{broken",
    "[]",
    "{}",
    "null",
    "9" * 40,
    "2026-13-45",
    "x\x00y",
    "USD",
    None,
    -1,
]


def _prepared(store: SqlAlchemyObligationStore) -> ObligationService:
    svc = ObligationService(store, actor="hostile")
    with store.read():
        tracked = any(a.id == AGREEMENT.id for a in store.list_agreements())
    if not tracked:
        svc.track(AGREEMENT, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, tzinfo=UTC))
        svc.record_event(
            AGREEMENT.id,
            "purchase_recorded",
            on="2026-01-07",
            fields={"supplier": "GROWER-G", "quantity": "1000", "unit": "lb"},
            now=datetime(2026, 1, 8, tzinfo=UTC),
        )
    return svc


def _raw_row(conn: sa.Connection, table: sa.Table, column: str) -> tuple[dict[str, Any], Any]:
    """(primary key, the column's raw stored value) of the table's first row, read as the
    database holds it (no column types in between), or reject the example if it is empty."""
    keys = [c.name for c in table.primary_key.columns]
    names = ", ".join(f'"{k}"' for k in keys)
    row = conn.execute(
        sa.text(f'SELECT {names}, "{column}" FROM {table.name} ORDER BY {names} LIMIT 1')
    ).first()
    if row is None:
        reject()
    return dict(zip(keys, row[:-1], strict=True)), row[-1]


def _set(
    conn: sa.Connection, table: sa.Table, key: dict[str, Any], column: str, value: Any
) -> None:
    where = " AND ".join(f'"{k}" = :k_{k}' for k in key)
    conn.execute(
        sa.text(f'UPDATE {table.name} SET "{column}" = :v WHERE {where}'),
        {"v": value, **{f"k_{k}": v for k, v in key.items()}},
    )


@settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_damaged_row_is_named_and_never_written_over(
    sql_store: SqlAlchemyObligationStore, data: st.DataObject
) -> None:
    svc = _prepared(sql_store)
    table = metadata.tables[data.draw(st.sampled_from(TABLES))]
    column = data.draw(st.sampled_from([c.name for c in table.columns]))
    junk = data.draw(st.sampled_from(JUNK))
    engine = sql_store.engine
    if column in {c.name for c in table.primary_key.columns}:
        reject()  # renaming a row's key is a different row, not a damaged one
    with engine.connect() as conn:
        key, original = _raw_row(conn, table, column)
    try:
        with engine.begin() as conn:
            _set(conn, table, key, column, junk)
    except sa.exc.DBAPIError:
        reject()  # the database itself refuses this damage (a NOT NULL, a type, a NUL)
    suite = f"store corruption ({engine.dialect.name})"
    try:
        refused = False
        try:
            with sql_store.read():
                svc.obligations(agreement_id=None, now=NOW)
        except EngineError as exc:
            assert str(exc).strip()
            refused = True
        before = fast_dump(sql_store)
        try:
            with sql_store.transaction():
                svc.record_event(
                    AGREEMENT.id,
                    "purchase_recorded",
                    on="2026-03-10",
                    fields={"supplier": "GROWER-G", "quantity": "5", "unit": "lb"},
                    now=NOW,
                )
        except EngineError as exc:
            assert str(exc).strip()
            assert fast_dump(sql_store) == before, f"written on top of {table.name}.{column}"
            refused = True
        tally.record(suite, refused=refused)
    finally:
        with engine.begin() as conn:
            _set(conn, table, key, column, original)
