"""In-process store benchmark: the service queries the CLI and the console call, against raw SQL.

    python -m benchmarks.bench_store queries [--sizes 100000] [--runs 21] [--pg URL] [--no-sqlite]
    python -m benchmarks.bench_store compile

``queries`` runs on the cached realistic store (``benchmarks/_data.py``) at ``_data.NOW``, each
pair alternated run by run, medians and the ratio of medians (goal: A ≤ 1.3 × B):

A0 is the same call on a service that steps every agreement (``skip_quiet=False``: main's
path, before the stored wakes), alternated with A and B in the same runs.

* values — A: ``ObligationService.due_within(now=NOW, days=7)`` / ``overdue(now=NOW)``, the
  frozen ``Obligation`` values, everything the service does included (the time step of the
  read), on the store the listings use: the DBAPI read path (``obligations.open_fast``: one
  connection, one read-only transaction, as ``wsr obligations`` and ``fast_views`` read) where
  the code has it, else the SQL store; B: the same SELECT on one
  open DBAPI connection, each row decoded to the same typed values (dates, aware UTC instants,
  ``Decimal`` amounts and payments, the flag set);
* JSON view — A: what ``wsr obligations --json`` calls, ``ObligationService.views(now=NOW,
  due_within=7)`` / ``views(now=NOW, overdue=True)`` (on a service without ``views``,
  ``[o.to_view(NOW) for o in <the values call>]``); B: the same SELECT straight to the same
  view dicts.

Before timing, both sides' results are compared: same ids in the same order and equal typed
values (values), equal dicts (views). ``compile`` times assembling, compiling and tracking a
2,000-supplier agreement (what ``wsr track`` does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from benchmarks import _data

SUPPLIERS = 2000
EPOCH = date(2026, 1, 5)
T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)
TICK = timedelta(microseconds=1)
CENT = Decimal("0.01")
OPEN_SQL = "state IN ('created', 'in_effect', 'suspended')"


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def mmm(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"{min(ms):.1f} / {statistics.median(ms):.1f} / {max(ms):.1f} ms"


def alternated_all(fns: list[Callable[[], Any]], runs: int) -> list[list[float]]:
    """Each of ``fns`` once per run, in turn (the order reversed every other run)."""
    for fn in fns:
        fn()  # warm caches once
    times: list[list[float]] = [[] for _ in fns]
    order = list(range(len(fns)))
    for i in range(runs):
        for k in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - start)
    return times


def alternated(
    a: Callable[[], Any], b: Callable[[], Any], runs: int
) -> tuple[list[float], list[float]]:
    a(), b()  # warm caches once
    at: list[float] = []
    bt: list[float] = []
    for i in range(runs):
        for fn, times in ((a, at), (b, bt)) if i % 2 == 0 else ((b, bt), (a, at)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return at, bt


# -- compile ------------------------------------------------------------------------------------


def bench_compile() -> list[tuple[str, str, str]]:
    from clauses import TemplateError, assemble, load_library, parse_answers
    from clauses._agreement import seal
    from obligations._compile import compile_agreement
    from obligations._db import make_engine, upgrade
    from obligations._service import ObligationService
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

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


# -- queries ------------------------------------------------------------------------------------


class Raw:
    """The floor: one open DBAPI connection, the same SELECTs, rows decoded by hand."""

    def __init__(self, engine: Any) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.conn = engine.raw_connection()
        self.mark = "?" if self.sqlite else "%s"

    def bind(self, at: datetime) -> Any:
        if self.sqlite:  # what the store's UTCDateTime binds on SQLite: naive UTC text
            return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return at

    def rows(self, query: str, now: datetime) -> list[Any]:
        m = self.mark
        if query == "due":
            where = f"due_at >= {m} AND due_at < {m}"
            params: tuple[Any, ...] = (
                self.bind(now + TICK),
                self.bind(now + timedelta(days=7) + TICK),
            )
        else:
            where = f"due_at < {m} AND kind NOT IN ('prohibition')"
            params = (self.bind(now + TICK),)
        cur = self.conn.cursor()
        cur.execute(
            f"SELECT * FROM obligations WHERE {OPEN_SQL} AND {where} ORDER BY due_at, id", params
        )
        out = cur.fetchall()
        cur.close()
        return out

    def _date(self, v: Any) -> date | None:
        if v is None or not self.sqlite:
            return v
        return date.fromisoformat(v)

    def _instant(self, v: Any) -> datetime:
        if self.sqlite:
            return datetime.fromisoformat(v).replace(tzinfo=UTC)
        return v.astimezone(UTC)

    def values(self, query: str, now: datetime) -> list[tuple[Any, ...]]:
        """(id, due, due_at, state, amount, currency, paid, flags, period_start, period_end)."""
        d, t = self._date, self._instant
        return [
            (
                r[0],
                d(r[14]),
                t(r[15]),
                r[16],
                None if r[17] is None else Decimal(r[17]),
                r[18],
                Decimal(r[19]),
                frozenset(json.loads(r[20])),
                d(r[12]),
                d(r[13]),
            )
            for r in self.rows(query, now)
        ]

    def views(self, query: str, now: datetime) -> list[dict[str, Any]]:
        soon = timedelta(days=7)
        out = []
        iso = (lambda v: v) if self.sqlite else (lambda v: None if v is None else v.isoformat())
        for r in self.rows(query, now):
            at = self._instant(r[15])
            timing = "overdue" if now >= at else ("due_soon" if at - now <= soon else "upcoming")
            out.append(
                {
                    "id": r[0],
                    "agreement_id": r[1],
                    "clause_id": r[2],
                    "clause_version": r[3],
                    "spec_id": r[4],
                    "title": r[6],
                    "obligor": r[8],
                    "beneficiary": r[9],
                    "subject": r[10] or None,
                    "due": iso(r[14]),
                    "state": r[16],
                    "timing": timing,
                    "flags": sorted(json.loads(r[20])),
                    "amount": None if r[17] is None else {"value": r[17], "currency": r[18]},
                    "paid": str(Decimal(r[19]).quantize(CENT, rounding=ROUND_HALF_UP)),
                    "late": bool(r[23]),
                    "evidence": r[21],
                    "section": r[5],
                    "period_start": iso(r[12]),
                    "period_end": iso(r[13]),
                    # powers a confirmed breach made available, decoded from data where present
                    "powers": (
                        json.loads(r[27]).get("available_powers", [])
                        if '"available_powers"' in r[27]
                        else []
                    ),
                    # what kind of duty, and a prohibition's window (``in_force_window``)
                    "kind": r[7],
                    "in_force": (
                        {"from": iso(r[14]), "until": iso(r[13])} if r[7] == "prohibition" else None
                    ),
                }
            )
        return out


def typed(ob: Any) -> tuple[Any, ...]:
    amount = ob.amount
    return (
        ob.id,
        ob.due,
        ob.due_at,
        ob.state.value,
        None if amount is None else amount.value,
        None if amount is None else amount.currency,
        ob.paid,
        frozenset(ob.flags),
        ob.period_start,
        ob.period_end,
    )


def bench_queries(label: str, url: str, n: int, runs: int) -> None:
    from obligations._db import make_engine
    from obligations._service import ObligationService
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    engine = make_engine(url)
    raw = Raw(engine)
    # the store the listings read through: the DBAPI read path where there is one (one
    # connection, one read-only transaction), else the SQL store
    try:
        from obligations import open_fast
    except ImportError:
        fast = None
    else:
        fast = open_fast(url)
    store: Any = fast if fast is not None else SqlAlchemyObligationStore(engine)
    service = ObligationService(store, actor="bench")
    now = _data.NOW
    # A0, main's path: the same service stepping every agreement (no stored wake is trusted)
    try:
        stepping: Any = ObligationService(store, actor="bench", skip_quiet=False)
    except TypeError:  # a service without the skip: A is main's path already
        stepping = None
    quiet = len(service._quiet(store.agreement_heads(), now)) if stepping is not None else 0
    heads = len(store.agreement_heads())
    calls: dict[str, Callable[[], Any]] = {
        "due": lambda: service.due_within(now=now, days=7),
        "overdue": lambda: service.overdue(now=now),
    }
    main_calls: dict[str, Callable[[], Any]] = {
        "due": lambda: stepping.due_within(now=now, days=7),
        "overdue": lambda: stepping.overdue(now=now),
        "due_view": lambda: stepping.views(now=now, due_within=7),
        "overdue_view": lambda: stepping.views(now=now, overdue=True),
    }
    # the view function `wsr obligations --json` calls (rows straight to the view), where the
    # service has one; else the Obligation values' own views
    if hasattr(service, "views"):
        view_calls: dict[str, Callable[[], Any]] = {
            "due": lambda: service.views(now=now, due_within=7),
            "overdue": lambda: service.views(now=now, overdue=True),
        }
    else:
        view_calls = {q: (lambda c=c: [o.to_view(now) for o in c()]) for q, c in calls.items()}
    try:
        for query, call in calls.items():
            what = "due within 7 days" if query == "due" else "overdue"
            a_values = call()
            b_values = raw.values(query, now)
            if [typed(o) for o in a_values] != b_values:
                raise SystemExit(f"{label} {query}: the service and raw SQL differ")
            a_views = view_calls[query]()
            if a_views != raw.views(query, now) or a_views != [o.to_view(now) for o in a_values]:
                raise SystemExit(f"{label} {query}: the JSON views differ")
            if stepping is not None and (
                main_calls[query]() != a_values or main_calls[f"{query}_view"]() != a_views
            ):
                raise SystemExit(f"{label} {query}: the skip changed what the service returns")
            for form, a_fn, a0_fn, b_fn in (
                ("values", call, main_calls[query], lambda q=query: raw.values(q, now)),
                (
                    "JSON view",
                    view_calls[query],
                    main_calls[f"{query}_view"],
                    lambda q=query: raw.views(q, now),
                ),
            ):
                fns = [a_fn, b_fn] if stepping is None else [a_fn, a0_fn, b_fn]
                times = alternated_all(fns, runs)
                at, bt = times[0], times[-1]
                a0 = "—" if stepping is None else mmm(times[1])
                a0_ratio = (
                    "—"
                    if stepping is None
                    else f"×{statistics.median(times[1]) / statistics.median(bt):.2f}"
                )
                ratio = statistics.median(at) / statistics.median(bt)
                print(
                    f"| {label} | {n:,} | {what}, {form} | {len(a_values):,} | {quiet}/{heads} "
                    f"| {mmm(at)} | {a0} | {mmm(bt)} | {_shown(ratio, 1.3)} | {a0_ratio} |",
                    flush=True,
                )
    finally:
        raw.conn.close()
        if fast is not None:
            fast.close()
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("queries", "compile"))
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args(argv)
    if args.what == "compile":
        print("| compile (2,000 suppliers, 60-month term) | time | result |")
        print("|---|---|---|")
        for row in bench_compile():
            print("| " + " | ".join(row) + " |", flush=True)
        return
    print(f"## In-process queries at {_data.NOW.isoformat()}, {args.runs} runs of each, alternated")
    print()
    print(
        "| store | instances | query | rows | quiet agreements | A service (skip) "
        "| A0 service, every agreement stepped (main's path) | B raw SQL "
        "| A / B (goal ≤ 1.3) | A0 / B |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="wsr-bench-store-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            n = _data.count(size)
            if not args.no_sqlite:
                path = _data.working_copy(size, Path(tmp))
                bench_queries("SQLite", f"sqlite:///{path}", n, args.runs)
            if args.pg:
                bench_queries("PostgreSQL", _data.pg_database(size, args.pg), n, args.runs)


def _shown(ratio: float, goal: float) -> str:
    """The ratio, in bold only when it meets the goal (a table reader's eye goes to bold)."""
    text = f"×{ratio:.2f} (goal ≤ {goal}, {'met' if ratio <= goal else 'not met'})"
    return f"**{text}**" if ratio <= goal else text


if __name__ == "__main__":
    main()
