"""The console's browser tests run Debian's Chromium: the wrapper on PATH, what it execs, the
dpkg package that owns both and its version, launched by Playwright with an empty
``PLAYWRIGHT_BROWSERS_PATH`` (no downloaded browser to fall back on) — printed for the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wsr.console._chromium import (
    PACKAGE,
    WRAPPER,
    NotDebianChromium,
    _execed,
    browser,
    needs_chromium,
    resolve,
)

pytestmark = needs_chromium


def test_debian_chromium_is_resolved_and_launched(capsys: pytest.CaptureFixture[str]) -> None:
    import os

    chromium = resolve()
    assert chromium.wrapper == WRAPPER and chromium.package == PACKAGE
    assert chromium.executable == Path("/usr/lib/chromium/chromium")
    assert chromium.executable.read_bytes()[:4] == b"\x7fELF"  # the program, not a script
    assert chromium.version.startswith(chromium.upstream) and "deb" in chromium.version
    with browser() as launched:
        empty = os.environ["PLAYWRIGHT_BROWSERS_PATH"]
        assert Path(empty).is_dir() and not any(Path(empty).iterdir())
        page = launched.new_page()
        page.set_content("<p id=x>Debian</p>")
        assert page.inner_text("#x") == "Debian"
        seen = launched.version
    assert seen == chromium.upstream
    with capsys.disabled():
        print(
            f"\nchromium: {chromium.wrapper} -> {chromium.executable}; dpkg package "
            f"{chromium.package} {chromium.version}; Playwright launched {seen} with "
            f"PLAYWRIGHT_BROWSERS_PATH={empty} (empty)"
        )


def test_a_wrapper_that_execs_something_else_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text('#!/bin/sh\nAPPNAME=chromium\nLIBDIR=/opt/$APPNAME\nexec /opt/x "$@"\n')
    with pytest.raises(NotDebianChromium, match=r"does not exec \$LIBDIR/\$APPNAME"):
        _execed(fake)
    fake.write_text("\x7fELF not a script")
    with pytest.raises(NotDebianChromium, match="is not Debian's shell wrapper"):
        _execed(fake)


def test_a_file_no_package_owns_is_refused(tmp_path: Path) -> None:
    from tests.wsr.console._chromium import _dpkg_owner

    stray = tmp_path / "chromium"
    stray.write_text("")
    with pytest.raises(NotDebianChromium, match="no Debian package owns"):
        _dpkg_owner(stray)
