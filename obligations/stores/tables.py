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
