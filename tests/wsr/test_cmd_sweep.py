"""`wsr sweep`, `wsr whatif`, and reads that never write, through ``wsr.cli.main`` on real
SQLite files (every table compared as a full SQL dump before and after)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from wsr.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
T0 = "2026-01-05T12:00:00-05:00"
T_MARCH = "2026-03-13T09:00:00-05:00"
LATE = "2031-06-01T12:00:00+00:00"


def run(capsys, db: str, *args: str, now: str = T0) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def sql_dump(path: Path) -> str:
    """Every table, schema and rows, as SQL text (byte-comparable)."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> Path:
    """The shipped Fair Food example (auto-renewing, recurring audits), drafted once."""
    out = tmp_path_factory.mktemp("draft") / "out"
    with pytest.raises(SystemExit) as e:
        main(["draft", str(EXAMPLE), "--out", str(out), "--format", "md"])
    assert e.value.code == 0
    (rec,) = out.glob("agr-*.json")
    return rec


@pytest.fixture
def tracked(capsys, tmp_path, record) -> tuple[str, Path, str]:
    path = tmp_path / "wsr.db"
    db = f"sqlite:///{path}"
    code, out, err = run(capsys, db, "track", str(record), "--signed-on", "2026-01-05")
    assert code == 0, err
    return db, path, out.strip()


def test_the_reproduction_a_future_listing_writes_nothing(capsys, tracked):
    """Issue 7: `wsr obligations --now 2031-06-01` on a fresh database extended the term,
    added 62 instances and wrote an audit entry dated 2031. Now it only shows them."""
    db, path, aid = tracked
    before = sql_dump(path)
    code, listed, _ = run(capsys, db, "obligations", "--json", now=LATE)
    assert code == 0
    for args in (
        ("obligations",),
        ("obligations", "--overdue", "--json"),
        ("obligations", "--due-within", "30", "--json"),
        ("obligations", "--agreement", aid),
        ("agreements", "--json"),
        ("calendar",),
        ("whatif", aid),
        ("audit", "verify"),
    ):
        code, _, err = run(capsys, db, *args, now=LATE)
        assert code == 0, (args, err)
    assert sql_dump(path) == before
    code, out, _ = run(capsys, db, "agreements", "--json", now=LATE)
    [agreement] = json.loads(out)
    assert agreement["term_end"] == "2032-01-04"  # shown renewed, not stored

    # the sweep stores exactly what the listing showed
    code, out, err = run(capsys, db, "sweep", "--json", now=LATE)
    assert code == 0, err
    swept = json.loads(out)
    assert swept["changed_anything"] is True
    assert swept["counts"]["obligations_created"] == 62
    assert swept["agreements"] == [
        {
            "agreement_id": aid,
            "status": {"before": "active", "after": "active"},
            "term_end": {"before": "2029-01-04", "after": "2032-01-04"},
        }
    ]
    code, after, _ = run(capsys, db, "obligations", "--json", now=LATE)
    assert json.loads(after) == json.loads(listed)
    # and a second sweep at the same now changes nothing, and says so
    dumped = sql_dump(path)
    code, out, _ = run(capsys, db, "sweep", now=LATE)
    assert code == 0 and "nothing to change (1 agreements checked)" in out
    assert sql_dump(path) == dumped


def test_a_write_dated_before_the_log_is_refused(capsys, tracked):
    db, path, aid = tracked
    code, _, err = run(capsys, db, "sweep", now=LATE)
    assert code == 0, err
    before = sql_dump(path)
    code, _, err = run(
        capsys,
        db,
        "event",
        aid,
        "complaint_filed",
        "--on",
        "2026-03-01",
        "--set",
        "supplier=GROWER-A",
        "--set",
        "category=wages",
        now=T_MARCH,
    )
    assert code == 2
    assert err.startswith("--now: 2026-03-13T09:00:00-05:00 is before the newest audit entry")
    assert "the log already has entries up to 2031-06-01T12:00:00+00:00" in err
    code, _, err = run(capsys, db, "sweep", now="2030-01-01T00:00:00Z")
    assert code == 2 and err.startswith("--now: ")
    assert sql_dump(path) == before


def test_whatif_shows_the_differences_and_writes_nothing(capsys, tracked):
    db, path, aid = tracked
    before = sql_dump(path)
    events = [
        "--event",
        "supplier_suspended",
        "--on",
        "2026-03-02",
        "--set",
        "supplier=GROWER-A",
        "--event",
        "purchase_recorded",
        "--on=2026-03-12",
        "--set",
        "supplier=GROWER-A",
        "--set",
        "quantity=2000",
        "--set",
        "unit=lb",
    ]
    code, out, err = run(capsys, db, "whatif", aid, "--json", *events, now=T_MARCH)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["agreement_id"] == aid and doc["now"] == T_MARCH
    assert [e["type"] for e in doc["events"]] == ["supplier_suspended", "purchase_recorded"]
    created = {o["spec_id"]: o for o in doc["differences"]["created"]}
    cut = created["sourcing_cutoff.cease_purchases"]
    assert cut["subject"] == "GROWER-A" and cut["flags"] == ["breach_suspected"]
    # each obligation in the result has the `wsr obligations --json` shape
    code, listed, _ = run(capsys, db, "obligations", "--json", "--agreement", aid, now=T_MARCH)
    assert {tuple(sorted(o)) for o in doc["obligations"]} == {
        tuple(sorted(o)) for o in json.loads(listed)
    }
    code, text, _ = run(capsys, db, "whatif", aid, *events, now=T_MARCH)
    assert code == 0
    assert "if supplier_suspended on 2026-03-02" in text
    assert "created  " in text and "breach_suspected" in text
    assert sql_dump(path) == before


def test_whatif_bad_input_is_reported_like_wsr_event(capsys, tracked):
    db, path, aid = tracked
    before = sql_dump(path)
    bad = ["--on", "2026-03-12", "--set", "supplier=NOBODY", "--set", "quantity=x"]
    code, _, as_event = run(capsys, db, "event", aid, "purchase_recorded", *bad, now=T_MARCH)
    assert code == 2
    code, _, as_whatif = run(
        capsys, db, "whatif", aid, "--event", "purchase_recorded", *bad, now=T_MARCH
    )
    assert code == 2 and as_whatif == as_event
    assert as_whatif.startswith("--set supplier: ")
    for args, message in (
        (["--on", "2026-03-12"], "--on: comes before any --event"),
        (["--event", "complaint_filed"], "--event 1 (complaint_filed): needs exactly one --on"),
        (["--event", "complaint_filed", "--on", "2026-03-01", "--set", "x"], "--set: "),
        (["--bogus"], "--bogus: not an option of wsr whatif"),
    ):
        code, _, err = run(capsys, db, "whatif", aid, *args, now=T_MARCH)
        assert code == 2 and message in err, (args, err)
    assert sql_dump(path) == before
