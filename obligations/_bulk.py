"""Building many values at once: the cyclic garbage collector paused for the duration.

Tracking a large agreement makes ~300k small containers (obligations, snapshots, audit
entries, row tuples) that all live until the transaction commits. Every few thousand
allocations CPython's cyclic collector runs, and its full passes walk every live object, so a
10k-instance track spends ~0.3 s (a quarter of its time) collecting nothing: none of these
values form cycles, and reference counting frees them all as usual. The same trick Mercurial
uses around its parsers (``util.nogc``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block, if it was enabled; restore it after.

    Only the cycle detector stops: memory is still freed by reference counting, and a
    collection runs at the next threshold after the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
