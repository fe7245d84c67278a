"""The public surface of ``obligations`` is deliberate: every export exists and is listed."""

from __future__ import annotations

import obligations
import obligations.stores


def test_all_exports_exist_and_are_sorted():
    for module in (obligations, obligations.stores):
        for name in module.__all__:
            assert hasattr(module, name), name
        assert len(set(module.__all__)) == len(module.__all__)


def test_public_names_are_exported():
    public = {n for n in dir(obligations) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(obligations, n)).__name__ == "module"}
    assert public - modules - {"annotations"} == set(obligations.__all__)
