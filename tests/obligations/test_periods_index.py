"""Which periods are stored is read as one range of the natural-key index (0010_periods).

Every read's time step asks, per recurring spec of each agreement, which subjects have the
newest pending period (``stores/_periods.py``). With the natural key indexed (agreement, spec,
key, subject) that is one contiguous range per ask; before, it was one seek per subject (about
21,000 per dashboard at 1M; benchmarks/README.md, "awake2 (stop 18)"). The plan is asked of
SQLite's planner for the very statements both stores run (PostgreSQL's planner scans a table
this small whatever the indexes; the answers are checked equal on both dialects by the
store-contract and fast-read tests).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from obligations.stores._fastread import FastReadStore
from tests.obligations.conftest import _agreement, _obligation, _sqlite_store
from tests.obligations.test_open_spec_index import _plan, _Recording

RANGE = "uq_obligations_natural_key (agreement_id=? AND spec_id=? AND key=?)"


def _filled(tmp_path: Any) -> str:
    store = _sqlite_store(tmp_path)
    with store.transaction():
        store.add_agreement(_agreement("agr-000000000001"))
        store.add_obligations(
            [
                _obligation(subject=f"GROWER-{g:03d}", key=f"2026-{m:02d}-01")
                for g in range(40)
                for m in range(1, 13)
            ]
        )
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return str(store.engine.url.database)


def test_each_ask_is_one_range_of_the_natural_key_index(tmp_path):
    path = _filled(tmp_path)
    conn = _Recording(sqlite3.connect(path))
    growers = {f"GROWER-{g:03d}" for g in range(40)}
    asks = [("premium.payment", "2026-12-01", growers), ("premium.payment", "2027-01-01", growers)]
    assert FastReadStore(conn, "sqlite").periods_subjects("agr-000000000001", asks) == [
        growers,
        set(),
    ]
    assert len(conn.seen) == 1  # both asks in one statement
    plan = _plan(path, *conn.seen[0])
    assert plan.count(RANGE) == 2, plan


def test_an_ask_about_a_few_subjects_seeks_them(tmp_path):
    """A read's probe of a period due after what it shows asks about one subject: a seek."""
    path = _filled(tmp_path)
    conn = _Recording(sqlite3.connect(path))
    asks = [("premium.payment", "2026-03-01", {"GROWER-001", "NOT-A-GROWER"})]
    assert FastReadStore(conn, "sqlite").periods_subjects("agr-000000000001", asks) == [
        {"GROWER-001"}
    ]
    plan = _plan(path, *conn.seen[0])
    assert "(agreement_id=? AND spec_id=? AND key=? AND subject=?)" in plan, plan
