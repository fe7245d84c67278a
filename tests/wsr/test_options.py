"""Engine errors name domain fields; the CLI prints them with the option a person typed.

The domain side is checked in tests/obligations (``on: …``, ``reason: …``); here the same
errors reach the shell as ``--on``, ``--supplier``, ``--set amount`` — one mapping,
:mod:`wsr._options`, for every command.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clauses import Problem
from tests.obligations.factories import agreement, cutoff_section, premium_section
from wsr._options import set_keys, spell
from wsr.cli import main

T0 = "2026-01-05T12:00:00-05:00"


def run(capsys, db: str, *args: str, now: str = T0) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.fixture
def tracked(capsys, tmp_path) -> tuple[str, str]:
    db = f"sqlite:///{tmp_path / 'wsr.db'}"
    agr = agreement(premium_section(), cutoff_section())
    path: Path = tmp_path / "agreement.json"
    path.write_text(agr.to_json())
    code, out, err = run(capsys, db, "track", str(path), "--signed-on", "2026-01-05")
    assert code == 0, err
    return db, out.strip()


def test_spell_maps_fields_per_command():
    problems = [Problem("on", "bad"), Problem("supplier", "unknown"), Problem("amount", "x")]
    assert [str(p) for p in spell(problems, "determination", [])] == [
        "--on: bad",
        "--supplier: unknown",
        "--set amount: x",
    ]
    assert [str(p) for p in spell(problems, "event", ["--set", "supplier=X"])] == [
        "--on: bad",
        "--set supplier: unknown",
        "--set amount: x",
    ]
    # a command without --set fields leaves names it does not take alone
    assert [str(p) for p in spell(problems, "fulfil", [])] == [
        "--on: bad",
        "supplier: unknown",
        "amount: x",
    ]
    assert set_keys(["--set", "a=1", "--set=b=2", "--set", "novalue"]) == {"a", "b"}


def test_event_field_errors_name_the_set_option(capsys, tracked):
    db, aid = tracked
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
        now="2026-01-08T09:00:00-05:00",
    )
    assert code == 2
    assert err.splitlines() == [
        "--set supplier: unknown supplier 'GROWER-NOPE' (covered: GROWER-G, GROWER-H)",
        "--set quantity: must be a number, got 'lots'",
        "--set unit: required for purchase_recorded",
    ]


def test_event_date_error_names_on(capsys, tracked):
    db, aid = tracked
    code, _, err = run(
        capsys,
        db,
        "event",
        aid,
        "dispute_notice",
        "--on",
        "soon",
        "--set",
        "text=x",
        "--set",
        "between=parties",
    )
    assert code == 2
    assert err.startswith("--on: 'soon' is not an ISO date")


def test_determination_contradicting_supplier_names_the_option(capsys, tracked):
    db, _ = tracked
    code, _, err = run(
        capsys,
        db,
        "determination",
        "supplier_suspended",
        "--supplier",
        "GROWER-G",
        "--on",
        "2026-01-05",
        "--set",
        "supplier=GROWER-H",
    )
    assert code == 2
    assert err.strip() == (
        "--supplier: 'GROWER-H' given as a field contradicts the supplier 'GROWER-G' the "
        "determination is about; give it once"
    )


def test_control_characters_in_a_problem_are_escaped():
    """One problem per line, whatever the person's keys contain (found by the draft fuzz test)."""
    from wsr._options import printable

    assert printable("parties[1].a\x1cb: unknown field") == "parties[1].a\\x1cb: unknown field"
    assert printable("x\u2028y\nz") == "x\\u2028y\\nz"
    assert printable("Ünïcödé \U00038f21 stays") == "Ünïcödé \U00038f21 stays"
