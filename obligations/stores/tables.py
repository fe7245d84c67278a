"""The SQL tables that clients outside the engine (the web console) read and write directly.

:mod:`._sqltables` is the store's private schema; the tables named here are a public part of
it: ones the engine itself never touches (the console's users, tokens, sessions) and the
agreements table the console reads buyer names from. Each console stream lists its own tables
in its own block.
"""

from __future__ import annotations

# -- web (issue 12): the console's users, API tokens, sessions, login attempts ------------------
from ._sqltables import agreements, api_tokens, login_attempts, sessions, users

__all__ = ["agreements", "api_tokens", "login_attempts", "sessions", "users"]

# -- queries (issue 12): what the dashboard and the obligation page read, and how ---------------
from collections.abc import Iterable, Sequence
from typing import Any

from .._model import Obligation
from ._rowmap import OBLIGATION_ROWS
from ._sqltables import (
    JUDGED_SQL,
    OPEN_STATES_SQL,
    UTCDateTime,
    audit_log,
    notice_events,
    notices,
    obligations,
    scheduler_heartbeats,
)


def obligations_from_rows(rows: Iterable[Sequence[Any]]) -> list[Obligation]:
    """The obligations of rows of ``select(obligations)`` (every column, in table order), as
    the store itself decodes them."""
    return Obligation.from_fields(OBLIGATION_ROWS.fields_from_rows(rows))


__all__ += [
    "JUDGED_SQL",
    "OPEN_STATES_SQL",
    "UTCDateTime",
    "audit_log",
    "notice_events",
    "notices",
    "obligations",
    "obligations_from_rows",
    "scheduler_heartbeats",
]
