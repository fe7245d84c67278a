"""What the library declares, seen from the command line: a KPI cannot be confirmed in breach,
and the powers a confirmed breach makes available are tracked until a person exercises them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.wsr.test_cmd_obligations import ANSWERS, run


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> Path:
    from wsr.cli import main

    tmp = tmp_path_factory.mktemp("draft")
    answers = tmp / "answers.yaml"
    answers.write_text(ANSWERS)
    with pytest.raises(SystemExit) as e:
        main(["draft", str(answers), "--out", str(tmp / "out"), "--format", "md"])
    assert e.value.code == 0
    (rec,) = (tmp / "out").glob("agr-*.json")
    return rec


def _tracked(capsys, db: str, record: Path) -> str:
    code, out, err = run(capsys, db, "track", str(record), "--signed-on", "2026-01-05")
    assert code == 0, err
    return json.loads(record.read_text())["id"]


def _obligations(capsys, db: str, aid: str, now: str) -> list[dict]:
    code, out, err = run(capsys, db, "obligations", "--agreement", aid, "--json", now=now)
    assert code == 0, err
    return json.loads(out)


def test_breach_confirm_on_a_kpi_exits_2_naming_it(capsys, tmp_path, record):
    db = f"sqlite:///{tmp_path / 'wsr.db'}"
    aid = _tracked(capsys, db, record)
    now = "2026-04-06T12:00:00-04:00"
    code, _, err = run(
        capsys,
        db,
        "event",
        aid,
        "complaint_filed",
        "--on",
        "2026-04-06",
        "--set",
        "supplier=GROWER-G",
        "--set",
        "category=harassment",
        now=now,
    )
    assert code == 0, err
    later = "2026-05-04T12:00:00-04:00"
    [kpi] = [
        o
        for o in _obligations(capsys, db, aid, later)
        if o["spec_id"] == "complaint_mechanism.resolution_kpi"
    ]
    code, out, err = run(
        capsys,
        db,
        "breach",
        "confirm",
        kpi["id"],
        "--on",
        "2026-05-04",
        "--reason",
        "late",
        now=later,
    )
    assert code == 2
    assert f"{kpi['id']}: {kpi['id']} (complaint_mechanism.resolution_kpi) is a KPI" in err
    assert "never a breach" in err and "Traceback" not in err
    [after] = [o for o in _obligations(capsys, db, aid, later) if o["id"] == kpi["id"]]
    assert after["state"] == "in_effect" and "breach_suspected" not in after["flags"]


def test_a_power_is_listed_and_exercised_from_the_command_line(capsys, tmp_path, record):
    db = f"sqlite:///{tmp_path / 'wsr.db'}"
    aid = _tracked(capsys, db, record)
    now = "2026-03-13T09:00:00-05:00"
    for args in (
        ("supplier_suspended", "--on", "2026-03-02", "--set", "supplier=GROWER-H"),
        (
            "purchase_recorded",
            "--on",
            "2026-03-12",
            "--set",
            "supplier=GROWER-H",
            "--set",
            "quantity=500",
            "--set",
            "unit=lb",
        ),
    ):
        code, _, err = run(capsys, db, "event", aid, *args, now=now)
        assert code == 0, err
    [cut] = [
        o
        for o in _obligations(capsys, db, aid, now)
        if o["spec_id"] == "sourcing_cutoff.cease_purchases"
    ]
    assert cut["powers"] == []
    code, _, err = run(
        capsys,
        db,
        "breach",
        "confirm",
        cut["id"],
        "--on",
        "2026-03-13",
        "--reason",
        "bought",
        now=now,
    )
    assert code == 0, err
    [cut] = [o for o in _obligations(capsys, db, aid, now) if o["id"] == cut["id"]]
    [power] = cut["powers"]
    assert power["state"] == "available" and power["action"] == "arbitrate"
    code, out, err = run(
        capsys,
        db,
        "power",
        "exercise",
        power["id"],
        "--on",
        "2026-03-13",
        "--reason",
        "referred to arbitration",
        "--json",
        now=now,
    )
    assert code == 0, err
    [power] = json.loads(out)["powers"]
    assert power["state"] == "exercised" and power["reason"] == "referred to arbitration"
    code, _, err = run(
        capsys,
        db,
        "power",
        "exercise",
        power["id"],
        "--on",
        "2026-03-13",
        "--reason",
        "again",
        now=now,
    )
    assert code == 2 and "already exercised on 2026-03-13" in err


def test_a_record_drafted_before_the_declared_semantics_is_refused_clearly(
    capsys, tmp_path, record
):
    body = json.loads(record.read_text())
    body["schema_version"] = 1
    old = tmp_path / "old.json"
    old.write_text(json.dumps(body))
    db = f"sqlite:///{tmp_path / 'wsr.db'}"
    code, _, err = run(capsys, db, "track", str(old), "--signed-on", "2026-01-05")
    assert code == 2 and "Traceback" not in err
    assert "old.json: " in err and "schema_version 1" in err and "`wsr draft`" in err


def test_the_library_browser_shows_what_each_spec_declares(capsys):
    from wsr.cli import main

    with pytest.raises(SystemExit) as e:
        main(["library", "non_retaliation"])
    out = capsys.readouterr().out
    assert e.value.code == 0
    assert "    in force until: event + 0 days, watch_months months" in out
    assert "    breach suspected on: retaliation_found (subject, same complainant_ref)" in out
    assert (
        "    ends on its last day passing: fulfilled (if a breach is suspected: discharged" in out
    )
    with pytest.raises(SystemExit):
        main(["library", "complaint_mechanism"])
    assert (
        "    KPI: a missed target is flagged kpi_missed, never a breach" in capsys.readouterr().out
    )
