"""The public surface of each package is deliberate: everything in ``__all__`` exists, and every
public name the package exposes is listed in ``__all__`` (nothing leaks by accident)."""

from __future__ import annotations

import importlib
import types

import pytest


@pytest.mark.parametrize("package", ["clauses", "obligations", "scheduler"])
def test_all_is_exact(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), "duplicates in __all__"
    missing = {name for name in exported if not hasattr(module, name)}
    assert not missing
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    # names a package imports on first use (PEP 562 ``__getattr__``) are public too
    public |= set(getattr(module, "_LAZY", {}))
    assert public == exported, f"not in __all__: {sorted(public - exported)}"
