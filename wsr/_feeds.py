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
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select, update

from obligations.stores.tables import feed_tokens, notice_follows

if TYPE_CHECKING:
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
    from obligations import ObligationService, calendar_feed, calendar_sequences

    service = ObligationService(store, actor=viewer.email)
    with store.read():
        with store.connection(write=False) as conn:
            follows = followed(conn, viewer.email)
        ids = feed_agreements(store, viewer, agreement_id=agreement_id, follows=follows)
        tracked = {a.id: a for a in service.agreements(now=now) if a.id in ids}
        found = []
        history = []
        for aid in ids:
            found += service.obligations(agreement_id=aid, now=now)
            history += store.audit_entries(aid)
    return calendar_feed(
        found,
        now=now,
        agreements=tracked,
        name=f"WSR deadlines — {viewer.email}",
        sequence=calendar_sequences(history, found),
    )
