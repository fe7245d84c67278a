"""Files written whole or not at all (issue 9): the one output helper every writer uses."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from clauses import InputError, atomic_outputs, atomic_write, check_out_path


def tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones too) with the SHA-256 of each file."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "<dir>"
        for p in sorted(folder.rglob("*"))
    }


def test_a_set_moves_in_whole_and_leaves_other_files_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text("old a")
    (out / "keep.txt").write_text("not ours")
    with atomic_outputs(out) as stage:
        (stage / "a.json").write_text("new a")
        (stage / "b.md").write_text("new b")
        assert not (out / "b.md").exists()  # nothing is visible before the end
    assert (out / "a.json").read_text() == "new a"
    assert (out / "b.md").read_text() == "new b"
    assert (out / "keep.txt").read_text() == "not ours"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left


def test_a_failure_midway_restores_the_previous_outputs_exactly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text("old a")
    (out / "c.pdf").mkdir()  # the third file cannot replace a folder: the move fails there
    (out / "c.pdf" / "inside").write_text("theirs")
    (out / "d.txt").write_text("old d")
    before = tree(tmp_path)
    with pytest.raises(InputError, match=r"^--out: cannot write .*c\.pdf.*nothing was changed"):
        with atomic_outputs(out) as stage:
            for name in ("a.json", "b.md", "c.pdf", "d.txt"):
                (stage / name).write_text(f"new {name}")
    assert tree(tmp_path) == before  # a.json back to "old a", no b.md, d.txt untouched


def test_an_error_while_writing_leaves_nothing_not_even_the_folders(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "out"
    with pytest.raises(RuntimeError):
        with atomic_outputs(out) as stage:
            (stage / "a.json").write_text("half")
            raise RuntimeError("the renderer failed")
    assert list(tmp_path.iterdir()) == []


def test_one_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "feed.ics"
    target.write_bytes(b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.ics"]
    (tmp_path / "dir.ics").mkdir()
    with pytest.raises(InputError, match="is a folder; name a file"):
        atomic_write(tmp_path / "dir.ics", b"x")


def test_a_failed_single_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.ics"
    target.write_bytes(b"old")

    def refuse(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match="the disk is full"):
        atomic_write(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.ics"]


@pytest.mark.parametrize(
    ("make", "given", "message"),
    [
        (None, "", "give a path"),
        (None, "   ", "give a path"),
        ("file", "f/x", "f is a file, so nothing can go under it"),
        ("dangling", "d", "symbolic link to something that does not exist"),
        ("dangling", "d/x", "symbolic link to something that does not exist"),
        ("loop", "l", "points back to itself"),
        ("loop", "l/x", "points back to itself"),
        (None, "n" * 256, "longer than 255 bytes"),
        ("file", "f", "exists and is not a folder"),
    ],
)
def test_targets_that_cannot_work_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: str | None, given: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if make == "file":
        Path("f").write_text("x")
    elif make == "dangling":
        Path("d").symlink_to("nowhere")
    elif make == "loop":
        Path("l").symlink_to("l")
    with pytest.raises(InputError, match=message) as exc:
        check_out_path(given, "--out", folder=True)
    assert exc.value.problems[0].path == "--out"


def test_an_unwritable_place_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere; a read-only file system refuses even root
        target = Path("/proc/wsr-out")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out"
    with pytest.raises(InputError, match="^--out: cannot write"):
        with atomic_outputs(target) as stage:
            (stage / "a").write_text("x")
