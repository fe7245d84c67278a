"""What the dispatch loop hands a notifier, and what it gets back (the notices ↔ delivery contract).

A message is rendered once, when the sweep decides the notice, and hashed then; a notifier sends
exactly these bytes of text and never re-renders, so the SHA-256 on the certificate of service is
the hash of what the recipient got.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs


@attrs.frozen
class OutgoingMessage:
    """One notice to one recipient, rendered."""

    notice_id: str
    to_email: str
    to_name: str
    template: str  # template key; messages of one template+language batch together
    language: str
    subject: str
    body_text: str
    body_html: str | None
    sha256: str


class SendOutcome(enum.StrEnum):
    """What became of one message given to :meth:`Notifier.send`."""

    #: the provider accepted it (SendGrid's 202, or the .eml file is in the outbox)
    SENT = "sent"
    #: not accepted this time, try again (429, 5xx, connection refused, timeout)
    RETRY = "retry"
    #: the provider refused this message for good (400 and the like); ``error`` says why
    FAILED = "failed"
    #: stop the whole run (401: the key is wrong); nothing more will be accepted until fixed
    FATAL = "fatal"
    #: the request may have reached the provider but no answer came back (connection reset,
    #: timeout after sending): like a crash mid-send, reconcile before any resend
    UNKNOWN = "unknown"


@attrs.frozen
class SendResult:
    """One per message given to ``send()``, in the same order."""

    notice_id: str
    outcome: SendOutcome
    provider_message_id: str | None
    retry_at: datetime | None  # for RETRY: when the provider said (X-RateLimit-Reset), else None
    error: str | None  # the provider's own error text (the 400 body), never a bare "HTTP Error 400"
    # requests this result's batch cost, counted once per batch: the first result of a batch
    # carries the batch's count and the others 0, so the sum over all results is the total
    http_requests: int


@runtime_checkable
class Notifier(Protocol):
    """Sends rendered messages; the dispatch loop records the outcome of each."""

    name: str  # "outbox" | "sendgrid"

    def send(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> Sequence[SendResult]:
        """Send ``messages``; one result per message, in order. Never raises for a provider's
        answer or a transport error: those are outcomes."""
        ...


@runtime_checkable
class Reconciler(Protocol):
    """A notifier that can say what became of messages whose outcome a crash left unknown."""

    def reconcile(self, notice_ids: Sequence[str]) -> Mapping[str, SendResult]:
        """For each id the provider is known to have accepted, a SENT result with its message
        id; an id absent from the answer was not accepted and may be sent again. Raises
        :class:`~scheduler.notify.ProviderUnavailable` when the provider cannot be asked (then
        nothing may be resent yet)."""
        ...
