"""Store fixtures: the same contract tests run on every store, against real databases.

``store`` is parametrised over ``memory`` (MemoryObligationStore), ``sqlite`` (a fresh file per
test, built by the migrations) and ``postgres``. The PostgreSQL case needs a server: set
``WSR_TEST_POSTGRES_URL`` (CI always does; locally ``export WSR_TEST_POSTGRES_URL=$(
scripts/pg-test-server start /tmp/wsr-pg)``), otherwise it is skipped with that advice. The
session creates its own database on that server (dropped at the end), migrates it once, and
each test starts from empty tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from obligations import LegalState, Money, Obligation, TrackedAgreement, obligation_id
from obligations._db import make_engine, upgrade
from obligations.abc import ObligationStore
from obligations.stores._sqltables import metadata
from obligations.stores.memory import MemoryObligationStore
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.pgdb import private_database

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[sa.Engine]:
    """A private, migrated database on the server named by WSR_TEST_POSTGRES_URL."""
    with private_database("wsr_t") as url:
        engine = make_engine(url)
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


def _empty(engine: sa.Engine) -> None:
    kept = ("audit_head", "store_revision")
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name not in kept)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        conn.exec_driver_sql(
            "UPDATE audit_head SET seq = 0, hash = NULL, mac = NULL, legacy_seq = 0"
        )
        conn.exec_driver_sql("UPDATE store_revision SET n = n + 1")  # it only ever grows


# -- stores -------------------------------------------------------------------------------------


def _sqlite_store(tmp_path: Any) -> SqlAlchemyObligationStore:
    url = f"sqlite:///{tmp_path / 'wsr.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return SqlAlchemyObligationStore(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Any) -> SqlAlchemyObligationStore:
    """A SQL store on an empty, migrated database."""
    if request.param == "sqlite":
        return _sqlite_store(tmp_path)
    engine = request.getfixturevalue("pg_engine")
    _empty(engine)
    return SqlAlchemyObligationStore(engine)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> ObligationStore:
    """Every ObligationStore implementation, each empty."""
    if request.param == "memory":
        return MemoryObligationStore()
    if request.param == "sqlite":
        return _sqlite_store(tmp_path)
    engine = request.getfixturevalue("pg_engine")
    _empty(engine)
    return SqlAlchemyObligationStore(engine)


# -- value factories ----------------------------------------------------------------------------


def _agreement(agreement_id: str = "agr-000000000001", **over: Any) -> TrackedAgreement:
    values: dict[str, Any] = {
        "id": agreement_id,
        "title": "Test Fair Food Agreement",
        "timezone": "America/New_York",
        "currency": "USD",
        "signed_on": date(2026, 1, 5),
        "effective_date": date(2026, 1, 5),
        "term_end": date(2029, 1, 4),
        "status": "active",
        "record_json": f'{{"id": "{agreement_id}"}}',
        "created_at": NOW,
    }
    values.update(over)
    return TrackedAgreement(**values)


def _obligation(
    agreement_id: str = "agr-000000000001",
    *,
    spec_id: str = "premium.payment",
    subject: str | None = "GROWER-G",
    key: str = "2026-01-05",
    due: date = date(2026, 2, 11),
    state: LegalState | str = LegalState.IN_EFFECT,
    amount: Money | None = None,
    **over: Any,
) -> Obligation:
    """An obligation due at the end of ``due`` in New York (05:00 UTC the next day in winter)."""
    due_at = datetime(due.year, due.month, due.day, 5, 0, tzinfo=UTC) + timedelta(days=1)
    clause_id = spec_id.split(".")[0]
    values: dict[str, Any] = {
        "id": obligation_id(agreement_id, spec_id, subject, key),
        "agreement_id": agreement_id,
        "clause_id": clause_id,
        "clause_version": "1.0.0",
        "spec_id": spec_id,
        "section": "5",
        "title": "Pay the premium for the period",
        "kind": "payment",
        "obligor": "buyer",
        "beneficiary": "workers",
        "subject": subject,
        "key": key,
        "due": due,
        "due_at": due_at,
        "state": state,
        "amount": amount,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(over)
    return Obligation(**values)


@pytest.fixture
def make_agreement() -> Callable[..., TrackedAgreement]:
    return _agreement


@pytest.fixture
def make_obligation() -> Callable[..., Obligation]:
    return _obligation


@pytest.fixture
def rich_obligation() -> Obligation:
    """An obligation with every optional field set (for lossless round trips)."""
    return _obligation(
        amount=Money(value=Decimal("2500.00"), currency="USD"),
        paid=Decimal("1000.50"),
        period_start=date(2026, 1, 5),
        period_end=date(2026, 1, 11),
        flags=frozenset({"partially_paid", "late"}),
        evidence="submitted",
        fulfilled_on=date(2026, 2, 10),
        late=True,
        kpi=True,
        surviving=True,
        trigger_event_id="ev-0123456789abcdef",
        data={"shortfall": {"value": "12.34", "currency": "USD"}, "notes": ["a", "b"], "n": 3},
        created_at=NOW - timedelta(days=3, microseconds=17),
        updated_at=NOW,
    )
