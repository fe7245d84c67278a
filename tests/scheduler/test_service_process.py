"""`wsr scheduler` as a real process: --once, SIGTERM, one scheduler per SQLite file, status."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.scheduler.procs import (
    NOW,
    WSR,
    StubProcess,
    env_for,
    load_notices,
    notice_states,
    parse_now,
    tracked,
    wsr,
)


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'wsr.db'}"
    return url, tracked(tmp_path, url)


def test_once_sends_the_first_reminders_into_the_outbox_and_says_so(tmp_path, store):
    url, _aid = store
    env = env_for(WSR_OUTBOX=str(tmp_path / "outbox"))
    done = wsr("--db", url, "--now", NOW, "scheduler", "--once", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sent = sorted((tmp_path / "outbox").glob("*.eml"))
    assert sent, "the catch-up sweep sent nothing"
    assert f"{len(sent)} sent" in done.stdout
    assert "stopped (1 sweep(s) done)" in done.stdout
    assert notice_states(url) == {"sent": len(sent)}
    status = wsr("--db", url, "scheduler", "status", "--json", env=env, cwd=tmp_path)
    (row,) = json.loads(status.stdout)
    assert row["state"] == "stopped" and row["sweeps"] == 1
    assert parse_now(row["last_now"]) == parse_now(NOW)
    assert row["last_report"]["notices"]["sent"] == len(sent)


def test_sigterm_stops_cleanly_with_nothing_left_sending(tmp_path, store):
    url, aid = store
    load_notices(url, aid, 2000, decided_at=parse_now(NOW))  # about 30 s of sending
    stub = StubProcess(tmp_path, mode={"delay": 0.15}).start()
    try:
        env = env_for(stub.url)
        proc = subprocess.Popen(
            [*WSR, "--db", url, "--now", NOW, "scheduler", "--interval", "0.01", "--limit", "20"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while stub.get("/_stub/stats")["accepted"] < 40:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the scheduler sent nothing"
            time.sleep(0.05)
        second = wsr("--db", url, "--now", NOW, "scheduler", "--once", env=env, cwd=tmp_path)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        stub.stop()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping after the batch in progress" in err
    states = notice_states(url)
    assert "sending" not in states, states
    assert states.get("pending", 0) > 0, "it was still sending when stopped"
    assert second.returncode == 1
    assert "SQLite allows one scheduler at a time" in second.stderr
    status = wsr("--db", url, "scheduler", "status", env=env_for(), cwd=tmp_path)
    # the refused one never started: one row, stopped
    assert status.stdout.count("stopped") == 1, status.stdout
