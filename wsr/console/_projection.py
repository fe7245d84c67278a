"""The console's reads at ``now`` as a sweep at ``now`` would leave the store.

The figures and the list are SQL over the stored rows (:mod:`wsr.console.queries`); the time
step (``ObligationService.time_overlay``) says which rows a sweep at ``now`` would create or
change. This module lays the second over the first without loading the rest:

- counts and chart: the stored versions of the overlaid rows are taken out of the categories
  and weeks they were counted in, and the overlaid versions are counted where they now fall;
  so the Python predicates here must say exactly what the SQL terms of ``queries`` say (the
  property test ``tests/wsr/console/test_dashboard_projection.py`` compares the two against a
  swept copy);
- a page of the list: the stored rows are read without the overlaid ids, starting early enough
  (``offset - len(overlay)``) that every overlay row which can fall on or before the page is
  merged in due order, so ``limit``/``offset``/``has_more`` are those of the swept list.

Quiet agreements (``agreements.wake_at`` not yet come) give an empty overlay, and then the
queries keep their SQL-only path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from obligations import LegalState, Obligation

__all__ = ["Categorised", "in_scope", "list_match", "merge_page", "shift_figures"]

_OPEN = frozenset({LegalState.CREATED, LegalState.IN_EFFECT, LegalState.SUSPENDED})

#: a stored row's listing key (``ORDER BY due_at, id``)
Key = tuple[datetime, str]


def _key(ob: Obligation) -> Key:
    return (ob.due_at, ob.id)


def _open(ob: Obligation) -> bool:
    return ob.state in _OPEN


def _judged(ob: Obligation) -> bool:
    """``JUDGED_SQL``."""
    return (
        "breach_suspected" in ob.flags
        or ob.state is LegalState.VIOLATED
        or ob.spec_id.endswith(".cure")
    )


def _suspected(ob: Obligation) -> bool:
    """``JUDGED_SQL AND _NOT_CONFIRMED``."""
    return (
        "breach_suspected" in ob.flags
        and ob.state is not LegalState.VIOLATED
        and "breach_confirmed" not in ob.flags
    )


def _in_cure(ob: Obligation) -> bool:
    return _judged(ob) and ob.spec_id.endswith(".cure") and _open(ob)


def _overdue(ob: Obligation, now: datetime) -> bool:
    return _open(ob) and ob.due_at <= now and ob.kind.value != "prohibition"


def _due_soon(ob: Obligation, now: datetime, days: int) -> bool:
    return _open(ob) and now < ob.due_at <= now + timedelta(days=days)


class Categorised:
    """Which count keys and which chart week a row falls in (as ``_q_dashboard._figures``
    counts)."""

    def __init__(self, bounds: Sequence[datetime]) -> None:
        self.bounds = list(bounds)

    def of(self, ob: Obligation) -> tuple[list[str], int | None]:
        keys: list[str] = []
        week: int | None = None
        b = self.bounds
        if _overdue(ob, b[0]):
            keys.append("overdue")
        if _open(ob) and b[0] < ob.due_at <= b[-1]:
            week = next(i for i in range(len(b) - 1) if b[i] < ob.due_at <= b[i + 1])
            if week == 0:
                keys.append("due_soon")
        if _suspected(ob):
            keys.append("breach_suspected")
        if _in_cure(ob):
            keys.append("in_cure")
        if ob.state is LegalState.VIOLATED:
            keys.append("violated")
        return keys, week


def shift_figures(
    counts: dict[str, int],
    weeks: list[int],
    bounds: Sequence[datetime],
    stored: Iterable[Obligation],
    overlaid: Iterable[Obligation],
) -> None:
    """Take the stored versions out of ``counts``/``weeks`` and count the overlaid ones in
    (in place; ``weeks[i]`` is the count of chart week ``i``)."""
    cat = Categorised(bounds)
    for sign, rows in ((-1, stored), (1, overlaid)):
        for ob in rows:
            keys, week = cat.of(ob)
            for k in keys:
                counts[k] += sign
            if week is not None:
                weeks[week] += sign


def in_scope(
    ob: Obligation,
    *,
    agreements: frozenset[str] | None,
    supplier: str | None,
    clause: str | None,
    obligor: str | None,
) -> bool:
    """The scope's WHERE (``_q_facts._scope``) for one row."""
    return (
        (agreements is None or ob.agreement_id in agreements)
        and (supplier is None or (ob.subject or "") == supplier)
        and (clause is None or ob.clause_id == clause)
        and (obligor is None or ob.obligor == obligor)
    )


def list_match(
    state: str | None, show: str | None, now: datetime, due_soon_days: int
) -> Callable[[Obligation], bool]:
    """The list's own terms (``_q_filters._list_where``) for one row."""

    def match(ob: Obligation) -> bool:
        if state == "open" and not _open(ob):
            return False
        if state is not None and state != "open" and ob.state.value != state:
            return False
        if show == "due_soon":
            return _due_soon(ob, now, due_soon_days)
        if show == "overdue":
            return _overdue(ob, now)
        if show == "breach_suspected":
            return _suspected(ob)
        if show == "in_cure":
            return _in_cure(ob)
        if show == "violated":
            return ob.state is LegalState.VIOLATED
        return True

    return match


def merge_page(
    fetch: Callable[[int, int], list[Obligation]],
    overlay: Mapping[str, Obligation],
    *,
    limit: int,
    offset: int,
) -> tuple[list[Obligation], bool]:
    """(the page's rows, has_more) of the stored list with ``overlay`` (the overlaid rows
    that match the list) merged in due order.

    ``fetch(start, count)`` reads rows ``start .. start+count-1`` of the stored list WITHOUT
    the overlaid ids. At most ``len(overlay)`` overlay rows can come before position
    ``offset``, so the stored rows from ``offset - len(overlay)`` on, merged with the overlay
    rows from the first fetched key on, are the merged list from a known position."""
    extra = sorted(overlay.values(), key=_key)
    start = max(0, offset - len(extra))
    want = offset + limit + 1 - start
    rows = fetch(start, want)
    if start == 0:
        tail, pos = extra + rows, 0
    elif not rows:
        # the stored list ends before `start`: the merged one has at most start + len(extra)
        # = offset rows, so nothing is on the page
        return [], False
    else:
        first = _key(rows[0])
        tail = [o for o in extra if _key(o) >= first] + rows
        pos = start + sum(1 for o in extra if _key(o) < first)
    tail.sort(key=_key)
    # correct up to the last fetched stored row, which is at least `want` rows from `start`
    chosen = tail[offset - pos : offset - pos + limit + 1]
    return chosen[:limit], len(chosen) > limit
