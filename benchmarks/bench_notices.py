"""Notice sweep benchmark: one scheduler sweep over N obligations with K notices due.

    python -m benchmarks.bench_notices [--size 1000000] [--notices 10000] [--runs 3]

Set-up (untimed), on a private copy of the cached realistic store (``benchmarks/_data.py``;
a cached store of an older migration head with the same data version is copied and migrated,
since 0004/0005 only add tables): one scheduler sweep at ``_data.NOW`` records every notice the
engine decides there, and those are marked sent, so the store is as a scheduler that has kept up
leaves it; then K notices are written ``pending`` as the sweep records them (rendered, hashed,
one template, half English and half Spanish, each to its own address).

* **A**: in its own process, ``scheduler.sweep(store, SendGridNotifier(stub), now=NOW)`` — the
  engine's time step, the decision step over every open obligation, recording, and dispatching
  the K notices through the official client to the SendGrid stub (a separate process on
  127.0.0.1 that checks every request strictly): seconds inside the call, peak RSS (VmHWM), and
  the HTTP requests the sweep reports and the stub counted;
* **C**: the dispatch step alone (``scheduler.dispatch``: claim, send, record) on the same
  store, to show how much of A is sending the K notices and how much is the engine's sweep;
* **B, the floor**: in its own process, the raw select of the due set on one DBAPI connection
  (``SELECT * FROM notices WHERE state = 'pending' AND (next_attempt_at IS NULL OR …)``).

Before timing, the check: the first A run must send exactly the K notices, each accepted by
the stub once. The goal of issue 10 is at most 1 request per 1,000 notices of one template
(per language, since a request carries one language).
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
import time
import urllib.request
from pathlib import Path

from benchmarks import _data

ROOT = Path(__file__).resolve().parents[1]
STUB = ROOT / "tests" / "scheduler" / "sendgrid_stub.py"
KEY = "SG.stub-key"

#: python -c SETUP DB NOW K: the store as a scheduler that kept up leaves it, plus K pending
SETUP = r"""
import hashlib, sys
from datetime import date, datetime
import sqlalchemy as sa
from obligations._db import make_engine, upgrade
from obligations.stores._sqltables import notices
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from scheduler import message_sha256, sweep
engine = make_engine(f"sqlite:///{sys.argv[1]}")
upgrade(engine)
store = SqlAlchemyObligationStore(engine)
now = datetime.fromisoformat(sys.argv[2])
done = sweep(store, None, now=now, actor="bench", console_url="http://localhost:8000")
with engine.begin() as conn:
    conn.execute(sa.update(notices).values(state="sent", sent_at=now, provider="outbox"))
    aid = conn.execute(sa.text("SELECT id FROM agreements ORDER BY id LIMIT 1")).scalar()
    rows = []
    for i in range(int(sys.argv[3])):
        lang = "es" if i % 2 else "en"
        to, subject = f"bench{i}@example.org", f"Reminder {i}: premium payment due"
        text = f"Notice {i}: the premium payment of obligation bench-{i} is due on 2028-07-26."
        html = f"<p>{text}</p>"
        rows.append({"id": hashlib.sha1(f"bench-{i}".encode()).hexdigest(), "agreement_id": aid,
            "obligation_id": f"bench-{i}", "step": "reminder_14", "offset_days": 14,
            "recipient": to, "recipient_name": f"Bench {i}", "recipient_role": "obligor",
            "language": lang, "due_on": date(2028, 7, 26), "decided_at": now,
            "template": "reminder", "subject": subject, "body_text": text, "body_html": html,
            "sha256": message_sha256(to, subject, text, html), "state": "pending", "attempts": 0})
    conn.execute(sa.insert(notices), rows)
engine.dispose()
print(len(done.recorded.rows))
"""

#: A: python -c SWEEP DB NOW STUB_URL -> {"seconds", "peak_mib", "base_mib", notices report}
SWEEP = r"""
import json, sys, time
from datetime import datetime
def hwm():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024
from obligations._db import make_engine
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from scheduler import sweep
from scheduler.notify import SendGridNotifier
engine = make_engine(f"sqlite:///{sys.argv[1]}")
store = SqlAlchemyObligationStore(engine)
notifier = SendGridNotifier("SG.stub-key", host=sys.argv[3], from_email="notices@example.org")
now = datetime.fromisoformat(sys.argv[2])
before = hwm()
start = time.perf_counter()
done = sweep(store, notifier, now=now, actor="bench", console_url="http://localhost:8000")
took = time.perf_counter() - start
peak = hwm()
engine.dispose()
print(json.dumps({"seconds": took, "peak_mib": peak, "base_mib": before,
                  "notices": done.notices_json()}))
"""

#: C: python -c DISPATCH DB NOW STUB_URL -> the dispatch step alone (claim, send, record)
DISPATCH = (
    SWEEP.replace("from scheduler import sweep", "from scheduler import dispatch")
    .replace(
        'done = sweep(store, notifier, now=now, actor="bench", console_url="http://localhost:8000")',
        'done = dispatch(engine, notifier, now=now, owner="bench")',
    )
    .replace('"notices": done.notices_json()', '"notices": {"decided": 0, **done.to_json()}')
)

#: B: python -c SELECT DB NOW_TEXT -> {"seconds", "peak_mib", "base_mib", "rows"}
SELECT = r"""
import json, sqlite3, sys, time
def hwm():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024
conn = sqlite3.connect(sys.argv[1])
before = hwm()
start = time.perf_counter()
rows = conn.execute(
    "SELECT * FROM notices WHERE state = 'pending' AND (next_attempt_at IS NULL "
    "OR next_attempt_at <= ?) ORDER BY template, language, id", (sys.argv[2],)).fetchall()
took = time.perf_counter() - start
print(json.dumps({"seconds": took, "peak_mib": hwm(), "base_mib": before, "rows": len(rows)}))
"""


def child(script: str, *args: str) -> dict | str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False,
        cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"benchmark process failed: {done.stderr[-1500:]}")
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last) if last.startswith("{") else last


def cached_store(size: int, into: Path) -> Path:
    """A private copy of the cached store (any migration head of this data version)."""
    target = into / f"store-{size}.db"
    wanted = _data.CACHE / f"store-{_data.schema_key()}-{size}.db"
    older = sorted(_data.CACHE.glob(f"store-*-{_data.DATA_VERSION}-{size}.db"))
    found = [p for p in [wanted, *older] if p.exists() and p.stat().st_size > 0]
    source = found[0] if found else _data.store_file(size)
    print(f"store: {source}")
    shutil.copyfile(source, target)
    return target


class Stub:
    def __init__(self, tmp: Path) -> None:
        port_file = tmp / "stub.port"
        self.proc = subprocess.Popen(
            [sys.executable, str(STUB), "--port-file", str(port_file), "--key", KEY],
            stdout=subprocess.DEVNULL,
        )
        while not port_file.exists():
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{int(port_file.read_text())}"

    def call(self, path: str, body: bytes | None = None) -> dict:
        req = urllib.request.Request(self.url + path, data=body, method="POST" if body else "GET")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def fmt(xs: list[float], unit: str = "s") -> str:
    return f"{min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f} {unit}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--notices", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    now = _data.NOW
    now_text = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    with tempfile.TemporaryDirectory(prefix="wsr-bench-notices-") as tmp_name:
        tmp = Path(tmp_name)
        base = cached_store(args.size, tmp)
        decided = child(SETUP, str(base), now.isoformat(), str(args.notices))
        print(f"set-up: the sweep at {now.isoformat()} decided {decided} notices (marked sent); "
              f"{args.notices:,} pending written")  # fmt: skip
        with sqlite3.connect(base) as conn:
            obligations = conn.execute("SELECT count(*) FROM obligations").fetchone()[0]
        stub = Stub(tmp)
        try:
            a_s, a_m, a_base, b_s, b_m, reports = [], [], [], [], [], []
            c_s, c_m = [], []
            work = tmp / "run.db"
            for i in range(args.runs):
                for side in ("A", "C", "B") if i % 2 == 0 else ("B", "C", "A"):
                    if side in "AC":
                        shutil.copyfile(base, work)
                        stub.call("/_stub/reset", b"{}")
                        script = SWEEP if side == "A" else DISPATCH
                        out = child(script, str(work), now.isoformat(), stub.url)
                        stats = stub.call("/_stub/stats")
                        assert isinstance(out, dict)
                        n = out["notices"]
                        if (
                            n["sent"] != args.notices
                            or stats["distinct"] != args.notices
                            or (stats["accepted"] != args.notices)
                        ):
                            raise SystemExit(f"check failed: {side} {n}, stub {stats}")
                        reports.append((n["http_requests"], stats["requests"]))
                        if side == "C":
                            c_s.append(out["seconds"])
                            c_m.append(out["peak_mib"])
                            continue
                        a_s.append(out["seconds"])
                        a_m.append(out["peak_mib"])
                        a_base.append(out["base_mib"])
                    else:
                        out = child(SELECT, str(base), now_text)
                        assert isinstance(out, dict) and out["rows"] == args.notices, out
                        b_s.append(out["seconds"])
                        b_m.append(out["peak_mib"])
        finally:
            stub.stop()
    reqs = sorted(set(reports))
    print()
    print(f"## Notice sweep: {obligations:,} obligations, {args.notices:,} notices due "
          f"(one template, two languages), {args.runs} runs, alternated")  # fmt: skip
    print()
    print("| side | time min / median / max | peak RSS min / median / max | RSS before |")
    print("|---|---|---|---|")
    print(f"| A `scheduler.sweep` (advance + decide + record + dispatch to the stub) | "
          f"{fmt(a_s)} | {fmt(a_m, 'MiB')} | {statistics.median(a_base):.0f} MiB |")  # fmt: skip
    print(f"| C `scheduler.dispatch` alone (claim, send, record) | {fmt(c_s)} | "
          f"{fmt(c_m, 'MiB')} | |")  # fmt: skip
    print(f"| B raw select of the due set | {fmt(b_s)} | {fmt(b_m, 'MiB')} | |")
    print(
        f"| ratio of medians A / B | ×{statistics.median(a_s) / statistics.median(b_s):.0f} | | |"
    )
    print()
    print(
        f"HTTP requests per sweep (reported by the sweep, counted by the stub): {reqs}; "
        f"{args.notices / reqs[0][1]:,.0f} notices per request "
        "(goal: at most 1 request per 1,000 notices of one template and language)"
    )


if __name__ == "__main__":
    main()
