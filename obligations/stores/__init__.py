"""Store adapters: :class:`MemoryObligationStore` here; the SQLAlchemy store in ``.sqlalchemy``.

Imported on first use (PEP 562), so the DBAPI read path (``stores._fastread``) does not load
the memory store and what it imports.
"""

from __future__ import annotations

import typing as _typing

from clauses._lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:  # what mypy and editors see; at run time, `_LAZY` below
    from .memory import MemoryObligationStore

#: public name -> the module defining it (``module:name`` where the name differs), imported
#: on first use (PEP 562): a command pays only for the modules it touches. One name per line.
_LAZY: dict[str, str] = {
    "MemoryObligationStore": ".memory",
}

# PEP 562: a name in _LAZY is imported from its module on first use (clauses._lazy)
__getattr__, __dir__ = _lazy_names(globals(), _LAZY)


__all__ = ["MemoryObligationStore"]
