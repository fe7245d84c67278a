"""Is a request to the event webhook really from SendGrid, and fresh? (pure; no I/O)

SendGrid signs ``timestamp + body`` with ECDSA P-256; the signature and timestamp come in the
``X-Twilio-Email-Event-Webhook-Signature`` / ``-Timestamp`` headers. The body must be verified
exactly as received: parsing the JSON and serialising it again changes bytes and breaks the
signature, so the raw text is what is checked (and what is stored). The library does not check
how old the timestamp is; a request older (or newer) than :data:`MAX_AGE` is refused as a
replay.
"""

from __future__ import annotations

import binascii
from datetime import UTC, datetime, timedelta
from typing import Any

from clauses import InputError

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_AGE = timedelta(minutes=5)


def load_public_key(public_key: str, *, field: str = "WSR_SENDGRID_WEBHOOK_KEY") -> Any:
    """The verification key as SendGrid shows it (base64 DER), ready to verify with."""
    from sendgrid.helpers.eventwebhook import EventWebhook

    try:
        return EventWebhook().convert_public_key_to_ecdsa(public_key.strip())
    except (ValueError, TypeError):
        raise InputError.single(
            field,
            "is not a SendGrid event webhook verification key (the base64 public key shown "
            "under Mail Settings → Signed Event Webhook)",
        ) from None


def refusal(
    raw_body: str,
    signature: str | None,
    timestamp: str | None,
    key: Any,
    *,
    now: datetime,
    max_age: timedelta = MAX_AGE,
) -> str | None:
    """Why this request must be refused, or None when it is signed, intact and fresh."""
    from sendgrid.helpers.eventwebhook import EventWebhook

    if not signature:
        return f"unsigned: no {SIGNATURE_HEADER} header"
    if not timestamp:
        return f"unsigned: no {TIMESTAMP_HEADER} header"
    try:
        sent = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return f"the {TIMESTAMP_HEADER} header {timestamp[:40]!r} is not a Unix time"
    try:
        ok = EventWebhook().verify_signature(raw_body, signature, timestamp, key)
    except (ValueError, TypeError, binascii.Error):
        ok = False
    if not ok:
        return "forged: the signature does not match the body and timestamp"
    if abs(now - sent) > max_age:
        return (
            f"stale: signed at {sent.isoformat()}, more than {int(max_age.total_seconds())} s "
            f"from {now.astimezone(UTC).isoformat(timespec='seconds')}"
        )
    return None
