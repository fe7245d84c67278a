"""Recording decided notices: the state at ``now`` read from the store, the pure decision step
run over it, each notice rendered and written as a ``pending`` row — in the caller's unit of
work, so the sweep's time step and the notices it makes due commit together or not at all.

Also the followers (``wsr follow``) and the listing behind ``wsr notices``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import Connection, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from clauses import Agreement, InputError
from clauses._schema import PowerSpec
from obligations import AuditAction, AuditEntry, LegalState, Obligation, TrackedAgreement
from obligations._calendar import end_of_local_day
from obligations.stores._sqltables import notice_follows, notices, obligations
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

from ._decide import DEFAULT_REMINDERS, AgreementState, Ladder, decide, local_day
from ._model import Decision, Follower, NoticeState, Party
from ._render import LANGUAGES, render

#: the states whose duties can have a time notice due (reminders, due day, overdue)
_OPEN_STATES = frozenset({LegalState.CREATED, LegalState.IN_EFFECT, LegalState.SUSPENDED})
#: a breach notice concerns a closed obligation too (violated, or closed with the suspicion
#: or the confirmation kept): found by flag or state, however old, without reading history
_BREACH_FLAGGED = or_(
    obligations.c.state == LegalState.VIOLATED.value,
    obligations.c.flags.like('%"breach_suspected"%'),
    obligations.c.flags.like('%"breach_confirmed"%'),
)

#: the console link in notices when no base URL is configured (``WSR_CONSOLE_URL``)
DEFAULT_CONSOLE_URL = "http://localhost:8000"


@attrs.frozen
class RecordReport:
    """What recording decided at ``now``: the new rows (as written) and the audit entries."""

    rows: list[dict[str, Any]]
    audit_entries: int


def _parties(record: Agreement) -> list[Party]:
    out = []
    for p in record.parties:
        emails = tuple(dict.fromkeys(e.lower() for e in (p.email, *p.notice_emails) if e))
        out.append(Party(p.role, p.name, emails, p.language))
    return out


def _powers(record: Agreement, spec_id: str) -> list[PowerSpec]:
    local = spec_id.split(".", 1)[-1]
    names = (f"violation:{spec_id}", f"violation:{local}")
    return [p for s in record.sections for p in s.powers if p.trigger in names]


def followers(conn: Connection, agreement_id: str) -> list[Follower]:
    rows = conn.execute(
        select(notice_follows).where(notice_follows.c.agreement_id == agreement_id)
        .order_by(notice_follows.c.email)
    ).all()  # fmt: skip
    return [Follower(r.email, r.name or r.email, r.language) for r in rows]


def agreement_state(
    store: SqlAlchemyObligationStore,
    conn: Connection,
    tracked: TrackedAgreement,
    record: Agreement,
    *,
    now: datetime,
) -> AgreementState:
    """The decision step's input for one agreement, read in the current transaction: the
    obligations that can have a notice due by ``now`` (due within the longest reminder offset
    ahead, or earlier)."""
    reminders = {s.id: tuple(s.reminders) for s in record.specs}
    ahead = max([*DEFAULT_REMINDERS, *(d for r in reminders.values() for d in r)], default=0)
    # a duty due on the last day the longest offset reaches is reminded today: its due
    # instant (the end of that day) must fall before the horizon, so one day more
    horizon = end_of_local_day(
        local_day(now, tracked.timezone) + timedelta(ahead + 1), tracked.timezone
    )
    obs = store.find_obligations(agreement_id=tracked.id, states=_OPEN_STATES, due_before=horizon)
    seen = {o.id for o in obs}
    flagged = conn.execute(
        select(obligations.c.id).where(obligations.c.agreement_id == tracked.id, _BREACH_FLAGGED)
    ).scalars()
    obs += [store.get_obligation(i) for i in flagged if i not in seen]
    holders = {s.id: sorted({p.holder for p in _powers(record, s.id)}) for s in record.specs}
    ladders = {
        s.id: Ladder(s.escalation.overdue_every, s.escalation.breach_notice)
        for s in record.specs
        if s.escalation is not None
    }
    return AgreementState(
        agreement_id=tracked.id,
        timezone=tracked.timezone,
        parties=_parties(record),
        followers=followers(conn, tracked.id),
        obligations=obs,
        reminders=reminders,
        holders=holders,
        ladders=ladders,
    )


def notice_context(
    record: Agreement, ob: Obligation, *, now: datetime, console_url: str
) -> dict[str, Any]:
    """The facts a notice template states (see ``scheduler/templates``)."""
    names = {p.role: p.name for p in reversed(record.parties)}  # the first party of a role
    section = next((s for s in record.sections if s.clause_id == ob.clause_id), None)
    spec_id = ob.spec_id.removesuffix(".cure")
    spec = next((s for s in record.specs if s.id == spec_id), None)
    powers = [p.title for p in _powers(record, spec_id)]
    if "cure_of" in ob.data and section is not None:
        named = set(ob.data.get("powers", []))
        powers = [p.title for p in section.powers if p.id in named] or powers
    today = local_day(now, record.timezone)
    amount = None if ob.amount is None else f"{ob.amount.currency} {ob.amount.value}"
    return {
        "agreement": {"id": record.id, "title": record.title},
        "ob": {
            "id": ob.id,
            "title": ob.title,
            "section": ob.section,
            "clause_title": section.title if section is not None else ob.clause_id,
            "due": ob.due,
            "subject": ob.subject,
            "amount": amount,
        },
        # what the subject line names: the duty, and the supplier it concerns
        "what": f"{ob.title} ({ob.subject})" if ob.subject else ob.title,
        "obligor": names.get(ob.obligor, ob.obligor),
        "beneficiary": names.get(ob.beneficiary, ob.beneficiary),
        "timezone": record.timezone,
        "decided_on": today,
        # counted from the day the notice is decided (a late sweep says how late it is)
        "days_left": (ob.due - today).days,
        "days_late": (today - ob.due).days,
        "link": f"{console_url.rstrip('/')}/obligations/{ob.id}",
        "confirmed_on": ob.data.get("breach_confirmed_on"),
        "cure_days": spec.cure.days if spec is not None and spec.cure is not None else None,
        "powers": powers,
        "bounced": None,
        "next_address": None,
    }


def notice_row(decision: Decision, context: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The ``notices`` row for a decided notice, rendered and hashed now."""
    msg = render(decision, context)
    return {
        "id": decision.notice_id,
        "agreement_id": decision.agreement_id,
        "obligation_id": decision.obligation_id,
        "step": decision.step_name,
        "offset_days": decision.offset_days,
        "recipient": decision.recipient.email,
        "recipient_name": decision.recipient.name[:200],
        "recipient_role": decision.recipient.role.value,
        "language": msg.language,
        "due_on": decision.due_on,
        "decided_at": now,
        "template": msg.template,
        "subject": msg.subject,
        "body_text": msg.body_text,
        "body_html": msg.body_html,
        "sha256": msg.sha256,
        "state": NoticeState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
    }


def insert_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert notice rows; one already there (the same key decided by another writer) is
    left as it is."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    if conn.dialect.name not in ("postgresql", "sqlite"):
        conn.execute(insert(notices), list(rows))
        return
    for start in range(0, len(rows), 500):
        stmt = dialect.insert(notices).on_conflict_do_nothing(index_elements=["id"])
        conn.execute(stmt, list(rows[start : start + 500]))


def _audit(rows: Iterable[Mapping[str, Any]], *, now: datetime, actor: str) -> list[AuditEntry]:
    """One entry per rung of the ladder reached (obligation + step), naming its recipients."""
    grouped: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        grouped.setdefault((r["agreement_id"], r["obligation_id"], r["step"]), []).append(r)
    return [
        AuditEntry(
            agreement_id=agreement_id,
            obligation_id=obligation_id,
            at=now,
            actor=actor,
            action=AuditAction.NOTICE_DECIDED.value,
            reason=f"{step} notice due {group[0]['due_on'].isoformat()} to "
            + ", ".join(f"{g['recipient_role']} {g['recipient']} ({g['id']})" for g in group),
        )
        for (agreement_id, obligation_id, step), group in grouped.items()
    ]


def record_notices(
    store: SqlAlchemyObligationStore, *, now: datetime, actor: str, console_url: str
) -> RecordReport:
    """Decide the notices due at ``now`` over the stored state and write them ``pending``,
    with one audit entry per rung reached, in the current unit of work (one is opened if
    none is)."""
    rows: list[dict[str, Any]] = []
    entries: list[AuditEntry] = []
    # decided on a read of the unit of work, written only if a notice is due: a sweep with
    # nothing to send leaves the store's revision (the console's cache key) where it was
    with store.transaction(), store.connection(write=False) as conn:
        for tracked in store.list_agreements():
            record = Agreement.from_json(tracked.record_json)
            state = agreement_state(store, conn, tracked, record, now=now)
            known = set(
                conn.execute(
                    select(notices.c.id).where(notices.c.agreement_id == tracked.id)
                ).scalars()
            )
            by_id = {o.id: o for o in state.obligations}
            for d in decide([state], now=now, known=known):
                context = notice_context(record, by_id[d.obligation_id], now=now,
                                         console_url=console_url)  # fmt: skip
                rows.append(notice_row(d, context, now=now))
        if rows:
            with store.connection() as written:
                insert_rows(written, rows)
            entries = store.append_audit(_audit(rows, now=now, actor=actor))
    return RecordReport(rows=rows, audit_entries=len(entries))


# -- followers -----------------------------------------------------------------------------------


def follow(
    store: SqlAlchemyObligationStore,
    agreement_id: str,
    email: str,
    *,
    name: str | None,
    language: str,
    now: datetime,
) -> bool:
    """Add a follower to an agreement's notices; False when they already follow it."""
    from clauses._answers import EMAIL

    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise InputError.single("EMAIL", f"not an e-mail address: {email!r}")
    if language not in LANGUAGES:
        raise InputError.single(
            "--language", f"{language!r} is not a notice language ({', '.join(LANGUAGES)})"
        )
    if name is not None and (not name.strip() or len(name) > 200):
        raise InputError.single("--name", "give a name of 1 to 200 characters")
    with store.connection() as conn:
        store.get_agreement(agreement_id)  # NotFound names the agreement
        exists = conn.execute(
            select(notice_follows.c.email).where(
                notice_follows.c.agreement_id == agreement_id, notice_follows.c.email == email
            )
        ).first()
        if exists:
            return False
        conn.execute(
            insert(notice_follows).values(
                agreement_id=agreement_id, email=email, name=name, language=language, added_at=now
            )
        )
    return True


# -- listing -------------------------------------------------------------------------------------


def list_notices(
    store: SqlAlchemyObligationStore,
    *,
    agreement_id: str | None = None,
    obligation_id: str | None = None,
) -> list[dict[str, Any]]:
    """The notices as stored (``wsr notices``), oldest decision first."""
    q = select(notices).order_by(notices.c.decided_at, notices.c.due_on, notices.c.id)
    if agreement_id is not None:
        q = q.where(notices.c.agreement_id == agreement_id)
    if obligation_id is not None:
        q = q.where(notices.c.obligation_id == obligation_id)
    with store.connection(write=False) as conn:
        if agreement_id is not None:
            store.get_agreement(agreement_id)
        rows = [dict(r._mapping) for r in conn.execute(q)]
        if obligation_id is not None and not rows:
            store.get_obligation(obligation_id)  # NotFound names an unknown obligation
    return rows
