"""The command line is a client of ``clauses`` and ``obligations`` like any other (the web console
and the interview will be): it may use only their public names, so that what they keep private
can change without breaking it. Imports are read with :mod:`ast` (nothing is executed), and
every name taken from a package root must be listed in that package's ``__all__``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

WSR = Path(__file__).resolve().parents[2] / "wsr"
PACKAGES = ("clauses", "obligations")


def _imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name) for every import of one of PACKAGES (name None for ``import x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module, a.name) for a in node.names]
    return [f for f in found if f[1].split(".")[0] in PACKAGES]


def _private_uses(path: Path) -> list[str]:
    bad = []
    for line, module, name in _imports(path):
        where = f"{path.name}:{line}"
        if any(part.startswith("_") for part in module.split(".")):
            bad.append(f"{where}: imports from the private module {module}")
        elif name is not None and name.startswith("_"):
            bad.append(f"{where}: imports the private name {module}.{name}")
        elif name is not None and module in PACKAGES:
            if name not in importlib.import_module(module).__all__:
                bad.append(f"{where}: {module}.{name} is not in {module}.__all__")
    return bad


SOURCES = sorted(WSR.glob("**/*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_wsr_uses_only_public_names(path: Path) -> None:
    assert _private_uses(path) == []


def test_the_check_can_fail(tmp_path: Path) -> None:
    """The checker itself catches each kind of private use (so a green run means something)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from clauses._agreement import seal\n"
        "import obligations._db\n"
        "from obligations import _rules\n"
        "from obligations import not_exported_anything\n"
        "from obligations import Obligation\n"
        "from obligations.stores.sqlalchemy import SqlAlchemyObligationStore\n"
        "def f():\n"
        "    from obligations._ics import calendar_feed\n",
        encoding="utf-8",
    )
    assert _private_uses(sample) == [
        "sample.py:1: imports from the private module clauses._agreement",
        "sample.py:2: imports from the private module obligations._db",
        "sample.py:3: imports the private name obligations._rules",
        "sample.py:4: obligations.not_exported_anything is not in obligations.__all__",
        "sample.py:8: imports from the private module obligations._ics",
    ]
