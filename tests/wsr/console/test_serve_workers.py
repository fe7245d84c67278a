"""``wsr serve --workers 2`` as a real process: a session made through one worker is honoured by
the other (sessions, CSRF and the login rate limit are in the database, the cookie secret is
the parent's), requests are answered by more than one worker process, and SIGINT (Ctrl-C)
stops the supervisor and every worker.

Which worker answered is read from the kernel, not from the app: each request goes on its own
TCP connection, and the worker that accepted it is the child of the server process holding that
connection's socket (``/proc/net/tcp`` gives the socket's inode, ``/proc/<pid>/fd`` its owner).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx  # what Starlette's TestClient uses
import pytest

from tests.wsr.console.conftest import USERS, Seeded, free_port, sign_in

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc"),
]

ROOT = Path(__file__).resolve().parents[3]
WSR = [sys.executable, "-c", "from wsr.cli import main; main()"]


def _env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSR_")}
    # the checkout's own packages first; no secret given: the parent makes the one they share
    return {**env, "PYTHONPATH": str(ROOT), "WSR_DATABASE_URL": db_url}


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from ``/proc/*/stat``)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.add(int(entry.name))
    return out


def _running(pid: int) -> str | None:
    """``pid``'s state and command line while it runs; None once it exited (a zombie has
    exited: only its parent's reaper has not collected it yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    return None if state in ("Z", "X") else f"{state} {cmd}"


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the loopback connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, remote, inode = cols[1], cols[2], cols[9]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return inode
    return None


def _owner(inode: str, candidates: set[int]) -> int | None:
    """Which of ``candidates`` holds the socket ``inode`` open."""
    wanted = f"socket:[{inode}]"
    for pid in candidates:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == wanted:
                    return pid
            except OSError:
                continue
    return None


def _wait_for(port: int, proc: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"wsr serve exited: {proc.communicate()}")
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as probe:
                if probe.get("/login").status_code == 200:
                    return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the console did not answer")


@pytest.fixture
def served(seeded: Seeded, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    proc = subprocess.Popen(
        [*WSR, "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(seeded.db_url),
    )
    with proc:  # closes the pipes
        try:
            _wait_for(port, proc, time.monotonic() + 120)
            yield proc, port
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()


def _get(port: int, path: str, cookie: str, **headers: str) -> tuple[int, str, int]:
    """One request on a new connection: status, body and the client's local port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.connect()
        local = conn.sock.getsockname()[1]
        conn.request("GET", path, headers={"Cookie": cookie, **headers})
        answer = conn.getresponse()
        return answer.status, answer.read().decode(), local
    finally:
        conn.close()


def _served_by(port: int, cookie: str, workers: set[int], path: str) -> tuple[int, str, int]:
    """A request held open until its worker is known: (status, body, worker pid)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.connect()
        local = conn.sock.getsockname()[1]
        conn.request("GET", path, headers={"Cookie": cookie})
        answer = conn.getresponse()
        body = answer.read().decode()
        # the connection is kept alive: the worker that answered still holds its socket
        inode = _socket_inode(port, local)
        pid = _owner(inode, workers) if inode else None
        assert pid is not None, f"no worker holds the connection from port {local}"
        return answer.status, body, pid
    finally:
        conn.close()


def test_two_workers_share_sessions_and_both_answer(
    served: tuple[subprocess.Popen[str], int], seeded: Seeded
) -> None:
    proc, port = served
    workers = _children(proc.pid)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        sign_in(client, USERS["monitor"])  # through whichever worker took the connection
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        csrf = client.csrf
    answered: dict[int, int] = {}
    deadline = time.monotonic() + 60
    while (len(answered) < 2 or sum(answered.values()) < 40) and time.monotonic() < deadline:
        status, body, pid = _served_by(port, cookie, workers, f"/obligations/{seeded.premium}")
        assert status == 200, body[:500]
        assert USERS["monitor"].email in body  # signed in on this worker too
        answered[pid] = answered.get(pid, 0) + 1
    assert len(answered) >= 2, f"one worker answered every request: {answered}"
    assert set(answered) <= workers

    # a CSRF-checked write through one worker ends the session for all of them
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/logout", headers={"Cookie": cookie, "X-CSRF-Token": csrf})
    assert conn.getresponse().status == 303
    conn.close()
    for _ in range(10):
        status, _, _ = _get(port, "/", cookie)
        assert status in (303, 307), "a worker still honours the ended session"


def test_sigint_stops_the_server_and_every_worker(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    proc, _ = served
    workers = _children(proc.pid)
    assert len(workers) >= 2, f"wsr serve --workers 2 has children {workers}"
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=60)
    _, err = proc.communicate()
    assert code == 0, err
    assert "Traceback" not in err, err
    # a child may still be in the kernel's exit path when the parent returns (state R with its
    # command line already gone: multiprocessing's resource tracker leaves once the parent's
    # pipe closes): it is given a few seconds; a worker left running is still there after them
    deadline = time.monotonic() + 10
    while (alive := {p: how for p in workers if (how := _running(p)) is not None}) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert not alive, f"workers left running after SIGINT: {alive}"


@pytest.mark.parametrize("given", ["0", "33", "-1", "many"])
def test_bad_workers_exit_2_naming_the_option(tmp_path: Path, given: str) -> None:
    proc = subprocess.run(
        [*WSR, "serve", "--port", str(free_port()), "--workers", given],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(f"sqlite:///{tmp_path / 'never.db'}"),
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "--workers" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "never.db").exists()  # refused before the database is opened


def test_a_worker_without_settings_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from wsr.console.app import WORKER_SETTINGS, app_from_environment

    monkeypatch.delenv(WORKER_SETTINGS, raising=False)
    with pytest.raises(RuntimeError, match=re.escape(f"{WORKER_SETTINGS} is not set")):
        app_from_environment()
    monkeypatch.setenv(WORKER_SETTINGS, '{"db_url": "sqlite://", "outbox": "o"}')
    with pytest.raises(RuntimeError, match="console_url: a string is required"):
        app_from_environment()
    monkeypatch.setenv(
        WORKER_SETTINGS, '{"db_url": "sqlite://", "outbox": "o", "console_url": "http://x"}'
    )
    with pytest.raises(RuntimeError, match="console_secret is required"):
        app_from_environment()
