"""Debian's Chromium for the console's browser tests — never a browser Playwright downloaded.

``/usr/bin/chromium`` is Debian's shell wrapper: it sets ``LIBDIR=/usr/lib/$APPNAME`` and
``exec``\\ s ``$LIBDIR/$APPNAME`` (``/usr/lib/chromium/chromium``). :func:`resolve` follows it to
the executable, asks dpkg which package owns both (``dpkg -S``) and that package's version
(``dpkg-query -W chromium``). :func:`browser` starts Playwright with ``PLAYWRIGHT_BROWSERS_PATH``
pointing at an empty folder, so no downloaded browser could be found even by accident, and
launches that executable; the browser it reports must be the package's version.

Browser tests mark themselves with ``pytestmark = needs_chromium``, take :func:`browser`, and
save screenshots in :func:`screenshots` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

WRAPPER = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
PACKAGE = "chromium"


class NotDebianChromium(RuntimeError):
    """Chromium is missing, or is not Debian's package."""


@dataclass(frozen=True)
class DebianChromium:
    wrapper: Path  # the shell wrapper on PATH
    executable: Path  # what it execs
    package: str  # the dpkg package owning both
    version: str  # its dpkg version, e.g. 156.0.8078.114-1~deb12u1

    @property
    def upstream(self) -> str:
        """The version without Debian's revision and epoch (what the browser reports)."""
        return self.version.split(":")[-1].rsplit("-", 1)[0]


def _dpkg_owner(path: Path) -> str:
    done = subprocess.run(
        ["dpkg", "-S", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    owners = [line.split(":", 1)[0] for line in done.stdout.splitlines() if ":" in line]
    if done.returncode != 0 or not owners:
        raise NotDebianChromium(f"no Debian package owns {path} ({done.stderr.strip()})")
    return owners[0]


def _execed(wrapper: Path) -> Path:
    """The executable the wrapper script execs (``LIBDIR`` and ``APPNAME`` expanded)."""
    text = wrapper.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("#!"):
        raise NotDebianChromium(f"{wrapper} is not Debian's shell wrapper")
    values: dict[str, str] = {}
    for name in ("APPNAME", "LIBDIR"):
        found = re.search(rf"^{name}=(\S+)$", text, re.M)
        if found is None:
            raise NotDebianChromium(f"{wrapper} sets no {name}")
        values[name] = found.group(1).replace("$APPNAME", values.get("APPNAME", ""))
    if not re.search(r"^\s*exec \$LIBDIR/\$APPNAME\b", text, re.M):
        raise NotDebianChromium(f"{wrapper} does not exec $LIBDIR/$APPNAME")
    return Path(values["LIBDIR"]) / values["APPNAME"]


def resolve() -> DebianChromium:
    """Debian's Chromium, checked; NotDebianChromium saying what is wrong."""
    if not WRAPPER.is_file():
        raise NotDebianChromium(f"{WRAPPER} is missing (apt-get install chromium)")
    found = shutil.which("chromium")
    if found is not None and Path(found).resolve() != WRAPPER.resolve():
        raise NotDebianChromium(f"`chromium` on PATH is {found}, not {WRAPPER}")
    executable = _execed(WRAPPER)
    if not executable.is_file() or not os.access(executable, os.X_OK):
        raise NotDebianChromium(f"{executable} (what {WRAPPER} execs) is not an executable")
    owners = {_dpkg_owner(WRAPPER), _dpkg_owner(executable)}
    if owners != {PACKAGE}:
        raise NotDebianChromium(f"{WRAPPER} and {executable} belong to {sorted(owners)}")
    query = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", PACKAGE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if query.returncode != 0 or not query.stdout.strip():
        raise NotDebianChromium(f"dpkg-query knows no version of {PACKAGE}")
    return DebianChromium(WRAPPER, executable, PACKAGE, query.stdout.strip())


def _why_not() -> str | None:
    try:
        resolve()
    except NotDebianChromium as exc:
        return f"Debian's chromium: {exc}"
    return None


_MISSING = _why_not()
#: skip a browser test where Debian's Chromium is not installed (saying why)
needs_chromium = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


@contextmanager
def browser(**launch: Any) -> Iterator[Any]:
    """A Playwright ``Browser`` running Debian's Chromium, with ``PLAYWRIGHT_BROWSERS_PATH`` an
    empty folder for as long as it runs (the Playwright driver reads it when it starts)."""
    from playwright.sync_api import sync_playwright

    chromium = resolve()
    saved = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    with tempfile.TemporaryDirectory(prefix="no-playwright-browsers-") as empty:
        os.environ["PLAYWRIGHT_BROWSERS_PATH"] = empty
        try:
            with sync_playwright() as p:
                launched = p.chromium.launch(executable_path=str(chromium.executable), **launch)
                try:
                    if launched.version != chromium.upstream:
                        raise NotDebianChromium(
                            f"the browser is {launched.version}, the package {chromium.version}"
                        )
                    yield launched
                finally:
                    launched.close()
            if any(Path(empty).iterdir()):
                raise NotDebianChromium(f"Playwright put a browser in {empty}")
        finally:
            if saved is None:
                os.environ.pop("PLAYWRIGHT_BROWSERS_PATH", None)
            else:
                os.environ["PLAYWRIGHT_BROWSERS_PATH"] = saved


def screenshots() -> Path:
    """``test-artifacts/console/`` (under ``WSR_TEST_ARTIFACTS`` when set), made if missing."""
    base = os.environ.get("WSR_TEST_ARTIFACTS")
    folder = (Path(base) if base else ROOT / "test-artifacts") / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
