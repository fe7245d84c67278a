"""`wsr sweep` with notices, `wsr notices` and `wsr follow`, through ``wsr.cli.main`` on a real
SQLite file and the outbox folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsr.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
T0 = "2026-01-05T12:00:00-05:00"
REMIND = "2026-01-28T09:00:00-05:00"  # seven days before the Code duties of 4 February


def run(capsys, db: str, *args: str, now: str = T0) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.fixture
def tracked(capsys, tmp_path, monkeypatch) -> tuple[str, str, Path]:
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("WSR_OUTBOX", str(outbox))
    with pytest.raises(SystemExit) as e:
        main(["draft", str(EXAMPLE), "--out", str(tmp_path / "out"), "--format", "md"])
    assert e.value.code == 0
    capsys.readouterr()
    (rec,) = (tmp_path / "out").glob("agr-*.json")
    db = f"sqlite:///{tmp_path / 'wsr.db'}"
    code, out, err = run(capsys, db, "track", str(rec), "--signed-on", "2026-01-05")
    assert code == 0, err
    return db, out.strip(), outbox


def test_sweep_json_keeps_its_keys_and_reports_the_notices(capsys, tracked):
    db, aid, outbox = tracked
    code, out, err = run(capsys, db, "follow", aid, "staff@council.example", "--language", "es")
    assert (code, out.strip()) == (0, f"staff@council.example follows {aid}"), err
    code, out, err = run(capsys, db, "sweep", "--json", now=REMIND)
    assert code == 0, err
    doc = json.loads(out)
    assert {"now", "changed_anything", "counts", "agreements", "created", "changed"} <= set(doc)
    n = doc["notices"]
    assert n["decided"] > 0 and n["sent"] == n["decided"]
    assert (n["retried"], n["failed"], n["reconciled"], n["http_requests"]) == (0, 0, 0, 0)
    assert len(list(outbox.glob("*.eml"))) == n["sent"]

    code, out, err = run(capsys, db, "sweep", "--json", now=REMIND)
    assert code == 0 and json.loads(out)["notices"]["decided"] == 0  # nothing new

    code, out, err = run(capsys, db, "notices", "--agreement", aid, "--json", now=REMIND)
    listed = json.loads(out)
    assert len(listed) == n["decided"]
    assert {"state", "recipient", "step", "sha256", "provider_message_id"} <= set(listed[0])
    assert {r["state"] for r in listed} == {"sent"}
    assert {r["language"] for r in listed if r["recipient"] == "staff@council.example"} == {"es"}
    one = listed[0]["obligation_id"]
    code, out, err = run(capsys, db, "notices", "--obligation", one, now=REMIND)
    assert code == 0 and out.strip() and all("sent" in line for line in out.splitlines())


def test_sweep_text_says_where_the_notices_went(capsys, tracked):
    db, _, outbox = tracked
    code, out, err = run(capsys, db, "sweep", now=REMIND)
    assert code == 0, err
    assert "notices: " in out and " decided, " in out
    assert f"outbox: {outbox}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email"], "EMAIL: not an e-mail address"),
        (["a@b.example", "--language", "fr"], "--language: 'fr' is not a notice language"),
    ],
)
def test_follow_refuses_bad_input_naming_the_field(capsys, tracked, args, message):
    db, aid, _ = tracked
    code, out, err = run(capsys, db, "follow", aid, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_follow_and_notices_name_an_unknown_agreement(capsys, tracked):
    db, _, _ = tracked
    code, _, err = run(capsys, db, "follow", "agr-nope", "a@b.example")
    assert code == 2 and "agr-nope" in err
    code, _, err = run(capsys, db, "notices", "--agreement", "agr-nope")
    assert code == 2 and "agr-nope" in err
