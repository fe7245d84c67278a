"""Real processes for the service and fault tests: `wsr` commands, the stub as its own process,
and a store with an executed agreement plus as many pending notices as a test needs."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from obligations._db import make_engine
from obligations.stores._sqltables import notices
from scheduler import message_sha256
from tests.scheduler.sendgrid_stub import KEY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fair-food-produce.yaml"
STUB = Path(__file__).resolve().parent / "sendgrid_stub.py"
WSR = [str(Path(sys.executable).parent / "wsr")]  # the console script, as users run it
SIGNED = "2026-01-05T12:00:00-05:00"
#: a business time at which the example agreement has its first reminders due
NOW = "2026-02-01T12:00:00+00:00"


def env_for(stub_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WSR_", "SENDGRID_"))}
    env["PYTHONPATH"] = str(ROOT)
    if stub_url is not None:
        env["SENDGRID_API_KEY"] = KEY
        env["WSR_SENDGRID_HOST"] = stub_url
        env["WSR_SENDGRID_TIMEOUT"] = "5"
    env.update(extra)
    return env


def wsr(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WSR, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def tracked(tmp: Path, db_url: str) -> str:
    """The example agreement drafted and tracked (signed 2026-01-05); its id."""
    env = env_for()
    out = tmp / "draft"
    done = wsr("draft", str(EXAMPLE), "--out", str(out), "--format", "md", env=env, cwd=tmp)
    assert done.returncode == 0, done.stderr
    (record,) = out.glob("agr-*.json")
    done = wsr("--db", db_url, "--now", SIGNED, "track", str(record), "--signed-on", "2026-01-05",
               env=env, cwd=tmp)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return record.stem


def load_notices(
    db_url: str, agreement_id: str, n: int, *, decided_at: datetime, start: int = 0
) -> list[str]:
    """``n`` pending notices as the sweep records them (rendered, hashed), half in Spanish."""
    rows = []
    for i in range(start, start + n):
        lang = "es" if i % 2 else "en"
        to = f"load{i}@example.org"
        subject = f"Recordatorio {i}" if lang == "es" else f"Reminder {i}"
        text = f"Notice {i}: the obligation load-{i} is due on 2026-02-15."
        html = f"<p>{text}</p>"
        rows.append(
            {
                "id": hashlib.sha1(f"load-{i}".encode()).hexdigest(),
                "agreement_id": agreement_id,
                "obligation_id": f"load-{i}",
                "step": "reminder",
                "offset_days": 14,
                "recipient": to,
                "recipient_name": f"Load {i}",
                "recipient_role": "obligor",
                "language": lang,
                "due_on": date(2026, 2, 15),
                "decided_at": decided_at,
                "template": "reminder",
                "subject": subject,
                "body_text": text,
                "body_html": html,
                "sha256": message_sha256(to, subject, text, html),
                "state": "pending",
                "attempts": 0,
            }  # fmt: skip
        )
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(notices), rows)
    finally:
        engine.dispose()
    return [r["id"] for r in rows]


def notice_states(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return dict(
                conn.execute(
                    sa.select(notices.c.state, sa.func.count()).group_by(notices.c.state)
                ).all()
            )
    finally:
        engine.dispose()


def sending_ids(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            q = sa.select(notices.c.id).where(notices.c.state == "sending")
            return set(conn.execute(q).scalars())
    finally:
        engine.dispose()


def sent_rows(db_url: str) -> dict[str, str | None]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return dict(
                conn.execute(
                    sa.select(notices.c.id, notices.c.provider_message_id).where(
                        notices.c.state == "sent"
                    )
                ).all()
            )
    finally:
        engine.dispose()


class StubProcess:
    """The SendGrid stub as a separate process; its accepted messages survive a restart."""

    def __init__(self, tmp: Path, *, port: int = 0, mode: dict[str, Any] | None = None) -> None:
        self.tmp = tmp
        self.record = tmp / "stub-accepted.jsonl"
        self.port = port
        self.mode = mode
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> StubProcess:
        port_file = self.tmp / "stub.port"
        port_file.unlink(missing_ok=True)
        cmd = [sys.executable, str(STUB), "--port", str(self.port), "--record", str(self.record),
               "--port-file", str(port_file)]  # fmt: skip
        if self.mode:
            cmd += ["--mode", json.dumps(self.mode)]
        self.proc = subprocess.Popen(cmd, env=env_for(), stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not port_file.exists():
            assert self.proc.poll() is None, "the stub did not start"
            assert time.monotonic() < deadline, "the stub did not start in 15 s"
            time.sleep(0.02)
        self.port = int(port_file.read_text())
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.loads(resp.read())

    def post(self, path: str, doc: Any) -> Any:
        req = urllib.request.Request(
            self.url + path, data=json.dumps(doc).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def accepted(self) -> list[dict[str, Any]]:
        if not self.record.exists():
            return []
        lines = self.record.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def parse_now(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
