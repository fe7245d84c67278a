"""A database of its own on the tests' PostgreSQL server, for one fixture's life.

The server is the one ``WSR_TEST_POSTGRES_URL`` names (CI always sets it; locally
``export WSR_TEST_POSTGRES_URL=$(scripts/pg-test-server start /tmp/wsr-pg)``); without it the
test is skipped with that advice. The database is dropped afterwards, whatever the test did
with its connections (``WITH (FORCE)``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

PG_ENV = "WSR_TEST_POSTGRES_URL"


@contextmanager
def private_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named ``<prefix>_<random>``; skips without a server."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"{PG_ENV} is not set; start a server with "
            f"`export {PG_ENV}=$(scripts/pg-test-server start /tmp/wsr-pg)`"
        )
    base = sa.engine.make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
