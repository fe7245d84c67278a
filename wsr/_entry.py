"""The ``wsr`` executable: a plain ``wsr draft`` without typer, everything else through typer.

A user runs ``wsr draft`` once per process, so start-up is part of every draft, and typer is a
large part of it: importing typer and building the click command of every ``wsr`` command from
its signature costs about as much as rendering a 500-supplier agreement. A draft invocation
made only of the options ``wsr draft`` declares, each spelled the way click reads it, is
recognised here (:func:`plain_draft`) and run by the same function typer's command calls
(:func:`wsr._draft.run_draft`), with the same settings, the same errors and exit codes.
Anything else — ``--help``, an unknown or misspelt option, a missing ``--out``, a value that
starts with ``-``, ``--``, another command — goes to :func:`wsr.cli.main` unchanged, so every
usage message stays typer's. ``tests/wsr/test_entry.py`` runs a table of invocations both ways
and compares what they print, write and exit with.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._argv import GLOBAL_OPTIONS, hoist_global_options

#: ``wsr draft``'s options that take a value -> the keyword of :func:`wsr._draft.run_draft`
_VALUED = {"--out": "out_text", "--format": "formats", "--library": "library", "--name": "name"}
#: its flags
_FLAGS = {"--compare-standard": "compare_standard", "--strict": "strict"}


@dataclass
class PlainDraft:
    """A ``wsr draft`` invocation read without typer: the global options and the draft's."""

    db: str | None = None
    now: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def _value(args: Sequence[str], i: int, eq: str, value: str) -> tuple[str, int] | None:
    """The value of the option at ``args[i]`` (``--name=value``, or the next token) and the
    index of its last token; None when it is missing or starts with ``-`` (click reads such a
    value its own way, so typer is left to read it)."""
    if not eq:
        if i + 1 >= len(args):
            return None
        value, i = args[i + 1], i + 1
    return None if value.startswith("-") else (value, i)


def plain_draft(args: list[str]) -> PlainDraft | None:
    """``args`` (global options already hoisted) as a plain draft, or None for typer to read.

    Click takes the last of a repeated option, a value after ``--opt`` or ``--opt=``, and the
    one argument wherever it stands among the options; so does this. A value that starts with
    ``-`` (click's reading of it depends on the option), an answers path with a NUL byte (typer
    refuses it with its own message) and every token it does not know are left to typer.
    """
    plan = PlainDraft()
    i = 0
    while i < len(args) and args[i] != "draft":
        token = args[i]
        name, eq, value = token.partition("=")
        if name not in GLOBAL_OPTIONS:
            return None
        taken = _value(args, i, eq, value)
        if taken is None:
            return None
        value, i = taken
        setattr(plan, name[2:], value)
        i += 1
    if i >= len(args):
        return None
    answers: str | None = None
    rest = args[i + 1 :]
    j = 0
    while j < len(rest):
        token = rest[j]
        name, eq, value = token.partition("=")
        if name in _VALUED:
            taken = _value(rest, j, eq, value)
            if taken is None:
                return None
            value, j = taken
            plan.options[_VALUED[name]] = value
        elif token in _FLAGS:
            plan.options[_FLAGS[token]] = True
        elif token.startswith("-") or answers is not None or "\x00" in token:
            return None  # --help, an unknown option, `--`, a second argument, a NUL
        else:
            answers = token
        j += 1
    if answers is None or "out_text" not in plan.options:
        return None  # typer says what is missing
    plan.options["answers"] = Path(answers)
    if "library" in plan.options:
        if "\x00" in plan.options["library"]:
            return None
        plan.options["library"] = Path(plan.options["library"])
    return plan


def _echo(text: str, err: bool = False) -> None:
    """One line, as ``typer.echo`` writes it to a text stream (then flushed)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


def main(argv: list[str] | None = None) -> None:
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    plan = plain_draft(args)
    if plan is None:
        from .cli import main as typer_main

        typer_main(args)
        return
    from ._draft import run_draft
    from ._settings import resolve

    try:
        run_draft(resolve(plan.db, plan.now), echo=_echo, **plan.options)
    except (EOFError, KeyboardInterrupt):
        _echo("", err=True)  # what click prints before its Abort
        _echo("aborted", err=True)
        sys.exit(1)
    except Exception as exc:
        from . import cli

        engine_error = cli._raised_engine_error(exc)
        if engine_error is None:
            raise
        cli._invoked[:] = ["draft"]
        sys.exit(cli.report(engine_error, args))
    sys.exit(0)
