"""The dispatch loop: the outbox's pending rows handed to a notifier, each outcome recorded.

Write-before-send: a notice is a ``pending`` row before anything is sent. A scheduler claims a
batch — marks it ``sending`` with its name and a lease, and COMMITS — and only then calls the
notifier; afterwards each row becomes ``sent`` (with the provider's message id), ``pending``
again with a later ``next_attempt_at`` (a retry, with backoff) or ``failed``. A crash between
the claim and the outcome leaves rows in ``sending``: their outcome is unknown, so once the lease
has run out they are reconciled (the notifier is asked which it accepted) before any is resent.

Claims: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` (several schedulers take disjoint
batches without waiting for each other); on SQLite the claim runs under the database's single
write lock (``BEGIN IMMEDIATE``), and :mod:`scheduler._lock` lets one scheduler run at a time.

Two clocks: ``now`` is business time (``--now``), which decides what is due and when a retry
is due; the lease is about processes, so it runs on the wall clock (``clock``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import Engine, and_, bindparam, or_, select, update

from obligations.stores._sqltables import notice_events, notices

from ._message import Notifier, OutgoingMessage, Reconciler, SendOutcome, SendResult
from ._model import NoticeState
from .notify._sendgrid import ProviderUnavailable

#: the first retry waits this long; each further one twice as long, up to MAX_BACKOFF
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
#: attempts after which a notice that keeps being refused for now is given up (``failed``)
MAX_ATTEMPTS = 12
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_LIMIT = 1000
#: retries listed in the report (the count is always complete)
_SHOWN_RETRIES = 20


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th attempt failed for now."""
    wait: timedelta = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(wait, MAX_BACKOFF)


def _wall() -> datetime:
    return datetime.now(UTC)


@attrs.define
class DispatchReport:
    """What one dispatch run did; ``wsr sweep --json`` prints it under ``notices``."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    #: in-flight rows found after a crash: resolved as sent (the provider had them) or resent
    reconciled_sent: int = 0
    reconciled_resent: int = 0
    #: rows in ``sending`` whose outcome could not be asked yet (the provider unreachable)
    unresolved: int = 0
    #: sends whose answer was lost (connection reset, timeout): left to reconcile next run
    unknown: int = 0
    http_requests: int = 0
    fatal: str | None = None
    retries: list[dict[str, Any]] = attrs.field(factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "reconciled": self.reconciled,
            "reconciled_sent": self.reconciled_sent,
            "reconciled_resent": self.reconciled_resent,
            "unresolved": self.unresolved,
            "unknown": self.unknown,
            "http_requests": self.http_requests,
            "fatal": self.fatal,
            "retries": list(self.retries),
        }


def _message(r: Any) -> OutgoingMessage:
    return OutgoingMessage(
        notice_id=r.id,
        to_email=r.recipient,
        to_name=r.recipient_name,
        template=r.template,
        language=r.language,
        subject=r.subject,
        body_text=r.body_text,
        body_html=r.body_html,
        sha256=r.sha256,
    )


def reconcile(
    engine: Engine, notifier: Notifier, *, now: datetime, clock: Callable[[], datetime] = _wall
) -> DispatchReport:
    """Resolve rows left in ``sending`` whose lease has run out (a crashed or killed
    scheduler): those the notifier says it accepted become ``sent``; the others go back to
    ``pending`` to be sent again. A notifier that cannot be asked leaves them as they are."""
    report = DispatchReport()
    c = notices.c
    with engine.connect() as conn:
        stale = list(
            conn.execute(
                select(c.id).where(c.state == NoticeState.SENDING.value, c.lease_until < clock())
            ).scalars()
        )
    if not stale:
        return report
    # first the signed webhook's evidence: an event for a notice means the provider had it
    known: dict[str, SendResult] = _known_from_events(engine, stale)
    asked = [nid for nid in stale if nid not in known]
    if asked and isinstance(notifier, Reconciler):
        try:
            known.update(notifier.reconcile(asked))
        except ProviderUnavailable:  # the provider cannot be asked: resend nothing yet
            stale = [nid for nid in stale if nid in known]
            report.unresolved = len(asked)
            if not stale:
                return report
    with engine.begin() as conn:
        guard = and_(
            c.id == bindparam("nid"),
            c.state == NoticeState.SENDING.value,
            c.lease_until < clock(),
        )
        sent = [
            {"nid": nid, "mid": known[nid].provider_message_id} for nid in stale if nid in known
        ]
        if sent:
            res = conn.execute(
                update(notices)
                .where(guard)
                .values(
                    state=NoticeState.SENT.value,
                    provider=notifier.name,
                    provider_message_id=bindparam("mid"),
                    sent_at=now,
                    lease_owner=None,
                    lease_until=None,
                ),
                sent,
            )
            report.reconciled_sent = res.rowcount
        again = [{"nid": nid} for nid in stale if nid not in known]
        if again:
            res = conn.execute(
                update(notices)
                .where(guard)
                .values(
                    state=NoticeState.PENDING.value,
                    next_attempt_at=now,
                    lease_owner=None,
                    lease_until=None,
                    last_error="outcome unknown after an interrupted send; not accepted "
                    "by the provider, so sent again",
                ),
                again,
            )
            report.reconciled_resent = res.rowcount
    report.reconciled = report.reconciled_sent + report.reconciled_resent
    return report


def _known_from_events(engine: Engine, ids: Sequence[str]) -> dict[str, SendResult]:
    """Notices the event webhook has recorded an event for (processed, delivered, …): the
    provider accepted them, whatever became of the process that sent them."""
    ev = notice_events.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(ev.notice_id, ev.sg_message_id)
            .where(ev.notice_id.in_(list(ids)))
            .order_by(ev.event_at)
        ).all()
    known: dict[str, SendResult] = {}
    for nid, mid in rows:
        known.setdefault(
            nid,
            SendResult(
                notice_id=nid,
                outcome=SendOutcome.SENT,
                provider_message_id=str(mid).split(".", 1)[0] or None,
                retry_at=None,
                error=None,
                http_requests=0,
            ),
        )
    return known


def claim(
    engine: Engine,
    *,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    clock: Callable[[], datetime] = _wall,
) -> list[OutgoingMessage]:
    """Mark up to ``limit`` due rows ``sending`` for ``owner`` and commit; their messages."""
    c = notices.c
    due = and_(
        c.state == NoticeState.PENDING.value,
        or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
    )
    q = select(notices).where(due).order_by(c.template, c.language, c.id).limit(limit)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = conn.execute(q).all()
        if not rows:
            return []
        conn.execute(
            update(notices)
            .where(c.id == bindparam("nid"))
            .values(
                state=NoticeState.SENDING.value,
                lease_owner=owner[:64],
                lease_until=clock() + lease,
                attempts=c.attempts + 1,
            ),
            [{"nid": r.id} for r in rows],
        )
    return [_message(r) for r in rows]


def _record_results(
    engine: Engine,
    results: Sequence[SendResult],
    *,
    provider: str,
    owner: str,
    now: datetime,
    report: DispatchReport,
    clock: Callable[[], datetime] = _wall,
) -> None:
    c = notices.c
    now_wall = clock()
    mine = and_(
        c.id == bindparam("nid"),
        c.state == NoticeState.SENDING.value,
        c.lease_owner == owner[:64],
    )
    sent: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    back: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    with engine.begin() as conn:
        attempts = dict(
            conn.execute(
                select(c.id, c.attempts).where(c.id.in_([r.notice_id for r in results]))
            ).all()
        )
        for r in results:
            report.http_requests += r.http_requests
            tries = int(attempts.get(r.notice_id, 1))
            if r.outcome is SendOutcome.SENT:
                sent.append({"nid": r.notice_id, "mid": r.provider_message_id})
            elif r.outcome is SendOutcome.UNKNOWN:
                unknown.append({"nid": r.notice_id, "err": r.error})
            elif r.outcome is SendOutcome.FAILED or (
                r.outcome is SendOutcome.RETRY and tries >= MAX_ATTEMPTS
            ):
                error = r.error or "refused"
                if r.outcome is SendOutcome.RETRY:
                    error = f"gave up after {tries} attempts: {error}"
                failed.append({"nid": r.notice_id, "err": error})
            elif r.outcome is SendOutcome.RETRY:
                at = max(r.retry_at or now + backoff(tries), now)
                back.append({"nid": r.notice_id, "err": r.error, "at": at, "n": tries})
            else:  # FATAL: this message was not tried; it goes back as it was
                report.fatal = report.fatal or (r.error or "the notifier stopped the run")
                back.append({"nid": r.notice_id, "err": r.error, "at": now, "n": tries - 1})
        if sent:
            conn.execute(
                update(notices)
                .where(mine)
                .values(
                    state=NoticeState.SENT.value,
                    provider=provider,
                    provider_message_id=bindparam("mid"),
                    sent_at=now,
                    lease_owner=None,
                    lease_until=None,
                    last_error=None,
                ),
                sent,
            )
        if unknown:
            # outcome unknown, as after a crash: the row stays `sending` with its lease run
            # out, so the next dispatch asks the provider (reconcile) before any resend
            conn.execute(
                update(notices)
                .where(mine)
                .values(lease_until=now_wall, last_error=bindparam("err")),
                unknown,
            )
        if failed:
            conn.execute(
                update(notices)
                .where(mine)
                .values(
                    state=NoticeState.FAILED.value,
                    provider=provider,
                    last_error=bindparam("err"),
                    lease_owner=None,
                    lease_until=None,
                ),
                failed,
            )
        if back:
            conn.execute(
                update(notices)
                .where(mine)
                .values(
                    state=NoticeState.PENDING.value,
                    next_attempt_at=bindparam("at"),
                    attempts=bindparam("n"),
                    last_error=bindparam("err"),
                    lease_owner=None,
                    lease_until=None,
                ),
                back,
            )
    report.sent += len(sent)
    report.failed += len(failed)
    report.unknown += len(unknown)
    retried = [b for b in back if report.fatal is None or b["at"] != now]
    report.retried += len(retried)
    for b in retried[: max(_SHOWN_RETRIES - len(report.retries), 0)]:
        report.retries.append(
            {"notice_id": b["nid"], "attempts": b["n"], "next_attempt_at": b["at"].isoformat(),
             "error": b["err"]}
        )  # fmt: skip


def dispatch(
    engine: Engine,
    notifier: Notifier,
    *,
    now: datetime,
    owner: str,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_LIMIT,
    clock: Callable[[], datetime] = _wall,
    should_stop: Callable[[], bool] | None = None,
) -> DispatchReport:
    """Reconcile what a crash left in ``sending``, then send every notice due at ``now`` in
    batches of ``limit`` (one template and language after another, so a notifier can put a
    batch in few requests), recording each outcome. Stops early on a FATAL outcome, and
    between two batches once ``should_stop()`` says so (the service was asked to stop: the
    batch in hand is recorded, the rest stays pending for the next run)."""
    report = reconcile(engine, notifier, now=now, clock=clock)
    if report.unresolved:
        return report
    while report.fatal is None and not (should_stop is not None and should_stop()):
        batch = claim(engine, now=now, owner=owner, lease=lease, limit=limit, clock=clock)
        if not batch:
            break
        report.claimed += len(batch)
        results = notifier.send(batch, now=now)
        if len(results) != len(batch):
            raise RuntimeError(
                f"the {notifier.name} notifier answered {len(results)} results for "
                f"{len(batch)} messages"
            )
        _record_results(
            engine,
            results,
            provider=notifier.name,
            owner=owner,
            now=now,
            report=report,
            clock=clock,
        )
        if len(batch) < limit:
            break
    return report
