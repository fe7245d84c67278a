"""The docassemble tests run with the docassemble venv's Python (scripts/da-env), never the
core's .venv: the core suite installs and passes without docassemble, so there these files
are not collected. In the docassemble step (WSR_DA_TESTS=1, set by scripts/run-tests) a
missing docassemble is a failure, never a skip."""

from __future__ import annotations

import importlib.util
import os

import pytest

HAVE_DOCASSEMBLE = importlib.util.find_spec("docassemble") is not None and (
    importlib.util.find_spec("docassemble.base") is not None
)
IN_DA_STEP = bool(os.environ.get("WSR_DA_TESTS"))

if not HAVE_DOCASSEMBLE and not IN_DA_STEP:
    collect_ignore_glob = ["test_*.py"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_DA_STEP and not HAVE_DOCASSEMBLE:
        raise pytest.UsageError(
            "WSR_DA_TESTS is set but docassemble.base is not importable: run the docassemble "
            "tests with the Python of the venv scripts/da-env prints"
        )


def pytest_configure(config: pytest.Config) -> None:
    """docassemble and the many libraries it pins raise deprecation warnings of their own at
    import and at run time; the suite's warnings-are-errors rule is for our code, so in the
    docassemble venv those categories are ignored."""
    if HAVE_DOCASSEMBLE:
        for category in (
            "DeprecationWarning",
            "PendingDeprecationWarning",
            "SyntaxWarning",
            "ResourceWarning",
            "pytest.PytestUnraisableExceptionWarning",
        ):
            config.addinivalue_line("filterwarnings", f"ignore::{category}")


from tests.interviews.server_fixtures import da_server  # noqa: E402,F401  (daserver's fixtures)
