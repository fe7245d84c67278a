"""`wsr demo` without --no-serve: after the demo data it serves the console on it, prints the
address and the demo logins, and a printed login signs in to a dashboard of the demo's agreement."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx  # what Starlette's TestClient uses
import pytest

from tests.wsr.console.conftest import Person, free_port, sign_in
from wsr.console._access import Role

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: the checkout's own packages first, whatever the installed copy is
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _read_until(
    proc: subprocess.Popen[str], pattern: str, deadline: float
) -> tuple[str, re.Match[str]]:
    seen = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if (found := re.search(pattern, line)) is not None:
            return "".join(seen), found
    raise AssertionError(f"no line matched {pattern!r}; the demo printed:\n{''.join(seen)}")


def test_demo_serves_the_console_with_a_working_demo_login(tmp_path: Path) -> None:
    port = free_port()
    # the tracked example only: drafting all five adds nothing here
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copy(ROOT / "examples" / "fair-food-produce.yaml", examples)
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from wsr.cli import main; main()",
            "demo",
            "--out",
            str(tmp_path / "demo"),
            "--port",
            str(port),
            "--examples",
            str(examples),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=ENV,
    ) as proc:
        _drive(proc, port)


def _drive(proc: subprocess.Popen[str], port: int) -> None:
    try:
        deadline = time.monotonic() + 240
        out, found = _read_until(proc, r"password for all: (\S+)\):", deadline)
        password = found.group(1)
        more, _ = _read_until(proc, r"^open (http://\S+)login", deadline)
        out += more
        assert f"WSR console: http://127.0.0.1:{port}/" in out
        assert "monitor@demo.wsr.invalid  (monitor)" in out
        assert re.search(r"counsel@demo\.wsr\.invalid  \(counsel for .+\)", out)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(100):  # uvicorn binds right after the address is printed
                try:
                    client.get("/login")
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            sign_in(
                client, Person("monitor", "monitor@demo.wsr.invalid", Role.MONITOR, None, password)
            )
            home = client.get("/")
            assert home.status_code == 200
            assert "Example Fresh Markets" in home.text  # the tracked demo agreement
            wrong = client.post(
                "/login",
                data={"email": "monitor@demo.wsr.invalid", "password": password + "x"},
            )
            assert wrong.status_code != 303
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 0, proc.stderr.read() if proc.stderr else ""


def test_demo_refuses_a_bad_port_before_writing(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from wsr.cli import main; main()",
            "demo",
            "--out",
            str(tmp_path / "demo"),
            "--port",
            "70000",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=ENV,
    )
    assert proc.returncode == 2
    assert "--port" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "demo").exists()
