"""The command line's own plumbing: global options anywhere, exit codes."""

from __future__ import annotations

import pytest

from wsr.cli import hoist_global_options, main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["obligations", "--now", "X"], ["--now", "X", "obligations"]),
        (
            ["obligations", "--json", "--db=sqlite:///a.db"],
            ["--db=sqlite:///a.db", "obligations", "--json"],
        ),
        (["--now", "X", "obligations"], ["--now", "X", "obligations"]),
        (
            ["fulfil", "ob-1", "--note", "--now", "--on", "2026-01-01"],
            ["fulfil", "ob-1", "--note", "--now", "--on", "2026-01-01"],
        ),
        (
            ["event", "a", "t", "--set", "--db", "--db", "D"],
            ["--db", "D", "event", "a", "t", "--set", "--db"],
        ),
    ],
)
def test_global_options_are_accepted_after_the_command(argv, expected):
    assert hoist_global_options(argv) == expected


def test_now_after_the_command_is_used(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    with pytest.raises(SystemExit) as info:
        main(["agreements", "--json", "--db", db, "--now", "2026-03-13T09:00:00-05:00"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_a_naive_now_is_bad_input_naming_the_option(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    with pytest.raises(SystemExit) as info:
        main(["obligations", "--db", db, "--now", "2026-03-13T09:00:00"])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("--now: ")


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
