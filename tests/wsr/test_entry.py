"""The ``wsr`` script reads a plain ``wsr draft`` without typer (``wsr/_entry.py``): every
invocation below, good or bad, must print, write and exit exactly as typer's ``wsr.cli.main``
does, and the table says which ones the typer-free reader takes (so the comparison is known to
cover that path, not only the fallback)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wsr import _entry, cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "accord-garment-safety.yaml")
OTHER = str(ROOT / "examples" / "fair-food-produce.yaml")
LIBRARY = str(ROOT / "clauses" / "library")
NOW = "2026-03-01T09:00:00+00:00"

#: (argv, read without typer?)
CASES = [
    (["draft", EXAMPLE, "--out", "out"], True),
    (["draft", "--out=out", EXAMPLE, "--format", "md"], True),
    (["--now", NOW, "draft", EXAMPLE, "--out", "out", "--compare-standard"], True),
    (["draft", EXAMPLE, "--out", "out", "--now", NOW, "--format=docx,md", "--name", "n"], True),
    (["draft", OTHER, "--out", "out", "--strict"], True),
    (["draft", EXAMPLE, "--out", "out", "--format", "docx", "--format", "md"], True),
    (["draft", EXAMPLE, "--library", LIBRARY, "--out", "out", "--format", "md"], True),
    (["--db", "", "draft", EXAMPLE, "--out", "out", "--format", "md"], True),
    (["--db=sqlite:///x.db", "draft", EXAMPLE, "--out", "out", "--format", "md"], True),
    # refused by the engine: same messages, exit 2, nothing written
    (["draft", EXAMPLE, "--out", "out", "--format", "odt"], True),
    (["draft", "missing.yaml", "--out", "out"], True),
    (["draft", EXAMPLE, "--out", "out", "--now", "yesterday"], True),
    (["draft", EXAMPLE, "--out", "out", "--now", "2026-03-01T09:00"], True),
    (["draft", EXAMPLE, "--out", "out", "--name", "../up"], True),
    (["draft", EXAMPLE, "--out", ""], True),
    (["draft", EXAMPLE, "--out", "out", "--library", "no-such-folder"], True),
    # typer's to read: help, usage errors, anything unusual
    (["draft", "--help"], False),
    (["draft", EXAMPLE], False),
    (["draft", EXAMPLE, "--out"], False),
    (["draft", EXAMPLE, "--out", "out", "--bogus"], False),
    (["draft", EXAMPLE, "--out", "-x"], False),
    (["draft", EXAMPLE, OTHER, "--out", "out"], False),
    (["draft", "--", EXAMPLE, "--out", "out"], False),
    (["draft", EXAMPLE, "--out", "out", "--strict=yes"], False),
    (["draft", "bad\x00name", "--out", "out"], False),
    (["--verbose", "draft", EXAMPLE, "--out", "out"], False),
    (["--now", "-1", "draft", EXAMPLE, "--out", "out"], False),
    (["draft"], False),
    ([], False),
]


def _run(main, argv: list[str], folder: Path, capsys) -> tuple[object, str, str, dict[str, bytes]]:
    """Exit code, stdout, stderr and every file written under ``folder`` (where it ran)."""
    folder.mkdir()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with pytest.raises(SystemExit) as done:
            main(list(argv))
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    files = {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
    return done.value.code, out, err, files


@pytest.mark.parametrize(("argv", "plain"), CASES)
def test_the_script_does_what_typer_does(argv, plain, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("WSR_NOW", raising=False)
    monkeypatch.delenv("WSR_DATABASE_URL", raising=False)
    assert (_entry.plain_draft(cli.hoist_global_options(list(argv))) is not None) is plain
    fast = _run(_entry.main, argv, tmp_path / "a", capsys)
    typer = _run(cli.main, argv, tmp_path / "b", capsys)
    assert fast == typer
    if plain and fast[0] == 0:
        assert any(name.endswith(".json") for name in fast[3])  # it drafted
    if fast[0] == 2:
        assert fast[3] == {} and fast[2]  # refused: a message, nothing written


def test_a_plain_draft_reads_the_options_click_would(tmp_path):
    plan = _entry.plain_draft(
        ["--now", NOW, "--db=x", "draft", "--strict", "a.yaml", "--out=o", "--name", "n"]
    )
    assert plan is not None
    assert (plan.now, plan.db) == (NOW, "x")
    assert plan.options == {"strict": True, "answers": Path("a.yaml"), "out_text": "o", "name": "n"}
