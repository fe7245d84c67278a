"""A PostgreSQL URL's query (``options`` with spaces, say) reaches the server intact on the SQL
store and on the listings' fast read path, however the spaces are spelled (``%20``, or ``+`` as
SQLAlchemy renders a URL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from obligations import open_fast
from obligations._db import open_store
from obligations.stores._dsn import pg_connect_args

TIMEOUT = "-c statement_timeout=5000 -c lock_timeout=3000"
QUERIES = {
    "percent": "?options=-c%20statement_timeout%3D5000%20-c%20lock_timeout%3D3000"
    "&application_name=wsr%20listing",
    "plus": "?options=-c+statement_timeout%3D5000+-c+lock_timeout%3D3000"
    "&application_name=wsr+listing",
}


@pytest.mark.parametrize("spelling", sorted(QUERIES))
def test_the_fast_path_reads_a_query_as_sqlalchemy_does(spelling):
    url = "postgresql+psycopg://u:p%2Bq@h:5432/db" + QUERIES[spelling]
    dsn, params = pg_connect_args(url) or ("", {})
    assert dsn == "postgresql://u:p%2Bq@h:5432/db"
    assert params == dict(sa.engine.make_url(url).query)
    assert params == {"options": TIMEOUT, "application_name": "wsr listing"}


def test_a_parameter_given_twice_is_left_to_the_sql_store():
    assert pg_connect_args("postgresql://h/db?options=-c%20a%3D1&options=-c%20b%3D2") is None


SHOWN = ("statement_timeout", "lock_timeout", "application_name")


def _session(execute) -> tuple[str, ...]:
    return tuple(execute(f"SHOW {name}") for name in SHOWN)


@pytest.mark.postgres
@pytest.mark.parametrize("spelling", [*sorted(QUERIES), "rendered"])
def test_the_users_options_reach_the_server_on_both_paths(pg_engine, spelling):
    base = pg_engine.url.render_as_string(hide_password=False)
    assert "?" not in base
    if spelling == "rendered":  # what SQLAlchemy writes back for the user's URL
        url = sa.engine.make_url(base + QUERIES["percent"]).render_as_string(hide_password=False)
        assert "+" in url.split("?", 1)[1]
    else:
        url = base + QUERIES[spelling]
    wanted = ("5s", "3s", "wsr listing")

    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            assert _session(lambda q: conn.exec_driver_sql(q).scalar()) == wanted
    finally:
        store.engine.dispose()

    fast = open_fast(url)
    assert fast is not None, f"the fast path fell back on {url}"
    try:
        got = _session(lambda q: fast.conn.execute(q).fetchone()[0])
        assert got == wanted
        fast.find_obligations()  # and it reads
    finally:
        fast.close()
