"""Each command imports what it needs: ``--help`` loads no engine package, ``draft`` no database.

Start-up is paid on every command a user types, so the CLI keeps its heavy imports inside the
command functions (``wsr/cli.py``). These tests run the real entry point (``wsr._entry:main``,
the ``wsr`` script) in a fresh interpreter and look at ``sys.modules`` afterwards; the time itself
is measured in ``benchmarks/bench_cli.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "clauses",
    "obligations",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "docx",
    "docxtpl",
    "lxml",
    "jinja2",
    "yaml",
    "icalendar",
    "holidays",
    "rich",
    # typer 0.29 coerces option values through pydantic; help must not build those coercions
    "pydantic",
)

LAST_STDERR: list[str] = [""]
#: whether the last probe imported typer
LAST_TYPER: list[bool] = [False]

PROBE = """
import json, sys
PRELUDE
from wsr._entry import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print("\\n" + json.dumps({"code": code, "loaded": heavy, "typer": "typer" in sys.modules}))
"""


def loaded_by(
    *argv: str, cwd: Path, prelude: str = "", env: dict[str, str] | None = None
) -> tuple[int, list[str], str]:
    """(exit code, heavy packages imported, stdout) of ``wsr ARGV`` in a fresh interpreter,
    after running ``prelude`` (a statement) in it.

    Standard error is kept on :data:`LAST_STDERR` for the tests that look at messages.
    """
    code = PROBE.replace("HEAVY", repr(json.dumps(HEAVY))).replace("PRELUDE", prelude)
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    LAST_STDERR[:] = [done.stderr]
    *out, last = done.stdout.rstrip("\n").split("\n")
    report = json.loads(last)
    LAST_TYPER[:] = [report["typer"]]
    return report["code"], report["loaded"], "\n".join(out)


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("draft", "--help"),
        ("obligations", "--help"),
        ("library", "--help"),
        ("breach", "confirm", "--help"),
        ("payroll", "--help"),
    ],
)
def test_help_loads_no_engine_package(argv, tmp_path):
    code, loaded, out = loaded_by(*argv, cwd=tmp_path)
    assert code == 0
    assert out.startswith("Usage: ")
    assert loaded == []


#: what the engine packages' modules import (checked with ``python -X importtime``): none of it
#: is needed to print help, so none of it may be loaded by ``wsr --help`` or ``wsr draft --help``
DEPENDENCIES = (
    "sqlalchemy",
    "alembic",
    "icalendar",
    "holidays",
    "psycopg",
    "docxtpl",
    "docx",
    "jinja2",
    "pydantic",
)


@pytest.mark.parametrize("package", DEPENDENCIES)
def test_the_probe_sees_a_dependency_imported_before_help(package, tmp_path):
    """The help tests above are not vacuous: a dependency imported on the way in is reported."""
    code, loaded, _ = loaded_by("draft", "--help", cwd=tmp_path, prelude=f"import {package}")
    assert code == 0
    assert package in loaded


def test_importing_the_engine_packages_loads_none_of_their_dependencies(tmp_path):
    """``clauses``, ``obligations``, ``obligations.stores`` and ``scheduler`` import their
    modules on first use (PEP 562), so importing them, or the CLI after them, costs nothing."""
    prelude = "import clauses, obligations, obligations.stores, scheduler"
    code, loaded, out = loaded_by("--help", cwd=tmp_path, prelude=prelude)
    assert code == 0
    assert out.startswith("Usage: ")
    assert sorted(set(loaded) - {"clauses", "obligations"}) == []


def test_one_name_imports_only_its_own_module(tmp_path):
    """A name resolves through the package's table to its module and nothing else: the
    listings' read path gets the DBAPI reader without SQLAlchemy or the document packages."""
    prelude = "from obligations import open_fast; from clauses import Problem"
    code, loaded, _ = loaded_by("--help", cwd=tmp_path, prelude=prelude)
    assert code == 0
    assert "sqlalchemy" not in loaded and "jinja2" not in loaded and "docx" not in loaded


def test_payroll_import_help_still_lists_the_engines_columns(tmp_path):
    from obligations import PAYROLL_COLUMNS

    code, _, out = loaded_by("payroll", "import", "--help", cwd=tmp_path)
    assert code == 0
    for column in PAYROLL_COLUMNS:
        assert f"- {column}: " in out


def test_a_usage_error_loads_no_engine_package(tmp_path):
    code, loaded, _ = loaded_by("no-such-command", cwd=tmp_path)
    assert code == 2
    assert loaded == []


def test_draft_loads_no_database_or_calendar_package(tmp_path):
    answers = ROOT / "examples" / "accord-garment-safety.yaml"
    code, loaded, out = loaded_by("draft", str(answers), "--out", str(tmp_path / "out"), cwd=ROOT)
    assert code == 0, out
    assert "agreement id: agr-" in out
    assert "clauses" in loaded and "jinja2" in loaded  # it did draft (docxtpl only if the
    assert list((tmp_path / "out").glob("*.docx"))  # compiled cache holds no captured template)
    for package in ("sqlalchemy", "alembic", "psycopg", "icalendar", "holidays", "obligations"):
        assert package not in loaded
    assert LAST_TYPER == [False]  # a plain draft is read without typer (wsr/_entry.py)


def test_a_draft_from_the_compiled_cache_imports_no_pydantic(tmp_path):
    """pydantic checks what comes in from outside (a library file, a record read back); a
    draft whose library comes out of the compiled cache builds its values itself, so it never
    imports pydantic (``clauses/_frozen.py``: about a third of such a process)."""
    answers = ROOT / "examples" / "accord-garment-safety.yaml"
    env = {"WSR_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    for run in ("cold", "warm"):
        code, loaded, out = loaded_by(
            "draft", str(answers), "--out", str(tmp_path / run), "--format", "docx,md",
            cwd=ROOT, env=env,
        )  # fmt: skip
        assert code == 0, out
        outputs.append((run, loaded))
    (_, cold), (_, warm) = outputs
    assert "pydantic" in cold  # the library files were validated, and the cache filled
    assert "pydantic" not in warm and "clauses" in warm and "jinja2" in warm
    cold_files = {p.name: p.read_bytes() for p in (tmp_path / "cold").iterdir()}
    warm_files = {p.name: p.read_bytes() for p in (tmp_path / "warm").iterdir()}
    assert cold_files == warm_files and len(cold_files) == 3  # record, docx, md


def test_a_draft_typer_must_read_still_goes_through_typer(tmp_path):
    """``--help`` and a misspelt option are typer's: its text and its usage line, exit 2."""
    code, _, out = loaded_by("draft", "--help", cwd=tmp_path)
    assert code == 0 and "draft [OPTIONS]" in out and LAST_TYPER == [True]
    answers = ROOT / "examples" / "accord-garment-safety.yaml"
    code, loaded, _ = loaded_by("draft", str(answers), "--out", "o", "--outt", "p", cwd=tmp_path)
    assert code == 2 and LAST_TYPER == [True] and "clauses" not in loaded
    assert "--outt" in LAST_STDERR[0]
    assert not (tmp_path / "o").exists()


def test_a_listing_loads_no_document_package(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    code, loaded, out = loaded_by(
        "obligations", "--json", "--db", db, "--now", "2026-03-13T09:00:00-05:00", cwd=tmp_path
    )
    assert code == 0
    assert json.loads(out) == []
    assert "sqlalchemy" in loaded  # it did open the store
    for package in ("docx", "docxtpl", "icalendar", "rich"):
        assert package not in loaded


def test_a_listing_loads_no_holidays_package(tmp_path):
    """A listing counts no business day, so it does not pay for the holidays package (~0.1 s);
    it is imported where a business day is counted (``tests/obligations/test_calendar.py``
    checks that public holidays are still skipped)."""
    db = f"sqlite:///{tmp_path / 'w.db'}"
    code, loaded, out = loaded_by(
        "obligations", "--json", "--db", db, "--now", "2026-03-13T09:00:00-05:00", cwd=tmp_path
    )
    assert code == 0, out
    assert "obligations" in loaded  # the engine was imported
    assert "holidays" not in loaded


def test_an_engine_error_is_still_reported_with_exit_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    code, _, _ = loaded_by("obligations", "--db", db, "--now", "2026-03-13T09:00:00", cwd=tmp_path)
    assert code == 2
    assert LAST_STDERR[0].startswith("--now: ")


def test_a_listing_of_a_swept_store_loads_no_time_step_nor_pydantic(tmp_path):
    """On a store whose agreements are quiet at ``--now`` (swept, nothing due to change) the
    JSON listing is the stored rows: it imports neither the service and its rules nor the
    clause schema (pydantic), which were a third of such a process."""
    from datetime import UTC, date, datetime

    from obligations import ObligationService, open_store
    from tests.obligations.factories import fair_food

    db = f"sqlite:///{tmp_path / 'w.db'}"
    store = open_store(db)
    try:
        svc = ObligationService(store, actor="test")
        record = fair_food()
        svc.track(record, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 15, tzinfo=UTC))
        svc.sweep(now=datetime(2026, 1, 6, 9, tzinfo=UTC))
    finally:
        store.engine.dispose()
    modules = ("obligations._service", "obligations._advance", "clauses._schema", "pydantic")
    prelude = (
        "import atexit; atexit.register(lambda: print("
        f"[m for m in {modules!r} if m in sys.modules], file=sys.stderr))"
    )
    code, loaded, out = loaded_by(
        "obligations", "--json", "--db", db, "--now", "2026-01-06T10:00:00+00:00",
        cwd=tmp_path, prelude=prelude,
    )  # fmt: skip
    assert code == 0, out
    assert isinstance(json.loads(out), list)
    assert "[]" in LAST_STDERR[0].splitlines()[-1], LAST_STDERR[0]
    assert "obligations" in loaded  # it did read the store
