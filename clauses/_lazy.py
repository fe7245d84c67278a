"""The PEP 562 lazy import every engine package's ``__init__`` uses: a public name is imported
from its module on first use, so ``import obligations`` (or ``clauses``, ``scheduler``,
``obligations.stores``) costs nothing and a command pays only for the modules it touches.

It lives here, in the package at the bottom of ``wsr → scheduler → obligations → clauses``,
because every package may import ``clauses`` without a cycle, and importing it runs only the
lazy ``clauses/__init__.py`` (no clause module, no dependency): ``scheduler`` and ``clauses``
need not import ``obligations`` for it. Each package keeps its own ``_LAZY`` table (public
name → module, ``module:name`` where the name differs) and ``TYPE_CHECKING`` imports; this
module is the one copy of the two functions that read the table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_names(
    namespace: MutableMapping[str, Any], table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of the package whose ``globals()`` is
    ``namespace``: a name in ``table`` is imported (relative to the package) on first use and
    kept in ``namespace``, so the next use is a plain global; any other name is the usual
    ``AttributeError``."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = target.partition(":")
        value = getattr(importlib.import_module(module, package), attr or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *table})

    return __getattr__, __dir__
