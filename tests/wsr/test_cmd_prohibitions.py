"""A prohibition in the command-line listings: its ``due`` is when it takes effect, not a
deadline (issue 7 §2), so the table and the one-line output say "in force from … until …" as
the console's obligation page does, and the JSON adds ``kind`` and ``in_force`` beside the
unchanged ``due`` (keys are only ever added to the CLI contract). Through ``wsr.cli.main`` on a
real SQLite file and, when WSR_TEST_POSTGRES_URL is set, a real PostgreSQL database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsr.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
T0 = "2026-01-05T12:00:00-05:00"
T_MARCH = "2026-03-13T09:00:00-05:00"
WATCH = "non_retaliation.no_retaliation"
CUTOFF = "sourcing_cutoff.cease_purchases"
COMPLAINT = ("complaint_filed", "--set", "supplier=GROWER-A", "--set", "category=wages")
SUSPENSION = ("supplier_suspended", "--set", "supplier=GROWER-B", "--set", "reason=audit")


def run(capsys, db: str, *args: str, now: str = T_MARCH) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> Path:
    """The shipped Fair Food example (sourcing cut-off and a 12-month retaliation watch)."""
    out = tmp_path_factory.mktemp("draft") / "out"
    with pytest.raises(SystemExit) as e:
        main(["draft", str(EXAMPLE), "--out", str(out), "--format", "md"])
    assert e.value.code == 0
    (rec,) = out.glob("agr-*.json")
    return rec


@pytest.fixture
def tracked(capsys, any_db, record) -> tuple[str, str, str]:
    """(db, agreement id, what `wsr event complaint_filed` printed)."""
    code, out, err = run(capsys, any_db, "track", str(record), "--signed-on", "2026-01-05", now=T0)
    assert code == 0, err
    aid = out.strip()
    code, _, err = run(capsys, any_db, "event", aid, *SUSPENSION[:1], "--on", "2026-03-02",
                       *SUSPENSION[1:])  # fmt: skip
    assert code == 0, err
    code, printed, err = run(capsys, any_db, "event", aid, COMPLAINT[0], "--on", "2026-03-10",
                             *COMPLAINT[1:])  # fmt: skip
    assert code == 0, err
    return any_db, aid, printed


def _json(capsys, db: str, *extra: str) -> list[dict]:
    code, out, err = run(capsys, db, "obligations", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def _one(views: list[dict], spec_id: str) -> dict:
    (found,) = [v for v in views if v["spec_id"] == spec_id]
    return found


def _row(table: str, ob_id: str) -> str:
    (line,) = [line for line in table.splitlines() if ob_id in line]
    return line


def _check_json(views: list[dict]) -> None:
    watch, cut = _one(views, WATCH), _one(views, CUTOFF)
    # the old keys keep their meaning: due is the day it takes effect
    assert (watch["due"], watch["period_end"]) == ("2026-03-10", "2027-03-10")
    assert watch["kind"] == "prohibition"
    assert watch["in_force"] == {"from": "2026-03-10", "until": "2027-03-10"}
    # the cut-off runs until the Monitor reinstates the supplier: no last day
    assert (cut["kind"], cut["due"]) == ("prohibition", "2026-03-09")
    assert cut["in_force"] == {"from": "2026-03-09", "until": None}
    others = [v for v in views if v["spec_id"] not in (WATCH, CUTOFF)]
    assert others and all(v["in_force"] is None for v in others)
    assert all(v["kind"] in ("payment", "action", "report", "maintenance") for v in others)


def test_json_adds_kind_and_the_in_force_window(capsys, tracked):
    db, aid, _ = tracked
    unswept = _json(capsys, db, "--agreement", aid)  # the service's row views
    _check_json(unswept)
    code, _, err = run(capsys, db, "sweep")
    assert code == 0, err
    swept = _json(capsys, db, "--agreement", aid)  # the start-up fast path on a swept store
    _check_json(swept)
    assert swept == unswept


def test_table_says_in_force_from_until_instead_of_a_due_date(capsys, tracked):
    db, aid, _ = tracked
    listed = _json(capsys, db, "--agreement", aid)
    views = {v["id"]: v for v in listed}
    code, table, err = run(capsys, db, "obligations", "--agreement", aid)
    assert code == 0, err
    watch = _row(table, _one(listed, WATCH)["id"])
    assert "in force from 2026-03-10 until 2027-03-10" in watch
    cut = _row(table, _one(listed, CUTOFF)["id"])
    assert "in force from 2026-03-09" in cut and "until" not in cut
    deadlines = [v for v in views.values() if v["kind"] != "prohibition"]
    assert deadlines
    for view in deadlines:
        row = _row(table, view["id"])
        assert "in force" not in row and view["due"] in row


def test_the_event_line_says_in_force_for_the_watch_it_created(capsys, tracked):
    _, _, printed = tracked
    (line,) = [x for x in printed.splitlines() if x.startswith("created") and WATCH in x]
    assert "in force from 2026-03-10 until 2027-03-10" in line
    assert "due 2026-03-10" not in line


def test_whatif_table_lines_and_json_show_the_in_force_window(capsys, tracked):
    db, aid, _ = tracked
    events = ("--event", COMPLAINT[0], "--on", "2026-03-11", *COMPLAINT[1:])
    code, out, err = run(capsys, db, "whatif", aid, *events)
    assert code == 0, err
    (created,) = [x for x in out.splitlines() if x.startswith("created") and WATCH in x]
    assert "in force from 2026-03-11 until 2027-03-11" in created
    code, out, err = run(capsys, db, "whatif", aid, *events, "--json")
    assert code == 0, err
    doc = json.loads(out)
    new = _one(doc["differences"]["created"], WATCH)
    assert (new["spec_id"], new["kind"], new["due"]) == (WATCH, "prohibition", "2026-03-11")
    assert new["in_force"] == {"from": "2026-03-11", "until": "2027-03-11"}
    listed = [o for o in doc["obligations"] if o["spec_id"] == WATCH]
    assert sorted(o["in_force"]["from"] for o in listed) == ["2026-03-10", "2026-03-11"]
    _check_json(
        [o for o in doc["obligations"] if o["id"] != new["id"]],
    )
