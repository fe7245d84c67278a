"""Obligation store benchmark: compile a 2,000-supplier agreement, bulk-load up to 1M obligation
instances, and time the two monitoring queries through the store against the raw indexed SQL.

    python -m benchmarks.bench_store [--n 1000000] [--sizes 100000,1000000] [--runs 7]
                                     [--pg URL] [--no-sqlite] [--no-compile]

Figures (min / median / max of ``--runs`` runs; the store and raw runs alternate, so a burst
of load on the machine hits both; ratio = store median / raw median, and store min / raw min):

* compile: assemble the full 14-clause library with 2,000 suppliers and a 60-month term, then
  compile its instances at execution (the service materialises recurrences 400 days ahead) and
  over the whole term; then ``ObligationService.track`` into a fresh SQLite store (every
  instance plus its audit entries, one transaction);
* load: ``SqlAlchemyObligationStore.bulk_load`` (executemany on SQLite, COPY on PostgreSQL,
  secondary indexes dropped and rebuilt), including building the Obligation values;
* "due in the next 7 days": open instances with ``now < due_at <= now + 7 days``;
* "overdue LIMIT 1000": open instances with ``due_at <= now``, oldest first.

The store path runs ``find_obligations`` and returns Obligation values; the raw path runs the
same SELECT text on the DBAPI cursor and fetches tuples, so the ratio is what the store adds
(SQLAlchemy Core + building frozen values). The synthetic data: weekly premium payments for
2,000 suppliers per agreement, agreements staggered by a few days, due 31 days after each week
plus 0–6 days of jitter; before ``now`` 97 % fulfilled, 2 % still in effect (overdue), 1 %
discharged; after ``now`` in effect. PostgreSQL is measured on a fresh database created on the
server given by ``--pg`` (e.g. ``$(scripts/pg-test-server start /tmp/wsr-pg)``) and dropped after.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from obligations import OPEN, LegalState, Money, Obligation, TrackedAgreement, obligation_id
from obligations._db import make_engine, upgrade
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

SUPPLIERS = 2000
TICK = timedelta(microseconds=1)
EPOCH = date(2026, 1, 5)  # a Monday
T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)
OPEN_STATES = sorted(s.value for s in OPEN)


# -- measuring ----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def interleaved(
    a: Callable[[], Any], b: Callable[[], Any], runs: int
) -> tuple[list[float], list[float], Any, Any]:
    """Time ``a`` and ``b`` in alternation, so a burst of load on the machine hits both."""
    a_times: list[float] = []
    b_times: list[float] = []
    a_result = b_result = None
    for _ in range(runs):
        start = time.perf_counter()
        a_result = a()
        a_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        b_result = b()
        b_times.append(time.perf_counter() - start)
    return a_times, b_times, a_result, b_result


def mmm(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"{min(ms):.1f} / {statistics.median(ms):.1f} / {max(ms):.1f} ms"


# -- compile ------------------------------------------------------------------------------------


def bench_compile() -> list[tuple[str, str, str]]:
    from clauses import TemplateError, assemble, load_library, parse_answers
    from clauses._agreement import seal
    from obligations._compile import compile_agreement
    from obligations._service import ObligationService

    lib = load_library()
    answers = {
        "agreement": {
            "title": "Benchmark Agreement",
            "effective_date": EPOCH,
            "timezone": "America/New_York",
            "currency": "USD",
            "governing_law": "State of Florida",
        },
        "parties": [
            {
                "role": r,
                "name": f"Party {r}",
                "address": "1 Main St",
                "email": f"{r}@x.example",
                "signatory": "A. Person",
            }
            for r in ("buyer", "worker_organization", "monitor")
        ],
        "suppliers": [
            {"id": f"SUP-{i:04d}", "name": f"Supplier {i}", "country": "US"}
            for i in range(SUPPLIERS)
        ],
        "clauses": {cid: {"alternative": "standard"} for cid in lib.clauses},
    }
    answers["clauses"]["term_and_renewal"] = {
        "alternative": "standard",
        "initial_term_months": 60,
        "auto_renew": False,
    }
    rows = []
    try:
        t, agreement = timed(lambda: assemble(parse_answers(answers, lib), lib), 1)
        rows.append(("assemble 14 clauses, 2,000 suppliers", f"{t[0] * 1000:.0f} ms", ""))
    except TemplateError as exc:
        # The supplier list in the text cannot (yet) be rendered for this many suppliers;
        # compiling needs only the specs and the supplier ids, so seal the 2,000 in afterwards.
        few = {**answers, "suppliers": answers["suppliers"][:26]}
        small = assemble(parse_answers(few, lib), lib)
        body = small.model_dump(mode="json")
        body["suppliers"] = answers["suppliers"]
        agreement = seal(body)
        rows.append(
            (
                "assemble 14 clauses, 2,000 suppliers",
                "failed",
                f"{exc}; compiled a record sealed with 2,000 supplier ids instead",
            )
        )
    t, obs = timed(lambda: compile_agreement(agreement, EPOCH, T0), 3)
    rows.append(("compile at execution (400-day horizon)", mmm(t), f"{len(obs):,} instances"))
    late = T0 + timedelta(days=5 * 366)
    t, obs_all = timed(lambda: compile_agreement(agreement, EPOCH, late), 1)
    rows.append(
        ("compile the whole 5-year term", f"{t[0] * 1000:.0f} ms", f"{len(obs_all):,} instances")
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/track.db")
        upgrade(engine)
        service = ObligationService(SqlAlchemyObligationStore(engine), actor="bench")
        start = time.perf_counter()
        result = service.track(agreement, signed_on=EPOCH, now=T0)
        took = time.perf_counter() - start
        engine.dispose()
    rows.append(
        (
            "`track` into SQLite (instances + audit, one transaction)",
            f"{took * 1000:.0f} ms",
            f"{result.obligations:,} instances",
        )
    )
    return rows


# -- synthetic instances ------------------------------------------------------------------------


def agreements_for(n: int) -> list[TrackedAgreement]:
    per = SUPPLIERS * 260  # weekly for five years
    count = max(1, -(-n // per))
    return [
        TrackedAgreement(
            id=f"agr-bench{i:07d}",
            title=f"Benchmark {i}",
            timezone="America/New_York",
            currency="USD",
            signed_on=EPOCH + timedelta(days=3 * i),
            effective_date=EPOCH + timedelta(days=3 * i),
            term_end=date(2031, 1, 4),
            status="active",
            record_json="{}",
            created_at=T0,
        )
        for i in range(count)
    ]


def weeks_for(n: int, agreements: int) -> int:
    return -(-n // (SUPPLIERS * agreements))


def now_for(n: int, agreements: int) -> datetime:
    """Halfway through the due dates, so half the instances lie behind us."""
    weeks = weeks_for(n, agreements)
    return datetime.combine(
        EPOCH + timedelta(weeks=weeks // 2, days=31), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=17)


def instances(n: int, agreements: list[TrackedAgreement], now: datetime) -> Iterator[Obligation]:
    rng = random.Random(20261122)
    weeks = weeks_for(n, len(agreements))
    made = 0
    amount = Money(value=Decimal("2500.00"), currency="USD")
    for a in agreements:
        for w in range(weeks):
            start = a.signed_on + timedelta(weeks=w)
            end = start + timedelta(days=6)
            key = start.isoformat()
            for s in range(SUPPLIERS):
                if made >= n:
                    return
                subject = f"SUP-{s:04d}"
                due = end + timedelta(days=31 + rng.randrange(7))
                due_at = datetime.combine(
                    due + timedelta(days=1), datetime.min.time(), tzinfo=UTC
                ) + timedelta(hours=5)
                if due_at > now:
                    state, fulfilled_on = LegalState.IN_EFFECT, None
                else:
                    r = rng.random()
                    if r < 0.97:
                        state, fulfilled_on = LegalState.FULFILLED, due
                    elif r < 0.99:
                        state, fulfilled_on = LegalState.IN_EFFECT, None
                    else:
                        state, fulfilled_on = LegalState.DISCHARGED, None
                yield Obligation(
                    id=obligation_id(a.id, "premium.payment", subject, key),
                    agreement_id=a.id,
                    clause_id="premium",
                    clause_version="1.0.0",
                    spec_id="premium.payment",
                    section="5",
                    title="Pay the premium",
                    kind="payment",
                    obligor="buyer",
                    beneficiary="supplier",
                    subject=subject,
                    key=key,
                    period_start=start,
                    period_end=end,
                    due=due,
                    due_at=due_at,
                    state=state,
                    amount=amount,
                    paid=amount.value if fulfilled_on else Decimal(0),
                    fulfilled_on=fulfilled_on,
                    created_at=T0,
                    updated_at=T0,
                )
                made += 1


# -- queries ------------------------------------------------------------------------------------


def raw_sql(dialect: str) -> tuple[str, str]:
    ph = "?" if dialect == "sqlite" else "%s"
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    base = f"SELECT * FROM obligations WHERE state IN ({states})"
    window = f"{base} AND due_at >= {ph} AND due_at < {ph} ORDER BY due_at, id"
    overdue = f"{base} AND due_at < {ph} ORDER BY due_at, id LIMIT 1000"
    return window, overdue


def raw_param(dialect: str, at: datetime) -> Any:
    # what the store's UTCDateTime type binds: naive UTC text on SQLite, aware on PostgreSQL
    if dialect == "sqlite":
        return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return at


def bench_queries(store: SqlAlchemyObligationStore, now: datetime, runs: int) -> list[list[str]]:
    engine = store.engine
    dialect = engine.dialect.name
    window_sql, overdue_sql = raw_sql(dialect)
    lo, hi = now + TICK, now + timedelta(days=7) + TICK
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()

        def raw_window() -> list[Any]:
            cur.execute(window_sql, (raw_param(dialect, lo), raw_param(dialect, hi)))
            return list(cur.fetchall())

        def raw_overdue() -> list[Any]:
            cur.execute(overdue_sql, (raw_param(dialect, now + TICK),))
            return list(cur.fetchall())

        def store_window() -> list[Obligation]:
            return store.find_obligations(states=OPEN, due_from=lo, due_before=hi)

        def store_overdue() -> list[Obligation]:
            return store.find_obligations(states=OPEN, due_before=now + TICK, limit=1000)

        out = []
        for name, s_fn, r_fn in (
            ("due in the next 7 days", store_window, raw_window),
            ("overdue LIMIT 1000", store_overdue, raw_overdue),
        ):
            r_fn()
            s_fn()  # warm caches once
            r_times, s_times, r_rows, s_rows = interleaved(r_fn, s_fn, runs)
            assert len(r_rows) == len(s_rows), (name, len(r_rows), len(s_rows))
            ratio = statistics.median(s_times) / statistics.median(r_times)
            best = min(s_times) / min(r_times)
            ratios = f"×{ratio:.2f} / ×{best:.2f}"
            out.append([name, f"{len(s_rows):,}", mmm(s_times), mmm(r_times), ratios])
        cur.close()
    finally:
        raw.close()
    return out


# -- per database -------------------------------------------------------------------------------


def bench_database(label: str, engine: sa.Engine, n: int, runs: int) -> list[list[str]]:
    upgrade(engine)
    store = SqlAlchemyObligationStore(engine)
    agreements = agreements_for(n)
    now = now_for(n, len(agreements))
    with store.transaction():
        for a in agreements:
            store.add_agreement(a)
    start = time.perf_counter()
    loaded = store.bulk_load(instances(n, agreements, now))
    load = time.perf_counter() - start
    rows = [
        [
            f"{label} {n:,}",
            "bulk load",
            f"{loaded:,}",
            f"{load:.1f} s",
            f"{loaded / load:,.0f} rows/s",
            "",
        ]
    ]
    rows.extend([f"{label} {n:,}", *q] for q in bench_queries(store, now, runs))
    return rows


def sqlite_engine(tmp: Path, n: int) -> sa.Engine:
    return make_engine(f"sqlite:///{tmp}/bench-{n}.db")


def pg_database(url: str) -> tuple[sa.Engine, Callable[[], None]]:
    base = sa.engine.make_url(url)
    name = f"wsr_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))

    def drop() -> None:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()

    return engine, drop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="one size only (instances)")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL (any database)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args(argv)
    sizes = [args.n] if args.n else [int(s) for s in args.sizes.split(",")]

    started = time.perf_counter()
    if not args.no_compile:
        print("| compile (2,000 suppliers, 60-month term) | time | result |")
        print("|---|---|---|")
        for row in bench_compile():
            print("| " + " | ".join(row) + " |", flush=True)
        print()
    print(
        "| store, instances | query | rows | store min / median / max "
        "| raw SQL min / median / max | ratio of medians / of minima |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            targets: list[tuple[str, sa.Engine, Callable[[], None]]] = []
            if not args.no_sqlite:
                eng = sqlite_engine(Path(tmp), n)
                targets.append(("SQLite", eng, eng.dispose))
            if args.pg:
                eng, drop = pg_database(args.pg)
                targets.append(("PostgreSQL", eng, drop))
            for label, engine, done in targets:
                try:
                    for row in bench_database(label, engine, n, args.runs):
                        print("| " + " | ".join(row) + " |", flush=True)
                finally:
                    done()
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
