"""The SendGrid notifier: the official client, one request per batch (see :mod:`._payload`).

Every answer of the API becomes an outcome and nothing raises past :meth:`SendGridNotifier.send`:

* 202: SENT, with the ``X-Message-Id`` header as each notice's provider message id (SendGrid's
  ``sg_message_id`` in webhook events starts with it; the notice id in ``custom_args`` tells
  the notices of one request apart);
* 429: RETRY at ``X-RateLimit-Reset`` (epoch seconds) or ``Retry-After``; the rest of the run's
  batches are not attempted (they would be refused too) and are RETRY at the same time;
* 5xx, connection refused: RETRY with ``retry_at`` None (the dispatch loop's own backoff
  decides when, from the attempt count);
* a timeout or a connection broken after the request went out: UNKNOWN — SendGrid may have
  accepted it, so the dispatch loop reconciles (asks) before it would send it again;
* 400 and other 4xx: FAILED with the API's own error text read from the body
  (``errors[].field`` and ``message``), not the client's bare "HTTP Error 400";
* 401/403: FATAL for this batch and every later one; no further request is made, so a wrong key
  costs one request and one clear error rather than a retry storm.

The client has no timeout of its own (urllib waits for ever), so one is always set.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any

from .._message import OutgoingMessage, SendOutcome, SendResult
from ._payload import NOTICE_ARG, Batch, batches

DEFAULT_HOST = "https://api.sendgrid.com"
DEFAULT_TIMEOUT = 30.0
#: how many notice ids one Email Activity query asks about
_RECONCILE_CHUNK = 50


class ProviderUnavailable(Exception):
    """The provider could not be asked (reconciliation); nothing may be resent yet."""


class SendGridNotifier:
    """Sends batches through :class:`sendgrid.SendGridAPIClient` against ``host``."""

    name = "sendgrid"

    def __init__(
        self,
        api_key: str,
        *,
        host: str = DEFAULT_HOST,
        from_email: str,
        from_name: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        batch_limit: int = 1000,
    ) -> None:
        from sendgrid import SendGridAPIClient

        self.host = host.rstrip("/")  # a trailing slash would make the path //v3/mail/send
        self.from_email = from_email
        self.from_name = from_name
        self.batch_limit = batch_limit
        self._client = SendGridAPIClient(api_key=api_key, host=self.host)
        self._client.client.timeout = timeout

    def send(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> Sequence[SendResult]:
        results: dict[str, SendResult] = {}
        stop: SendResult | None = None  # once set, later batches get this outcome unsent
        for batch in batches(
            messages, from_email=self.from_email, from_name=self.from_name, limit=self.batch_limit
        ):
            if stop is not None:
                for m in batch.messages:
                    results[m.notice_id] = _like(stop, m.notice_id)
                continue
            outcome, mid, retry_at, error = self._post(batch, now)
            for i, m in enumerate(batch.messages):
                results[m.notice_id] = SendResult(
                    notice_id=m.notice_id,
                    outcome=outcome,
                    provider_message_id=mid,
                    retry_at=retry_at,
                    error=error,
                    http_requests=1 if i == 0 else 0,
                )
            if outcome is SendOutcome.FATAL or error_is_rate_limit(error):
                stop = SendResult(
                    notice_id="",
                    outcome=outcome,
                    provider_message_id=None,
                    retry_at=retry_at,
                    error=f"not attempted: {error}",
                    http_requests=0,
                )
        return [results[m.notice_id] for m in messages]

    def _post(
        self, batch: Batch, now: datetime
    ) -> tuple[SendOutcome, str | None, datetime | None, str | None]:
        from python_http_client import exceptions as http

        try:
            response = self._client.client.mail.send.post(request_body=batch.body)
        except http.HTTPError as exc:
            return _refused(exc, now)
        except urllib.error.URLError as exc:
            # raised while connecting or sending; refused or unresolvable: never arrived
            reason = exc.reason
            if isinstance(reason, ConnectionRefusedError | socket.gaierror):
                return SendOutcome.RETRY, None, None, f"cannot reach {self.host}: {reason}"
            return SendOutcome.UNKNOWN, None, None, f"sending to {self.host} broke off: {reason}"
        except (TimeoutError, ConnectionError, HTTPException) as exc:
            # the request was sent and the answer never came: SendGrid may have accepted it
            return SendOutcome.UNKNOWN, None, None, f"no answer from {self.host}: {exc!r}"
        mid = response.headers.get("X-Message-Id")
        if response.status_code != 202 or not mid:
            return (
                SendOutcome.RETRY,
                None,
                None,
                f"SendGrid answered {response.status_code} without an X-Message-Id",
            )
        return SendOutcome.SENT, mid, None, None

    def reconcile(self, notice_ids: Sequence[str]) -> Mapping[str, SendResult]:
        """Ask the Email Activity API which of ``notice_ids`` SendGrid accepted (by the
        ``notice_id`` custom argument, which the activity feed calls ``unique_args``)."""
        from python_http_client import exceptions as http

        known: dict[str, SendResult] = {}
        ids = list(dict.fromkeys(notice_ids))
        for start in range(0, len(ids), _RECONCILE_CHUNK):
            chunk = ids[start : start + _RECONCILE_CHUNK]
            query = " OR ".join(f"unique_args['{NOTICE_ARG}']=\"{i}\"" for i in chunk)
            try:
                response = self._client.client.messages.get(
                    query_params={"query": query, "limit": 1000}
                )
            except http.HTTPError as exc:
                raise ProviderUnavailable(
                    f"SendGrid's Email Activity API refused ({exc.status_code}): {_error_text(exc)}"
                ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                raise ProviderUnavailable(f"cannot reach SendGrid at {self.host}: {exc}") from None
            for msg in json.loads(response.body or b"{}").get("messages", []):
                nid = (msg.get("unique_args") or {}).get(NOTICE_ARG)
                if nid in chunk and nid not in known:
                    known[nid] = SendResult(
                        notice_id=nid,
                        outcome=SendOutcome.SENT,
                        provider_message_id=str(msg.get("msg_id", "")).split(".", 1)[0] or None,
                        retry_at=None,
                        error=None,
                        http_requests=0,
                    )
        return known


def error_is_rate_limit(error: str | None) -> bool:
    return error is not None and error.startswith(_RATE_LIMITED)


_RATE_LIMITED = "SendGrid refused the request (429)"


def _like(template: SendResult, notice_id: str) -> SendResult:
    return SendResult(
        notice_id=notice_id,
        outcome=template.outcome,
        provider_message_id=None,
        retry_at=template.retry_at,
        error=template.error,
        http_requests=0,
    )


def _refused(exc: Any, now: datetime) -> tuple[SendOutcome, None, datetime | None, str]:
    status = int(getattr(exc, "status_code", 0) or 0)
    text = f"SendGrid refused the request ({status}): {_error_text(exc)}"
    if status == 429:
        return SendOutcome.RETRY, None, _retry_at(getattr(exc, "headers", None), now), text
    if status in (401, 403):
        return (
            SendOutcome.FATAL,
            None,
            None,
            text + "; check SENDGRID_API_KEY (nothing more is sent until it is fixed)",
        )
    if status >= 500 or status in (408,):
        return SendOutcome.RETRY, None, None, text
    return SendOutcome.FAILED, None, None, text


def _error_text(exc: Any) -> str:
    """The API's own words from an error body (``{"errors": [{"field", "message"}]}``)."""
    body = getattr(exc, "body", b"") or b""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        errors = json.loads(raw).get("errors") or []
        parts = [
            (f"{e['field']}: " if e.get("field") else "") + str(e.get("message", "")).strip()
            for e in errors
            if isinstance(e, dict)
        ]
        if parts:
            return "; ".join(parts)
    except (ValueError, AttributeError):
        pass
    return raw.strip() or str(getattr(exc, "reason", "") or exc)


def _retry_at(headers: Any, now: datetime) -> datetime | None:
    if headers is None:
        return None
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        # the reset is a wall-clock epoch; `now` may be a business time (--now), so keep the
        # delay the provider asked for rather than its absolute instant
        try:
            return now + timedelta(seconds=max(0.0, float(reset) - time.time()))
        except (ValueError, OverflowError):
            pass
    after = headers.get("Retry-After")
    if after:
        try:
            return now + timedelta(seconds=max(0, int(after)))
        except ValueError:
            pass
    return None
