"""The scheduler: what notices a sweep decides, the outbox they are written to, their dispatch.

Sits between the engine and the notifiers (``wsr → scheduler → obligations → clauses``): the
decision step is pure (the state at ``now`` in, the notices due out), the recording and the
dispatch loop are the thin I/O around it, and the notifiers (``scheduler.notify``) only send.
"""

from __future__ import annotations

# -- delivery (issue 10, second half): the message contract --------------------------------------
from ._delivery_events import DeliveryEvent, DeliveryHooks, Recorded, record_request
from ._heartbeat import Heartbeat, Liveness, scheduler_status
from ._message import Notifier, OutgoingMessage, Reconciler, SendOutcome, SendResult
from ._service import SendingStopped, ServiceReport, run_service
from ._webhook import webhook_app

# isort: split
# -- notices (issue 10, first half): deciding, recording and dispatching notices ---------------
from ._decide import DEFAULT_REMINDERS, OVERDUE_EVERY, AgreementState, decide
from ._delivered import on_bounce, on_delivered
from ._dispatch import DispatchReport, dispatch, reconcile
from ._lock import SchedulerBusy, single_scheduler
from ._model import Decision, Follower, NoticeState, Party, Recipient, Role, Step, notice_id
from ._record import follow, list_notices, record_notices
from ._render import message_sha256, render
from ._sweep import NoticeSweep, sweep

__all__ = [
    # notices
    "DEFAULT_REMINDERS",
    "OVERDUE_EVERY",
    "AgreementState",
    "Decision",
    "DispatchReport",
    "Follower",
    "NoticeState",
    "NoticeSweep",
    "Party",
    "Recipient",
    "Role",
    "SchedulerBusy",
    "Step",
    "decide",
    "dispatch",
    "follow",
    "list_notices",
    "message_sha256",
    "notice_id",
    "on_bounce",
    "on_delivered",
    "reconcile",
    "record_notices",
    "render",
    "single_scheduler",
    "sweep",
    # delivery
    "DeliveryEvent",
    "DeliveryHooks",
    "Heartbeat",
    "Liveness",
    "Recorded",
    "SendingStopped",
    "ServiceReport",
    "record_request",
    "run_service",
    "scheduler_status",
    "webhook_app",
    "Notifier",
    "OutgoingMessage",
    "Reconciler",
    "SendOutcome",
    "SendResult",
]
