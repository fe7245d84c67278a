"""``wsr users add | token | revoke | list`` and ``wsr serve``, through the real entry point."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from tests.wsr.console.conftest import FAIR_FOOD_BUYER, free_port, settings_for
from wsr.cli import main
from wsr.console import create_app


def run(capsys, monkeypatch, db: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


GOOD = "a long enough passphrase\n"


def test_add_a_user_then_sign_in_with_a_token(capsys, monkeypatch, seeded, tmp_path):
    db = seeded.db_url
    code, out, err = run(
        capsys,
        monkeypatch,
        db,
        "users",
        "add",
        "Ana@Example.org",
        "--role",
        "counsel",
        "--brand",
        FAIR_FOOD_BUYER,
        "--password-stdin",
        stdin=GOOD,
    )
    assert (code, err) == (0, "")
    assert out == f"added ana@example.org (counsel, {FAIR_FOOD_BUYER})\n"
    code, token, err = run(capsys, monkeypatch, db, "users", "token", "ana@example.org")
    assert code == 0 and token.startswith("wsr_") and token.count("\n") == 1
    assert "revoke: wsr users revoke ana@example.org --token-id" in err
    # the token is stored hashed, never as given
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT token_hash FROM api_tokens"))]
    engine.dispose()
    assert token.strip() not in stored and len(stored) == 1
    app = create_app(settings_for(db, tmp_path), clock=lambda: seeded.now)
    api = TestClient(app, headers={"Authorization": f"Bearer {token.strip()}"})
    listed = api.get("/api/agreements").json()
    assert [a["id"] for a in listed] == [seeded.fair_food]
    code, out, _ = run(capsys, monkeypatch, db, "users", "list")
    assert "ana@example.org\tcounsel\tExample Fresh Markets Inc.\tactive\ttokens: 1" in out
    code, out, _ = run(
        capsys, monkeypatch, db, "users", "revoke", "ana@example.org", "--token-id", "1"
    )
    assert code == 0 and out == "revoked token 1 of ana@example.org\n"
    assert api.get("/api/agreements").status_code == 401
    code, _, err = run(
        capsys, monkeypatch, db, "users", "revoke", "ana@example.org", "--token-id", "1"
    )
    assert (code, err) == (2, "--token-id: token 1 is revoked already\n")
    code, out, _ = run(capsys, monkeypatch, db, "users", "revoke", "ana@example.org")
    assert out == "revoked ana@example.org: 0 token(s), sign-in disabled, sessions ended\n"
    code, _, err = run(capsys, monkeypatch, db, "users", "token", "ana@example.org")
    assert code == 2 and "is revoked" in err
    app.state.console.store.engine.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["x@example.org", "--role", "boss"],
            GOOD,
            "--role: 'boss' is not a role; use one of: admin, monitor, negotiator, counsel",
        ),
        (
            ["not-an-email", "--role", "admin"],
            GOOD,
            "email: 'not-an-email' is not an email address, e.g. ana@example.org",
        ),
        (
            ["x@example.org", "--role", "counsel"],
            GOOD,
            "--brand: counsel speaks for a brand: give the buyer party's name, e.g. --brand NAME",
        ),
        (
            ["x@example.org", "--role", "monitor", "--brand", FAIR_FOOD_BUYER],
            GOOD,
            "--brand: only counsel has a brand, not monitor",
        ),
        (
            ["x@example.org", "--role", "admin"],
            "short\n",
            "password: must be at least 10 characters (a passphrase is best)",
        ),
        (
            ["admin@wsr.example", "--role", "admin"],
            GOOD,
            "email: a user 'admin@wsr.example' exists already (see `wsr users list`)",
        ),
    ],
)
def test_bad_input_is_refused_with_exit_2_and_nothing_written(
    capsys, monkeypatch, seeded, args, stdin, message
):
    code, out, err = run(
        capsys, monkeypatch, seeded.db_url, "users", "add", *args, "--password-stdin", stdin=stdin
    )
    assert (code, out, err) == (2, "", message + "\n")
    _, listed, _ = run(capsys, monkeypatch, seeded.db_url, "users", "list")
    assert "x@example.org" not in listed and "not-an-email" not in listed


def test_a_misspelt_brand_is_refused_unless_declared_new(capsys, monkeypatch, seeded):
    args = ["users", "add", "c@example.org", "--role", "counsel", "--password-stdin"]
    code, _, err = run(
        capsys,
        monkeypatch,
        seeded.db_url,
        *args,
        "--brand",
        "Example Fresh Market Inc",
        stdin=GOOD,
    )
    assert code == 2
    assert err.startswith("--brand: 'Example Fresh Market Inc' is not the buyer party of any")
    assert FAIR_FOOD_BUYER in err and "--new-brand" in err
    code, out, _ = run(
        capsys,
        monkeypatch,
        seeded.db_url,
        *args,
        "--brand",
        "Example Future Brand Ltd",
        "--new-brand",
        stdin=GOOD,
    )
    assert code == 0 and "Example Future Brand Ltd" in out


def test_unknown_user(capsys, monkeypatch, seeded):
    code, _, err = run(capsys, monkeypatch, seeded.db_url, "users", "token", "who@example.org")
    assert code == 2
    assert err == ("email: no user with the id 'who@example.org' was found; see `wsr users list`\n")


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_serve_refuses_a_bad_port(capsys, monkeypatch, console_db, port):
    code, out, err = run(capsys, monkeypatch, console_db, "serve", "--port", port)
    assert code == 2 and out == ""
    assert err == f"--port: {port} is not a TCP port; give 1-65535, e.g. 8000\n"


def test_serve_refuses_a_port_in_use(capsys, monkeypatch, console_db):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run(capsys, monkeypatch, console_db, "serve", "--port", str(port))
    assert code == 2 and out == ""
    assert err.startswith(f"--port: cannot listen on 127.0.0.1:{port}:")


def test_serve_prints_the_address_and_serves(seeded, tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from wsr.cli import main; main()",
            "--db",
            seeded.db_url,
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert (
            line == f"WSR console: http://127.0.0.1:{port}/  (API: /api, OpenAPI: /openapi.json)\n"
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as page:
                    assert page.status == 200 and "Sign in" in page.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
