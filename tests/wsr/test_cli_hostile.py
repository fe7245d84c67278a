"""Hostile option values through the real command line, on SQLite and PostgreSQL (issue 9).

Each example runs one ``wsr`` command in-process with one option (or ``--set`` field) replaced by
a generated hostile value — ``--now``, ``--on``, ``--signed-on``, ``--due-within``, ``--db``,
``--out``, ``--reason``, ``--note``, ``--evidence``, ``--set``. Whatever happens: exit 0 or 2,
never a traceback; on exit 2 every stderr line is ``<path>: <message>``, the database (every
table) and the output folder are exactly as before. The counts go to the session summary.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obligations import make_engine
from obligations.stores._sqltables import metadata
from tests import hostile, tally
from tests.wsr.test_cmd_obligations import ANSWERS, run
from wsr._entry import main  # the `wsr` script: a plain draft without typer

LOCATED = re.compile(r"^[^\s:][^:]*: \S.*$")
T_LATER = "2026-03-13T09:00:00-05:00"


def _db_dump(url: str) -> Any:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            return {
                t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
                for t in metadata.sorted_tables
                if t.name in names
            }
    finally:
        engine.dispose()


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes (hidden staging included)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "<dir>"
        for p in sorted(folder.rglob("*"))
    }


class World:
    """One drafted and tracked agreement in a database, with a folder of earlier outputs."""

    def __init__(self, root: Path, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.db = root, db
        self.answers = root / "answers.yaml"
        self.answers.write_text(ANSWERS, encoding="utf-8")
        self.out = root / "out"
        code, _, err = run(capsys, db, "draft", str(self.answers), "--out", str(self.out))
        assert code == 0, err
        self.record = next(self.out.glob("agr-*.json"))
        code, out, err = run(capsys, db, "track", str(self.record), "--signed-on", "2026-01-05")
        assert code == 0, err
        self.aid = out.strip()
        (root / "a-file").write_text("x", encoding="utf-8")
        (root / "dangling").symlink_to(root / "nowhere")
        (root / "loop").symlink_to(root / "loop")
        (root / "evidence.pdf").write_bytes(b"%PDF-1.4 proof")
        (root / "fake.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)


@pytest.fixture
def world(any_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[World]:
    yield World(tmp_path, any_db, capsys)


def _paths(root: Path) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            "",
            " ",
            str(root / "a-file" / "x"),
            str(root / "dangling"),
            str(root / "loop" / "x"),
            str(root / ("n" * 300)),
            "/proc/wsr-cannot-write-here",
            "/dev/zero",
            str(root / "out"),
            str(root / "new-out"),
        ]
    )


def _dbs(root: Path) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            "",
            "  ",
            "foo",
            "http://example.invalid/db",
            "sqlite://",
            "sqlite:///",
            f"sqlite:///{root / 'a-file'}",
            f"sqlite:///{root / 'fake.db'}",
            f"sqlite:///{root}",
            f"sqlite:///{root / 'a-file' / 'x.db'}",
            "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        ]
    )


def _command(w: World, draw: st.DrawFn) -> tuple[list[str], str]:
    """(argv after --db/--now, what is varied) with one hostile value in it."""
    value = draw(hostile.values)
    aid = w.aid
    purchase = ["--set", "supplier=GROWER-G", "--set", "quantity=10", "--set", "unit=lb"]
    choice = draw(st.integers(0, 11))
    if choice == 0:
        return ["obligations", "--now", value], "--now"
    if choice == 1:
        return ["obligations", "--due-within", value], "--due-within"
    if choice == 2:
        return ["event", aid, "purchase_recorded", "--on", value, *purchase], "--on"
    if choice == 3:
        field = draw(st.sampled_from(["quantity", "supplier", "unit", "colour", ""]))
        return [
            "event",
            aid,
            "purchase_recorded",
            "--on",
            "2026-03-10",
            *purchase,
            "--set",
            f"{field}={value}",
        ], "--set"
    if choice == 4:
        return ["track", str(w.record), "--signed-on", value], "--signed-on"
    if choice == 5:
        return ["draft", str(w.answers), "--out", draw(_paths(w.root))], "--out"
    if choice == 6:
        return ["calendar", "--out", draw(_paths(w.root))], "calendar --out"
    if choice == 7:
        return ["terminate", aid, "--on", "2026-03-01", "--reason", value], "--reason"
    if choice == 8:
        return ["determination", "supplier_reinstated", "--supplier", value, "--on", value], (
            "--supplier"
        )
    if choice == 9:
        return ["event", aid, "complaint_filed", "--on", "2026-03-10", "--set", "supplier=GROWER-G",
                "--set", f"category={value}"], "--set text"  # fmt: skip
    if choice == 10:
        return ["fulfil", "ob-nonexistent", "--on", value, "--note", value, "--evidence",
                draw(_paths(w.root))], "--evidence"  # fmt: skip
    return ["--db", draw(_dbs(w.root)), "obligations"], "--db"


@st.composite
def commands(draw: st.DrawFn, w: World) -> tuple[list[str], str]:
    return _command(w, draw)


@settings(
    max_examples=70,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_options_exit_2_with_nothing_written(
    world: World, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    argv, varied = data.draw(commands(world))
    if argv[0] == "terminate" and argv[-1].strip():
        argv[-1] = "\x00" + argv[-1]  # a valid reason would end the agreement for the rest
    db_before = _db_dump(world.db)
    files_before = _tree(world.root)
    code, _out, err = run(capsys, world.db, *argv, now=T_LATER)
    assert "Traceback" not in err, err
    assert code in (0, 2), (argv, code, err)
    suite = f"options ({'postgresql' if world.db.startswith('postgresql') else 'sqlite'})"
    if code == 0:
        tally.record(suite, refused=False)
        return
    tally.record(suite, refused=True)
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(LOCATED.match(line) for line in lines), (argv, err)
    assert _db_dump(world.db) == db_before, f"{varied}: a refused command wrote: {argv}"
    assert _tree(world.root) == files_before, f"{varied}: a refused command left files: {argv}"


def test_each_path_problem_is_named(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = world.root / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    cases = {
        "": "give a path",
        str(world.root / "a-file" / "x"): "is a file, so nothing can go under it",
        str(world.root / "dangling"): "symbolic link to something that does not exist",
        str(world.root / "loop" / "x"): "points back to itself",
        str(world.root / ("n" * 300)): "longer than 255 bytes",
    }
    for path, message in cases.items():
        code, _, err = run(capsys, world.db, "draft", str(world.answers), "--out", path)
        assert code == 2 and err.startswith("--out: ") and message in err, (path, err)
    for url, message in {
        "": "give a database URL",
        "sqlite://": "names no database file",
        f"sqlite:///{world.root / 'a-file'}": "is not a SQLite database",
        f"sqlite:///{world.root}": "is a folder",
        f"sqlite:///{world.root / 'fake.db'}": "cannot open the database",
    }.items():
        with pytest.raises(SystemExit) as info:
            main(["--db", url, "obligations"])
        err = capsys.readouterr().err
        assert info.value.code == 2 and err.startswith("--db: ") and message in err, (url, err)
    assert list(cwd.iterdir()) == []  # `--db ""` no longer creates ./wsr.db


def test_the_longest_supplier_id_drafts_tracks_and_records_on_both_engines(
    any_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 9: an id that drafted and tracked on SQLite failed on PostgreSQL's columns; now the
    longest id the answers accept works on both, and one character more is refused at draft."""
    longest = "G" * 64
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS.replace("GROWER-G", longest), encoding="utf-8")
    code, out, err = run(capsys, any_db, "draft", str(answers), "--out", str(tmp_path / "o"))
    assert code == 0, err
    record = next((tmp_path / "o").glob("agr-*.json"))
    code, out, err = run(capsys, any_db, "track", str(record), "--signed-on", "2026-01-05")
    assert code == 0, err
    aid = out.strip()
    code, out, err = run(
        capsys,
        any_db,
        "event",
        aid,
        "purchase_recorded",
        "--on",
        "2026-01-07",
        "--set",
        f"supplier={longest}",
        "--set",
        "quantity=100",
        "--set",
        "unit=lb",
        now=T_LATER,
    )
    assert code == 0, err
    answers.write_text(ANSWERS.replace("GROWER-G", longest + "G"), encoding="utf-8")
    code, _, err = run(capsys, any_db, "draft", str(answers), "--out", str(tmp_path / "o2"))
    assert code == 2 and "suppliers[0].id: at most 64 characters" in err
    assert not (tmp_path / "o2").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--now", "9999-12-31T00:00+00:00", "obligations"], "--now: 9999-12-31 is outside"),
        (["--now", "0001-01-01T00:00+00:00", "obligations"], "--now: 0001-01-01 is outside"),
        (["obligations", "--due-within", "99999999999"], "--due-within: give a number of days"),
        (["obligations", "--due-within", "lots"], "--due-within: must be a whole number"),
        (["track", "REC", "--signed-on", "2027-06-01"], "--signed-on: 2027-06-01 is after today"),
        (["track", "REC", "--signed-on", "2024-01-01"], "--signed-on: 2024-01-01 is more than a"),
        (["track", "REC", "--signed-on", "9999-12-31"], "--signed-on: 9999-12-31 is outside"),
        (["event", "AID", "purchase_recorded", "--on", "9999-12-31"], "--on: 9999-12-31 is out"),
        (
            [
                "determination",
                "supplier_reinstated",
                "--supplier",
                "GROWER-G",
                "--on",
                "2026-03-05",
            ],
            "'GROWER-G' was never suspended",
        ),  # fmt: skip
        (
            ["event", "AID", "complaint_resolved", "--on", "2026-03-05", "--set", "complaint=C-4"],
            "--set complaint: no complaint_filed event is 'C-4'",
        ),  # fmt: skip
        (
            ["terminate", "AID", "--on", "2026-03-01", "--reason", "bad\x07bell"],
            "--reason: contains a control character U+0007",
        ),  # fmt: skip
    ],
)
def test_each_kind_of_option_gets_its_message(
    world: World, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    argv = [a.replace("REC", str(world.record)).replace("AID", world.aid) for a in argv]
    before = _db_dump(world.db)
    code, _, err = run(capsys, world.db, *argv, now=T_LATER)
    assert code == 2 and expected in err, err
    assert _db_dump(world.db) == before


def test_answers_that_are_not_regular_files_never_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    fifo = tmp_path / "answers.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1 << 20) + "\n", encoding="utf-8")
    for path, message in (
        (str(fifo), "is not a regular file"),
        ("/dev/zero", "is not a regular file"),
        (str(big), "the answers file may be at most 1 MiB"),
        (str(tmp_path), "is a folder, not a file"),
    ):
        with pytest.raises(SystemExit) as info:
            main(["draft", path, "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert info.value.code == 2 and message in err, (path, err)
    assert not (tmp_path / "out").exists()
