"""The engine's one error hierarchy.

Every error the engine raises on purpose derives from :class:`EngineError`; leaves also
subclass the builtin that says what kind of mistake it is, so callers can catch either::

    EngineError
    ├── InputError (ValueError)           bad answers, events, options: a list of Problems, exit 2
    │   └── LibraryError                  the clause library itself fails `wsr library --check`
    ├── TemplateError (ValueError)        a clause template failed to render (clause id + line)
    ├── NotFound (LookupError)            an agreement, obligation or clause that does not exist
    ├── Conflict (ValueError)             the request contradicts stored state (tracked twice…)
    ├── InvalidTransition (ValueError)    a lifecycle move the obligation's state does not allow
    └── ToolMissing (RuntimeError)        an optional external tool (LibreOffice) is not installed

The CLI maps InputError, NotFound, Conflict and InvalidTransition to exit code 2 and prints
each problem as ``<path>: <message>``; anything else is exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, located by a dotted path such as ``clauses.premium.rate``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class EngineError(Exception):
    """Root of every error the engine raises deliberately."""


class InputError(EngineError, ValueError):
    """The input (answers, an event, an option) has one or more problems; nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str, message: str) -> InputError:
        return cls([Problem(path, message)])


class LibraryError(InputError):
    """The clause library does not pass its own checks; fix the YAML named in each problem."""


class TemplateError(EngineError, ValueError):
    """A clause template failed to render; carries the clause id and template line."""

    def __init__(self, clause_id: str, message: str, *, line: int | None = None) -> None:
        self.clause_id = clause_id
        self.line = line
        where = f"clauses.{clause_id}" + (f" (template line {line})" if line else "")
        super().__init__(f"{where}: {message}")

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem(f"clauses.{self.clause_id}", str(self).split(": ", 1)[1]),)


class NotFound(EngineError, LookupError):
    """Something named by id does not exist."""

    def __init__(self, kind: str, ident: str, *, path: str | None = None, hint: str = "") -> None:
        self.kind = kind
        self.ident = ident
        self.path = path or kind
        msg = f"no {kind} with the id {ident!r} was found"
        if hint:
            msg += f"; {hint}"
        super().__init__(msg)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem(self.path, str(self)),)


class Conflict(EngineError, ValueError):
    """The request contradicts what is already stored (e.g. tracking an agreement twice)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem(self.path, str(self)),)


class InvalidTransition(EngineError, ValueError):
    """The obligation's current state does not allow the requested lifecycle move."""

    def __init__(
        self, obligation_id: str, state: str, action: str, *, allowed: Iterable[str] = ()
    ) -> None:
        self.obligation_id = obligation_id
        self.state = state
        self.action = action
        allowed_list = sorted(allowed)
        msg = f"obligation {obligation_id!r} is {state}; it cannot be {action}"
        if allowed_list:
            msg += f" (from {state} it can only be: {', '.join(allowed_list)})"
        super().__init__(msg)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem(self.obligation_id, str(self)),)


class ToolMissing(EngineError, RuntimeError):
    """An optional external tool is not installed; the message says how to install it."""
