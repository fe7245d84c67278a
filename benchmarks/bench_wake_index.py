"""Does an open-rows (agreement_id, spec_id, due_at) index help the wake's questions?

    python -m benchmarks.bench_wake_index [--size 100000] [--runs 7]

Two copies of the cached store (``benchmarks/_data.py``), one with the index (partial, on the
open states, then ``ANALYZE``); on each, ``next_wake`` of every agreement at NOW (``settled``:
the step itself is not run again), both checked equal first, alternated run by run, medians.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import _data

INDEX = (
    "CREATE INDEX ix_open_agreement_spec_due ON obligations (agreement_id, spec_id, due_at)"
    " WHERE state IN ('created', 'in_effect', 'suspended')"
)


def wakes(side: tuple[Any, Any]) -> list[Any]:
    from obligations._wake import next_wake

    store, service = side
    with store.read():
        return [
            next_wake(service._state(t), _data.NOW, settled=True) for t in store.list_agreements()
        ]


def main(argv: list[str] | None = None) -> None:
    from obligations import ObligationService, open_store

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wsr-bench-ix-") as tmp:
        sides = {}
        for name in ("plain", "indexed"):
            path = Path(tmp) / f"{name}.db"
            shutil.copyfile(_data.store_file(args.size), path)
            if name == "indexed":
                with sqlite3.connect(path) as conn:
                    conn.execute(INDEX)
                    conn.execute("ANALYZE obligations")
            store = open_store(f"sqlite:///{path}")
            sides[name] = (store, ObligationService(store, actor="bench"))
        if wakes(sides["plain"]) != wakes(sides["indexed"]):
            raise SystemExit("the wakes differ with the index")
        times: dict[str, list[float]] = {k: [] for k in sides}
        names = list(sides)
        for i in range(args.runs):
            for k in names if i % 2 == 0 else names[::-1]:
                start = time.perf_counter()
                wakes(sides[k])
                times[k].append(time.perf_counter() - start)
        for k, xs in times.items():
            ms = [x * 1000 for x in xs]
            print(f"{k}: {min(ms):.0f} / {statistics.median(ms):.0f} / {max(ms):.0f} ms")
        ratio = statistics.median(times["indexed"]) / statistics.median(times["plain"])
        print(f"indexed / plain: ×{ratio:.2f}")
        for store, _ in sides.values():
            store.engine.dispose()


if __name__ == "__main__":
    main()
