"""The real docassemble server for the server and browser tests.

One server per test session: ``scripts/da-server`` starts docassemble.webapp under gunicorn with
its own PostgreSQL cluster, Redis, Celery worker and restart watcher on loopback ports, in a venv
with docassemble alone (``scripts/da-env --server``: none of this clone's code), and stops every
process it started at the end. The fixture checks that: a test run that leaves a server behind
fails.

The engine and the interview package reach the server the way an administrator installs them:
their zips (``scripts/da-package-zip``: the engine, then ``interviews/``) uploaded through Package
Management's API (``scripts/da-server install``: ``POST /api/package``, then
``/api/package_update_status`` until docassemble's worker has installed it and the web server has
restarted). Every server and browser test therefore runs the interview as Package Management
installed it (``test_server_package.py`` checks the installs themselves).

``WSR_DA_SERVER_DIR=/tmp/some-dir`` keeps one server between runs while iterating on tests (it is
started if needed and left running); CI never sets it, so every run starts from nothing.
Screenshots and downloaded files go to ``test-artifacts/interviews/`` (git-ignored), or to
``$WSR_TEST_ARTIFACTS/interviews``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DA_SERVER = ROOT / "scripts" / "da-server"
INTERVIEW = "docassemble.wsrengine:data/questions/draft_agreement.yml"


def artifacts_dir() -> Path:
    base = os.environ.get("WSR_TEST_ARTIFACTS")
    folder = (Path(base) if base else ROOT / "test-artifacts") / "interviews"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class DAServer:
    url: str
    api_key: str
    email: str
    password: str
    dir: Path
    # what /api/package_update_status said when each zip's install completed, by zip name
    install_status: dict[str, Any] = field(default_factory=dict)

    def interview_url(self) -> str:
        return f"{self.url}/interview?i={INTERVIEW}"

    def api(self) -> ApiSession:
        return ApiSession(self)


class ApiError(AssertionError):
    """The server answered an API call with an error status; the message carries its body."""


@dataclass
class ApiSession:
    """One interview session driven over docassemble's HTTP API, as an integration would."""

    server: DAServer
    session: str = ""
    secret: str = ""
    calls: list[str] = field(default_factory=list)

    def _url(self, path: str, **query: str) -> str:
        return f"{self.server.url}{path}?" + urllib.parse.urlencode(
            {"key": self.server.api_key, **query}
        )

    def _open(self, request: urllib.request.Request | str) -> bytes:
        name = request if isinstance(request, str) else request.full_url
        self.calls.append(name.split("?")[0].replace(self.server.url, ""))
        try:
            with urllib.request.urlopen(request, timeout=300) as reply:
                body: bytes = reply.read()
                return body
        except urllib.error.HTTPError as exc:
            where = name.split("?")[0]
            raise ApiError(f"{where}: HTTP {exc.code}: {exc.read()[:2000]!r}") from None

    def _get_json(self, path: str, **query: str) -> Any:
        return json.loads(self._open(self._url(path, **query)))

    def new(self) -> dict[str, Any]:
        """``GET /api/session/new``, then ``GET /api/session/question``: the first screen."""
        started = self._get_json("/api/session/new", i=INTERVIEW)
        self.session, self.secret = started["session"], started["secret"]
        return self.question()

    def _ids(self) -> dict[str, str]:
        return {"i": INTERVIEW, "session": self.session, "secret": self.secret}

    def question(self) -> dict[str, Any]:
        data: dict[str, Any] = self._get_json("/api/session/question", **self._ids())
        return data

    def answer(self, variables: dict[str, Any], question_name: str | None) -> dict[str, Any]:
        """``POST /api/session`` with the screen's variables; the server replies with the next
        screen. ``question_name`` makes the server refuse the answer if the screen changed."""
        body = {"key": self.server.api_key, **self._ids(), "variables": variables}
        if question_name:
            body["question_name"] = question_name
        request = urllib.request.Request(
            f"{self.server.url}/api/session",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        data: dict[str, Any] = json.loads(self._open(request))
        return data

    def variables(self) -> dict[str, Any]:
        data: dict[str, Any] = self._get_json("/api/session", **self._ids())
        return data

    def file(self, number: int) -> bytes:
        """``GET /api/file/<number>``: a file the interview produced."""
        return self._open(self._url(f"/api/file/{number}", **self._ids()))


def _pids(folder: Path) -> set[int]:
    """Every process the server in ``folder`` runs: gunicorn's process group (master, workers and
    anything they started), redis-server and the PostgreSQL postmaster with its children."""
    pids: set[int] = set()
    for pidfile in (
        "gunicorn.pid",
        "celery.pid",
        "restart-watcher.pid",
        "redis/redis.pid",
        "pg/data/postmaster.pid",
    ):
        try:
            pids.add(int((folder / pidfile).read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            continue
    for leader in list(pids):
        for option in ("-g", "-P"):
            found = subprocess.run(
                ["pgrep", option, str(leader)], capture_output=True, text=True, check=False
            ).stdout.split()
            pids.update(int(p) for p in found)
    return {p for p in pids if _alive(p)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def _script(command: str, folder: Path, *args: str) -> str:
    done = subprocess.run(
        [str(DA_SERVER), command, str(folder), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/da-server {command} failed:\n{done.stderr[-4000:]}")
    return done.stdout.strip()


def _install_interview(folder: Path) -> None:
    """The engine's zip, then the interview package's, through Package Management (``scripts/
    da-server install``), as interviews/README.md tells an administrator; on a kept server only
    when a zip changed since the last install, as ``./dev interview`` does."""
    built = subprocess.run(
        [str(ROOT / "scripts" / "da-package-zip"), str(folder / "dist")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    zips = [Path(z) for z in built]
    assert [z.name for z in zips] == ["wsr-engine.zip", "docassemble-wsrengine.zip"], zips
    digest = hashlib.sha256(b"".join(z.read_bytes() for z in zips)).hexdigest() + "  -"
    marker = folder / "installed-zips.sha256"
    if marker.is_file() and marker.read_text().strip() == digest:
        return
    statuses = {}
    for z in zips:
        _script("install", folder, str(z))
        statuses[z.name] = json.loads((folder / "log" / "last-install.json").read_text())
    (folder / "log" / "installs.json").write_text(json.dumps(statuses, indent=1))
    marker.write_text(digest + "\n")


@pytest.fixture(scope="session")
def da_server() -> Iterator[DAServer]:
    kept = os.environ.get("WSR_DA_SERVER_DIR")
    # under /tmp, not pytest's tmp_path: PostgreSQL runs as the `postgres` user when the tests
    # run as root, and it cannot reach /tmp/pytest-of-root (mode 700)
    folder = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="wsr-da-server-", dir="/tmp"))
    started = time.monotonic()
    try:
        url = _script("start", folder)
    except BaseException:
        # whatever did start is stopped; the start's own error is the one reported
        subprocess.run([str(DA_SERVER), "stop", str(folder)], capture_output=True, check=False)
        raise
    boot = time.monotonic() - started
    started = time.monotonic()
    try:
        _install_interview(folder)
    except BaseException:
        if not kept:
            subprocess.run([str(DA_SERVER), "stop", str(folder)], capture_output=True, check=False)
        raise
    install = time.monotonic() - started
    (artifacts_dir() / "server-start.txt").write_text(
        f"server start: {boot:.1f} s\npackage install (Package Management): {install:.1f} s\n"
    )
    login = (folder / "login").read_text().split("\n")
    yield DAServer(
        url=url,
        api_key=(folder / "api-key").read_text().strip(),
        email=login[0],
        password=login[1],
        dir=folder,
        install_status=json.loads((folder / "log" / "installs.json").read_text()),
    )
    if kept:
        return
    running = _pids(folder)
    _script("stop", folder)
    deadline = time.monotonic() + 10
    while (left := {p for p in running if _alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"scripts/da-server stop left processes running: {sorted(left)}"
    shutil.rmtree(folder, ignore_errors=True)
