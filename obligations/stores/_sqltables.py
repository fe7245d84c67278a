"""The SQL schema of :class:`~obligations.stores.sqlalchemy.SqlAlchemyObligationStore` (Core).

This metadata is what the store queries; the Alembic migrations (``0001_initial`` and the ones
after it) create exactly the same schema (a test compares the two), so a database is only ever
built by migrations.

Representation choices, and why:

* instants are ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL and UTC text on SQLite, through
  :class:`UTCDateTime`, which refuses naive values and always returns aware UTC datetimes;
* money and quantities are decimal *text* (exact on both engines, no float anywhere); the
  currency sits next to the amount;
* ``flags``, ``data``, event payloads and audit before/after are canonical JSON text;
* ``subject`` is ``''`` (never NULL) for an obligation that concerns no supplier, so the
  natural-key unique index (agreement, spec, subject, key) also holds for those rows
  (NULLs never collide in a unique index);
* evidence bytes live in the database (``evidence``, keyed by sha256, stored once) and
  ``evidence_links`` ties a digest to an obligation with its file name and note: one place to
  back up, and it works unchanged when several people share a PostgreSQL database;
* ``audit_log`` is append-only (the store never deletes a row, and updates one only when
  ``wsr audit rekey`` signs a legacy log); ``audit_head`` is a one-row table holding the last
  seq and hash, signed: appenders lock it (``SELECT … FOR UPDATE``) so two processes can never
  fork the chain, check it against the last row and its signature before appending, and
  verification compares it with the last row to notice entries cut off the end. The key that
  signs entries and head is never in the database (:mod:`obligations._auditkey`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

#: how many distinct stored instants `UTCDateTime` remembers per result column
_MEMO_SIZE = 4096


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant stored as UTC; naive datetimes are refused, results are aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} is naive; the store only takes aware datetimes")
        value = value.astimezone(UTC)
        # SQLite keeps text; without an offset it compares correctly because all of it is UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """The usual processing (:meth:`process_bind_param`, then the impl's), memoised by the
        instant: writing ten thousand obligations binds the same few instants (the ``now`` of
        the change) tens of thousands of times. A naive datetime never equals an aware key,
        so it still reaches :meth:`process_bind_param` and is refused; two aware values that
        are equal are the same instant, so they bind the same way.
        """
        return _memoised(super().bind_processor(dialect))

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        """The usual processing (the impl's, then :meth:`process_result_value`), memoised by
        the value the driver returns (SQLite's text, psycopg's aware datetime).

        Converting costs about 1 µs per instant on SQLite and 0.4 µs on PostgreSQL, three per
        obligation, which is as much as the database takes to hand over the whole row; and a
        listing repeats a handful of values (the due instants of a week, one ``created_at``
        per compile), so each distinct value is converted once. The result is an immutable
        ``datetime``, so sharing it is safe; the memo is bounded (SQLAlchemy keeps one processor
        per type and dialect, so the memo is shared by every query and thread; dict reads and
        writes are atomic, and a race costs one extra conversion).
        """
        return _memoised(super().result_processor(dialect, coltype))


def _memoised(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """``convert`` remembering its result for the last :data:`_MEMO_SIZE` distinct values.

    The processor is the memo's own ``__getitem__``: a value seen before is answered without
    running any Python code (the processors run for every instant of every row).
    """
    if convert is None:
        return None
    return _Memo(convert).__getitem__


class _Memo(dict[Any, Any]):
    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        out = self.convert(value)
        if len(self) >= _MEMO_SIZE:
            self.clear()
            self[None] = None
        self[value] = out
        return out


metadata = MetaData()

ID = String(64)

agreements = Table(
    "agreements",
    metadata,
    Column("id", ID, primary_key=True),
    Column("title", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # set when the agreement is ended early (migration 0002)
    Column("terminated_on", Date),
    Column("termination_reason", Text, nullable=False, server_default=""),
    # the next instant the time step could change the agreement; NULL: unknown (0008_wake)
    Column("wake_at", UTCDateTime),
)

obligations = Table(
    "obligations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("agreement_id", ID, ForeignKey("agreements.id"), nullable=False),
    Column("clause_id", String(64), nullable=False),
    Column("clause_version", String(32), nullable=False),
    Column("spec_id", String(128), nullable=False),
    Column("section", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("obligor", String(64), nullable=False),
    Column("beneficiary", String(64), nullable=False),
    Column("subject", String(128), nullable=False),  # '' when the obligation has no subject
    Column("key", String(128), nullable=False),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("due", Date, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("amount_value", String(40)),  # decimal text
    Column("amount_currency", String(3)),
    Column("paid", String(40), nullable=False),  # decimal text
    Column("flags", Text, nullable=False),  # JSON list, sorted
    Column("evidence", String(16), nullable=False),
    Column("fulfilled_on", Date),
    Column("late", Boolean, nullable=False),
    Column("kpi", Boolean, nullable=False),
    Column("surviving", Boolean, nullable=False),
    Column("trigger_event_id", ID),
    Column("data", Text, nullable=False),  # JSON object
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: the states of an obligation still to be watched (``obligations.OPEN``), as the partial
#: index spells them; the store renders its ``state IN (…)`` the same way so that the SQLite
#: and PostgreSQL planners can see the query implies the index's condition
OPEN_STATES_SQL = "state IN ('created', 'in_effect', 'suspended')"

#: secondary indexes; `bulk_load` drops and rebuilds them around a large load
OBLIGATION_INDEXES: tuple[Index, ...] = (
    Index("ix_obligations_state_due_at", obligations.c.state, obligations.c.due_at),
    # "what is due / overdue" walks this in due order and stops at LIMIT, instead of
    # collecting every open row of three states and sorting them
    Index(
        "ix_obligations_open_due_at",
        obligations.c.due_at,
        obligations.c.id,
        sqlite_where=text(OPEN_STATES_SQL),
        postgresql_where=text(OPEN_STATES_SQL),
    ),
    Index(
        "ix_obligations_agreement_spec_subject",
        obligations.c.agreement_id,
        obligations.c.spec_id,
        obligations.c.subject,
    ),
    # key before subject (0010_periods): one period's subjects are one range of it, which is
    # how every read asks which periods are stored (stores/_periods.py); the seeks by
    # (agreement, spec, subject) have ix_obligations_agreement_spec_subject
    Index(
        "uq_obligations_natural_key",
        obligations.c.agreement_id,
        obligations.c.spec_id,
        obligations.c.key,
        obligations.c.subject,
        unique=True,
    ),
)

events = Table(
    "events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("agreement_id", ID, ForeignKey("agreements.id"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("payload", Text, nullable=False),  # JSON object
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_events_agreement_occurred", "agreement_id", "occurred_at", "seq"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("agreement_id", ID, nullable=False),
    Column("obligation_id", ID),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("before", Text),  # JSON object or NULL
    Column("after", Text),  # JSON object or NULL
    Column("prev_hash", String(64)),
    Column("hash", String(64), nullable=False),
    # migration 0003_audit: the wall-clock time of the append (the store's clock, never --now)
    # and the entry's HMAC under the key kept outside the database (NULL before it had one)
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("mac", String(64)),
    Index("ix_audit_log_agreement", "agreement_id", "seq"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64)),
    # migration 0003_audit: the head's HMAC, and the last entry written before that migration
    # (whose hash does not cover recorded_at)
    Column("mac", String(64)),
    Column("legacy_seq", Integer, nullable=False, server_default="0"),
    CheckConstraint("id = 1", name="ck_audit_head_single_row"),
)

#: migration 0012_revision: one row whose ``n`` every unit of work that wrote adds one to, in
#: its own transaction, so a reader can tell from its snapshot alone that nothing changed
store_revision = Table(
    "store_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="ck_store_revision_single_row"),
)

#: migration 0013_agreement_revision: for each agreement, the ``store_revision.n`` of the last
#: unit of work that wrote its row or its obligations (its time step is a function of those
#: alone); an agreement with no row here is never served from a cache
agreement_revision = Table(
    "agreement_revision",
    metadata,
    Column("agreement_id", ID, primary_key=True),
    Column("n", BigInteger, nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

evidence_links = Table(
    "evidence_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), ForeignKey("evidence.sha256"), nullable=False),
    Column("obligation_id", ID, ForeignKey("obligations.id"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Index("ix_evidence_links_obligation", "obligation_id", "submitted_at"),
)

# --- migration 0004_notices (issue 10: the scheduler's notices, written before they are sent) ---

#: the states of a notice in the outbox (scheduler.NoticeState spells the same values)
NOTICE_STATES_SQL = "state IN ('pending', 'sending', 'sent', 'failed')"

notices = Table(
    "notices",
    metadata,
    # the hex digest of the notice key (obligation, step, recipient, due date): deterministic
    Column("id", String(40), primary_key=True),
    Column("agreement_id", ID, ForeignKey("agreements.id"), nullable=False),
    Column("obligation_id", ID, nullable=False),
    Column("step", String(32), nullable=False),
    Column("offset_days", Integer),
    Column("recipient", String(320), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_role", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),  # the sweep's business `now`
    Column("template", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    Column("sha256", String(64), nullable=False),  # of the message exactly as it is sent
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime),
    Column("provider", String(16)),  # outbox | sendgrid
    Column("provider_message_id", String(128)),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Column("delivery", String(16)),  # the webhook's last delivery state
    Column("delivered_at", UTCDateTime),
    CheckConstraint(NOTICE_STATES_SQL, name="ck_notices_state"),
    Index("uq_notices_key", "obligation_id", "step", "recipient", "due_on", unique=True),
    Index("ix_notices_state_next_attempt", "state", "next_attempt_at"),
)

notice_follows = Table(
    "notice_follows",
    metadata,
    Column("agreement_id", ID, ForeignKey("agreements.id"), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("name", String(200)),
    Column("language", String(8), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

# --- migration 0005_delivery (issue 10: proof of service, the webhook, the service) -------------

#: every request to the event webhook, exactly as received, with the verification result
webhook_requests = Table(
    "webhook_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("timestamp_header", String(64)),
    Column("signature_header", Text),
    Column("raw_body", Text, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("reason", Text),  # why a request was refused (NULL when verified)
)

#: one delivery event (processed, delivered, deferred, bounce, dropped) from a verified request
notice_events = Table(
    "notice_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("webhook_requests.id"), nullable=False),
    Column("notice_id", String(40), ForeignKey("notices.id")),  # NULL: not one of ours
    Column("sg_message_id", String(128), nullable=False),
    Column("event", String(16), nullable=False),
    Column("event_at", UTCDateTime, nullable=False),
    Column("payload", Text, nullable=False),  # the event object as JSON
    Index("uq_notice_events_key", "sg_message_id", "event", "event_at", unique=True),
    Index("ix_notice_events_notice", "notice_id", "event_at"),
)

#: one row per `wsr scheduler` process: when it last swept (wall clock and business time)
scheduler_heartbeats = Table(
    "scheduler_heartbeats",
    metadata,
    Column("process_id", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("beat_at", UTCDateTime, nullable=False),  # wall clock of the last sign of life
    Column("last_sweep_at", UTCDateTime),  # wall clock
    Column("last_now", UTCDateTime),  # the business time that sweep acted at
    Column("sweeps", Integer, nullable=False, server_default="0"),
    Column("last_report", Text),  # JSON
    Column("state", String(16), nullable=False),
    CheckConstraint("state IN ('running', 'stopped')", name="ck_scheduler_heartbeats_state"),
)

# --- migration 0006_web (issue 12: the console's users, API tokens, sessions, login attempts) ---

#: the console's people; ``brand`` is counsel's buyer party name, ``password_hash`` argon2id
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("role", String(16), nullable=False),
    Column("brand", String(200)),
    Column("password_hash", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    CheckConstraint("role IN ('admin', 'monitor', 'negotiator', 'counsel')", name="ck_users_role"),
    Index("uq_users_email", "email", unique=True),
)

#: bearer tokens for programs (sha256 of the secret; the secret is shown once)
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
    Index("uq_api_tokens_hash", "token_hash", unique=True),
)

#: signed-in browser sessions: ``id`` is the sha256 of the secret the signed cookie carries
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

#: failed sign-ins, counted per (email, address) over a window for the rate limit
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_login_attempts_key", "email", "address", "at"),
)

# --- migration 0006_bundle (issue 12: personal calendar feed tokens) -----------------------------

#: one row per personal feed URL: the sha256 of its secret (shown once), whose it is, the one
#: agreement it is limited to (NULL: all its owner follows or may see), revocable
feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("agreement_id", ID, ForeignKey("agreements.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("uq_feed_tokens_hash", "token_hash", unique=True),
    Index("ix_feed_tokens_user", "user_id"),
)


# --- migration 0006_review (issue 12: agreements in review, wsr._review_store) ------------------

#: the review states (wsr._review.DraftStatus spells the same values)
DRAFT_STATUSES_SQL = "status IN ('draft', 'in_review', 'changes_requested', 'approved', 'executed')"

#: a draft agreement, keyed by its record's id; the record becomes a tracked agreement when
#: executed (``agreements`` then holds it under the same id)
drafts = Table(
    "drafts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("title", Text, nullable=False),
    Column("record_json", Text, nullable=False),
    Column("standard_json", Text, nullable=False),  # the all-standard twin, for the comparison
    Column("answers_yaml", Text, nullable=False),  # as uploaded
    Column("content_hash", String(80), nullable=False),
    Column("brands", Text, nullable=False),  # JSON list of the buyer parties' names
    Column("status", String(24), nullable=False),
    Column("signed_on", Date),
    Column("created_by", String(320), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(DRAFT_STATUSES_SQL, name="ck_drafts_status"),
)

draft_status_changes = Table(
    "draft_status_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", ID, ForeignKey("drafts.id"), nullable=False),
    Column("from_status", String(24)),  # NULL: the draft was created
    Column("to_status", String(24), nullable=False),
    Column("action", String(24), nullable=False),
    Column("by", String(320), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_draft_status_changes_draft", "draft_id", "id"),
)

clause_comments = Table(
    "clause_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", ID, ForeignKey("drafts.id"), nullable=False),
    Column("clause_id", String(64), nullable=False),
    Column("author", String(320), nullable=False),
    Column("author_role", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("reply_to", Integer, ForeignKey("clause_comments.id")),
    Index("ix_clause_comments_draft", "draft_id", "id"),
)

clause_decisions = Table(
    "clause_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", ID, ForeignKey("drafts.id"), nullable=False),
    Column("clause_id", String(64), nullable=False),
    Column("verdict", String(24), nullable=False),
    Column("by", String(320), nullable=False),
    Column("brand", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("section_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    CheckConstraint(
        "verdict IN ('approve', 'request_changes')", name="ck_clause_decisions_verdict"
    ),
    Index("ix_clause_decisions_draft", "draft_id", "id"),
)

# --- migration 0007_queries (issue 12: the console's dashboard and obligation page) -------------

#: the rows the dashboard counts as judged or being judged: a suspected breach, a violation, a
#: cure (the partial index's condition; the console's queries spell it the same way)
JUDGED_SQL = "(flags LIKE '%\"breach_suspected\"%' OR state = 'violated' OR spec_id LIKE '%.cure')"

CONSOLE_INDEXES = (
    Index("ix_obligations_due_at_id", obligations.c.due_at, obligations.c.id),
    *(
        Index(f"ix_obligations_{column.name.removesuffix('_id')}_due_at", column, c.due_at, c.id)
        for c in (obligations.c,)
        for column in (c.agreement_id, c.subject, c.clause_id)
    ),
    Index(
        "ix_obligations_open_watch",
        obligations.c.due_at,
        obligations.c.agreement_id,
        obligations.c.subject,
        obligations.c.clause_id,
        obligations.c.obligor,
        obligations.c.kind,
        obligations.c.state,
        sqlite_where=text(OPEN_STATES_SQL),
        postgresql_where=text(OPEN_STATES_SQL),
    ),
    Index(
        "ix_obligations_judged",
        obligations.c.agreement_id,
        obligations.c.subject,
        obligations.c.clause_id,
        obligations.c.obligor,
        obligations.c.state,
        obligations.c.spec_id,
        obligations.c.flags,
        obligations.c.due_at,
        sqlite_where=text(JUDGED_SQL),
        postgresql_where=text(JUDGED_SQL),
    ),
)
# `bulk_load` drops and rebuilds these with the others
OBLIGATION_INDEXES = OBLIGATION_INDEXES + CONSOLE_INDEXES

# --- migration 0009_awake (the time rules' questions: ``open_of_specs``, ``first_open``) --------

#: one agreement's open instances of a spec in a state, in due order, with the flags the rules
#: filter on (the query spells the open states as the condition does, beside a narrower state)
OBLIGATION_INDEXES = (
    *OBLIGATION_INDEXES,
    Index(
        "ix_obligations_open_spec",
        obligations.c.agreement_id,
        obligations.c.spec_id,
        obligations.c.state,
        obligations.c.due_at,
        obligations.c.flags,
        sqlite_where=text(OPEN_STATES_SQL),
        postgresql_where=text(OPEN_STATES_SQL),
    ),
)

# --- migration 0011_judged (the dashboard's "breach suspected" and "in cure" counts) -----------

#: the two counts' conditions, each its partial index's (the console's counts spell them so)
SUSPECTED_SQL = (
    "flags LIKE '%\"breach_suspected\"%' AND state <> 'violated' "
    "AND flags NOT LIKE '%\"breach_confirmed\"%'"
)
IN_CURE_SQL = f"spec_id LIKE '%.cure' AND {OPEN_STATES_SQL}"
_FILTERED = (obligations.c.agreement_id, obligations.c.subject, obligations.c.clause_id)
OBLIGATION_INDEXES = (
    *OBLIGATION_INDEXES,
    *(
        Index(name, *_FILTERED, obligations.c.obligor, sqlite_where=w, postgresql_where=w)
        for name, w in (
            ("ix_obligations_suspected", text(SUSPECTED_SQL)),
            ("ix_obligations_in_cure", text(IN_CURE_SQL)),
        )
    ),
)

Index("ix_audit_log_obligation", audit_log.c.obligation_id, audit_log.c.seq)
