"""`wsr determination` (one monitor decision, every buyer's agreement) and `wsr terminate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command

from obligations._db import alembic_config, head_revision, make_engine
from tests.obligations.factories import agreement, cutoff_section, premium_section
from wsr.cli import main

T0 = "2026-01-05T12:00:00-05:00"
T_SUSPENDED = "2026-03-02T12:00:00-05:00"
T_LATER = "2026-04-20T09:00:00-04:00"


def run(capsys, db: str, *args: str, now: str = T0) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'wsr.db'}"


@pytest.fixture
def two_buyers(capsys, db, tmp_path) -> tuple[str, str]:
    """Two buyers' agreements covering GROWER-G, cut-offs of 7 and 14 days, both tracked."""
    ids = []
    for title, days in (("Buyer One", 7), ("Buyer Two", 14)):
        agr = agreement(premium_section(), cutoff_section(cutoff_days=days), title=title)
        path: Path = tmp_path / f"{agr.id}.json"
        path.write_text(agr.to_json())
        code, out, err = run(capsys, db, "track", str(path), "--signed-on", "2026-01-05")
        assert code == 0, err
        ids.append(out.strip())
    return ids[0], ids[1]


def test_one_determination_reaches_both_buyers(capsys, db, two_buyers):
    one, two = two_buyers
    args = ["determination", "supplier_suspended", "--supplier", "GROWER-G"]
    code, out, err = run(
        capsys, db, *args, "--on", "2026-03-02", "--set", "reason=CAP overdue", now=T_SUSPENDED
    )
    assert code == 0, err
    lines = out.splitlines()
    for agreement_id, due in ((one, "2026-03-09"), (two, "2026-03-16")):
        assert any(
            line.startswith(f"{agreement_id}: recorded ev-")
            and "supplier_suspended for GROWER-G on 2026-03-02" in line
            for line in lines
        )
        [created] = [
            line
            for line in lines
            if line.startswith("  created")
            and "sourcing_cutoff.cease_purchases" in line
            and due in line
        ]
        assert "GROWER-G" in created
    # both cut-offs in the listing, one per agreement
    code, out, _ = run(capsys, db, "obligations", "--json", now=T_SUSPENDED)
    cuts = [o for o in json.loads(out) if o["spec_id"] == "sourcing_cutoff.cease_purchases"]
    assert sorted((o["agreement_id"], o["due"]) for o in cuts) == sorted(
        [(one, "2026-03-09"), (two, "2026-03-16")]
    )

    code, out, err = run(
        capsys,
        db,
        "determination",
        "supplier_reinstated",
        "--supplier",
        "GROWER-G",
        "--on",
        "2026-04-14",
        "--json",
        now=T_LATER,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["type"] == "supplier_reinstated" and doc["skipped"] == []
    assert sorted(a["agreement_id"] for a in doc["agreements"]) == sorted([one, two])
    for a in doc["agreements"]:
        [changed] = a["changed"]
        assert changed["spec_id"] == "sourcing_cutoff.cease_purchases"
        assert changed["state"] == "fulfilled"


def test_determination_errors_exit_2_and_write_nothing(capsys, db, two_buyers):
    code, out, err = run(
        capsys,
        db,
        "determination",
        "supplier_suspended",
        "--supplier",
        "GROWER-NOPE",
        "--on",
        "2026-03-02",
        now=T_SUSPENDED,
    )
    assert code == 2 and out == ""
    assert err.strip() == (
        "--supplier: no tracked agreement covers supplier 'GROWER-NOPE'; nothing was recorded"
    )
    code, _, err = run(
        capsys,
        db,
        "determination",
        "supplier_suspended",
        "--supplier",
        "GROWER-G",
        "--on",
        "2026-05-01",
        now=T_LATER,
    )
    assert code == 2
    assert err.strip() == (
        "--on: 2026-05-01 is after now (2026-04-20 09:00 -04:00); "
        "record events once they have happened"
    )
    code, out, _ = run(capsys, db, "obligations", "--json", now=T_LATER)
    assert [o for o in json.loads(out) if o["spec_id"].startswith("sourcing_cutoff")] == []


def test_terminate_then_events_after_it_are_refused(capsys, db, two_buyers):
    one, two = two_buyers
    code, out, err = run(
        capsys,
        db,
        "terminate",
        two,
        "--on",
        "2026-02-20",
        "--reason",
        "buyer left the programme",
        now=T_SUSPENDED,
    )
    assert code == 0, err
    assert out.splitlines()[0] == f"{two}: terminated on 2026-02-20: buyer left the programme"
    code, out, _ = run(capsys, db, "agreements", "--json", now=T_SUSPENDED)
    status = {a["id"]: a["status"] for a in json.loads(out)}
    assert status == {one: "active", two: "terminated"}
    ended = {a["id"]: (a["terminated_on"], a["termination_reason"]) for a in json.loads(out)}
    assert ended == {one: (None, ""), two: ("2026-02-20", "buyer left the programme")}

    code, _, err = run(
        capsys,
        db,
        "event",
        two,
        "purchase_recorded",
        "--on",
        "2026-03-01",
        "--set",
        "supplier=GROWER-G",
        "--set",
        "quantity=5",
        "--set",
        "unit=lb",
        now=T_SUSPENDED,
    )
    assert code == 2
    assert err.strip() == (
        f"--on: agreement {two} was terminated on 2026-02-20; "
        "events after that date cannot be recorded"
    )
    # the determination passes the terminated agreement by, and says so
    code, out, err = run(
        capsys,
        db,
        "determination",
        "supplier_suspended",
        "--supplier",
        "GROWER-G",
        "--on",
        "2026-03-02",
        now=T_SUSPENDED,
    )
    assert code == 0, err
    assert f"{two}: not recorded (agreement {two} was terminated on 2026-02-20)" in out
    assert f"{one}: recorded ev-" in out

    code, _, err = run(
        capsys, db, "terminate", two, "--on", "2026-02-21", "--reason", "x", now=T_SUSPENDED
    )
    assert code == 2 and "was terminated on 2026-02-20; nothing changed" in err
    code, _, err = run(
        capsys, db, "terminate", one, "--on", "2026-02-21", "--reason", " ", now=T_SUSPENDED
    )
    assert code == 2 and err.startswith("--reason:")


def _downgrade(url: str, revision: str) -> None:
    """Take the database back to ``revision`` (what an older engine would have left)."""
    engine = make_engine(url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def test_a_termination_recorded_before_0002_survives_the_upgrade(capsys, db, two_buyers):
    """Terminated under revision 0001 (the date only in the audit log): after `wsr db upgrade`
    the agreement carries that date and the engine treats it exactly as before."""
    one, two = two_buyers
    args = ["terminate", two, "--on", "2026-02-20", "--reason", "buyer left the programme"]
    assert run(capsys, db, *args, now=T_SUSPENDED)[0] == 0
    _downgrade(db, "0001")  # drops the columns; the audit entry keeps date and reason

    code, _, err = run(capsys, db, "agreements", "--json", now=T_SUSPENDED)
    assert code != 0 and f"is at revision 0001 but this engine needs {head_revision()}" in err
    code, out, err = run(capsys, db, "db", "upgrade")
    assert code == 0, err
    assert out.strip() == f"database at revision {head_revision()}"

    code, out, _ = run(capsys, db, "agreements", "--json", now=T_SUSPENDED)
    ended = {a["id"]: (a["status"], a["terminated_on"]) for a in json.loads(out)}
    assert ended == {one: ("active", None), two: ("terminated", "2026-02-20")}
    event = ["event", two, "purchase_recorded", "--on", "2026-03-01"]
    event += ["--set", "supplier=GROWER-G", "--set", "quantity=5", "--set", "unit=lb"]
    code, _, err = run(capsys, db, *event, now=T_SUSPENDED)
    assert code == 2
    assert err.strip() == (
        f"--on: agreement {two} was terminated on 2026-02-20; "
        "events after that date cannot be recorded"
    )
