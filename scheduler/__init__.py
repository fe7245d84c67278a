"""The scheduler: what notices a sweep decides, the outbox they are written to, their dispatch.

Sits between the engine and the notifiers (``wsr → scheduler → obligations → clauses``): the
decision step is pure (the state at ``now`` in, the notices due out), the recording and the
dispatch loop are the thin I/O around it, and the notifiers (``scheduler.notify``) only send.

Public names are imported from their modules on first use (PEP 562, the ``_LAZY`` table): the
outbox modules bring SQLAlchemy, which a command that only decides or renders does not need.
"""

from __future__ import annotations

import typing as _typing

from clauses._lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:  # what mypy and editors see; at run time, `_LAZY` below
    from ._decide import DEFAULT_REMINDERS, OVERDUE_EVERY, AgreementState, decide
    from ._delivered import on_bounce, on_delivered
    from ._delivery_events import DeliveryEvent, DeliveryHooks, Recorded, record_request
    from ._dispatch import DispatchReport, dispatch, reconcile
    from ._heartbeat import Heartbeat, Liveness, scheduler_status
    from ._lock import SchedulerBusy, single_scheduler
    from ._message import Notifier, OutgoingMessage, Reconciler, SendOutcome, SendResult
    from ._model import Decision, Follower, NoticeState, Party, Recipient, Role, Step, notice_id
    from ._record import follow, list_notices, record_notices
    from ._render import message_sha256, render
    from ._service import SendingStopped, ServiceReport, run_service
    from ._sweep import NoticeSweep, sweep
    from ._webhook import webhook_app

#: public name -> the module defining it (``module:name`` where the name differs), imported
#: on first use (PEP 562): a command pays only for the modules it touches. One name per line.
_LAZY: dict[str, str] = {
    "DeliveryEvent": "._delivery_events",
    "DeliveryHooks": "._delivery_events",
    "Recorded": "._delivery_events",
    "record_request": "._delivery_events",
    "Heartbeat": "._heartbeat",
    "Liveness": "._heartbeat",
    "scheduler_status": "._heartbeat",
    "Notifier": "._message",
    "OutgoingMessage": "._message",
    "Reconciler": "._message",
    "SendOutcome": "._message",
    "SendResult": "._message",
    "SendingStopped": "._service",
    "ServiceReport": "._service",
    "run_service": "._service",
    "webhook_app": "._webhook",
    "DEFAULT_REMINDERS": "._decide",
    "OVERDUE_EVERY": "._decide",
    "AgreementState": "._decide",
    "decide": "._decide",
    "on_bounce": "._delivered",
    "on_delivered": "._delivered",
    "DispatchReport": "._dispatch",
    "dispatch": "._dispatch",
    "reconcile": "._dispatch",
    "SchedulerBusy": "._lock",
    "single_scheduler": "._lock",
    "Decision": "._model",
    "Follower": "._model",
    "NoticeState": "._model",
    "Party": "._model",
    "Recipient": "._model",
    "Role": "._model",
    "Step": "._model",
    "notice_id": "._model",
    "follow": "._record",
    "list_notices": "._record",
    "record_notices": "._record",
    "message_sha256": "._render",
    "render": "._render",
    "NoticeSweep": "._sweep",
    "sweep": "._sweep",
}

# PEP 562: a name in _LAZY is imported from its module on first use (clauses._lazy)
__getattr__, __dir__ = _lazy_names(globals(), _LAZY)


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
