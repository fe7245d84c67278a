"""Counts of the hostile-input suites: cases tried, refused and accepted, per suite.

Each Hypothesis suite over bad input calls :func:`record` once per generated case; the
session-end summary (``tests/conftest.py``) prints the table, and writes it as JSON to the
file named by ``WSR_HOSTILE_COUNTS`` when set (``scripts/hostile-counts`` runs the suites and
prints it), so the figures in a report come from a run, not from memory.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

#: suite -> Counter of "tried", "refused", "accepted"
COUNTS: dict[str, Counter[str]] = {}


def record(suite: str, *, refused: bool) -> None:
    counts = COUNTS.setdefault(suite, Counter())
    counts["tried"] += 1
    counts["refused" if refused else "accepted"] += 1


def lines() -> list[str]:
    if not COUNTS:
        return []
    width = max(len(s) for s in COUNTS)
    out = [f"{'suite':<{width}}  {'tried':>6}  {'refused':>7}  {'accepted':>8}"]
    total: Counter[str] = Counter()
    for suite in sorted(COUNTS):
        c = COUNTS[suite]
        total.update(c)
        out.append(f"{suite:<{width}}  {c['tried']:>6}  {c['refused']:>7}  {c['accepted']:>8}")
    out.append(
        f"{'total':<{width}}  {total['tried']:>6}  {total['refused']:>7}  {total['accepted']:>8}"
    )
    return out


def write_json() -> None:
    target = os.environ.get("WSR_HOSTILE_COUNTS")
    if target and COUNTS:
        Path(target).write_text(
            json.dumps({s: dict(c) for s, c in sorted(COUNTS.items())}, indent=2) + "\n",
            encoding="utf-8",
        )
