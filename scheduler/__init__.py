"""The scheduler: deciding notices, sending them, proving they were served, and the service.

``scheduler.notify`` holds the notifiers; the rest is re-exported here.
"""

from __future__ import annotations

from ._message import Notifier, OutgoingMessage, Reconciler, SendOutcome, SendResult

__all__ = [
    # delivery (issue 10, second half)
    "Notifier",
    "OutgoingMessage",
    "Reconciler",
    "SendOutcome",
    "SendResult",
]
