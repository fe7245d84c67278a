"""Rows of the obligations table straight to the ``wsr obligations --json`` view.

A listing that is printed as JSON needs no Obligation values: building them (and then each
one's :meth:`Obligation.to_view`) costs more per row than the database takes to hand the row
over. This builds the same view — key for key, value for value, checked against ``to_view``
in ``tests/obligations/test_views.py`` — from the row as the driver returns it.
The stored amount text is already at the currency's minor unit (``Money`` quantises on
construction), so it is the view's value as it is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .._enums import FINAL, Timing
from .._model import DUE_SOON, in_force_window, quantize
from .._powers import KEY as POWERS_KEY
from ._rowmap import OBLIGATION_ROWS

_FINAL = frozenset(s.value for s in FINAL)
POWERS_KEY_JSON = f'"{POWERS_KEY}"'
_COL = {name: i for i, name in enumerate(OBLIGATION_ROWS.columns)}


@functools.lru_cache(maxsize=4096)
def _paid(paid: str, currency: str) -> str:
    return str(quantize(Decimal(paid), currency))


@functools.lru_cache(maxsize=4096)
def _instant(text: str) -> datetime:
    # SQLite keeps instants as naive UTC text; a listing repeats a handful of them
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def views_from_rows(
    rows: Iterable[Sequence[Any]], now: datetime
) -> list[tuple[datetime, str, dict[str, Any]]]:
    """(due_at, id, view) per row of ``select(obligations)`` as the DBAPI driver returns it,
    in the rows' order: no SQLAlchemy result processing, dates as ISO text (the view's own
    form), ``due_at`` as fixed-width naive UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``, which
    compares like the instants), booleans as the driver gives them (SQLite: integers).
    """
    now = now.astimezone(UTC)
    soon = now + DUE_SOON
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    now_key = now.replace(tzinfo=None).strftime(fmt)
    soon_key = soon.replace(tzinfo=None).strftime(fmt)
    overdue, due_soon, upcoming = Timing.OVERDUE.value, Timing.DUE_SOON.value, Timing.UPCOMING.value
    c = _COL
    i_id, i_agr, i_clause, i_ver, i_spec = (
        c["id"], c["agreement_id"], c["clause_id"], c["clause_version"], c["spec_id"]
    )  # fmt: skip
    i_title, i_obligor, i_benef, i_subject, i_due = (
        c["title"], c["obligor"], c["beneficiary"], c["subject"], c["due"]
    )  # fmt: skip
    i_state, i_due_at, i_kind, i_flags, i_value = (
        c["state"], c["due_at"], c["kind"], c["flags"], c["amount_value"]
    )  # fmt: skip
    i_cur, i_paid, i_late, i_evidence, i_section = (
        c["amount_currency"], c["paid"], c["late"], c["evidence"], c["section"]
    )  # fmt: skip
    i_start, i_end, i_data = c["period_start"], c["period_end"], c["data"]
    loads, final, instant = json.loads, _FINAL, _instant
    out: list[tuple[datetime, str, dict[str, Any]]] = []
    for r in rows:
        state, due_at, value, currency, flags = (
            r[i_state], r[i_due_at], r[i_value], r[i_cur], r[i_flags]
        )  # fmt: skip
        if state in final:
            timing = None
        elif now_key >= due_at:
            timing = None if r[i_kind] == "prohibition" else overdue
        else:
            timing = due_soon if due_at <= soon_key else upcoming
        due, start, end, data = r[i_due], r[i_start], r[i_end], r[i_data]
        out.append(
            (
                instant(due_at),
                r[i_id],
                {
                    "id": r[i_id],
                    "agreement_id": r[i_agr],
                    "clause_id": r[i_clause],
                    "clause_version": r[i_ver],
                    "spec_id": r[i_spec],
                    "title": r[i_title],
                    "obligor": r[i_obligor],
                    "beneficiary": r[i_benef],
                    "subject": r[i_subject] or None,
                    "due": due,
                    "state": state,
                    "timing": timing,
                    "flags": [] if flags == "[]" else sorted(loads(flags)),
                    "amount": None if value is None else {"value": value, "currency": currency},
                    "paid": _paid(r[i_paid], currency or "USD"),
                    "late": bool(r[i_late]),
                    "evidence": r[i_evidence],
                    "section": r[i_section],
                    "period_start": start,
                    "period_end": end,
                    # what a confirmed breach made available (obligations._powers); only
                    # rows that carry powers pay for decoding their data
                    "powers": loads(data).get(POWERS_KEY, []) if POWERS_KEY_JSON in data else [],
                    "kind": r[i_kind],
                    "in_force": in_force_window(r[i_kind], due, end),
                },
            )
        )
    return out
