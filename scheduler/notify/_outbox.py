"""The default notifier: each notice becomes an RFC 5322 ``.eml`` file in an outbox folder.

Needs no account and opens in any mail client. The file is named after the notice id and
written whole or not at all (``clauses._atomic.atomic_write``: a temporary file in the same
folder, flushed to disk, then renamed over the name), so a crash leaves either the complete
message or nothing — which is also how
:meth:`OutboxNotifier.reconcile` knows what was sent: a file present is a notice sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from clauses import InputError, atomic_write

from .._message import OutgoingMessage, SendOutcome, SendResult

DOMAIN = "wsr-engine.invalid"


class OutboxNotifier:
    name = "outbox"

    def __init__(self, folder: Path | str, *, from_email: str, from_name: str = "") -> None:
        self.folder = Path(folder)
        self.from_email = from_email
        self.from_name = from_name

    def path_of(self, notice_id: str) -> Path:
        return self.folder / f"{notice_id}.eml"

    def send(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> Sequence[SendResult]:
        results: list[SendResult] = []
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return [
                _result(m, SendOutcome.FATAL, None, _cannot(self.folder, exc)) for m in messages
            ]
        for m in messages:
            try:
                write_atomically(self.path_of(m.notice_id), as_bytes(self.compose(m, now=now)))
            except InputError as exc:  # the helper's refusal names the folder and the reason
                results.append(_result(m, SendOutcome.RETRY, None, str(exc.problems[0])))
                continue
            results.append(_result(m, SendOutcome.SENT, message_id(m.notice_id), None))
        return results

    def compose(self, m: OutgoingMessage, *, now: datetime) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((self.from_name, self.from_email))
        msg["To"] = formataddr((m.to_name, m.to_email))
        msg["Subject"] = m.subject
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = message_id(m.notice_id)
        msg["X-WSR-Notice-Id"] = m.notice_id
        msg["X-WSR-SHA256"] = m.sha256
        msg.set_content(m.body_text)
        if m.body_html is not None:
            msg.add_alternative(m.body_html, subtype="html")
        msg["Content-Language"] = m.language  # after the content: set_content clears Content-*
        return msg

    def reconcile(self, notice_ids: Sequence[str]) -> Mapping[str, SendResult]:
        """A notice whose file is in the outbox was sent (the rename is the send)."""
        return {
            nid: SendResult(
                notice_id=nid,
                outcome=SendOutcome.SENT,
                provider_message_id=message_id(nid),
                retry_at=None,
                error=None,
                http_requests=0,
            )
            for nid in dict.fromkeys(notice_ids)
            if self.path_of(nid).is_file()
        }


def message_id(notice_id: str) -> str:
    return f"<{notice_id}@{DOMAIN}>"


def as_bytes(msg: EmailMessage) -> bytes:
    # SMTP policy: CRLF line ends, as RFC 5322 has them on the wire and mail clients expect
    from email import policy

    return msg.as_bytes(policy=policy.SMTP)


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole, or keeps what it had (the project's one helper)."""
    atomic_write(path, data, option="WSR_OUTBOX")


def _cannot(folder: Path, exc: OSError) -> str:
    return f"cannot write to the outbox {folder}: {exc.strerror or exc}"


def _result(
    m: OutgoingMessage, outcome: SendOutcome, mid: str | None, error: str | None
) -> SendResult:
    return SendResult(
        notice_id=m.notice_id,
        outcome=outcome,
        provider_message_id=mid,
        retry_at=None,
        error=error,
        http_requests=0,
    )
