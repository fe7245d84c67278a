"""Notifiers: the outbox folder of ``.eml`` files (the default) and SendGrid.

:func:`notifier_from_settings` picks one the way the command line contract says: SendGrid when
``SENDGRID_API_KEY`` is set (host from ``WSR_SENDGRID_HOST``), else the outbox folder named by
``WSR_OUTBOX`` (default ``outbox``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .._message import Notifier
from ._outbox import OutboxNotifier, write_atomically
from ._payload import MAX_PERSONALIZATIONS, Batch, batches
from ._sendgrid import DEFAULT_HOST, ProviderUnavailable, SendGridNotifier

__all__ = [
    "DEFAULT_FROM",
    "DEFAULT_HOST",
    "MAX_PERSONALIZATIONS",
    "Batch",
    "OutboxNotifier",
    "ProviderUnavailable",
    "SendGridNotifier",
    "batches",
    "notifier_from_settings",
    "write_atomically",
]

DEFAULT_FROM = "notices@wsr-engine.invalid"


def notifier_from_settings(env: Mapping[str, str], *, outbox: Path | str | None = None) -> Notifier:
    """The notifier these settings ask for (``env`` is ``os.environ`` or a test's dict).

    ``WSR_MAIL_FROM`` / ``WSR_MAIL_FROM_NAME`` name the sender, ``WSR_SENDGRID_TIMEOUT`` the
    seconds one request may take; ``outbox`` (a setting) wins over ``WSR_OUTBOX``.
    """
    from_email = env.get("WSR_MAIL_FROM") or DEFAULT_FROM
    from_name = env.get("WSR_MAIL_FROM_NAME", "WSR agreement notices")
    key = env.get("SENDGRID_API_KEY", "").strip()
    if key:
        from clauses import InputError

        timeout_text = env.get("WSR_SENDGRID_TIMEOUT", "30")
        try:
            timeout = float(timeout_text)
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise InputError.single(
                "WSR_SENDGRID_TIMEOUT", f"{timeout_text!r} is not a number of seconds (0-600]"
            )
        return SendGridNotifier(
            key,
            host=env.get("WSR_SENDGRID_HOST") or DEFAULT_HOST,
            from_email=from_email,
            from_name=from_name,
            timeout=timeout,
        )
    folder = Path(outbox) if outbox is not None else Path(env.get("WSR_OUTBOX") or "outbox")
    return OutboxNotifier(folder, from_email=from_email, from_name=from_name)
