"""Where an engine error goes on a page: each problem beside the input its path names.

The service raises the CLI's problems (``supplier: unknown supplier 'X' (covered: …)``); a form
shows each message under the input of that name, and what names no input (``now``, an id)
above the form with its path, so no message is ever dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from clauses import EngineError, Problem

from ._eventform import field_for

__all__ = ["Placed", "place", "problems_of"]


def problems_of(exc: EngineError) -> list[Problem]:
    """The problems an engine error carries (every leaf has ``problems``; else its text)."""
    found = getattr(exc, "problems", None)
    return list(found) if found else [Problem("", str(exc))]


@dataclass
class Placed:
    """Messages by input name, and those that belong to no input (shown with their path)."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def place(
    problems: Iterable[Problem],
    names: Sequence[str],
    *,
    prefix: str = "",
    rename: dict[str, str] | None = None,
) -> Placed:
    """Put each problem on the input it concerns.

    ``prefix`` is added to a problem's path before it is matched (a what-if row's ``r1.``);
    ``rename`` maps an engine path to an input name where they differ (the CLI's ``--reason``
    is the page's ``reason``).
    """
    rename = rename or {}
    out = Placed()
    for p in problems:
        path = rename.get(p.path, p.path)
        target = field_for(prefix + path, names) if path else None
        if target is None:
            out.general.append(str(p))
        else:
            out.fields.setdefault(target, []).append(p.message)
    return out
