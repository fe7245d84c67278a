"""`wsr payroll import`: a supplier's payroll checked worker by worker, on SQLite and PostgreSQL.

Bad files exit 2 with ``<file>:<line>:<column>: <message>`` and leave every table exactly as it
was (compared row by row before and after).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from obligations.stores._sqltables import metadata
from tests.obligations.factories import fair_food
from wsr.cli import main

T_PAID = "2026-01-24T09:00:00-05:00"
T_PAYROLL = "2026-01-31T09:00:00-05:00"
HEADER = "worker_ref,period_start,period_end,pay_date,earnings,premium\n"


def run(capsys, db: str, *args: str, now: str = T_PAID) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def dump(db: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order."""
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(
                    (tuple(row) for row in conn.execute(sa.select(t))), key=lambda r: repr(r)
                )
                for t in metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def premium_paid(capsys, any_db, tmp_path) -> tuple[str, str]:
    """10,000 lb from GROWER-G in the week of 5 Jan → 100.00 USD premium, paid 23 Jan: the
    Workers' Share is 97% = 97.00 USD, due on the payroll by 30 Jan."""
    agr = fair_food()
    record = tmp_path / "agreement.json"
    record.write_text(agr.to_json())
    code, out, err = run(capsys, any_db, "track", str(record), "--signed-on", "2026-01-05")
    assert code == 0, err
    aid = out.strip()
    args = ["--on", "2026-01-07", "--set", "supplier=GROWER-G", "--set", "quantity=10000"]
    code, _, err = run(capsys, any_db, "event", aid, "purchase_recorded", *args, "--set", "unit=lb")
    assert code == 0, err
    code, out, _ = run(capsys, any_db, "obligations", "--json")
    [premium] = [o["id"] for o in json.loads(out) if o["spec_id"] == "premium.payment"]
    code, _, err = run(
        capsys,
        any_db,
        "event",
        aid,
        "payment_recorded",
        "--on",
        "2026-01-23",
        "--set",
        f"obligation={premium}",
        "--set",
        "amount=100.00",
    )
    assert code == 0, err
    return any_db, aid


def test_import_flags_the_shortfall_by_worker_reference(capsys, premium_paid, tmp_path):
    """97.00 USD among A 100, B 100, C 100, D 50 (earnings total 350).

    Exact parts 27.714…, 27.714…, 27.714…, 13.857…; rounded down 27.71 x 3 + 13.85 = 96.98;
    the 2 cents left go to D (largest loss, 0.00714…) and then A (tie A/B/C at 0.00428…, by
    reference): A 27.72, B 27.71, C 27.71, D 13.86.
    Paid: A 27.72, B 27.71, C nothing (no premium line), D 13.00. Short: C 27.71, D 0.86,
    total 28.57; 97.00 - 28.57 = 68.43 reached the right workers.
    """
    db, aid = premium_paid
    csv = tmp_path / "grower-g-2026-01-30.csv"
    csv.write_text(
        HEADER + "A,2026-01-05,2026-01-11,2026-01-30,100.00,27.72\n"
        "B,2026-01-05,2026-01-11,2026-01-30,100.00,27.71\n"
        "C,2026-01-05,2026-01-11,2026-01-30,100.00,\n"
        "D,2026-01-05,2026-01-11,2026-01-30,50.00,13.00\n"
    )
    before = dump(db)
    code, out, err = run(
        capsys,
        db,
        "payroll",
        "import",
        aid,
        "GROWER-G",
        str(csv),
        "--period",
        "2026-01-07",
        "--json",
        now=T_PAYROLL,
    )
    assert code == 0, err
    after = dump(db)  # the dump sees what an import writes (so "unchanged" below means something)
    assert len(after["events"]) == len(before["events"]) + 1 and after != before
    doc = json.loads(out)
    assert doc["event"]["type"] == "payroll_recorded"
    [changed] = doc["changed"]
    assert changed["spec_id"] == "premium.pass_through"
    assert "pass_through_shortfall" in changed["flags"] and changed["paid"] == "68.43"
    check = doc["check"]
    assert check["owed"] == {"value": "97.00", "currency": "USD"}
    assert check["short"] == "28.57" and check["short_by_worker"] == {"C": "27.71", "D": "0.86"}
    assert [(w["worker_ref"], w["due"]) for w in check["workers"]] == [
        ("A", "27.72"),
        ("B", "27.71"),
        ("C", "27.71"),
        ("D", "13.86"),
    ]
    assert check["missing_premium"] == ["C"]
    assert any("28.57 USD short (C 27.71 USD, D 0.86 USD)" in m for m in doc["messages"])
    # the listing shows the flag
    code, out, _ = run(capsys, db, "obligations", "--json", now=T_PAYROLL)
    [share] = [o for o in json.loads(out) if o["spec_id"] == "premium.pass_through"]
    assert "pass_through_shortfall" in share["flags"] and share["state"] == "in_effect"
    # what the import wrote is on the signed log, table for table
    code, out, err = run(capsys, db, "audit", "verify", now=T_PAYROLL)
    assert code == 0, out + err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", ":1:1: the file is empty"),
        (b"\xef\xbb\xbf" + HEADER.encode(), ":1:1: the file starts with a byte-order mark"),
        (HEADER.replace(",", ";").encode(), ":1:1: the columns are separated by semicolons"),
        (
            b"worker_ref,period_start,period_end,pay_date,premium\nA,2026-01-05,2026-01-11,"
            b"2026-01-30,1\n",
            ":1:6: missing column 'earnings'",
        ),
        (HEADER.encode() + b"A,2026-01-05,2026-01-11,2026-01-30,ten,1\n", ":2:5: earnings 'ten'"),
        (HEADER.encode() + b"A,2026-01-05,2026-01-11,2026-01-30,-1,1\n", ":2:5: earnings -1 must"),
        (
            HEADER.encode() + b"A,2026-01-05,2026-01-11,2026-01-30,1,1\n"
            b"A,2026-01-05,2026-01-11,2026-01-30,1,1\n",
            ":3:1: worker A already has a line (line 2)",
        ),
    ],
    ids=["empty", "bom", "delimiter", "missing-column", "not-decimal", "negative", "duplicate"],
)
def test_bad_file_exits_2_and_writes_nothing(capsys, premium_paid, tmp_path, content, message):
    db, aid = premium_paid
    csv = tmp_path / "pay.csv"
    csv.write_bytes(content)
    before = dump(db)
    code, out, err = run(
        capsys,
        db,
        "payroll",
        "import",
        aid,
        "GROWER-G",
        str(csv),
        "--period",
        "2026-01-07",
        now=T_PAYROLL,
    )
    assert code == 2 and out == ""
    assert err.startswith(f"{csv}{message}"), err
    assert "Traceback" not in err
    assert dump(db) == before


def test_unknown_supplier_and_period_name_the_argument_and_option(capsys, premium_paid, tmp_path):
    db, aid = premium_paid
    csv = tmp_path / "pay.csv"
    csv.write_text(HEADER + "A,2026-01-05,2026-01-11,2026-01-30,1.00,1.00\n")
    before = dump(db)
    code, _, err = run(
        capsys,
        db,
        "payroll",
        "import",
        aid,
        "GROWER-X",
        str(csv),
        "--period",
        "2026-01-07",
        now=T_PAYROLL,
    )
    assert code == 2
    assert err.strip() == "supplier: unknown supplier 'GROWER-X' (covered: GROWER-G, GROWER-H)"
    code, _, err = run(
        capsys,
        db,
        "payroll",
        "import",
        aid,
        "GROWER-G",
        str(csv),
        "--period",
        "2026-02-20",
        now=T_PAYROLL,
    )
    assert code == 2 and err.startswith(
        "--period: no premium payment to GROWER-G for the Premium Period containing 2026-02-20"
    )
    assert dump(db) == before


def test_period_defaults_to_the_earliest_work_in_the_file(capsys, premium_paid, tmp_path):
    """One worker with all the earnings is owed the whole 97.00 USD; paid on time → fulfilled."""
    db, aid = premium_paid
    csv = tmp_path / "pay.csv"
    csv.write_text(HEADER + "W-7,2026-01-05,2026-01-11,2026-01-29,412.00,97.00\n")
    code, out, err = run(capsys, db, "payroll", "import", aid, "GROWER-G", str(csv), now=T_PAYROLL)
    assert code == 0, err
    assert "premium.pass_through  GROWER-G  due 2026-01-30  fulfilled" in out
    assert "every Qualifying Worker paid their share; fulfilled" in out
