"""Byte-compile the engine's packages before a whole-process benchmark.

An installed package comes with its ``.pyc`` files (pip compiles them on install), and so does
every library the floors import. This checkout is an editable install, and this environment sets
``PYTHONDONTWRITEBYTECODE=1``: without this step every ``wsr`` process would compile the
engine's own modules from source (about 40 ms of a 250 ms draft), a cost no installed engine
has. Python still checks each ``.pyc`` against its source's modification time, so an edited
module is never run from stale bytecode.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("clauses", "obligations", "scheduler", "wsr")


def compile_engine() -> None:
    """Write the ``.pyc`` of every module of the engine's packages, as pip does on install."""
    for name in PACKAGES:
        if not compileall.compile_dir(ROOT / name, quiet=1):
            raise SystemExit(f"could not byte-compile {name}/: not timing")
