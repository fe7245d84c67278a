"""The calendar feed at scale: what a calendar app's poll of ``/calendar/<secret>.ics`` costs.

    python -m benchmarks.bench_calendar [--size 100000] [--runs 7] [--process-runs 5]

On the cached realistic SQLite store (``benchmarks/_data.py``: about 100,000 obligations in two
agreements, swept at ``_data.NOW``), the whole feed of every agreement at ``NOW``:

* A, in process: :func:`wsr._feeds.deadline_feed` on the SQL store — the function the console's
  ``/calendar/<secret>.ics`` and ``wsr calendar`` both call (the read, SEQUENCE from the audit
  log, the iCalendar text);
* A, as a process: ``wsr --db sqlite:///FILE --now NOW calendar`` (start-up and imports
  included, the DBAPI read path);
* B, the floor (in process, and as ``python -m benchmarks.bench_calendar floor FILE``): the same
  rows selected with ``sqlite3`` (the feed's window in the WHERE, only the columns the feed
  shows, ordered as the feed is), SEQUENCE from the same aggregate query, and the same text made
  with plain string formatting (f-strings, ``str.replace`` escaping, slicing for the folding).

Both sides' bytes are compared first; a difference stops the benchmark. A and B are alternated
run by run, and which goes first alternates too; medians, and ratios of medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PY = sys.executable
WSR = str(Path(sys.executable).with_name("wsr"))
NOW_TEXT = "2028-07-12T14:30:00+00:00"  # benchmarks._data.NOW (the floor imports nothing)
CLOSED_DAYS = 90

# -- the floor (standard library only: it also runs as its own process) ------------------------

_DONE = {
    "fulfilled": "Fulfilled: ",
    "violated": "Breached: ",
    "discharged": "Discharged: ",
    "terminated": "Terminated: ",
}
_OPEN = ("created", "in_effect", "suspended")

_REVISIONS = (
    "SELECT a.obligation_id, m.n, json_extract(a.after, '$.due'), "
    "json_extract(a.after, '$.state') FROM (SELECT obligation_id, MAX(seq) AS last, "
    "SUM(CASE WHEN before IS NOT NULL AND (json_extract(before, '$.due') IS NOT "
    "json_extract(after, '$.due') OR json_extract(before, '$.state') IS NOT "
    "json_extract(after, '$.state')) THEN 1 ELSE 0 END) AS n FROM audit_log "
    "WHERE obligation_id IS NOT NULL AND after IS NOT NULL GROUP BY obligation_id) m "
    "JOIN audit_log a ON a.seq = m.last"
)


def _esc(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    if len(line) < 75 and line.isascii():
        return line
    data = line.encode("utf-8")
    pieces, i = [], 0
    while len(data) - i > 74:
        j = i + 74
        while j > i and (data[j] & 0xC0) == 0x80:  # never inside a UTF-8 character
            j -= 1
        if data[j - 1 : j] in (b"\\", b"^"):
            j -= 1
        pieces.append(data[i:j].decode("utf-8"))
        i = j
    pieces.append(data[i:].decode("utf-8"))
    return "\r\n ".join(pieces)


def _stamp(text: str) -> str:
    at = datetime.fromisoformat(text)
    return at.strftime("%Y%m%dT%H%M%SZ")


def floor_feed(path: str, now: datetime) -> bytes:
    import json
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cutoff = (now.astimezone(UTC).date() - timedelta(days=CLOSED_DAYS)).isoformat()
    titles = dict(conn.execute("SELECT id, title FROM agreements"))
    revisions = {r[0]: (r[1], (r[2], r[3])) for r in conn.execute(_REVISIONS)}
    rows = conn.execute(
        "SELECT id, agreement_id, clause_id, clause_version, spec_id, section, title, kind, "
        "obligor, beneficiary, subject, period_start, period_end, due, state, amount_value, "
        "amount_currency, paid, flags, updated_at FROM obligations "
        "WHERE state IN ('created', 'in_effect', 'suspended') OR due >= ? ORDER BY due, id",
        (cutoff,),
    )
    stamp = now.astimezone(UTC).strftime("DTSTAMP:%Y%m%dT%H%M%SZ")
    out = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//WSR agreement engine//obligation deadlines//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:WSR obligation deadlines",
    ]
    for (oid, aid, clause, version, spec, section, title, kind, obligor, beneficiary, subject,
         p_start, p_end, due, state, amount, currency, paid, flags, updated) in rows:  # fmt: skip
        summary = f"{title} — {subject}" if subject else title
        desc = [
            f"Agreement: {titles[aid]} ({aid})",
            f"Clause {clause} version {version}, section {section} ({spec})",
            f"Owed by {obligor} to {beneficiary}",
        ]
        if amount is not None:
            line = f"Amount: {amount} {currency}"
            if float(paid):
                line += f" (paid so far {paid} {currency})"
            desc.append(line)
        if p_start and p_end:
            desc.append(f"Period: {p_start} to {p_end}")
        desc.append(f"State: {state}")
        shown_flags = json.loads(flags)
        if shown_flags:
            desc.append("Flags: " + ", ".join(sorted(shown_flags)))
        desc.append(f"Obligation id: {oid}")
        n, last = revisions.get(oid, (0, None))
        if last is not None and last != (due, state):
            n += 1
        day = date.fromisoformat(due)
        out += [
            "BEGIN:VEVENT",
            _fold("SUMMARY:" + _esc(_DONE.get(state, "") + summary)),
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            stamp,
            _fold(f"UID:{oid}@wsr-engine"),
            f"SEQUENCE:{n}",
            _fold(f"CATEGORIES:{_esc(kind)},{_esc(clause)}"),
            _fold("DESCRIPTION:" + _esc("\n".join(desc))),
            f"LAST-MODIFIED:{_stamp(updated)}",
        ]
        if state in ("discharged", "terminated"):
            out.append("STATUS:CANCELLED")
        else:
            if state in _OPEN and "breach_suspected" in shown_flags:
                out.append("PRIORITY:1")
            out.append("STATUS:CONFIRMED")
        out += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    out.append("END:VCALENDAR")
    conn.close()
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


# -- A --------------------------------------------------------------------------------------------


def engine_feed(path: str, now: datetime) -> bytes:
    from obligations import ObligationService, open_store
    from wsr._feeds import deadline_feed

    store = open_store(f"sqlite:///{path}")
    try:
        return deadline_feed(ObligationService(store, actor="bench"), None, now=now)
    finally:
        store.engine.dispose()


def _timed(fn, *args) -> tuple[float, bytes]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def _process(cmd: list[str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… exited {done.returncode}: {done.stderr[-400:]!r}")
    return took, done.stdout


def _alternate(sides: dict[str, object], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in sides}
    names = list(sides)
    for i in range(runs):
        for name in names if i % 2 == 0 else names[::-1]:
            times[name].append(sides[name]()[0])  # type: ignore[operator]
    return times


def _report(title: str, times: dict[str, list[float]], floor: str) -> None:
    base = statistics.median(times[floor])
    print(f"### {title} (load average {open('/proc/loadavg').read().split()[0]} at the end)")
    print()
    print("| side | min / median / max | × floor |")
    print("|---|---|---|")
    for name, xs in times.items():
        print(
            f"| {name} | {min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f} s "
            f"| ×{statistics.median(xs) / base:.2f} |"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="bench", choices=("bench", "floor"))
    parser.add_argument("path", nargs="?")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--process-runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime.fromisoformat(NOW_TEXT)
    if args.what == "floor":
        sys.stdout.buffer.write(floor_feed(args.path, now))
        return
    from benchmarks import _data

    with tempfile.TemporaryDirectory(prefix="wsr-bench-cal-") as tmp:
        path = str(_data.working_copy(args.size, Path(tmp)))
        engine, floor = engine_feed(path, now), floor_feed(path, now)
        if engine != floor:
            a, b = engine.split(b"\r\n"), floor.split(b"\r\n")
            first = next(
                (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            raise SystemExit(f"A and B differ at line {first}: {a[first:first + 3]!r} / "
                             f"{b[first:first + 3]!r}")  # fmt: skip
        events = engine.count(b"BEGIN:VEVENT")
        print(f"## Calendar feed of {_data.count(args.size):,} obligations at {NOW_TEXT}: "
              f"{events:,} events, {len(engine) / 1e6:.1f} MB, A == B byte for byte")  # fmt: skip
        print()
        times = _alternate(
            {
                "B floor (sqlite3 + f-strings)": lambda: _timed(floor_feed, path, now),
                "A deadline_feed (console, SQL store)": lambda: _timed(engine_feed, path, now),
            },
            args.runs,
        )
        _report("In process", times, "B floor (sqlite3 + f-strings)")
        cmds = {
            "B `python -m benchmarks.bench_calendar floor`": [
                PY, "-m", "benchmarks.bench_calendar", "floor", path,
            ],
            "A `wsr calendar`": [WSR, "--db", f"sqlite:///{path}", "--now", NOW_TEXT, "calendar"],
        }  # fmt: skip
        for cmd in cmds.values():
            _took, out = _process(cmd)
            if out != engine:
                raise SystemExit(f"{cmd[:3]} printed a different feed")
        times = _alternate({k: (lambda c=c: _process(c)) for k, c in cmds.items()},
                           args.process_runs)  # fmt: skip
        _report("Whole processes", times, "B `python -m benchmarks.bench_calendar floor`")


if __name__ == "__main__":
    main()
