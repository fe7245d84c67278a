"""Whole-process CLI benchmarks: what a user waits for between pressing Enter and the prompt.

    python -m benchmarks.bench_cli help  [--runs 21]
    python -m benchmarks.bench_cli reads [--sizes 100000] [--runs 11] [--pg URL] [--no-sqlite]

Every figure is a whole process started by ``subprocess`` (Python start-up and imports
included), A and B alternated run by run (and which goes first alternates too), medians and the
ratio of medians.

``help``: A is ``wsr --help`` and ``wsr draft --help``; B is ``python -c "import typer"``
(goal: A ≤ 3 × B). Both must exit 0.

``reads``: on the cached realistic store (``benchmarks/_data.py``; SQLite file, and the same rows
in PostgreSQL with ``--pg``), at the fixed instant ``_data.NOW``:

* A: ``wsr --db URL obligations --due-within 7 --json --now NOW`` (and ``--overdue --json``);
* B, the floor: ``python -c FLOOR`` — start Python, run the same SELECT (same WHERE, same order,
  the same partial index) through the DBAPI driver (sqlite3 / psycopg) and print the same JSON
  view (timing, flags, amount, paid to the cent, ISO dates), with ``json.dumps`` as the CLI does.

* A0, main's path: the same ``wsr`` command on a copy of the store whose agreements have no
  stored wake (``agreements.wake_at`` NULL, as every agreement is after migration 0008 until a
  sweep or a write sets it), so the read steps every agreement as main did.

Before timing, the outputs are compared: byte for byte, and (if that fails) after parsing; a
difference stops the benchmark. A, A0 and B alternate run by run. Goal: A ≤ 2 × B.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import _data
from benchmarks._bytecode import compile_engine

PY = sys.executable
WSR = str(Path(sys.executable).with_name("wsr"))


def fmt(xs: list[float]) -> str:
    return f"{min(xs) * 1000:.0f} / {statistics.median(xs) * 1000:.0f} / {max(xs) * 1000:.0f} ms"


def run(cmd: list[str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… exited {done.returncode}: {done.stderr[-400:]!r}")
    return took, done.stdout


def alternate(cmds: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    for cmd in cmds.values():
        run(cmd)  # warm the page cache once
    times: dict[str, list[float]] = {k: [] for k in cmds}
    names = list(cmds)
    for i in range(runs):
        for name in names if i % 2 == 0 else names[::-1]:
            times[name].append(run(cmds[name])[0])
    return times


# -- help ---------------------------------------------------------------------------------------


def bench_help(runs: int) -> None:
    cmds = {
        "B `python -c 'import typer'`": [PY, "-c", "import typer"],
        "A `wsr --help`": [WSR, "--help"],
        "A `wsr draft --help`": [WSR, "draft", "--help"],
    }
    times = alternate(cmds, runs)
    floor = statistics.median(times["B `python -c 'import typer'`"])
    print(f"## Start-up: whole processes, {runs} runs of each, alternated")
    print()
    print("| process | min / median / max | × B (goal ≤ 3) |")
    print("|---|---|---|")
    for name, xs in times.items():
        print(f"| {name} | {fmt(xs)} | ×{statistics.median(xs) / floor:.2f} |")


# -- reads --------------------------------------------------------------------------------------

#: B: python -c FLOOR DIALECT URL QUERY NOW
FLOOR = r"""
import json, sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal, ROUND_HALF_UP
dialect, url, query, now_text = sys.argv[1:5]
now = datetime.fromisoformat(now_text).astimezone(timezone.utc)
tick = timedelta(microseconds=1)
cols = ("id, agreement_id, clause_id, clause_version, spec_id, title, obligor, beneficiary, "
        "subject, due, due_at, state, flags, amount_value, amount_currency, paid, late, "
        "evidence, section, period_start, period_end, kind, data")
open_states = "state IN ('created', 'in_effect', 'suspended')"
if dialect == "sqlite":
    import sqlite3
    conn = sqlite3.connect(url)
    mark = "?"
    def bind(t):
        return t.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    def instant(v):
        return datetime.fromisoformat(v).replace(tzinfo=timezone.utc)
    def iso(v):
        return v
else:
    import psycopg
    conn = psycopg.connect(url)
    mark = "%s"
    def bind(t):
        return t
    def instant(v):
        return v
    def iso(v):
        return None if v is None else v.isoformat()
if query == "due":
    sql = (f"SELECT {cols} FROM obligations WHERE {open_states} AND due_at >= {mark} "
           f"AND due_at < {mark} ORDER BY due_at, id")
    params = (bind(now + tick), bind(now + timedelta(days=7) + tick))
else:
    sql = (f"SELECT {cols} FROM obligations WHERE {open_states} AND due_at < {mark} "
           f"AND kind NOT IN ('prohibition') ORDER BY due_at, id")
    params = (bind(now + tick),)
cent = Decimal("0.01")
soon = timedelta(days=7)
out = []
for (id_, agreement_id, clause_id, clause_version, spec_id, title, obligor, beneficiary,
     subject, due, due_at, state, flags, amount_value, amount_currency, paid, late, evidence,
     section, period_start, period_end, kind, data) in conn.execute(sql, params):
    at = instant(due_at)
    timing = "overdue" if now >= at else ("due_soon" if at - now <= soon else "upcoming")
    out.append({
        "id": id_, "agreement_id": agreement_id, "clause_id": clause_id,
        "clause_version": clause_version, "spec_id": spec_id, "title": title,
        "obligor": obligor, "beneficiary": beneficiary, "subject": subject or None,
        "due": iso(due), "state": state, "timing": timing, "flags": sorted(json.loads(flags)),
        "amount": None if amount_value is None
                  else {"value": str(amount_value), "currency": amount_currency},
        "paid": str(Decimal(paid).quantize(cent, rounding=ROUND_HALF_UP)),
        "late": bool(late), "evidence": evidence, "section": section,
        "period_start": iso(period_start), "period_end": iso(period_end),
        "powers": (json.loads(data).get("available_powers", [])
                   if '"available_powers"' in data else []),
        "kind": kind,
        "in_force": ({"from": iso(due), "until": iso(period_end)}
                     if kind == "prohibition" else None),
    })
sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
"""

QUERIES = {"due": ["--due-within", "7"], "overdue": ["--overdue"]}


def compare(a: bytes, b: bytes, what: str) -> str:
    if a == b:
        return "byte-equal"
    pa, pb = json.loads(a), json.loads(b)
    if pa == pb:
        return "equal after parsing"
    ids_a, ids_b = [r["id"] for r in pa], [r["id"] for r in pb]
    if ids_a != ids_b:
        raise SystemExit(f"{what}: A lists {len(ids_a)} ids, B {len(ids_b)}: not the same rows")
    for ra, rb in zip(pa, pb, strict=True):
        if ra != rb:
            diff = {k: (ra.get(k), rb.get(k)) for k in set(ra) | set(rb) if ra.get(k) != rb.get(k)}
            raise SystemExit(f"{what}: {ra['id']} differs: {diff}")
    raise SystemExit(f"{what}: outputs differ")


def bench_reads(
    label: str, wsr_url: str, floor_args: list[str], n: int, runs: int, stepping_url: str
) -> None:
    now = _data.NOW.isoformat()
    for query, flags in QUERIES.items():
        a_cmd = [WSR, "--db", wsr_url, "obligations", *flags, "--json", "--now", now]
        a0_cmd = [WSR, "--db", stepping_url, "obligations", *flags, "--json", "--now", now]
        b_cmd = [PY, "-c", FLOOR, *floor_args, query, now]
        _, a_out = run(a_cmd)
        _, a0_out = run(a0_cmd)
        _, b_out = run(b_cmd)
        same = compare(a_out, b_out, f"{label} {query}")
        compare(a0_out, b_out, f"{label} {query} (main's path)")
        rows = len(json.loads(a_out))
        times = alternate({"A": a_cmd, "A0": a0_cmd, "B": b_cmd}, runs)
        floor = statistics.median(times["B"])
        ratio = statistics.median(times["A"]) / floor
        ratio0 = statistics.median(times["A0"]) / floor
        what = "due within 7 days" if query == "due" else "overdue"
        print(
            f"| {label} | {n:,} | `{' '.join(flags)} --json` ({what}) | {rows:,} ({same}) "
            f"| {fmt(times['A'])} | {fmt(times['A0'])} | {fmt(times['B'])} "
            f"| {'**' if ratio <= 2 else ''}×{ratio:.2f}{'**' if ratio <= 2 else ''}"
            f" (goal ≤ 2{', met' if ratio <= 2 else ', not met'}) | ×{ratio0:.2f} |",
            flush=True,
        )


def without_wakes_sqlite(path: Path) -> Path:
    """A copy of the SQLite store whose agreements have no stored wake (main's path)."""
    import shutil
    import sqlite3

    target = path.with_name(path.stem + "-nowake.db")
    shutil.copyfile(path, target)
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE agreements SET wake_at = NULL")
    return target


def without_wakes_pg(url: str) -> str:
    """A copy of the PostgreSQL database (``CREATE DATABASE … TEMPLATE``) without wakes."""
    import sqlalchemy as sa

    base = sa.engine.make_url(url)
    name = f"{base.database}_nowake"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"')
    finally:
        admin.dispose()
    copy = base.set(database=name)
    engine = sa.create_engine(copy)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE agreements SET wake_at = NULL")
    finally:
        engine.dispose()
    return copy.render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("help", "reads"))
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args(argv)
    compile_engine()  # as an installed engine is (benchmarks/_bytecode.py)
    if args.what == "help":
        bench_help(args.runs or 21)
        return
    runs = args.runs or 11
    print(f"## Whole-process reads at {_data.NOW.isoformat()}, {runs} runs of each, alternated")
    print()
    print(
        "| store | instances | command | rows | A `wsr` | A0 `wsr`, no stored wakes (main's path) "
        "| B floor | A / B (goal ≤ 2) | A0 / B |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="wsr-bench-cli-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            n = _data.count(size)
            if not args.no_sqlite:
                path = _data.working_copy(size, Path(tmp))
                stepping = f"sqlite:///{without_wakes_sqlite(path)}"
                bench_reads("SQLite", f"sqlite:///{path}", ["sqlite", str(path)], n, runs, stepping)
            if args.pg:
                url = _data.pg_database(size, args.pg)
                dbapi = url.replace("postgresql+psycopg://", "postgresql://")
                stepping = without_wakes_pg(url)
                bench_reads("PostgreSQL", url, ["postgresql", dbapi], n, runs, stepping)


if __name__ == "__main__":
    main()
