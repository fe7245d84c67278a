"""Store adapters: :class:`MemoryObligationStore` here; the SQLAlchemy store in ``.sqlalchemy``.

Imported on first use (PEP 562), so the DBAPI read path (``stores._fastread``) does not load
the memory store and what it imports.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:  # what mypy and editors see; at run time, `_LAZY` below
    from .memory import MemoryObligationStore

#: public name -> the module defining it (``module:name`` where the name differs), imported
#: on first use (PEP 562): a command pays only for the modules it touches. One name per line.
_LAZY: dict[str, str] = {
    "MemoryObligationStore": ".memory",
}


def __getattr__(name: str) -> _typing.Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(_importlib.import_module(module, __name__), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = ["MemoryObligationStore"]
