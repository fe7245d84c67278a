"""Fixtures for the delivery side of the scheduler: rendered messages and the SendGrid stub."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from scheduler import OutgoingMessage, message_sha256
from tests.scheduler.sendgrid_stub import SendGridStub


def message(
    n: int,
    *,
    template: str = "reminder",
    language: str = "en",
    to: str | None = None,
    html: bool = True,
    body: str | None = None,
) -> OutgoingMessage:
    text = body if body is not None else f"Notice {n}: the premium payment is due on 2026-04-15."
    subject = f"Reminder {n}: payment due"
    body_html = f"<p>{text}</p>" if html else None
    to_email = to or f"person{n}@example.org"
    digest = message_sha256(to_email, subject, text, body_html)  # as the sweep hashes it
    return OutgoingMessage(
        notice_id=hashlib.sha1(f"notice-{n}".encode()).hexdigest(),
        to_email=to_email,
        to_name=f"Person {n}",
        template=template,
        language=language,
        subject=subject,
        body_text=text,
        body_html=body_html,
        sha256=digest,
    )


@pytest.fixture
def stub() -> Iterator[SendGridStub]:
    with SendGridStub() as s:
        yield s


# -- databases: SQLite per test, and one PostgreSQL database for the session --------------------


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A private, migrated database on the server named by WSR_TEST_POSTGRES_URL."""
    from obligations._db import upgrade
    from tests.pgdb import private_database

    with private_database("wsr_s") as target:
        upgrade(target)
        yield target


def empty_tables(engine) -> None:
    from tests.obligations.conftest import _empty

    _empty(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty, migrated database (its URL), on SQLite and on PostgreSQL."""
    from obligations._db import make_engine, upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'wsr.db'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("pg_database_url")
    engine = make_engine(url)
    empty_tables(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str):
    from obligations._db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def add_notice(engine, n: int, *, step: str = "reminder", state: str = "sent", **over) -> str:
    """A notice row as the notices stream writes it (with its agreement), for delivery tests."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa

    from obligations.stores._sqltables import agreements, notices

    m = message(n)
    at = datetime(2026, 4, 8, 13, 0, tzinfo=UTC)
    with engine.begin() as conn:
        have = sa.select(agreements.c.id).where(agreements.c.id == "agr-test")
        if conn.execute(have).first() is None:
            conn.execute(
                sa.insert(agreements).values(
                    id="agr-test",
                    title="Test agreement",
                    timezone="America/New_York",
                    currency="USD",
                    signed_on=date(2026, 1, 5),
                    effective_date=date(2026, 1, 5),
                    term_end=date(2029, 1, 4),
                    status="active",
                    record_json="{}",
                    created_at=at,
                )  # fmt: skip
            )
        row = {
            "id": m.notice_id, "agreement_id": "agr-test", "obligation_id": f"obl-{n}",
            "step": step, "offset_days": 7, "recipient": m.to_email, "recipient_name": m.to_name,
            "recipient_role": "obligor", "language": m.language, "due_on": date(2026, 4, 15),
            "decided_at": at, "template": m.template, "subject": m.subject,
            "body_text": m.body_text, "body_html": m.body_html, "sha256": m.sha256,
            "state": state, "attempts": 1 if state == "sent" else 0,
            "provider": "sendgrid" if state == "sent" else None,
            "provider_message_id": f"msg{n}" if state == "sent" else None,
            "sent_at": at if state == "sent" else None,
        }  # fmt: skip
        row.update(over)
        conn.execute(sa.insert(notices).values(**row))
    return m.notice_id
