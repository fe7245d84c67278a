"""Suite-wide guards: in CI the real PostgreSQL server and LibreOffice must be there.

Tests that need them skip on a developer machine without them; `scripts/run-tests` sets
WSR_REQUIRE_POSTGRES / WSR_REQUIRE_LIBREOFFICE so that in CI a missing service fails the run
instead of silently skipping the tests that matter most.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("WSR_REQUIRE_POSTGRES") and not os.environ.get("WSR_TEST_POSTGRES_URL"):
        raise pytest.UsageError("WSR_REQUIRE_POSTGRES is set but WSR_TEST_POSTGRES_URL is not")
    if os.environ.get("WSR_REQUIRE_LIBREOFFICE") and shutil.which("soffice") is None:
        raise pytest.UsageError("WSR_REQUIRE_LIBREOFFICE is set but soffice is not on PATH")


@pytest.fixture(autouse=True)
def _audit_keys_stay_in_the_test(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit keys of databases without a file (PostgreSQL) go to a private config dir, never
    the developer's own ``~/.config``; a WSR_AUDIT_KEY_FILE from the shell is ignored."""
    monkeypatch.delenv("WSR_AUDIT_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    # the compiled drafting cache (clauses/_cache.py) of this session, not ~/.cache: shared by
    # the session's tests, so most drafts in the suite also run from the cache
    monkeypatch.setenv("WSR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "compiled-cache"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Turn skips of postgres/libreoffice tests into failures when the run requires them."""
    report = yield
    if not report.skipped:
        return report
    required = {
        "postgres": os.environ.get("WSR_REQUIRE_POSTGRES"),
        "libreoffice": os.environ.get("WSR_REQUIRE_LIBREOFFICE"),
    }
    text = f"{item.nodeid} {report.longrepr}".lower()
    for name, on in required.items():
        if on and name in text:
            report.outcome = "failed"
            report.longrepr = f"skipped, but this run requires {name}: {report.longrepr}"
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The hostile-input counts (``tests/tally.py``): cases tried, refused, accepted."""
    from tests import tally

    table = tally.lines()
    if table:
        terminalreporter.section("hostile input: cases tried, refused, accepted")
        for line in table:
            terminalreporter.write_line(line)
        tally.write_json()
