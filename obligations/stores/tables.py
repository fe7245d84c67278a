"""The SQL tables that clients outside the engine (the web console) read and write directly.

:mod:`._sqltables` is the store's private schema; the tables named here are a public part of
it: ones the engine itself never touches (the console's users, tokens, sessions) and the
agreements table the console reads buyer names from. Each console stream lists its own tables
in its own block.
"""

from __future__ import annotations

# -- web (issue 12): the console's users, API tokens, sessions, login attempts ------------------
from ._sqltables import agreements, api_tokens, login_attempts, sessions, users

# isort: split
# -- bundle (issue 12): personal feed tokens, who follows what, and the delivery evidence the
# arbitration bundle shows (written by the scheduler, read here)
from ._sqltables import feed_tokens, notice_events, notice_follows, notices, webhook_requests

# isort: split
# -- review (issue 12): drafts in review, their moves, comments and clause decisions
from ._sqltables import clause_comments, clause_decisions, draft_status_changes, drafts

# isort: split
# -- queries (issue 12): what the dashboard and the obligation page read, and how ---------------
from collections.abc import Iterable, Sequence
from typing import Any

from .._model import Obligation
from ._rowmap import OBLIGATION_ROWS
from ._sqltables import (
    IN_CURE_SQL,
    JUDGED_SQL,
    OPEN_STATES_SQL,
    SUSPECTED_SQL,
    UTCDateTime,
    audit_log,
    obligations,
    scheduler_heartbeats,
)


def obligations_from_rows(rows: Iterable[Sequence[Any]]) -> list[Obligation]:
    """The obligations of rows of ``select(obligations)`` (every column, in table order), as
    the store itself decodes them."""
    return Obligation.from_fields(OBLIGATION_ROWS.fields_from_rows(rows))


__all__ = [
    # web
    "agreements",
    "api_tokens",
    "login_attempts",
    "sessions",
    "users",
    # bundle
    "feed_tokens",
    "notice_events",
    "notice_follows",
    "notices",
    "webhook_requests",
    # review
    "clause_comments",
    "clause_decisions",
    "draft_status_changes",
    "drafts",
    # queries
    "IN_CURE_SQL",
    "JUDGED_SQL",
    "OPEN_STATES_SQL",
    "SUSPECTED_SQL",
    "UTCDateTime",
    "audit_log",
    "obligations",
    "obligations_from_rows",
    "scheduler_heartbeats",
]
