"""The obligation commands, driven through ``wsr.cli.main`` on a real SQLite file (and on a real
PostgreSQL server for the main flow when WSR_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar

from obligations._db import current_revision, head_revision, make_engine, open_store
from wsr.cli import main

ANSWERS = """\
agreement:
  title: Gulf Coast Tomato Fair Food Agreement
  effective_date: 2026-01-05
  timezone: America/New_York
  currency: USD
  governing_law: State of Florida
parties:
  - {role: buyer, name: Example Grocers LLC, address: "100 Market St, Tampa, FL",
     email: legal@grocers.example, signatory: Pat Lee}
  - {role: worker_organization, name: Example Farmworker Coalition,
     address: "1 Main St, Immokalee, FL", email: office@coalition.example, signatory: Sam Cruz}
  - {role: monitor, name: Example Standards Council, address: "2 Oak Ave, Sarasota, FL",
     email: council@standards.example, signatory: Jo Park}
suppliers:
  - {id: GROWER-G, name: Green Acres Farms, country: US}
  - {id: GROWER-H, name: Harvest Hill Farms, country: US}
clauses:
  premium: {alternative: standard, rate: 0.01, unit: lb, period: weekly, payment_due_days: 31,
            worker_share_pct: 97}
  sourcing_cutoff: {alternative: standard, cutoff_days: 7}
  complaint_mechanism: {alternative: standard, investigation_days: 14}
"""

T0 = "2026-01-05T12:00:00-05:00"
T_MARCH = "2026-03-13T09:00:00-05:00"


def run(capsys, db: str, *args: str, now: str = T0) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> Path:
    """The agreement record, drafted once through `wsr draft`."""
    tmp = tmp_path_factory.mktemp("draft")
    answers = tmp / "answers.yaml"
    answers.write_text(ANSWERS)
    with pytest.raises(SystemExit) as e:
        main(["draft", str(answers), "--out", str(tmp / "out"), "--format", "md"])
    assert e.value.code == 0
    (rec,) = (tmp / "out").glob("agr-*.json")
    return rec


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'wsr.db'}"


def _agreement_id(record: Path) -> str:
    return json.loads(record.read_text())["id"]


def _track(capsys, db, record) -> str:
    code, out, err = run(capsys, db, "track", str(record), "--signed-on", "2026-01-05")
    assert code == 0, err
    return out.strip()


def _season(capsys, db, aid) -> None:
    for args in (
        [
            "purchase_recorded",
            "--on",
            "2026-01-07",
            "--set",
            "supplier=GROWER-G",
            "--set",
            "quantity=250000",
            "--set",
            "unit=lb",
        ],
        [
            "supplier_suspended",
            "--on",
            "2026-03-02",
            "--set",
            "supplier=GROWER-H",
            "--set",
            "reason=audit",
        ],
        [
            "purchase_recorded",
            "--on",
            "2026-03-12",
            "--set",
            "supplier=GROWER-H",
            "--set",
            "quantity=500",
            "--set",
            "unit=lb",
        ],
    ):
        code, _, err = run(capsys, db, "event", aid, *args, now=T_MARCH)
        assert code == 0, err


def _obligations(capsys, db, *extra: str, now: str = T_MARCH) -> list[dict]:
    code, out, err = run(capsys, db, "obligations", "--json", *extra, now=now)
    assert code == 0, err
    return json.loads(out)


def _audit_count(capsys, db) -> int:
    code, out, _ = run(capsys, db, "audit", "verify")
    assert code == 0, out
    return int(out.split(":")[1].split()[0])


# -- the main flow ------------------------------------------------------------------------------


def test_acceptance_flow(capsys, any_db, record):
    """draft → track → events → obligations --json, as ../shared/acceptance/run checks it."""
    aid = _track(capsys, any_db, record)
    assert aid == _agreement_id(record)
    _season(capsys, any_db, aid)
    obs = _obligations(capsys, any_db, "--agreement", aid)
    required = {
        "id",
        "agreement_id",
        "clause_id",
        "clause_version",
        "spec_id",
        "title",
        "obligor",
        "beneficiary",
        "subject",
        "due",
        "state",
        "timing",
        "flags",
        "amount",
    }
    assert all(required <= set(o) for o in obs)
    pay = [o for o in obs if o["spec_id"] == "premium.payment" and o["subject"] == "GROWER-G"]
    assert [(o["due"], o["amount"], o["timing"]) for o in pay] == [
        ("2026-02-11", {"value": "2500.00", "currency": "USD"}, "overdue")
    ]
    (cut,) = [o for o in obs if o["spec_id"] == "sourcing_cutoff.cease_purchases"]
    assert cut["subject"] == "GROWER-H" and cut["due"] == "2026-03-09"
    assert "breach_suspected" in cut["flags"]
    assert _audit_count(capsys, any_db) >= 4


def test_track_json_and_tracking_twice(capsys, db, record):
    code, out, _ = run(capsys, db, "track", str(record), "--signed-on", "2026-01-05", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["agreement_id"] == _agreement_id(record)
    assert isinstance(doc["obligations"], int)
    before = _audit_count(capsys, db)
    code, out, err = run(capsys, db, "track", str(record), "--signed-on", "2026-01-06")
    assert code == 2 and out == ""
    assert f"agreement {doc['agreement_id']} is already tracked (since 2026-01-05T17:00:00" in err
    assert "nothing changed" in err
    assert _audit_count(capsys, db) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such agreement record"),
        ("{not json", "JSON syntax error at line 1"),
        ('{"id": "agr-x", "id": "agr-y"}', "the key 'id' is given twice"),
        ('{"title": "bad \\u0000 title"}', "contains a control character U+0000"),
        ("[1, 2]", "an agreement record is a JSON object"),
        ('{"id": "agr-x"}', ": title: Field required"),
    ],
)
def test_unreadable_or_invalid_records_name_the_file(capsys, db, tmp_path, content, message):
    path = tmp_path / "agreement.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, db, "track", str(path), "--signed-on", "2026-01-05")
    assert code == 2 and out == ""
    assert err.startswith(f"{path}")
    assert message in err
    assert "Traceback" not in err


def test_a_record_edited_after_drafting_is_refused(capsys, db, record, tmp_path):
    body = json.loads(record.read_text())
    body["title"] = "Something else"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(body))
    code, _, err = run(capsys, db, "track", str(edited), "--signed-on", "2026-01-05")
    assert code == 2
    assert f"{edited}: content_hash: does not match" in err


def test_bad_options_are_input_errors_and_write_nothing(capsys, db, record):
    code, _, err = run(capsys, db, "track", str(record), "--signed-on", "5 Jan 2026")
    assert code == 2 and err.startswith("--signed-on: '5 Jan 2026' is not an ISO date")
    code, _, err = run(capsys, db, "obligations", now="2026-03-13T09:00:00")
    assert code == 2 and "--now: '2026-03-13T09:00:00' has no UTC offset" in err
    aid = _track(capsys, db, record)
    code, _, err = run(
        capsys, db, "event", aid, "purchase_recorded", "--on", "2026-01-07", "--set", "supplier"
    )
    assert code == 2 and "--set: 'supplier' is not key=value" in err
    before = _audit_count(capsys, db)
    code, _, err = run(
        capsys,
        db,
        "event",
        aid,
        "purchase_recorded",
        "--on",
        "2026-01-07",
        "--set",
        "supplier=GROWER-NOPE",
        "--set",
        "quantity=lots",
        "--set",
        "unit=lb",
        now=T_MARCH,
    )
    assert code == 2
    assert "supplier" in err and "quantity" in err
    assert _audit_count(capsys, db) == before
    assert _obligations(capsys, db) == []
    code, _, err = run(capsys, db, "obligations", "--overdue", "--due-within", "3")
    assert code == 2 and err.startswith("--overdue:")


def test_unknown_ids_are_not_found(capsys, db):
    code, _, err = run(capsys, db, "event", "agr-nope", "dispute_notice", "--on", "2026-01-07")
    assert code == 2 and "no agreement with the id 'agr-nope'" in err
    code, _, err = run(capsys, db, "fulfil", "ob-nope", "--on", "2026-01-07")
    assert code == 2 and "no obligation with the id 'ob-nope'" in err
    code, _, err = run(capsys, db, "obligations", "--agreement", "agr-nope")
    assert code == 2 and "agr-nope" in err


def test_event_json_reports_created_changed_and_messages(capsys, db, record):
    aid = _track(capsys, db, record)
    code, out, err = run(
        capsys,
        db,
        "event",
        aid,
        "purchase_recorded",
        "--on",
        "2026-01-07",
        "--set",
        "supplier=GROWER-G",
        "--set",
        "quantity=250000",
        "--set",
        "unit=lb",
        "--json",
        now=T_MARCH,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["event"]["id"].startswith("ev-")
    assert doc["event"]["payload"]["quantity"] == "250000"
    (created,) = doc["created"]
    assert created["spec_id"] == "premium.payment"
    assert Decimal(created["amount"]["value"]) == Decimal("2500")
    assert doc["messages"]


# -- decisions ----------------------------------------------------------------------------------


def _premium_id(capsys, db, aid) -> str:
    code, _, err = run(
        capsys,
        db,
        "event",
        aid,
        "purchase_recorded",
        "--on",
        "2026-01-07",
        "--set",
        "supplier=GROWER-G",
        "--set",
        "quantity=250000",
        "--set",
        "unit=lb",
        now=T_MARCH,
    )
    assert code == 0, err
    (ob,) = [o for o in _obligations(capsys, db) if o["spec_id"] == "premium.payment"]
    return ob["id"]


def test_fulfil_late_with_evidence(capsys, db, record, tmp_path):
    aid = _track(capsys, db, record)
    ob_id = _premium_id(capsys, db, aid)
    proof = tmp_path / "remittance.pdf"
    proof.write_bytes(b"%PDF-1.4 remittance 2500.00 USD\n")
    code, out, err = run(
        capsys,
        db,
        "fulfil",
        ob_id,
        "--on",
        "2026-02-13",
        "--evidence",
        str(proof),
        "--note",
        "wire ref 42",
        "--json",
        now=T_MARCH,
    )
    assert code == 0, err
    view = json.loads(out)
    assert view["state"] == "fulfilled" and view["late"] is True and view["timing"] is None
    assert view["evidence"] != "none"
    store = open_store(db)
    try:
        (ref,) = store.list_evidence(ob_id)
        assert ref.filename == "remittance.pdf" and ref.note == "wire ref 42"
        assert store.evidence_content(ref.sha256) == proof.read_bytes()
    finally:
        store.engine.dispose()
    code, _, err = run(capsys, db, "fulfil", ob_id, "--on", "2026-02-14", now=T_MARCH)
    assert code == 2 and "fulfilled" in err


def test_missing_evidence_file_is_an_input_error(capsys, db, record, tmp_path):
    aid = _track(capsys, db, record)
    ob_id = _premium_id(capsys, db, aid)
    code, _, err = run(
        capsys,
        db,
        "fulfil",
        ob_id,
        "--on",
        "2026-02-10",
        "--evidence",
        str(tmp_path / "missing.pdf"),
    )
    assert code == 2 and err.startswith("--evidence: no such evidence file")
    (ob,) = [o for o in _obligations(capsys, db) if o["id"] == ob_id]
    assert ob["state"] == "in_effect"
    # issue 9: a FIFO would block forever and /dev/zero never ends: refused unread
    fifo = tmp_path / "proof.pdf"
    os.mkfifo(fifo)
    for special in (str(fifo), "/dev/zero"):
        code, _out, err = run(
            capsys, db, "fulfil", ob_id, "--on", "2026-02-10", "--evidence", special
        )
        assert code == 2 and err.startswith("--evidence: is not a regular file"), err
    big = tmp_path / "scan.pdf"
    with big.open("wb") as fh:
        fh.truncate(25 * 2**20 + 1)
    code, _out, err = run(capsys, db, "fulfil", ob_id, "--on", "2026-02-10", "--evidence", str(big))
    assert code == 2 and "the evidence file may be at most 25 MiB" in err, err
    (ob,) = [o for o in _obligations(capsys, db) if o["id"] == ob_id]
    assert ob["state"] == "in_effect"


def test_breach_confirm_and_waive(capsys, db, record):
    aid = _track(capsys, db, record)
    _season(capsys, db, aid)
    obs = _obligations(capsys, db)
    (cut,) = [o for o in obs if o["spec_id"] == "sourcing_cutoff.cease_purchases"]
    code, out, err = run(
        capsys,
        db,
        "breach",
        "confirm",
        cut["id"],
        "--on",
        "2026-03-13",
        "--reason",
        "bought 500 lb after the cut-off",
        "--json",
        now=T_MARCH,
    )
    assert code == 0, err
    assert json.loads(out)["state"] == "violated"
    pay = next(o for o in obs if o["spec_id"] == "premium.payment" and o["subject"] == "GROWER-H")
    code, _, err = run(capsys, db, "waive", pay["id"], "--reason", " ", now=T_MARCH)
    assert code == 2 and err.startswith("--reason:")
    code, out, err = run(capsys, db, "waive", pay["id"], "--reason", "grower closed", now=T_MARCH)
    assert code == 0, err
    assert "discharged" in out
    code, _, err = run(capsys, db, "waive", pay["id"], "--reason", "again", now=T_MARCH)
    assert code == 2 and "discharged" in err


# -- views --------------------------------------------------------------------------------------


def test_due_within_and_overdue_views(capsys, db, record):
    aid = _track(capsys, db, record)
    _season(capsys, db, aid)
    overdue = _obligations(capsys, db, "--overdue")
    # the cut-off is past its date too, but a prohibition in force is not overdue: nothing
    # is pending; only its breach flag would say it was broken
    assert {o["spec_id"] for o in overdue} == {"premium.payment"}
    assert all(o["timing"] == "overdue" for o in overdue)
    cutoff = [o for o in _obligations(capsys, db) if o["spec_id"].startswith("sourcing_cutoff")]
    assert cutoff and all(o["timing"] is None and o["state"] == "in_effect" for o in cutoff)
    assert len(_obligations(capsys, db, "--overdue", "--limit", "1")) == 1
    soon = _obligations(capsys, db, "--due-within", "7", now="2026-04-10T09:00:00-04:00")
    assert [(o["subject"], o["due"]) for o in soon] == [("GROWER-H", "2026-04-15")]
    assert all(o["timing"] == "due_soon" for o in soon)


def test_table_view_lists_every_obligation(capsys, db, record):
    aid = _track(capsys, db, record)
    _season(capsys, db, aid)
    ids = [o["id"] for o in _obligations(capsys, db)]
    code, out, _ = run(capsys, db, "obligations", "--agreement", aid, now=T_MARCH)
    assert code == 0
    assert all(i in out for i in ids)
    assert "breach_suspected" in out and "2500.00 USD" in out


def test_agreements_status_follows_now(capsys, db, record):
    aid = _track(capsys, db, record)
    code, out, _ = run(capsys, db, "agreements", "--json", now="2026-01-04T12:00:00-05:00")
    assert code == 0
    (a,) = json.loads(out)
    assert a["id"] == aid and a["status"] == "executed"
    code, out, _ = run(capsys, db, "agreements", "--json", now=T_MARCH)
    assert json.loads(out)[0]["status"] == "active"
    assert "record_json" not in json.loads(out)[0]
    code, out, _ = run(capsys, db, "agreements", now=T_MARCH)
    assert aid in out and "active" in out


def test_calendar_feed_on_stdout(capsys, db, record):
    aid = _track(capsys, db, record)
    _season(capsys, db, aid)
    code, out, err = run(capsys, db, "calendar", "--agreement", aid, "--vtodo", now=T_MARCH)
    assert code == 0, err
    cal = Calendar.from_ical(out)
    todos = list(cal.walk("VTODO"))
    assert cal.walk("VEVENT") == []
    open_states = ("created", "in_effect", "suspended")
    open_ids = {o["id"] for o in _obligations(capsys, db) if o["state"] in open_states}
    assert {str(t["uid"]) for t in todos} == {f"{i}@wsr-engine" for i in open_ids}
    assert all(str(t["status"]) == "NEEDS-ACTION" for t in todos)
    assert {t.decoded("dtstamp").isoformat() for t in todos} == {"2026-03-13T14:00:00+00:00"}
    code, again, _ = run(capsys, db, "calendar", "--agreement", aid, "--vtodo", now=T_MARCH)
    assert again == out


def _vevents(capsys, db, aid, now=T_MARCH) -> dict[str, object]:
    code, out, err = run(capsys, db, "calendar", "--agreement", aid, now=now)
    assert code == 0, err
    cal = Calendar.from_ical(out)
    assert cal.walk("VTODO") == []
    return {str(e["uid"]).split("@")[0]: e for e in cal.walk("VEVENT")}


def test_calendar_is_all_day_vevents_whose_sequence_follows_the_audit_log(capsys, db, record):
    aid = _track(capsys, db, record)
    _season(capsys, db, aid)
    listed = {o["id"]: o for o in _obligations(capsys, db, "--agreement", aid)}
    before = _audit_count(capsys, db)
    events = _vevents(capsys, db, aid)
    assert set(events) == set(listed)  # every obligation, whatever its state
    for oid, ev in events.items():
        due = listed[oid]["due"]
        assert ev.decoded("dtstart").isoformat() == due
        assert (ev.decoded("dtend") - ev.decoded("dtstart")).days == 1
        assert ev.decoded("dtstamp").isoformat() == "2026-03-13T14:00:00+00:00"
    assert _vevents(capsys, db, aid) == events  # the same feed twice
    assert _audit_count(capsys, db) == before  # a read never writes
    pay = next(o for o in listed.values() if o["spec_id"] == "premium.payment")
    seq = int(events[pay["id"]]["sequence"])
    assert seq >= 1  # created, then in effect: one recorded change of state
    code, _, err = run(capsys, db, "waive", pay["id"], "--reason", "grower closed", now=T_MARCH)
    assert code == 0, err
    after = _vevents(capsys, db, aid)
    assert int(after[pay["id"]]["sequence"]) == seq + 1
    assert str(after[pay["id"]]["status"]) == "CANCELLED"
    untouched = [i for i in events if i != pay["id"] and listed[i]["state"] == "in_effect"]
    assert untouched and all(
        int(after[i]["sequence"]) == int(events[i]["sequence"]) for i in untouched
    )


# -- database -----------------------------------------------------------------------------------


def test_db_upgrade_and_first_use_migration(capsys, tmp_path):
    fresh = f"sqlite:///{tmp_path / 'a.db'}"
    code, out, _ = run(capsys, fresh, "db", "upgrade")
    assert code == 0 and out.strip() == f"database at revision {head_revision()}"
    other = f"sqlite:///{tmp_path / 'b.db'}"
    code, out, _ = run(capsys, other, "obligations", "--json")
    assert code == 0 and json.loads(out) == []
    engine = make_engine(other)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    code, _, err = run(capsys, f"sqlite:///{tmp_path / 'no' / 'c.db'}", "obligations")
    assert code == 2 and err.startswith("--db:")


# -- the shared end-to-end script ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def find_acceptance(root: Path, env: dict[str, str]) -> Path | None:
    """The shared acceptance script: ``$WSR_ACCEPTANCE`` if set, else ``shared/acceptance/run``
    in the first ancestor of the checkout that holds one (the checkout may sit at any depth
    beside ``shared/``: /work/main, a worktree under /work/wt/NAME, ...)."""
    given = env.get("WSR_ACCEPTANCE")
    if given:
        return Path(given)
    for folder in root.parents:
        candidate = folder / "shared" / "acceptance" / "run"
        if candidate.is_file():
            return candidate
    return None


ACCEPTANCE = find_acceptance(ROOT, dict(os.environ))


def test_the_acceptance_script_is_found_beside_a_checkout_at_any_depth(tmp_path):
    script = tmp_path / "shared" / "acceptance" / "run"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    deep = tmp_path / "wt" / "helper"
    deep.mkdir(parents=True)
    assert find_acceptance(tmp_path / "main", {}) == script
    assert find_acceptance(deep, {}) == script
    assert find_acceptance(deep, {"WSR_ACCEPTANCE": "/elsewhere/run"}) == Path("/elsewhere/run")
    assert find_acceptance(tmp_path / "main" / "x", {}) == script
    assert find_acceptance(Path("/"), {}) is None


@pytest.mark.slow
@pytest.mark.skipif(
    ACCEPTANCE is None or not ACCEPTANCE.is_file(),
    reason=f"no shared/acceptance/run beside {ROOT} (or WSR_ACCEPTANCE) on this machine",
)
def test_shared_acceptance_script_passes(tmp_path):
    """Run the shared acceptance script with a `wsr` on PATH that is this checkout."""
    assert ACCEPTANCE is not None
    root = ROOT
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "wsr"
    shim.write_text(
        f"#!/bin/sh\nPYTHONPATH={root} exec {sys.executable} -c "
        "'import sys; from wsr._entry import main; main(sys.argv[1:])' \"$@\"\n"
    )
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    env.pop("WSR_NOW", None)
    done = subprocess.run(
        [shutil.which("bash") or "bash", str(ACCEPTANCE)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "acceptance: passed" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 0


@pytest.mark.parametrize(
    "command",
    [
        ("terminate", "agr-nope", "--on", "2026-01-07"),
        ("breach", "confirm", "ob-nope", "--on", "2026-01-07"),
        ("waive", "ob-nope"),
        ("power", "exercise", "ob-nope/suspend", "--on", "2026-01-07"),
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_blank_reason_is_refused_before_anything_is_looked_up(capsys, db, command):
    code, _, err = run(capsys, db, *command, "--reason", "   ")
    assert code == 2
    assert err.strip() == "--reason: say why; the reason goes on the record"
