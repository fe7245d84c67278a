"""Personal calendar feeds: secret, revocable feed URLs and the deadlines each one serves.

A calendar client cannot sign in, so the secret in the URL (``/calendar/<secret>.ics``) is the
whole credential: it is made with :func:`secrets.token_urlsafe`, shown once, and stored only as
its sha256 (a copy of the database does not hand out working feed URLs); revoking one stops it
at the next poll. The person it belongs to is looked up on every request, so a disabled user's
feeds stop and counsel's brand is checked as it is now.

What a feed holds — a decision issue 12 leaves open: the deadlines of the agreements its owner
*follows* (``wsr follow``, the ``notice_follows`` rows for their e-mail) among those they may
see; someone who follows none gets every agreement they may see (for counsel: their brand's).
A feed may instead be limited to one agreement. The calendar is the all-day VEVENTs of
:func:`obligations.calendar_feed` with SEQUENCE from the audit log, so the feed is a read: it
writes nothing, not even a "last used" time. Its text is made from obligation fields (title,
subject, clause, amount, state), never from event fields, so a complainant's identity cannot
reach it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from obligations.stores.tables import feed_tokens, notice_follows

if TYPE_CHECKING:
    from obligations import CalendarComponent, Obligation, ObligationService, ObligationStore
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
    from wsr.console._access import Viewer
    from wsr.console._users import User

#: what every feed secret begins with, so a leaked one is recognisable
FEED_PREFIX = "wsrcal_"


@dataclass(frozen=True)
class Feed:
    id: int
    user_id: int
    agreement_id: str | None
    created_at: datetime
    revoked_at: datetime | None


def feed_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _feed(row: object) -> Feed:
    r = row._mapping  # type: ignore[attr-defined]
    return Feed(
        id=r["id"],
        user_id=r["user_id"],
        agreement_id=r["agreement_id"],
        created_at=r["created_at"],
        revoked_at=r["revoked_at"],
    )


def new_feed(
    conn: Connection, user_id: int, *, agreement_id: str | None, now: datetime
) -> tuple[Feed, str]:
    """A new feed for ``user_id`` and its secret (the only time the secret is known)."""
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    new_id = conn.execute(
        insert(feed_tokens).values(
            user_id=user_id,
            token_hash=feed_hash(secret),
            agreement_id=agreement_id,
            created_at=now,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    row = conn.execute(select(feed_tokens).where(feed_tokens.c.id == int(new_id))).one()
    return _feed(row), secret


def feeds_of(conn: Connection, user_id: int) -> list[Feed]:
    """A person's feeds, newest first (revoked ones too: the page shows when)."""
    q = (
        select(feed_tokens)
        .where(feed_tokens.c.user_id == user_id)
        .order_by(feed_tokens.c.created_at.desc(), feed_tokens.c.id.desc())
    )
    return [_feed(r) for r in conn.execute(q)]


def revoke_feed(conn: Connection, user_id: int, feed_id: int, *, now: datetime) -> Feed:
    """Revoke one of ``user_id``'s feeds; ``NotFound`` for a feed that is not theirs (someone
    else's feed is answered as one that does not exist)."""
    from clauses import NotFound

    row = conn.execute(
        select(feed_tokens).where(feed_tokens.c.id == feed_id, feed_tokens.c.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound("feed", str(feed_id), path="feed")
    feed = _feed(row)
    if feed.revoked_at is None:
        conn.execute(update(feed_tokens).where(feed_tokens.c.id == feed_id).values(revoked_at=now))
        feed = Feed(**{**feed.__dict__, "revoked_at": now})
    return feed


def feed_owner(conn: Connection, secret: str) -> tuple[Feed, User] | None:
    """The live feed behind ``secret`` and its owner; None if unknown, revoked or the owner
    is disabled."""
    from wsr.console._users import user_by_id

    if not secret.startswith(FEED_PREFIX):
        return None
    row = conn.execute(
        select(feed_tokens).where(feed_tokens.c.token_hash == feed_hash(secret))
    ).first()
    if row is None:
        return None
    feed = _feed(row)
    if feed.revoked_at is not None:
        return None
    user = user_by_id(conn, feed.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return feed, user


def followed(conn: Connection, email: str) -> set[str]:
    """The agreements ``email`` follows (``wsr follow``)."""
    q = select(notice_follows.c.agreement_id).where(notice_follows.c.email == email)
    return {r[0] for r in conn.execute(q)}


def visible_agreements(store: SqlAlchemyObligationStore, viewer: Viewer) -> dict[str, str]:
    """Id -> title of the agreements ``viewer`` may see, inside the caller's read."""
    from wsr.console._access import may_see_agreement

    return {
        a.id: a.title for a in store.list_agreements() if may_see_agreement(viewer, a.record_json)
    }


def feed_agreements(
    store: SqlAlchemyObligationStore, viewer: Viewer, *, agreement_id: str | None, follows: set[str]
) -> list[str]:
    """The agreements a feed covers (see the module docstring), inside the caller's read."""
    visible = list(visible_agreements(store, viewer))
    if agreement_id is not None:
        return [a for a in visible if a == agreement_id]
    chosen = [a for a in visible if a in follows]
    return chosen or visible


def personal_feed(
    store: SqlAlchemyObligationStore,
    viewer: Viewer,
    *,
    agreement_id: str | None,
    now: datetime,
) -> bytes:
    """The iCalendar text of ``viewer``'s feed at ``now`` (one read; nothing written)."""
    from obligations import ObligationService

    service = ObligationService(store, actor=viewer.email)
    with store.read():
        with store.connection(write=False) as conn:
            follows = followed(conn, viewer.email)
        ids = feed_agreements(store, viewer, agreement_id=agreement_id, follows=follows)
        return deadline_feed(service, ids, now=now, name=f"WSR deadlines — {viewer.email}")


def deadline_feed(
    service: ObligationService,
    agreement_ids: Sequence[str] | None,
    *,
    now: datetime,
    name: str = "WSR obligation deadlines",
    component: CalendarComponent | str = "vevent",
) -> bytes:
    """The feed of ``agreement_ids`` (None: every agreement) at ``now``: what ``wsr calendar``
    prints and ``/calendar/<secret>.ics`` serves, read in the caller's read (or one of its own).

    SEQUENCE comes from :func:`recorded_revisions` (one aggregate query), so no audit entry is
    decoded: the same numbers :func:`obligations.calendar_sequences` counts from the entries
    (``tests/wsr/test_feed_sequences.py`` compares them on SQLite and PostgreSQL).
    """
    from obligations import CalendarComponent, calendar_feed

    kind = CalendarComponent(component)
    with service.store.read():
        if agreement_ids is None:
            found = service.obligations(agreement_id=None, now=now)
        else:
            found = []
            for aid in agreement_ids:
                found += service.obligations(agreement_id=aid, now=now)
        tracked = {a.id: a for a in service.agreements(now=now)}
        sequence = None
        if kind is CalendarComponent.VEVENT:
            sequence = sequences(recorded_revisions(service.store, agreement_ids), found)
    return calendar_feed(found, now=now, agreements=tracked, name=name, component=kind,
                         sequence=sequence)  # fmt: skip


#: per dialect: a key of a JSON text column, and "differs" for values that may be NULL
_JSON_KEY = {
    "sqlite": ("json_extract({col}, '$.{key}')", "IS NOT"),
    "postgresql": ("(CAST({col} AS json) ->> '{key}')", "IS DISTINCT FROM"),
}


def _revisions_sql(dialect: str, agreements: int | None) -> str:
    get, differs = _JSON_KEY[dialect]
    mark = "?" if dialect == "sqlite" else "%s"

    def key(col: str, name: str) -> str:
        return get.format(col=col, key=name)

    changed = " OR ".join(
        f"{key('before', k)} {differs} {key('after', k)}" for k in ("due", "state")
    )
    where = "obligation_id IS NOT NULL AND after IS NOT NULL"
    if agreements is not None:
        where += f" AND agreement_id IN ({', '.join([mark] * agreements)})"
    return (
        f"SELECT a.obligation_id, m.n, {key('a.after', 'due')}, {key('a.after', 'state')} "
        "FROM (SELECT obligation_id, MAX(seq) AS last, "
        f"SUM(CASE WHEN before IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END) AS n "
        f"FROM audit_log WHERE {where} GROUP BY obligation_id) m "
        "JOIN audit_log a ON a.seq = m.last"
    )


def recorded_revisions(
    store: ObligationStore, agreement_ids: Sequence[str] | None
) -> dict[str, tuple[int, tuple[Any, Any]]]:
    """For every obligation the audit log of ``agreement_ids`` (None: all) names: how many of
    its entries changed its ``due`` or ``state``, and the (due, state) of its last entry — read
    with one aggregate query on the store's own connection (the DBAPI read path's or the SQL
    store's), inside the caller's read."""
    from obligations import FastReadStore

    params = tuple(agreement_ids) if agreement_ids is not None else ()
    count = None if agreement_ids is None else len(params)
    if agreement_ids is not None and not params:
        return {}
    if isinstance(store, FastReadStore):
        rows = store.conn.execute(_revisions_sql(store.dialect, count), params).fetchall()
    else:
        sql_store: SqlAlchemyObligationStore = store  # type: ignore[assignment]
        with sql_store.connection(write=False) as conn:
            sql = _revisions_sql(conn.dialect.name, count)
            rows = list(conn.exec_driver_sql(sql, params))
    return {r[0]: (int(r[1]), (r[2], r[3])) for r in rows}


def sequences(
    recorded: Mapping[str, tuple[int, tuple[Any, Any]]], current: Iterable[Obligation]
) -> dict[str, int]:
    """SEQUENCE as :func:`obligations.calendar_sequences` counts it, from
    :func:`recorded_revisions`: the recorded changes, plus one when the obligation as a read
    shows it now differs from its last recorded (due, state)."""
    out = {}
    for ob in current:
        n, last = recorded.get(ob.id, (0, None))
        if last is not None and last != (ob.due.isoformat(), ob.state.value):
            n += 1
        out[ob.id] = n
    return out
