"""Bulk load benchmark: N obligation instances into an empty store, against a raw insert.

    python -m benchmarks.bench_load [--sizes 100000] [--runs 3] [--pg URL] [--no-sqlite]

The instances are the cached realistic store's (``benchmarks/_data.py``: compiled from the
shipped library, varied titles, amounts, states and flags), read into memory once, so no side
pays for generating them. Every run starts from a freshly migrated, empty database with the
same agreements already stored. The sides, alternated run by run:

* **A1 bulk load**: ``SqlAlchemyObligationStore.bulk_load(values)`` — the store's entry point for
  initial loads: drops the secondary indexes, inserts through the same fast path
  ``add_obligations`` uses (SQLite) or ``COPY`` (PostgreSQL), rebuilds the indexes, ANALYZE;
* **A2 track path**: ``store.add_obligations(values)`` in one transaction — the call
  ``ObligationService.track`` makes for the instances (duplicate-id and agreement checks,
  indexes kept up to date, ANALYZE);
* **B floor**: the same rows as DBAPI tuples (exactly what the store binds, built before the
  timing) into the same schema with its secondary indexes dropped: ``executemany`` in one
  transaction (sqlite3) or ``COPY … FROM STDIN`` with ``write_row`` (psycopg), then the same
  ``CREATE INDEX`` statements. No ANALYZE.

Before timing, a 20,000-row prefix is loaded by all three and the stored tables compared row by
row (same ids, same stored values); after the timed runs the full tables are compared again.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks import _data


def fmt(xs: Sequence[float]) -> str:
    return f"{min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f} s"


# -- databases ----------------------------------------------------------------------------------


@contextmanager
def fresh_sqlite(tmp: Path) -> Iterator[sa.Engine]:
    from obligations._db import make_engine, upgrade

    path = tmp / f"load-{uuid.uuid4().hex[:8]}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        for p in tmp.glob(f"{path.name}*"):
            p.unlink()


@contextmanager
def fresh_pg(server: str) -> Iterator[sa.Engine]:
    from obligations._db import make_engine, upgrade

    base = sa.engine.make_url(server)
    name = f"wsr_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def digest(engine: sa.Engine) -> tuple[int, str]:
    """(rows, sha256 over every stored value in id order) of the obligations table."""
    h = hashlib.sha256()
    n = 0
    with engine.connect() as conn:
        for row in conn.exec_driver_sql("SELECT * FROM obligations ORDER BY id"):
            h.update(repr(tuple(row)).encode())
            n += 1
    return n, h.hexdigest()


# -- the three sides ----------------------------------------------------------------------------


def with_agreements(engine: sa.Engine, agreements: list[Any]) -> Any:
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    store = SqlAlchemyObligationStore(engine)
    with store.transaction():
        for a in agreements:
            store.add_agreement(a)
    return store


def a_bulk(engine: sa.Engine, agreements: list[Any], obs: list[Any], _: Any) -> float:
    store = with_agreements(engine, agreements)
    start = time.perf_counter()
    store.bulk_load(obs)
    return time.perf_counter() - start


def a_track(engine: sa.Engine, agreements: list[Any], obs: list[Any], _: Any) -> float:
    store = with_agreements(engine, agreements)
    start = time.perf_counter()
    with store.transaction():
        store.add_obligations(obs)
    return time.perf_counter() - start


def floor_rows(dialect: sa.Dialect, obs: list[Any]) -> tuple[str, list[tuple[Any, ...]]]:
    """The INSERT text and the bound tuples the store would hand the driver (built untimed)."""
    from obligations.stores._sqltables import obligations
    from obligations.stores.sqlalchemy import _insert_plan, _ob_row

    sql, names, processors = _insert_plan(dialect, obligations)
    rows = []
    for ob in obs:
        row = _ob_row(ob)
        values = [row[n] for n in names]
        for i, process in processors:
            if values[i] is not None:
                values[i] = process(values[i])
        rows.append(tuple(values))
    return sql, rows


def index_ddl(dialect: sa.Dialect) -> tuple[list[str], list[str]]:
    from obligations.stores._sqltables import OBLIGATION_INDEXES

    drops = [f'DROP INDEX "{ix.name}"' for ix in OBLIGATION_INDEXES]
    creates = [str(sa.schema.CreateIndex(ix).compile(dialect=dialect)) for ix in OBLIGATION_INDEXES]
    return drops, creates


def b_floor(engine: sa.Engine, agreements: list[Any], _: list[Any], prepared: Any) -> float:
    sql, rows, drops, creates, columns = prepared
    with_agreements(engine, agreements)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for ddl in drops:
            cur.execute(ddl)
        raw.commit()
        start = time.perf_counter()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")
            cur.executemany(sql, rows)
        else:
            copy_sql = f"COPY obligations ({', '.join(columns)}) FROM STDIN"
            with cur.copy(copy_sql) as cp:
                for row in rows:
                    cp.write_row(row)
        for ddl in creates:
            cur.execute(ddl)
        raw.commit()
        took = time.perf_counter() - start
        cur.close()
    finally:
        raw.close()
    return took


SIDES: dict[str, Callable[[sa.Engine, list[Any], list[Any], Any], float]] = {
    "A1 bulk_load": a_bulk,
    "A2 add_obligations (track's path)": a_track,
    "B raw insert, indexes after": b_floor,
}


# -- driver -------------------------------------------------------------------------------------


def source(n: int) -> tuple[list[Any], list[Any]]:
    """(agreements, instances) of the cached store, read into memory once."""
    from obligations._db import make_engine
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    engine = make_engine(f"sqlite:///{_data.store_file(n)}")
    try:
        store = SqlAlchemyObligationStore(engine)
        with store.transaction():
            return store.list_agreements(), store.find_obligations()
    finally:
        engine.dispose()


def bench(label: str, fresh: Callable[[], Any], agreements: list[Any], obs: list[Any], runs: int):
    with fresh() as probe:
        dialect = probe.dialect
    from obligations.stores._sqltables import obligations

    sql, rows = floor_rows(dialect, obs)
    drops, creates = index_ddl(dialect)
    quote = dialect.identifier_preparer.quote
    prepared = (sql, rows, drops, creates, [quote(c.name) for c in obligations.columns])
    # check: the three sides store the same rows (a prefix, before timing)
    k = min(20_000, len(obs))
    small = (sql, rows[:k], drops, creates, prepared[4])
    digests = {}
    for name, side in SIDES.items():
        with fresh() as engine:
            side(engine, agreements, obs[:k], small)
            digests[name] = digest(engine)
    assert len(set(digests.values())) == 1, digests
    times: dict[str, list[float]] = {name: [] for name in SIDES}
    names = list(SIDES)
    final = {}
    for i in range(runs):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            with fresh() as engine:
                times[name].append(SIDES[name](engine, agreements, obs, prepared))
                if i == runs - 1:
                    final[name] = digest(engine)
    assert len(set(final.values())) == 1, final
    floor = statistics.median(times["B raw insert, indexes after"])
    for name in names:
        ratio = statistics.median(times[name]) / floor
        rate = len(obs) / statistics.median(times[name])
        print(
            f"| {label} | {len(obs):,} | {name} | {fmt(times[name])} | {rate:,.0f} rows/s "
            f"| ×{ratio:.2f} |",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args(argv)
    print("| store | instances | side | min / median / max | rate | × floor (B) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="wsr-bench-load-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            agreements, obs = source(n)
            if not args.no_sqlite:
                bench("SQLite", lambda: fresh_sqlite(Path(tmp)), agreements, obs, args.runs)
            if args.pg:
                bench("PostgreSQL", lambda: fresh_pg(args.pg), agreements, obs, args.runs)


if __name__ == "__main__":
    main()
