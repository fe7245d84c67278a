"""Sweep benchmark: one ``ObligationService.sweep(now=…)`` over N instances with K changing.

    python -m benchmarks.bench_sweep [--size 1000000] [--changing 10000] [--runs 3]

On a private copy of the newest cached realistic store (``_data.migrated_copy``: migrated to
this head; built by ``benchmarks/_data.py``, compiled at
``_data.NOW``: recurring instances stop at the horizon, as tracking and sweeps leave them), first
swept once at NOW (untimed). The sweep instant ``T`` is then the first day after NOW at which the
time step would write at least K obligations rows — recurrences entering the horizon, and what
the time rules change — counted with the service's own pure step, nothing written. Each run
starts from a fresh copy of the swept store and runs in its own process, so time and peak
memory are the sweep's own:

* **A**: ``ObligationService(store).sweep(now=T)`` in one process — seconds inside the call, and
  the process's peak RSS (``VmHWM``) at the end, beside what it was just before the call;
* **A0, main's path**: the same sweep with ``skip_quiet=False`` (every agreement stepped, quiet
  or not; it still computes the wakes it stores, which main did not);
* **B, the floor**: in its own process, the raw select of the changing set on one DBAPI
  connection, on the store as the sweep leaves it: every obligations row the sweep stamped
  (``SELECT * … WHERE updated_at = T``), fetched — seconds and peak RSS likewise.

Before timing, the benchmark compares what A changed (every obligations row that is new or
whose stored values differ after the sweep, found by comparing the table before and after) with
B's ids, and prints both counts; ``--strict`` refuses to time when they differ.

Prints "skipped: ObligationService.sweep not available" until the service has a ``sweep``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import _data

#: A: python -c SWEEP DB_PATH NOW_ISO [skip|step] -> {"seconds", "peak_mib", "base_mib"}
#: (``step``: A0, every agreement stepped, as main did before the stored wakes)
SWEEP = r"""
import json, sys, time
from datetime import datetime
def hwm():  # peak RSS of this process (VmHWM; ru_maxrss would include the parent's at fork)
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024
from obligations._db import make_engine
from obligations._service import ObligationService
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
engine = make_engine(f"sqlite:///{sys.argv[1]}")
kw = {"skip_quiet": False} if sys.argv[3:] == ["step"] else {}
service = ObligationService(SqlAlchemyObligationStore(engine), actor="bench", **kw)
now = datetime.fromisoformat(sys.argv[2])
before = hwm()
start = time.perf_counter()
result = service.sweep(now=now)
took = time.perf_counter() - start
peak = hwm()
engine.dispose()
print(json.dumps({"seconds": took, "peak_mib": peak, "base_mib": before}))
"""

#: B: python -c SELECT DB_PATH T_TEXT -> {"seconds", "peak_mib", "ids"}
SELECT = r"""
import json, sqlite3, sys, time
def hwm():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024
conn = sqlite3.connect(sys.argv[1])
before = hwm()
start = time.perf_counter()
rows = conn.execute("SELECT * FROM obligations WHERE updated_at = ?", (sys.argv[2],)).fetchall()
took = time.perf_counter() - start
peak = hwm()
print(json.dumps({"seconds": took, "peak_mib": peak, "base_mib": before,
                  "ids": [r[0] for r in rows]}))
"""


def copy_store(source: Path, target: Path) -> None:
    """A copy of a SQLite store with its audit key (a signed log refuses appends without it)."""
    shutil.copyfile(source, target)
    key = _data._audit_key(source)
    if key.exists():
        shutil.copy2(key, _data._audit_key(target))


def text(at: datetime) -> str:
    """How the store keeps an instant on SQLite: naive UTC text."""
    return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def child(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark process failed: {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def step_rows(db: Path, at: datetime) -> int:
    """How many obligations rows a sweep at ``at`` would write (the pure step; nothing is
    written)."""
    from obligations import ObligationService, open_store

    store = open_store(f"sqlite:///{db}")
    try:
        service = ObligationService(store, actor="bench")
        with store.read():
            steps = [service._advance(t, at) for t in store.list_agreements()]
        return sum(len({o.id for o in (*s.created, *s.changed)}) for s in steps)
    finally:
        store.engine.dispose()


def quiet_at(db: Path, at: datetime) -> str:
    """ "q of n": how many agreements the sweep at ``at`` passes by as quiet."""
    from obligations import ObligationService, open_store

    store = open_store(f"sqlite:///{db}")
    try:
        with store.read():
            heads = store.agreement_heads()
            skipped = ObligationService(store, actor="bench")._quiet(heads, at)
        return f"{len(skipped)} of {len(heads)} agreements"
    finally:
        store.engine.dispose()


def sweep_instant(db: Path, changing: int) -> tuple[datetime, int]:
    """The first whole day T after NOW at which a sweep writes at least ``changing`` rows."""
    lo, hi = 0, 1
    while step_rows(db, _data.NOW + timedelta(days=hi)) < changing:
        lo, hi = hi, hi * 2
        if hi > 800:
            raise SystemExit(f"no sweep within 800 days of NOW writes {changing} rows")
    while hi - lo > 1:  # the smallest day that is enough
        mid = (lo + hi) // 2
        if step_rows(db, _data.NOW + timedelta(days=mid)) >= changing:
            hi = mid
        else:
            lo = mid
    at = _data.NOW + timedelta(days=hi)
    return at, step_rows(db, at)


def table_rows(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        return {r[0]: tuple(r) for r in conn.execute("SELECT * FROM obligations")}


def fmt(xs: list[float], unit: str = "s") -> str:
    return f"{min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f} {unit}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--changing", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--strict", action="store_true", help="refuse to time if A and B differ")
    ap.add_argument(
        "--at", default=None, help="sweep at this instant instead of searching for T (ISO 8601)"
    )
    args = ap.parse_args(argv)

    from obligations._service import ObligationService

    if not hasattr(ObligationService, "sweep"):
        print("skipped: ObligationService.sweep not available")
        return

    with tempfile.TemporaryDirectory(prefix="wsr-bench-sweep-") as tmp_name:
        tmp = Path(tmp_name)
        base = _data.migrated_copy(args.size, tmp)  # the newest cached store, at this head
        child(SWEEP, str(base), _data.NOW.isoformat())  # as a sweep at NOW leaves it
        if args.at is not None:
            at = datetime.fromisoformat(args.at)
            expected = step_rows(base, at)
        else:
            at, expected = sweep_instant(base, args.changing)
        stamp = text(at)

        # check: what the sweep changes against the raw changing set
        probe = tmp / "probe.db"
        copy_store(base, probe)
        before = table_rows(probe)
        child(SWEEP, str(probe), at.isoformat())
        after = table_rows(probe)
        changed = {i for i, row in after.items() if before.get(i) != row}
        raw_ids = set(child(SELECT, str(probe), stamp)["ids"])
        del before, after
        same = changed == raw_ids
        print(
            f"check: the pure step said {expected:,} rows; the sweep changed {len(changed):,} "
            f"obligations rows, the raw select of the changing set has {len(raw_ids):,} ids; "
            + (
                "the same ids"
                if same
                else f"{len(changed - raw_ids):,} only in the sweep, "
                f"{len(raw_ids - changed):,} only in the select"
            )
        )
        if args.strict and not same:
            raise SystemExit("A and B differ: not timing (--strict)")

        # A0 changes the same rows (checked once: the same table afterwards)
        probe0 = tmp / "probe0.db"
        copy_store(base, probe0)
        child(SWEEP, str(probe0), at.isoformat(), "step")
        if table_rows(probe0) != table_rows(probe):
            raise SystemExit("the sweep with the skip and without it stored different rows")
        probe0.unlink()
        quiet = quiet_at(base, at)

        a_s, a_m, b_s, b_m, a_base, b_base = [], [], [], [], [], []
        a0_s, a0_m, a0_base = [], [], []
        work = tmp / "run.db"
        for i in range(args.runs):
            for side in ("A", "A0", "B") if i % 2 == 0 else ("B", "A0", "A"):
                if side in ("A", "A0"):
                    copy_store(base, work)
                    mode = "skip" if side == "A" else "step"
                    out = child(SWEEP, str(work), at.isoformat(), mode)
                    s_, m_, base_ = (a_s, a_m, a_base) if side == "A" else (a0_s, a0_m, a0_base)
                    s_.append(out["seconds"])
                    m_.append(out["peak_mib"])
                    base_.append(out["base_mib"])
                else:
                    out = child(SELECT, str(probe), stamp)
                    b_s.append(out["seconds"])
                    b_m.append(out["peak_mib"])
                    b_base.append(out["base_mib"])
        print()
        print(
            f"## Sweep: {_data.count_in(base):,} instances, swept at {_data.NOW.isoformat()}, "
            f"then at {at.isoformat()}: {len(changed):,} rows written, {quiet} quiet at T, "
            f"{args.runs} runs, alternated"
        )
        print()
        print(
            "| side | time min / median / max | peak RSS min / median / max | RSS before the call |"
        )
        print("|---|---|---|---|")
        print(
            f"| A `ObligationService.sweep(now=T)` | {fmt(a_s)} | {fmt(a_m, 'MiB')} "
            f"| {statistics.median(a_base):.0f} MiB |"
        )
        print(
            f"| A0 the same sweep, every agreement stepped (main's path) | {fmt(a0_s)} "
            f"| {fmt(a0_m, 'MiB')} | {statistics.median(a0_base):.0f} MiB |"
        )
        print(
            f"| B raw select of the changing set | {fmt(b_s)} | {fmt(b_m, 'MiB')} "
            f"| {statistics.median(b_base):.0f} MiB |"
        )
        floor = statistics.median(b_s)
        print(f"| ratio of medians A / B | ×{statistics.median(a_s) / floor:.1f} | | |")
        print(f"| ratio of medians A0 / B | ×{statistics.median(a0_s) / floor:.1f} | | |")


if __name__ == "__main__":
    main()
