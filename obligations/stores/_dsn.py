"""A PostgreSQL URL as the fast read path hands it to psycopg, read the way SQLAlchemy reads it.

The user's ``--db`` / ``WSR_DATABASE_URL`` is a SQLAlchemy URL, and the SQL store reads its
query with :func:`urllib.parse.parse_qsl`, so ``+`` there is a space, as is ``%20``. libpq
reads a URI's query with percent-decoding only, so ``+`` stays a plus. SQLAlchemy's own
rendering (``URL.render_as_string``) writes spaces as ``+``: handed to libpq as it was,
``?options=-c+statement_timeout%3D5000`` became the option ``-c+statement_timeout=5000``,
which the server refuses, and the listing fell back to the slow path without a word (or a
value such as ``application_name=a+b`` was read differently by the two paths). Here the query
is parsed as SQLAlchemy parses it and passed to psycopg as keyword parameters, so both paths
send the server the same values; the rest of the URL (user, password, host, port, database:
percent-decoded alike by both) goes to libpq unchanged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl


def pg_connect_args(url: str) -> tuple[str, dict[str, Any]] | None:
    """(libpq URI without its query, the query's parameters) for a ``postgresql…://`` URL,
    or None when its query names a parameter twice (the SQL store decides what that means)."""
    rest = url.split("://", 1)[1]
    base, _, query = rest.partition("?")
    pairs = parse_qsl(query)  # as sqlalchemy.engine.make_url does (blank values dropped)
    params: dict[str, Any] = dict(pairs)
    if len(params) != len(pairs):
        return None
    return "postgresql://" + base, params
