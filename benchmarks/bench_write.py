"""What a write costs a user since writes store the agreement's next wake: one ``wsr event``.

    python -m benchmarks.bench_write --baseline DIR [--size 100000] [--runs 7]

Every write now recomputes the wake of the agreements it touched before it commits (one more
time step and the time rules' questions; ``obligations/_wake.py``), so the reads after it can
pass the agreement by. This times that price as a user pays it: ``wsr event … purchase_recorded``
as a whole process on a fresh copy of the cached realistic store, this tree (A) against an
older source tree given as ``--baseline`` (A0, e.g. ``git archive 7b07ba3 | tar -x -C DIR``) on
its own schema's store, alternated run by run (and which goes first alternates). Both must print
the same lines (the event id, the instance made, the note) before anything is timed. There is no
floor here: the figure is the ratio A / A0, the regression a write pays for fast reads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import _data

AGREEMENT_SUPPLIER = "SUP-000-0988"  # a supplier with open premiums in every d4 store
ON = "2028-07-12"


def _store(revision: str, size: int) -> Path:
    path = _data.CACHE / f"store-{revision}-{_data.DATA_VERSION}-{size}.db"
    if not path.exists():
        sys.exit(f"{path} is missing: build it with that tree's benchmarks first")
    return path


def _key(db: Path) -> Path:
    for candidate in (db.with_name(db.name + ".audit-key"), db.with_suffix(".partial.audit-key")):
        if candidate.exists():
            return candidate
    sys.exit(f"no audit key beside {db}")


def _agreement(db: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT agreement_id FROM obligations WHERE subject = ? LIMIT 1", (AGREEMENT_SUPPLIER,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0])


def _run(tree: Path | None, db: Path, key: Path, work: Path) -> tuple[float, str]:
    copy = work / "store.db"
    shutil.copyfile(db, copy)
    shutil.copyfile(key, work / "store.key")
    (work / "store.key").chmod(0o600)  # the engine refuses a key others can read
    env = dict(os.environ, WSR_AUDIT_KEY_FILE=str(work / "store.key"))
    # under ``-c`` the working directory (this checkout) comes first on sys.path, before
    # PYTHONPATH and the editable install: the baseline puts its own tree first itself
    boot = "from wsr.cli import main; main()"
    if tree is not None:
        boot = f"import sys; sys.path.insert(0, {str(tree)!r}); " + boot
    argv = [
        sys.executable,
        "-c",
        boot,
        "--db",
        f"sqlite:///{copy}",
        "event",
        _agreement(db),
        "purchase_recorded",
        "--on",
        ON,
        "--set",
        f"supplier={AGREEMENT_SUPPLIER}",
        "--set",
        "quantity=1000",
        "--set",
        "unit=lb",
        "--now",
        _data.NOW.isoformat(),
    ]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"wsr event failed ({'baseline' if tree else 'this tree'}):\n{done.stderr}")
    return took, done.stdout


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="older source tree (A0)")
    ap.add_argument("--baseline-revision", default="0007_queries")
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    from obligations._db import HEAD_REVISION

    a_db, a0_db = _store(HEAD_REVISION, args.size), _store(args.baseline_revision, args.size)
    a_key, a0_key = _key(a_db), _key(a0_db)
    times: dict[str, list[float]] = {"A": [], "A0": []}
    with tempfile.TemporaryDirectory(prefix="wsr-bench-write-") as tmp:
        work = Path(tmp)
        _, out_a = _run(None, a_db, a_key, work)
        _, out_a0 = _run(args.baseline.resolve(), a0_db, a0_key, work)
        if out_a != out_a0:
            sys.exit(f"the two trees printed different lines:\n{out_a}\n---\n{out_a0}")
        for i in range(args.runs):
            order = ("A", "A0") if i % 2 == 0 else ("A0", "A")
            for side in order:
                if side == "A":
                    took, out = _run(None, a_db, a_key, work)
                else:
                    took, out = _run(args.baseline.resolve(), a0_db, a0_key, work)
                if out != out_a:
                    sys.exit(f"{side} printed something else on run {i}")
                times[side].append(took)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"## wsr event purchase_recorded, {args.size} instances, {args.runs} runs, load {load}")
    for side, values in times.items():
        print(
            f"{side}: min {min(values) * 1000:.0f} / median {statistics.median(values) * 1000:.0f}"
            f" / max {max(values) * 1000:.0f} ms"
        )
    ratio = statistics.median(times["A"]) / statistics.median(times["A0"])
    print(f"A / A0 = x{ratio:.2f}")


if __name__ == "__main__":
    main()
