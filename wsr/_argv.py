"""The command line's arguments before any command module is loaded: where ``--db``/``--now``
may stand (:func:`hoist_global_options`), for typer's ``wsr`` (:mod:`wsr.cli`) and for the
typer-free start of a plain draft (:mod:`wsr._entry`) alike. Standard library only.
"""

from __future__ import annotations

GLOBAL_OPTIONS = ("--db", "--now")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move ``--db``/``--now`` given after the command to the front, where click expects them.

    The contract says every time-dependent command accepts ``--now``; people write
    ``wsr obligations --now 2026-03-13T09:00-05:00`` as often as ``wsr --now … obligations``.
    Values after ``--set``/``--note``/``--reason`` are left alone, so a note that happens to read
    "--now" stays a note.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in ("--set", "--note", "--reason") and i + 1 < len(argv):
            rest += argv[i : i + 2]
            i += 2
            continue
        if token in GLOBAL_OPTIONS and i + 1 < len(argv):
            front += argv[i : i + 2]
            i += 2
            continue
        if token.split("=", 1)[0] in GLOBAL_OPTIONS and "=" in token:
            front.append(token)
            i += 1
            continue
        rest.append(token)
        i += 1
    return front + rest
