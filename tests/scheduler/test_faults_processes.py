"""Faults with real processes, loopback only, bounded loops that stop by themselves.

* crash: ``kill -9`` of a `wsr scheduler` at random points while it sends thousands of
  notices through the stub process, restarted each time, at least 50 kills;
* concurrency: three `wsr scheduler` processes on one PostgreSQL over the same due set;
* outage: the stub down (connection refused), then answering 503, then back.

Afterwards nothing is lost, nothing recorded as sent is sent again (the stub counts every
accepted message), and the in-flight notices of each kill are counted and reconciled.
``WSR_FAULT_KILLS`` changes the number of kills (default 50; the issue's floor).
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import socket
import subprocess
import time
from datetime import timedelta

import pytest

from tests.scheduler.conftest import empty_tables
from tests.scheduler.procs import (
    NOW,
    WSR,
    StubProcess,
    env_for,
    load_notices,
    notice_states,
    parse_now,
    sending_ids,
    sent_rows,
    tracked,
    wsr,
)

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("WSR_FAULT_KILLS", "50"))


def _check_exactly_once(url: str, stub: StubProcess) -> dict[str, int]:
    """Every notice sent, each accepted by the stub exactly once, under the id recorded."""
    states = notice_states(url)
    assert set(states) == {"sent"}, f"not all sent: {states}"
    accepted = stub.accepted()
    counts = collections.Counter(a["notice_id"] for a in accepted)
    duplicates = {nid: n for nid, n in counts.items() if n > 1}
    assert duplicates == {}, f"{len(duplicates)} notices sent more than once"
    sent = sent_rows(url)
    assert set(counts) == set(sent), "the stub and the notices table disagree"
    by_id = {a["notice_id"]: a["x_message_id"] for a in accepted}
    assert all(sent[nid] == by_id[nid] for nid in sent), "a wrong provider message id"
    return {"sent": len(sent), "accepted": len(accepted)}


def _numbers(log_text: str, what: str) -> int:
    return sum(int(n) for n in re.findall(rf"(\d+) {what}", log_text))


def test_kill_9_at_random_points_loses_nothing_and_sends_nothing_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 'wsr.db'}"
    aid = tracked(tmp_path, url)
    loaded = len(load_notices(url, aid, 5000, decided_at=parse_now(NOW)))
    seed = int(os.environ.get("WSR_FAULT_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    stub = StubProcess(tmp_path, mode={"delay": 0.1}).start()
    env = env_for(stub.url)
    cmd = [*WSR, "--db", url, "--now", NOW, "scheduler", "--interval", "0.01", "--lease", "1",
           "--limit", "40"]  # fmt: skip
    in_flight: list[tuple[float, set[str]]] = []  # (wall time of the kill, ids in sending)
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        for i in range(KILLS):
            if rng.random() < 0.25:  # now and then an answer lost after the stub accepted
                stub.post("/_stub/script", [{"drop": True, "delay": 0.1}])
            left = notice_states(url).get("pending", 0)
            if i == KILLS - 1 and left < 400:  # the last kill must catch sends in flight
                load_notices(url, aid, 1000, decided_at=parse_now(NOW), start=loaded)
                loaded, left = loaded + 1000, left + 1000
            with (logs / f"{i:03d}.log").open("w") as log:
                before = stub.get("/_stub/stats")["requests"]
                proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=log,
                                        stderr=subprocess.STDOUT)  # fmt: skip
                if left and (rng.random() < 0.8 or i == KILLS - 1):
                    # mostly while it sends: once its first request is in, a random moment on
                    deadline = time.monotonic() + 30
                    while stub.get("/_stub/stats")["requests"] == before:
                        assert proc.poll() is None, (logs / f"{i:03d}.log").read_text()
                        assert time.monotonic() < deadline, "the scheduler never sent"
                        time.sleep(0.03)
                    time.sleep(rng.uniform(0.0, 0.8))
                else:  # and sometimes anywhere: starting up, sweeping, idle
                    time.sleep(rng.uniform(0.0, 4.0))
                proc.kill()  # SIGKILL: no clean-up of any kind
                killed_at = time.time()
                proc.wait(30)
            in_flight.append((killed_at, sending_ids(url)))
        time.sleep(1.2)  # the last leases run out
        finals = []
        for _ in range(6):  # a restart after the last kill finishes the work
            done = wsr("--db", url, "--now", NOW, "scheduler", "--once", "--lease", "1",
                       env=env, cwd=tmp_path)  # fmt: skip
            assert done.returncode == 0, done.stderr
            finals.append(done.stdout)
            if set(notice_states(url)) == {"sent"}:
                break
            time.sleep(1.2)
        figures = _check_exactly_once(url, stub)
        accepted_at = {a["notice_id"]: a["accepted_at"] for a in stub.accepted()}
    finally:
        stub.stop()
    # the restart after the last kill reports the notices that kill left in flight
    reconciled = _numbers(finals[0], "reconciled")
    assert reconciled == len(in_flight[-1][1]) > 0, (finals[0], len(in_flight[-1][1]))
    # each notice in flight at a kill: the stub had it already (reconciled as sent) or not
    # (reconciled, then sent once); either way exactly once, as checked above
    had = sum(1 for t, ids in in_flight for nid in ids if accepted_at[nid] <= t)
    total = sum(len(ids) for _, ids in in_flight)
    status = json.loads(wsr("--db", url, "scheduler", "status", "--json", env=env_for(),
                            cwd=tmp_path).stdout)  # fmt: skip
    dead = sum(1 for r in status if r["state"] == "dead")
    print(
        f"\ncrash test (seed {seed}): {KILLS} kills, {total} notices in flight at "
        f"{sum(1 for _, ids in in_flight if ids)} of them ({had} already accepted by the stub: "
        f"reconciled as sent; {total - had} not: reconciled and sent once); the restart after "
        f"the last kill reported {reconciled} reconciled; {figures['sent']} notices sent, each "
        f"exactly once; {dead} heartbeats left 'dead'"
    )
    assert KILLS >= 50 or os.environ.get("WSR_FAULT_KILLS")
    assert total > 0, "no kill caught a send in flight"
    # every kill after its heartbeat row was written leaves a dead process in the status
    assert dead >= KILLS // 2, f"{dead} dead heartbeats"


@pytest.mark.postgres
def test_three_schedulers_on_one_postgresql_send_each_notice_once(tmp_path, pg_database_url):
    from obligations._db import make_engine

    engine = make_engine(pg_database_url)
    empty_tables(engine)
    engine.dispose()
    aid = tracked(tmp_path, pg_database_url)
    load_notices(pg_database_url, aid, 3000, decided_at=parse_now(NOW))
    stub = StubProcess(tmp_path, mode={"delay": 0.03}).start()
    env = env_for(stub.url)
    cmd = [*WSR, "--db", pg_database_url, "--now", NOW, "scheduler", "--interval", "0.02",
           "--sweeps", "3", "--limit", "50"]  # fmt: skip
    try:
        procs = [
            subprocess.Popen(
                cmd,
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=240)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outs
        figures = _check_exactly_once(pg_database_url, stub)
    finally:
        stub.stop()
    per_process = [_numbers(out, "sent") for out in outs]
    print(f"\nconcurrency: {figures['sent']} sent, by process {per_process}, no duplicates")
    assert sum(per_process) == figures["sent"]  # each notice sent by exactly one process
    assert sum(1 for n in per_process if n) >= 2, "one process did all the work"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_outage_is_ridden_out_with_visible_backoff(tmp_path):
    url = f"sqlite:///{tmp_path / 'wsr.db'}"
    aid = tracked(tmp_path, url)
    ids = load_notices(url, aid, 300, decided_at=parse_now(NOW))
    port = _free_port()
    env = env_for(f"http://127.0.0.1:{port}")
    t0 = parse_now(NOW)
    waits: list[set[tuple[int, float]]] = []  # per sweep: (attempts, seconds to the retry)
    requests: list[int] = []

    def sweep(k: int) -> dict:
        at = (t0 + timedelta(hours=k)).isoformat()
        done = wsr("--db", url, "--now", at, "sweep", "--json", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)["notices"]
        requests.append(report["http_requests"])
        waits.append(
            {
                (r["attempts"], (parse_now(r["next_attempt_at"]) - parse_now(at)).total_seconds())
                for r in report["retries"]
            }
        )
        return report

    down = [sweep(k) for k in range(3)]  # connection refused
    assert all(r["sent"] == 0 and r["retried"] >= 300 for r in down)
    stub = StubProcess(tmp_path, port=port, mode={"status": 503}).start()
    try:
        failing = [sweep(k) for k in range(3, 5)]  # up, but 503
        assert all(r["sent"] == 0 and r["retried"] >= 300 for r in failing)
        assert stub.get("/_stub/stats")["by_status"].get("503", 0) >= 2
        stub.post("/_stub/mode", {})  # back
        back = sweep(5)
        figures = _check_exactly_once(url, stub)
    finally:
        stub.stop()
    print(f"\noutage: waits before each retry {waits} s, requests per sweep {requests}, "
          f"{figures['sent']} sent after the return")  # fmt: skip
    assert back["sent"] >= len(ids) and back["retried"] == back["failed"] == 0
    assert set(ids) <= set(sent_rows(url))
    # the backoff doubles with each attempt, and the report shows it: 1, 2, 4, 8, 16 minutes
    assert waits[:5] == [{(k + 1, 60.0 * 2**k)} for k in range(5)], waits
    assert waits[5] == set()
    assert all(n >= 2 for n in requests)  # tried each time: one request per template+language
