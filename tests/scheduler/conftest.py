"""Fixtures for the delivery side of the scheduler: rendered messages and the SendGrid stub."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from scheduler import OutgoingMessage
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
    digest = hashlib.sha256(f"{subject}\n{text}\n{body_html}".encode()).hexdigest()
    return OutgoingMessage(
        notice_id=hashlib.sha1(f"notice-{n}".encode()).hexdigest(),
        to_email=to or f"person{n}@example.org",
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
