"""Fixtures shared by the command tests: ``any_db``, a fresh database on each store."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa


def _pg_url() -> str | None:
    return os.environ.get("WSR_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wsr.db'}"
        return
    url = _pg_url()
    if not url:
        pytest.skip("WSR_TEST_POSTGRES_URL is not set (scripts/pg-test-server start DIR)")
    base = sa.engine.make_url(url)
    name = f"wsr_cli_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
