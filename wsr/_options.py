"""The one place where the engine's field names become this command line's option names.

Domain code names what is wrong in its own terms (``on``, ``supplier``, ``reason``, an event
field such as ``amount``), so the web console and the interview can show the same error beside
their own fields. Only here are those names spelled the way a person typed them at the shell
(``--on``, ``--supplier``, ``--set amount``). Paths the CLI spelled itself (``--signed-on``, a
file name) pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from clauses import EVENT_FIELDS, Problem

#: domain field -> option, for every command that has the option
COMMON: dict[str, str] = {
    "on": "--on",
    "now": "--now",
    "reason": "--reason",
    "db": "--db",
    "due_within": "--due-within",
    "note": "--note",
    "evidence": "--evidence",
    "signed_on": "--signed-on",
}

#: further fields that are a command's own options or arguments (by the name typed after wsr)
COMMANDS: dict[str, dict[str, str]] = {
    "determination": {"supplier": "--supplier"},
    "payroll": {"period": "--period"},
}

#: commands whose other fields are event fields given as ``--set key=value``
SET_COMMANDS = frozenset({"event", "determination", "whatif"})

_EVENT_FIELD_NAMES = frozenset(name for fields in EVENT_FIELDS.values() for name in fields)
_HEAD = re.compile(r"^([a-z_][a-z0-9_]*)(.*)$")


def set_keys(args: Sequence[str]) -> set[str]:
    """The keys given as ``--set key=value`` (or ``--set=key=value``) on the command line."""
    keys: set[str] = set()
    for i, token in enumerate(args):
        value = None
        if token == "--set" and i + 1 < len(args):
            value = args[i + 1]
        elif token.startswith("--set="):
            value = token[len("--set=") :]
        if value is not None and "=" in value:
            keys.add(value.partition("=")[0].strip())
    return keys


def spell(problems: Iterable[Problem], command: str | None, args: Sequence[str]) -> list[Problem]:
    """The problems with each domain field renamed to the option ``command`` takes it by."""
    options = {**COMMON, **COMMANDS.get(command or "", {})}
    fields = (_EVENT_FIELD_NAMES | set_keys(args)) if command in SET_COMMANDS else set()
    out: list[Problem] = []
    for p in problems:
        path = p.path
        head = _HEAD.match(path)
        if path in options:
            path = options[path]
        elif head is not None and head.group(1) in fields:
            path = f"--set {path}"
        out.append(Problem(path, p.message))
    return out


def printable(text: str) -> str:
    """``text`` with control characters and line or paragraph separators escaped (``\\x1c``).

    A problem names what the person gave, and a key or value can carry such characters; printed
    raw they would break the one-problem-per-line contract (or move a terminal's cursor).
    """
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp")
        else ch
        for ch in text
    )
