"""The time overlay kept between requests, for as long as it is exactly what a fresh one would be.

Every dashboard and list read runs the time step for the awake agreements in scope
(``ObligationService.time_overlay``): on a million obligations a week past their wakes, most of
what a request costs. Its result is a function of the stored rows and ``now`` alone (the step is
pure, ``obligations._advance``), so two requests at the same ``now`` over the same rows get the
same overlay. This keeps it, keyed by:

- ``store.data_revision()`` read in the request's own snapshot (migration ``0012_revision``:
  every unit of work that wrote, in any process, adds one to it in its transaction) — so an
  entry is only ever served to a snapshot holding the rows it was computed from;
- ``now``: the console's business clock reads whole minutes (:func:`wsr.console.app
  .console_clock`), so the requests of a minute share one step;
- which agreements were asked (None: all of them).

A store that cannot say its revision (``None``) is never cached. Concurrent misses of one key
compute once: the others wait for it (one flight per key). The step's values are frozen
``Obligation``s and callers get a new dict each time, so nothing served can be changed.

**Parts.** A miss of the whole overlay (any write moves ``store_revision``) is put together
from each agreement's part, and a part is kept under (agreement, that agreement's revision,
``now``): migration ``0013_agreement_revision`` gives an agreement the store's new revision
whenever a unit of work writes its row or its obligations, and its step reads nothing else. So
after a write to one agreement only that agreement's step is computed again; an agreement with
no revision is computed every time.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from obligations import Obligation, ObligationStore

__all__ = ["OverlayCache", "overlay_cache"]

Overlay = dict[str, Obligation]

#: entries kept: one per (revision, minute, scope) in use; a few viewers' scopes per minute
SIZE = 32
#: agreements' parts kept: one per (agreement, its revision, minute) in use
PART_SIZE = 512


@dataclass
class OverlayCache:
    """Overlays by key, least recently used dropped first; thread-safe (the console's sync
    routes run in a thread pool)."""

    size: int = SIZE
    part_size: int = PART_SIZE
    hits: int = 0
    misses: int = 0
    part_hits: int = 0
    part_misses: int = 0
    _entries: OrderedDict[Hashable, Overlay] = field(default_factory=OrderedDict)
    _parts: OrderedDict[Hashable, Overlay] = field(default_factory=OrderedDict)
    _flights: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Hashable, compute: Callable[[], Overlay]) -> Overlay:
        """A copy of the overlay stored under ``key``, computed by ``compute`` if there is none
        (once, however many threads miss it together)."""
        with self._lock:
            found = self._hit(key)
            if found is not None:
                return dict(found)
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                found = self._hit(key)
                if found is not None:
                    return dict(found)
            try:
                value = compute()
                with self._lock:
                    self.misses += 1
                    self._entries[key] = value
                    while len(self._entries) > self.size:
                        self._entries.popitem(last=False)
            finally:
                with self._lock:
                    self._flights.pop(key, None)
        return dict(value)

    def part(self, key: Hashable) -> Overlay | None:
        """The agreement's part kept under ``key`` (agreement, its revision, now), if any; the
        caller only reads it (the whole overlay built from parts is a new dict)."""
        with self._lock:
            found = self._parts.get(key)
            if found is None:
                self.part_misses += 1
            else:
                self._parts.move_to_end(key)
                self.part_hits += 1
            return found

    def keep_part(self, key: Hashable, part: Overlay) -> None:
        with self._lock:
            self._parts[key] = dict(part)
            while len(self._parts) > self.part_size:
                self._parts.popitem(last=False)

    def _hit(self, key: Hashable) -> Overlay | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._parts.clear()


_CACHES: weakref.WeakKeyDictionary[ObligationStore, OverlayCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def overlay_cache(store: ObligationStore) -> OverlayCache:
    """The cache of ``store`` (one per store object: a console holds one store for its life)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = OverlayCache()
        return cache
