"""Which subjects already have a recurring period: ``periods_subjects`` for both SQL stores.

Every read's time step asks this about the newest pending period of each recurring spec of
each agreement (``_advance._materialise``), and the answer is almost always "all of them": a
sweep stored the period. It used to be one seek of the natural-key index per subject — about
21,000 on the benchmarks' million-instance store, 0.11 s of a 0.18 s dashboard.

The natural key is indexed as (agreement, spec, key, subject) since 0010_periods, so the rows
of one period are one contiguous range of that index: each ask is one range read that returns
the period's subjects joined by a separator, every ask of a call in one statement, and the
answer is the stored subjects among those asked about — the same set the per-subject seeks
found (an ask about a few subjects seeks them in the same index instead). The joining is
only trusted when it cannot be ambiguous: the number of pieces equals the
row count (so no stored subject holds the separator); otherwise that ask's subjects are read as
rows. Subjects are stored as ``''`` for "no subject" and answered as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

#: joins the subjects of one period in a single value (a control character no supplier id uses;
#: if one did, the piece count would show it and the rows would be read instead)
SEPARATOR = "\x1f"

#: asks per statement: SQLite refuses a compound SELECT of more than 500 terms
_ASKS_PER_STATEMENT = 200

#: bound parameters per statement, under the 999 of SQLite builds older than 3.32
_PARAMS_PER_STATEMENT = 900

#: an ask about at most this many subjects seeks each of them instead of reading the range
_SEEK_AT_MOST = 16

Rows = Callable[[str, Sequence[Any]], Sequence[Sequence[Any]]]


def periods_subjects(
    rows: Rows,
    *,
    dialect: str,
    mark: str,
    agreement_id: str,
    asks: Sequence[tuple[str, str, Collection[str | None]]],
) -> list[set[str | None]]:
    """For each (spec_id, key, among): the subjects in ``among`` that have an instance of that
    spec with that period key in this agreement (``rows(sql, params)`` runs one statement)."""
    pg = dialect == "postgresql"
    joined = "string_agg(subject, chr(31))" if pg else "group_concat(subject, char(31))"
    where = f"FROM obligations WHERE agreement_id = {mark} AND spec_id = {mark} AND key = {mark}"

    def narrowed(among: Collection[str | None]) -> tuple[str, list[Any]]:
        # a few subjects (a read's probe of a period due after what it shows) are seeks of
        # the same index; a range would read every subject of the period for them
        if len(among) > _SEEK_AT_MOST:
            return "", []
        names = [s or "" for s in among]
        if pg:
            return " AND subject = ANY(%s)", [names]
        return f" AND subject IN ({', '.join([mark] * len(names))})", names

    stored: list[set[str] | None] = [None] * len(asks)
    sql: list[str] = []
    params: list[Any] = []

    def flush() -> None:
        for i, n, text in rows(" UNION ALL ".join(sql), params):
            pieces = [] if not n else str(text).split(SEPARATOR)
            if len(pieces) == int(n):
                stored[int(i)] = set(pieces)
        sql.clear()
        params.clear()

    for i, (spec_id, key, among) in enumerate(asks):
        narrow, values = narrowed(among)
        sql.append(f"SELECT {i}, count(*), {joined} {where}{narrow}")
        params.extend((agreement_id, spec_id, key, *values))
        if len(sql) >= _ASKS_PER_STATEMENT or len(params) >= _PARAMS_PER_STATEMENT:
            flush()
    if sql:
        flush()
    found: list[set[str | None]] = []
    for (spec_id, key, among), have in zip(asks, stored, strict=True):
        if have is None:  # a stored subject holds the separator: read them one by one
            have = {r[0] for r in rows(f"SELECT subject {where}", (agreement_id, spec_id, key))}
        found.append({s for s in among if (s or "") in have})
    return found
