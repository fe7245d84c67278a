"""Reads of a store whose wakes have passed: ``ObligationService.views`` and ``time_overlay``
at ``NOW + --later`` days, in process, against the raw SELECT of the same listing.

    nice -n 5 .venv/bin/python -m benchmarks.bench_awake [--size 1000000] [--later 7]
        [--runs 5] [--calls 5] [--against DIR]

On a private copy of the newest cached realistic store (``benchmarks/_data.py``, swept at
``_data.NOW``), migrated to this engine's head: every agreement's stored wake has passed at
``NOW + 7 d``, so a read steps each one in memory (``obligations._advance``), which is what
the console's ``/`` (``time_overlay``) and ``wsr obligations --due-within 7 --json``
(``views``) pay. Each side runs in its own process; a process opens the store, makes one call
untimed, then ``--calls`` timed calls, and reports their median; ``--runs`` processes per side,
alternated (and which goes first alternates), medians of the medians:

* **A** ``views(now=NOW+7d, due_within=7)`` — and, beside it, ``time_overlay(now=NOW+7d)``;
* **A′** (``--against DIR``): the same two calls with the code in DIR (a checkout of another
  commit, e.g. ``git archive main | tar -x -C DIR``) on its own copy migrated to *its* head;
* **B, the floor**: the listing's SELECT (the open rows due within 7 days, ordered) on one
  ``sqlite3`` connection, fetched, each row's view built as ``find_views`` builds it.

Before timing, A's and A′'s listings are checked equal (ids and views), and A's ids equal to
what a sweep at that instant then a read at it returns (on a further copy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import _data

#: python -c SIDE DB LATER_DAYS CALLS -> {"views": s, "overlay": s, "ids": [...], "digest": str}
SIDE = r"""
import hashlib, json, statistics, sys, time
from datetime import timedelta
from benchmarks import _data
from obligations._db import make_engine
from obligations._service import ObligationService
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
engine = make_engine(f"sqlite:///{sys.argv[1]}")
service = ObligationService(SqlAlchemyObligationStore(engine), actor="bench")
now = _data.NOW + timedelta(days=float(sys.argv[2]))
calls = int(sys.argv[3])
first = service.views(now=now, due_within=7)
service.time_overlay(now=now)
v, o = [], []
for _ in range(calls):
    t = time.perf_counter()
    got = service.views(now=now, due_within=7)
    v.append(time.perf_counter() - t)
    t = time.perf_counter()
    service.time_overlay(now=now)
    o.append(time.perf_counter() - t)
assert got == first
digest = hashlib.sha256(json.dumps(first, sort_keys=True, default=str).encode()).hexdigest()
print(json.dumps({"views": statistics.median(v), "overlay": statistics.median(o),
                  "ids": [x["id"] for x in first], "digest": digest}))
"""

#: python -c FLOOR DB LATER_DAYS CALLS -> {"seconds": s, "rows": n}
FLOOR = r"""
import json, sqlite3, statistics, sys, time
from datetime import timedelta
from benchmarks import _data
from obligations.stores._views import views_from_rows
from obligations.stores._rowmap import OBLIGATION_ROWS
now = _data.NOW + timedelta(days=float(sys.argv[2]))
def text(at):
    return at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
lo, hi = now + timedelta(microseconds=1), now + timedelta(days=7, microseconds=1)
cols = ", ".join(OBLIGATION_ROWS.columns)
sql = (f"SELECT {cols} FROM obligations WHERE state IN ('created', 'in_effect', 'suspended') "
       "AND due_at >= ? AND due_at < ? ORDER BY due_at, id")
conn = sqlite3.connect(sys.argv[1])
calls = int(sys.argv[3])
out = []
for _ in range(calls + 1):
    t = time.perf_counter()
    rows = conn.execute(sql, (text(lo), text(hi))).fetchall()
    views = views_from_rows(rows, now)
    out.append(time.perf_counter() - t)
print(json.dumps({"seconds": statistics.median(out[1:]), "rows": len(views)}))
"""


def child(code: Path, script: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=code,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark process failed: {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def migrated(code: Path, source: Path, target: Path) -> None:
    """A copy of ``source`` (with its audit key) migrated to the head of the code in ``code``."""
    shutil.copyfile(source, target)
    key = _data._audit_key(source)
    if key.exists():
        shutil.copy2(key, _data._audit_key(target))
    script = (
        "import sys\nfrom obligations._db import make_engine, upgrade\n"
        "e = make_engine(f'sqlite:///{sys.argv[1]}')\nupgrade(e)\n"
        "with e.begin() as c:\n    c.exec_driver_sql('ANALYZE')\nprint('{}')\n"
    )
    child(code, script, str(target))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--later", type=float, default=7)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--against", type=Path, default=None, help="other code to time beside")
    args = ap.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    source = _data.newest_cached(args.size)
    later, calls = str(args.later), str(args.calls)
    with tempfile.TemporaryDirectory(prefix="wsr-bench-awake-") as tmp_name:
        tmp = Path(tmp_name)
        sides: dict[str, tuple[Path, Path]] = {"A": (here, tmp / "a.db")}
        if args.against is not None:
            sides["A'"] = (args.against.resolve(), tmp / "a0.db")
        for code, db in sides.values():
            migrated(code, source, db)
        # check: the listing the same on both sides, and what a sweep then a read shows
        seen = {name: child(code, SIDE, str(db), later, "1") for name, (code, db) in sides.items()}
        if args.against is not None and seen["A"]["digest"] != seen["A'"]["digest"]:
            raise SystemExit("A and A' list different obligations: not timing")
        swept = tmp / "swept.db"
        shutil.copyfile(sides["A"][1], swept)
        shutil.copy2(_data._audit_key(sides["A"][1]), _data._audit_key(swept))
        sweep = (
            "import sys\nfrom datetime import timedelta\nfrom benchmarks import _data\n"
            "from obligations import ObligationService, open_store\n"
            "s = ObligationService(open_store(f'sqlite:///{sys.argv[1]}'), actor='bench')\n"
            "s.sweep(now=_data.NOW + timedelta(days=float(sys.argv[2])))\nprint('{}')\n"
        )
        child(here, sweep, str(swept), later)
        after = child(here, SIDE, str(swept), later, "1")
        floor0 = child(here, FLOOR, str(swept), later, "1")
        same = after["digest"] == seen["A"]["digest"]
        print(
            f"check: A lists {len(seen['A']['ids']):,} obligations"
            + (", A' the same" if args.against is not None else "")
            + f"; a sweep at that instant then a read lists {len(after['ids']):,}: "
            + ("the same views" if same else "DIFFERENT")
            + f"; the floor's SELECT on the swept copy has {floor0['rows']:,} rows"
        )
        if not same:
            raise SystemExit("the read is not what the sweep leaves: not timing")
        names = [*sides, "B"]
        got: dict[str, list[dict]] = {n: [] for n in names}
        for i in range(args.runs):
            for name in names if i % 2 == 0 else reversed(names):
                if name == "B":  # the floor reads the unswept copy: the same rows up to the step
                    got[name].append(child(here, FLOOR, str(sides["A"][1]), later, calls))
                else:
                    code, db = sides[name]
                    got[name].append(child(code, SIDE, str(db), later, calls))
        with open("/proc/loadavg") as fh:
            load = " ".join(fh.read().split()[:3])
        floor = statistics.median(r["seconds"] for r in got["B"])
        print()
        print(
            f"## Reads at NOW + {args.later:g} d: {_data.count_in(source):,} instances, "
            f"{args.runs} processes per side × {args.calls} calls, alternated; load {load}"
        )
        print()
        print("| side | `views(due_within=7)` median | × floor | `time_overlay` median |")
        print("|---|---|---|---|")
        for name in sides:
            v = statistics.median(r["views"] for r in got[name])
            o = statistics.median(r["overlay"] for r in got[name])
            label = "A this code" if name == "A" else f"A′ {args.against}"
            print(f"| {label} | {v * 1000:.0f} ms | ×{v / floor:.1f} | {o * 1000:.0f} ms |")
        print(f"| B the listing's SELECT + views, sqlite3 | {floor * 1000:.0f} ms | ×1.0 | – |")


if __name__ == "__main__":
    main()
