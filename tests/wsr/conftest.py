"""Fixtures shared by the command tests: ``any_db``, a fresh database on each store."""

from __future__ import annotations

import pytest

from tests.pgdb import private_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wsr.db'}"
        return
    with private_database("wsr_cli") as url:
        yield url
