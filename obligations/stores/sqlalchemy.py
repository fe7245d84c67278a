"""The SQL :class:`~obligations.abc.ObligationStore`: SQLAlchemy 2 Core on SQLite or PostgreSQL.

Core, not the ORM: the values are frozen attrs objects already, and ORM unit-of-work writes are
an order of magnitude too slow for compiling thousands of instances (performance-floors.md).
The store receives an :class:`~sqlalchemy.Engine` and does not own it; build one with
:func:`obligations._db.make_engine`, which also sets SQLite up for concurrent use. The schema
(and why it looks the way it does) is in :mod:`obligations.stores._sqltables`.

A transaction is one connection with one ``BEGIN``; calls made inside it join it, calls made
outside open their own. The per-thread connection lives in a ``threading.local`` so one store
can serve several threads, each with its own unit of work.

Units of work are serialised, on both engines: the service reads obligations, decides, and
writes them back, so two processes recording events for the same supplier at once must not
both start from the same snapshot (a lost update of an accrued premium is a wrong invoice).
SQLite gets this from ``BEGIN IMMEDIATE`` (see :mod:`obligations._db`); on PostgreSQL every
transaction first takes a transaction-scoped advisory lock. Units of work take milliseconds, so
queuing costs little at this scale, and it keeps the behaviour of both engines the same.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Dialect,
    Engine,
    Row,
    Select,
    String,
    Table,
    Text,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import NullType

from clauses import Conflict, EngineError, InputError, NotFound, canonical_json

from .._audit import (
    AuditHead,
    StoreCorrupted,
    entry_mac,
    head_mac,
    link_texts,
    signed_head,
)
from .._auditkey import AuditKey
from .._bulk import gc_paused
from .._enums import OPEN, EvidenceState, LegalState
from .._model import (
    AuditEntry,
    Event,
    EvidenceRef,
    Obligation,
    TrackedAgreement,
    payload_from_json,
    payload_to_json,
)
from ..abc import Clock, ObligationStore
from ._periods import periods_subjects
from ._rowmap import AGREEMENT_ROWS, OBLIGATION_ROWS
from ._sqltables import (
    OBLIGATION_INDEXES,
    agreement_revision,
    agreements,
    audit_head,
    audit_log,
    events,
    evidence,
    evidence_links,
    obligations,
    store_revision,
)
from ._views import views_from_rows

#: ids per ``IN (…)`` query: well under SQLite's bound-parameter limit
_CHUNK = 500
#: the open states' stored values (see :meth:`SqlAlchemyObligationStore.find_query`)
_OPEN_VALUES = frozenset(s.value for s in OPEN)


class _OpenStatesToo(ColumnElement[bool]):
    """``state IN (<the open states>)`` beside a narrower state, where the planner needs it.

    SQLite uses a partial index only when the query's WHERE contains the index's condition as
    written. PostgreSQL proves that condition from the narrower state by itself, and the
    repeated term made it count the state's selectivity twice: on a million rows it then
    estimated one row, passed ``ix_obligations_open_spec`` by for a BitmapAnd of two wider
    indexes, and took 6 ms per time-rule question instead of 0.6 (benchmarks/README.md, stop 22).
    """

    inherit_cache = True
    type = Boolean()
    #: a condition, as a comparison is (not a boolean column SQLite would compare with 1)
    _is_implicitly_boolean = True


@compiles(_OpenStatesToo)
def _open_states_spelled(element: _OpenStatesToo, compiler: Any, **kw: Any) -> str:
    term = obligations.c.state.in_(sorted(_OPEN_VALUES))
    return str(compiler.process(term, **{**kw, "literal_binds": True}))


@compiles(_OpenStatesToo, "postgresql")
def _open_states_proved(element: _OpenStatesToo, compiler: Any, **kw: Any) -> str:
    return "true"


# The row maps spell the columns as plain names (the DBAPI read path uses them without
# SQLAlchemy): refuse to run on a table that has other columns or another order.
for _map, _table in ((OBLIGATION_ROWS, obligations), (AGREEMENT_ROWS, agreements)):
    if _map.columns != tuple(c.name for c in _table.columns):
        raise TypeError(
            f"the row map of {_table.name} has columns {_map.columns}, the table "
            f"{tuple(c.name for c in _table.columns)}: update stores/_rowmap.py"
        )

_OB_COLUMNS = list(OBLIGATION_ROWS.columns)
#: the obligations columns without result processing (the DBAPI driver's values as they come),
#: dates as ISO text and instants as fixed-width naive UTC text: how SQLite stores them, and
#: what PostgreSQL is asked to format (comparing text costs less than aware datetimes)
_RAW_COLUMNS: dict[str, list[Any]] = {
    "sqlite": [type_coerce(c, NullType()).label(c.name) for c in obligations.columns],
    "postgresql": [
        (
            cast(c, Text)
            if isinstance(c.type, Date)
            else func.to_char(func.timezone("UTC", c), "YYYY-MM-DD HH24:MI:SS.US")
            if c.name == "due_at"
            else type_coerce(c, NullType())
        ).label(c.name)
        for c in obligations.columns
    ],
}

#: the execution option that marks a connection's transaction as a read (see ``_db``: SQLite
#: then begins a deferred transaction instead of ``BEGIN IMMEDIATE``)
READ_ONLY_OPTION = "wsr_read_only"

#: PostgreSQL advisory lock key that serialises units of work (any constant unique to us)
_UNIT_OF_WORK_LOCK = 0x5753_5202

#: a single add of at least this many rows refreshes SQLite's planner statistics
_ANALYZE_AFTER = 1000

#: a single add of at least this many rows (and more than the table holds) rebuilds SQLite's
#: secondary indexes once instead of updating them row by row
_REBUILD_AFTER = 50_000


def _analyze_sqlite(conn: Connection) -> None:
    """Refresh SQLite's planner statistics for the obligations table.

    Without them SQLite cannot tell that the partial index of open obligations answers "what
    is overdue" in due order, and sorts every open row instead (PostgreSQL's autovacuum keeps
    its own statistics). A full ANALYZE, not a sampled one: sampling (``analysis_limit``)
    misjudges the state index and brings the sort back; a full one takes ~0.1 s per 300k rows.
    """
    conn.exec_driver_sql("ANALYZE obligations")


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


#: ids per statement when checking which are stored (``_existing_ids``)
_ID_BATCH = 50_000


def _json_ids(ids: Sequence[str]) -> str:
    return json.dumps(list(ids))


def _bind_limit(conn: Connection) -> int:
    """How many bound parameters one statement may carry on this connection."""
    if conn.dialect.name == "sqlite":
        import sqlite3

        raw = conn.connection.driver_connection
        if raw is not None and hasattr(raw, "getlimit"):  # Python >= 3.11
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        return 999  # the oldest SQLite's default
    return 30_000  # PostgreSQL's protocol allows 65,535


def _insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``conn.execute(insert(table), rows)`` for many rows, at about half the cost.

    SQLAlchemy's executemany rebuilds a parameter dict per row through its compiler, which
    costs as much as SQLite's own insert when tracking puts tens of thousands of rows in one
    transaction. This binds every value with the same processor SQLAlchemy would use (the
    column type's ``bind_processor`` for this dialect), so the stored values are identical,
    and hands the DBAPI cursor one tuple per row (``exec_driver_sql``: still SQLAlchemy's
    connection, transaction, events and error wrapping).
    """
    _, names, _ = _insert_plan(conn.dialect, table)
    _insert_values(conn, table, [tuple(row[n] for n in names) for row in rows])


def _insert_values(conn: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> int:
    """:func:`_insert_rows` for rows that are already value tuples in the table's column order
    (no dict per row); returns how many rows it inserted."""
    sql, _, processors = _insert_plan(conn.dialect, table)
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for i, process in processors:
            if values[i] is not None:
                values[i] = process(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)
    return len(params)


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembered by (type, value): a bulk insert binds the same few dates and
    flags hundreds of thousands of times. Processors are pure; the type is part of the key so a
    value never stands in for an equal one of another type (``True`` and ``1``)."""
    cache: dict[tuple[type, Any], Any] = {}

    def bound(value: Any) -> Any:
        key = (type(value), value)
        try:
            return cache[key]
        except KeyError:
            if len(cache) >= 65_536:
                cache.clear()
            out = cache[key] = process(value)
            return out
        except TypeError:  # unhashable: nothing to remember
            return process(value)

    return bound


@functools.lru_cache(maxsize=16)
def _insert_plan(
    dialect: Dialect, table: Table
) -> tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The INSERT text, its column names in order, and (position, processor) for the columns
    whose type processes bound values on this dialect."""
    names = tuple(c.name for c in table.columns)
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join(mark for _ in names)})"
    )
    processors = tuple(
        (i, _memo(process))
        for i, c in enumerate(table.columns)
        if (process := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    return sql, names, processors


# -- rows <-> values ---------------------------------------------------------------------------


#: an obligation as a row of the obligations table (generated from the model's fields)
_ob_row: Callable[[Obligation], dict[str, Any]] = OBLIGATION_ROWS.to_row
#: each row's values as Obligation fields, for :meth:`Obligation.from_fields`: what the table
#: holds was validated on the way in and the column types hand back aware UTC datetimes, dates
#: and booleans, so only the text columns are decoded (enum members, Decimal, Money, JSON)
_ob_fields = OBLIGATION_ROWS.fields_from_rows


#: what decoding a damaged row raises (an unknown enum value, a non-decimal text, bad JSON…)
_DECODE_ERRORS = (KeyError, ValueError, TypeError, ArithmeticError, AttributeError)

_STATES: dict[str, LegalState] = {s.value: s for s in LegalState}
_EVIDENCE: dict[str, EvidenceState] = {e.value: e for e in EvidenceState}
_OB_ORDER = [c.name for c in obligations.columns]


@contextmanager
def _damage_named() -> Iterator[None]:
    """A stored value the column types cannot decode (a date of ``''``, a text where a number
    belongs) or a write the database refuses because a stored row was altered (a duplicated
    sequence) is a corrupted store, named as such — never a driver's traceback."""
    try:
        yield
    except EngineError:
        raise
    except IntegrityError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise StoreCorrupted("store", f"the database refused a write ({first})") from None
    except _DECODE_ERRORS as exc:
        raise StoreCorrupted("store", f"a stored row cannot be read ({exc})") from None


def _obs_from_rows(rows: Sequence[Sequence[Any]]) -> list[Obligation]:
    # a listing makes two containers per row and no cycles (see obligations._bulk)
    try:
        with gc_paused():
            return Obligation.from_fields(_ob_fields(rows))
    except _DECODE_ERRORS as exc:
        # the fast path has no per-row error handling (it costs nothing when every row is
        # sound); find the damaged row and say which field is wrong
        for row in rows:
            _check_ob_row(row)
        raise StoreCorrupted("obligations", f"a row cannot be read ({exc})") from None


def _decimal(text: str) -> Decimal:
    out = Decimal(text)
    if not out.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal")
    return out


def _check_ob_row(row: Sequence[Any]) -> None:
    """StoreCorrupted naming the first field of ``row`` that the engine cannot have written."""
    m = dict(zip(_OB_ORDER, row, strict=True))
    where = f"obligations.{m['id']}"
    checks: list[tuple[str, Callable[[], object]]] = [
        ("state", lambda: _STATES[m["state"]]),
        ("evidence", lambda: _EVIDENCE[m["evidence"]]),
        ("paid", lambda: _decimal(m["paid"])),
        (
            "amount_value",
            lambda: None if m["amount_value"] is None else _decimal(m["amount_value"]),
        ),
        ("flags", lambda: frozenset(_json_list(m["flags"]))),
        ("data", lambda: _json_object(m["data"])),
    ]
    for field, check in checks:
        try:
            check()
        except _DECODE_ERRORS:
            raise StoreCorrupted(
                f"{where}.{field}", f"stored {m[field]!r} is not a value the engine writes"
            ) from None
    try:
        Obligation.from_fields(_ob_fields([row]))
    except _DECODE_ERRORS as exc:
        raise StoreCorrupted(where, f"the row cannot be read ({exc})") from None


def _json_list(text: str) -> list[Any]:
    value = json.loads(text)
    if not isinstance(value, list):
        raise ValueError("not a JSON list")
    return value


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


#: a tracked agreement as a row of the agreements table (generated from the model's fields)
_agreement_row: Callable[[TrackedAgreement], dict[str, Any]] = AGREEMENT_ROWS.to_row


def _agreement_from_row(r: Row[Any]) -> TrackedAgreement:
    m = dict(r._mapping)
    try:
        ZoneInfo(m["timezone"])  # cached by zoneinfo: one look-up per zone and process
    except (KeyError, ValueError, TypeError, OSError):
        raise StoreCorrupted(
            f"agreements.{m['id']}.timezone", f"stored {m['timezone']!r} is not a time zone"
        ) from None
    try:
        return TrackedAgreement(**m)
    except _DECODE_ERRORS as exc:
        field = "status" if "AgreementStatus" in str(exc) else ""
        where = f"agreements.{m['id']}" + (f".{field}" if field else "")
        what = f"stored {m['status']!r} is not an agreement status" if field else str(exc)
        raise StoreCorrupted(where, what) from None


def _event_from_row(r: Row[Any]) -> Event:
    m = r._mapping
    try:
        return _event_values(m)
    except _DECODE_ERRORS as exc:
        raise StoreCorrupted(
            f"events.{m['id']}.payload", f"stored payload cannot be read ({exc})"
        ) from None


def _event_values(m: Any) -> Event:
    return Event(
        id=m["id"],
        agreement_id=m["agreement_id"],
        type=m["type"],
        occurred_at=m["occurred_at"],
        occurred_on=m["occurred_on"],
        payload=payload_from_json(m["type"], json.loads(m["payload"])),
        recorded_at=m["recorded_at"],
    )


def _audit_from_row(r: Row[Any]) -> AuditEntry:
    m = r._mapping
    try:
        return _audit_values(m)
    except _DECODE_ERRORS as exc:
        field = ""
        for name in ("before", "after"):
            try:
                if m[name] is not None:
                    _json_object(m[name])
            except _DECODE_ERRORS:
                field = f".{name}"
                break
        raise StoreCorrupted(
            f"audit_log.{m['seq']}{field}", f"the entry cannot be read ({exc})"
        ) from None


def _audit_values(m: Any) -> AuditEntry:
    return AuditEntry(
        seq=m["seq"],
        agreement_id=m["agreement_id"],
        obligation_id=m["obligation_id"],
        at=m["at"],
        actor=m["actor"],
        action=m["action"],
        reason=m["reason"],
        before=None if m["before"] is None else json.loads(m["before"]),
        after=None if m["after"] is None else json.loads(m["after"]),
        prev_hash=m["prev_hash"],
        hash=m["hash"],
        recorded_at=m["recorded_at"],
        mac=m["mac"],
    )


def _evidence_from_row(r: Row[Any]) -> EvidenceRef:
    m = r._mapping
    return EvidenceRef(
        sha256=m["sha256"],
        filename=m["filename"],
        size=m["size"],
        obligation_id=m["obligation_id"],
        submitted_at=m["submitted_at"],
        note=m["note"],
    )


# -- the store ---------------------------------------------------------------------------------


class SqlAlchemyObligationStore(ObligationStore):
    """Obligation store on any SQLAlchemy engine whose schema is at the migrations' head."""

    def __init__(
        self, engine: Engine, *, audit_key: AuditKey | None = None, clock: Clock | None = None
    ) -> None:
        self.engine = engine
        self._local = threading.local()
        #: the key that signs the audit chain (never stored in the database)
        self.audit_key = AuditKey.for_url(engine.url) if audit_key is None else audit_key
        #: the wall clock that stamps each audit entry's ``recorded_at`` (no option sets it)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))

    # -- unit of work ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "conn", None) is not None:
            if getattr(self._local, "read_only", False):
                raise RuntimeError("a write inside a read-only unit of work: reads never write")
            yield
            return
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_UNIT_OF_WORK_LOCK)))
            self._local.conn = conn
            self._local.new_key = False
            self._local.unwoken = set()
            self._local.wrote = False
            self._local.touched = set()
            try:
                yield
                self._count_revision(conn)
            except BaseException:
                if self._local.new_key:
                    # the key was made for a first append that is now rolled back: remove it
                    # while the head is still locked, so no log is ever signed with it
                    self.audit_key.discard()
                raise
            finally:
                self._local.conn = None

    @contextmanager
    def read(self) -> Iterator[None]:
        """A read-only transaction: one snapshot, no write lock, so readers never queue.

        SQLite: a deferred ``BEGIN`` (WAL readers see the last commit and block nobody);
        PostgreSQL: ``REPEATABLE READ READ ONLY`` without the units-of-work advisory lock.
        A read inside a transaction joins it; a write inside a read raises.
        """
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self.engine.connect() as conn:
            options: dict[str, Any] = {READ_ONLY_OPTION: True}
            if conn.dialect.name == "postgresql":
                # psycopg puts both into its own BEGIN: no extra round trip
                options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            conn.execution_options(**options)
            with conn.begin():
                self._local.conn = conn
                self._local.read_only = True
                try:
                    yield
                finally:
                    self._local.conn = None
                    self._local.read_only = False

    @contextmanager
    def _conn(self) -> Iterator[Connection]:
        """The current transaction's connection, or a new transaction around one call."""
        conn = getattr(self._local, "conn", None)
        with _damage_named():
            if conn is not None:
                yield conn
                return
            with self.read():
                yield self._local.conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """The current unit of work's connection for a write (refused inside a read), or a
        new unit of work around one call."""
        with _damage_named(), self.transaction():
            self._local.wrote = True
            yield self._local.conn

    def _touched(self, agreement_ids: Collection[str] | None) -> None:
        """Note that this unit of work writes these agreements' rows or obligations (None:
        every agreement's), for :meth:`_count_revision`."""
        found: set[str] | None = getattr(self._local, "touched", None)
        if agreement_ids is None or found is None:
            self._local.touched = None  # every agreement (also when nothing was noted yet)
        else:
            found.update(agreement_ids)

    def _count_revision(self, conn: Connection) -> None:
        """If this unit of work wrote, add one to ``store_revision.n`` (migration 0012) and
        give the agreements whose row or obligations it wrote that new ``n`` (0013), in its
        own transaction: a reader's snapshot then says what changed since."""
        if not getattr(self._local, "wrote", False):
            return
        conn.execute(
            update(store_revision).where(store_revision.c.id == 1).values(n=store_revision.c.n + 1)
        )
        n = conn.execute(
            select(store_revision.c.n).where(store_revision.c.id == 1)
        ).scalar_one_or_none()
        touched: set[str] | None = getattr(self._local, "touched", None)
        self._local.wrote, self._local.touched = False, set()
        if touched is None:  # every agreement
            touched = set(conn.execute(select(agreements.c.id)).scalars())
        if not touched:
            return
        if n is None:  # the revision row is gone: no agreement may be served from a cache
            for part in _chunks(sorted(touched)):
                conn.execute(
                    delete(agreement_revision).where(agreement_revision.c.agreement_id.in_(part))
                )
            return
        for part in _chunks(sorted(touched)):
            have = set(
                conn.execute(
                    select(agreement_revision.c.agreement_id).where(
                        agreement_revision.c.agreement_id.in_(part)
                    )
                ).scalars()
            )
            if have:
                conn.execute(
                    update(agreement_revision)
                    .where(agreement_revision.c.agreement_id.in_(sorted(have)))
                    .values(n=n)
                )
            new = [{"agreement_id": a, "n": n} for a in part if a not in have]
            if new:
                conn.execute(insert(agreement_revision), new)

    def agreement_revisions(self) -> dict[str, int] | None:
        with self._conn() as conn:
            rows = conn.execute(
                select(agreement_revision.c.agreement_id, agreement_revision.c.n)
            ).all()
        return {a: int(n) for a, n in rows}

    def data_revision(self) -> int | None:
        """``store_revision.n`` as the current transaction sees it: equal in two snapshots
        only if no unit of work of any process wrote between them (None if its row is gone:
        then nothing may be reused)."""
        with self._conn() as conn:
            n: int | None = conn.execute(
                select(store_revision.c.n).where(store_revision.c.id == 1)
            ).scalar_one_or_none()
        return n

    @contextmanager
    def connection(self, *, write: bool = True) -> Iterator[Connection]:
        """The current unit of work's connection (a new one around the block when none is
        open, read-only unless ``write``): for the scheduler's notice tables, which the sweep
        writes in its own transaction."""
        with self._writing() if write else self._conn() as conn:
            yield conn

    @contextmanager
    def joined(self, conn: Connection) -> Iterator[None]:
        """Run this store's units of work on ``conn``, inside the caller's open transaction:
        the webhook records a delivery event and what it starts (a cure) in one commit."""
        if getattr(self._local, "conn", None) is not None:
            raise RuntimeError("joined() inside another unit of work of this store")
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_UNIT_OF_WORK_LOCK)))
        self._local.conn = conn
        self._local.read_only = False
        self._local.new_key = False
        self._local.unwoken = set()
        self._local.wrote = False
        self._local.touched = set()
        try:
            yield
            self._count_revision(conn)
        except BaseException:
            if self._local.new_key:
                self.audit_key.discard()
            raise
        finally:
            self._local.conn = None

    # -- agreements ------------------------------------------------------------------------
    def add_agreement(self, agreement: TrackedAgreement) -> None:
        with self._writing() as conn:
            have = conn.execute(
                select(agreements.c.created_at).where(agreements.c.id == agreement.id)
            ).scalar_one_or_none()
            if have is not None:
                raise self._already_tracked(agreement.id, have)
            try:
                with conn.begin_nested():
                    row = {**_agreement_row(agreement), "wake_at": None}
                    conn.execute(insert(agreements), row)
            except IntegrityError:  # tracked by another process since we looked
                raise self._already_tracked(agreement.id, None) from None
            self._unwoken().add(agreement.id)
            self._touched({agreement.id})

    @staticmethod
    def _already_tracked(agreement_id: str, since: datetime | None) -> Conflict:
        when = f" (since {since.isoformat()})" if since is not None else ""
        return Conflict(
            "agreement", f"agreement {agreement_id} is already tracked{when}; nothing changed"
        )

    def get_agreement(self, agreement_id: str) -> TrackedAgreement:
        with self._conn() as conn:
            row = conn.execute(select(agreements).where(agreements.c.id == agreement_id)).first()
        if row is None:
            raise NotFound("agreement", agreement_id)
        return _agreement_from_row(row)

    def list_agreements(self) -> list[TrackedAgreement]:
        with self._conn() as conn:
            rows = conn.execute(select(agreements).order_by(agreements.c.id)).all()
        return [_agreement_from_row(r) for r in rows]

    def agreement_heads(self) -> list[TrackedAgreement]:
        cols = [c if c.name != "record_json" else literal("").label(c.name) for c in agreements.c]
        with self._conn() as conn:
            rows = conn.execute(select(*cols).order_by(agreements.c.id)).all()
        return [_agreement_from_row(r) for r in rows]

    def update_agreement(self, agreement: TrackedAgreement) -> None:
        with self._writing() as conn:
            row = {**_agreement_row(agreement), "wake_at": None}  # the writer sets a fresh one
            self._unwoken().add(agreement.id)
            self._touched({agreement.id})
            done = conn.execute(
                update(agreements).where(agreements.c.id == agreement.id).values(row)
            )
            if done.rowcount != 1:
                raise NotFound("agreement", agreement.id)

    # -- wakes (obligations._wake) -----------------------------------------------------------
    def _unwoken(self) -> set[str]:
        found: set[str] | None = getattr(self._local, "unwoken", None)
        if found is None:
            found = self._local.unwoken = set()
        return found

    def _forget_wakes(self, conn: Connection, agreement_ids: Collection[str]) -> None:
        """The safety net: an agreement whose obligations or events are written has no known
        wake until its writer sets a fresh one (so a path that forgets is slow, never wrong);
        and a new revision at the commit (``_count_revision``)."""
        self._touched(agreement_ids)
        ids = sorted(set(agreement_ids) - self._unwoken())
        for part in _chunks(ids):
            conn.execute(
                update(agreements)
                .where(agreements.c.id.in_(part), agreements.c.wake_at.is_not(None))
                .values(wake_at=None)
            )
        self._unwoken().update(ids)

    def unwoken(self) -> set[str]:
        return set(self._unwoken()) if getattr(self._local, "conn", None) is not None else set()

    def set_wakes(self, wakes: Mapping[str, datetime | None]) -> None:
        if not wakes:
            return
        with self._writing() as conn:
            conn.execute(
                update(agreements)
                .where(agreements.c.id == bindparam("_id"))
                .values(wake_at=bindparam("_wake")),
                [{"_id": k, "_wake": v} for k, v in sorted(wakes.items())],
            )
            self._unwoken().difference_update(wakes)

    def first_open(
        self,
        agreement_id: str,
        spec_ids: Collection[str],
        *,
        due_from: datetime,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> Obligation | None:
        if not spec_ids:
            return None
        q = self.find_query(
            agreement_id=agreement_id,
            spec_ids=spec_ids,
            states=OPEN if states is None else OPEN & frozenset(states),
            due_from=due_from,
        )
        with self._conn() as conn:
            find = func.instr if conn.dialect.name == "sqlite" else func.strpos
            for flag in sorted(without_flags):
                q = q.where(find(obligations.c.flags, json.dumps(flag)) == 0)
            rows = conn.execute(q.limit(1)).all()
        return _obs_from_rows(rows)[0] if rows else None

    # -- obligations -----------------------------------------------------------------------
    def _existing_ids(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored already.

        The ids go in as one parameter per :data:`_ID_BATCH` (a PostgreSQL array, a JSON array
        SQLite unpacks with ``json_each``), not as an ``IN`` list of one bound parameter each:
        tracking 1M instances checked them in 2,000 such statements, each compiled by SQLAlchemy
        and converted by the driver, 5.6 s of a 34 s ``add_obligations`` on PostgreSQL.
        """
        stored: ColumnElement[bool]
        encode: Callable[[Sequence[str]], Any]
        if conn.dialect.name == "postgresql":
            stored = obligations.c.id == func.any(bindparam("ids", type_=postgresql.ARRAY(String)))
            encode = list
        else:
            unpacked = func.json_each(bindparam("ids", type_=String))
            stored = obligations.c.id.in_(select(column("value")).select_from(unpacked))
            encode = _json_ids
        stmt = select(obligations.c.id).where(stored)
        found: set[str] = set()
        for part in _chunks(ids, _ID_BATCH):
            found.update(conn.execute(stmt, {"ids": encode(part)}).scalars())
        return found

    def add_obligations(self, obligations_: Sequence[Obligation]) -> None:
        if not obligations_:
            return
        ids = [ob.id for ob in obligations_]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise Conflict("obligation", f"obligation {dup} appears twice in one call")
        with self._writing() as conn:
            clash = self._existing_ids(conn, ids)
            if clash:
                raise Conflict("obligation", f"obligation {min(clash)} already exists")
            wanted = {ob.agreement_id for ob in obligations_}
            tracked = set(
                conn.execute(
                    select(agreements.c.id).where(agreements.c.id.in_(sorted(wanted)))
                ).scalars()
            )
            if wanted - tracked:
                raise NotFound("agreement", min(wanted - tracked))
            self._forget_wakes(conn, wanted)
            try:
                # a savepoint keeps the outer transaction usable on PostgreSQL after a clash
                with conn.begin_nested():
                    rebuild = self._rebuild_indexes(conn, len(obligations_))
                    for ix in rebuild:
                        ix.drop(conn)
                    # bulk_load's insert: COPY on PostgreSQL (the indexes kept up to date as
                    # the rows stream in), the fast executemany on SQLite
                    self._insert_many(conn, obligations_)
                    for ix in rebuild:
                        ix.create(conn)
            except IntegrityError as exc:
                raise Conflict(
                    "obligation",
                    "an obligation with the same agreement, spec, subject and key already exists"
                    f" ({type(exc.orig).__name__})",
                ) from None
            if len(obligations_) >= _ANALYZE_AFTER and conn.dialect.name == "sqlite":
                _analyze_sqlite(conn)

    @staticmethod
    def _rebuild_indexes(conn: Connection, adding: int) -> tuple[Any, ...]:
        """The secondary indexes to drop and rebuild around an insert of ``adding`` rows.

        On SQLite, when one call adds at least :data:`_REBUILD_AFTER` rows and more than the
        table already holds (tracking a very large agreement into a young store), building each
        index once afterwards is about twice as fast as keeping it up to date row by row. The
        drop, insert and rebuild share the call's savepoint, so a duplicate natural key still
        fails the rebuild and leaves nothing behind; readers keep their WAL snapshot and
        writers already wait for this transaction. PostgreSQL is left alone: there a dropped
        index would lock readers out of the table until the commit.
        """
        if conn.dialect.name != "sqlite" or adding < _REBUILD_AFTER:
            return ()
        have = conn.exec_driver_sql("SELECT count(*) FROM obligations").scalar_one()
        return OBLIGATION_INDEXES if adding > have else ()

    def update_obligations(self, obligations_: Sequence[Obligation]) -> None:
        """Store the new state of existing obligations, writing only the columns that changed.

        A sweep's change is mostly a flag, the data and ``updated_at``: SET-ting every column
        made both databases rewrite every index entry of each row (14 indexes; 2.3 s of a
        10,000-row sweep at 1M, benchmarks/README.md "awake (stop 18)"). The stored rows are
        read back, encoded as the new ones are, and each row's changed columns compared; rows
        are written grouped by which columns changed. An id given twice keeps its last state.
        """
        if not obligations_:
            return
        latest = {ob.id: ob for ob in obligations_}
        with self._writing() as conn:
            stored = self._stored_rows(conn, list(latest))
            missing = latest.keys() - stored.keys()
            if missing:
                raise NotFound("obligation", min(missing))
            self._forget_wakes(conn, {ob.agreement_id for ob in obligations_})
            cols = [c for c in _OB_COLUMNS if c != "id"]
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for ob in latest.values():
                row, before = _ob_row(ob), stored[ob.id]
                changed = tuple(c for c in cols if row[c] != before[c])
                if changed:
                    groups.setdefault(changed, []).append(
                        {"_id": ob.id, **{c: row[c] for c in changed}}
                    )
            for changed, rows in groups.items():
                stmt = (
                    update(obligations)
                    .where(obligations.c.id == bindparam("_id"))
                    .values({c: bindparam(c) for c in changed})
                )
                conn.execute(stmt, rows)

    @staticmethod
    def _stored_rows(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored obligations of ``ids`` (those that exist), each encoded as it is written."""
        found: dict[str, dict[str, Any]] = {}
        for part in _chunks(ids):
            rows = conn.execute(select(obligations).where(obligations.c.id.in_(part))).all()
            found.update((ob.id, _ob_row(ob)) for ob in _obs_from_rows(rows))
        return found

    def get_obligation(self, obligation_id: str) -> Obligation:
        with self._conn() as conn:
            row = conn.execute(select(obligations).where(obligations.c.id == obligation_id)).first()
        if row is None:
            raise NotFound("obligation", obligation_id)
        return _obs_from_rows([row])[0]

    @staticmethod
    def find_query(
        *,
        agreement_id: str | None = None,
        spec_id: str | None = None,
        subject: str | None = None,
        key: str | None = None,
        states: Collection[LegalState] | None = None,
        due_from: datetime | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
        exclude_kinds: Collection[str] | None = None,
        spec_ids: Collection[str] | None = None,
    ) -> Select[Any]:
        """The SELECT behind :meth:`find_obligations` (the benchmark times it raw)."""
        q = select(obligations)
        c = obligations.c
        if agreement_id is not None:
            q = q.where(c.agreement_id == agreement_id)
        if spec_id is not None:
            q = q.where(c.spec_id == spec_id)
        if spec_ids is not None:
            q = q.where(c.spec_id.in_(sorted(spec_ids)))
        if subject is not None:
            q = q.where(c.subject == subject)
        if key is not None:
            q = q.where(c.key == key)
        if states is not None:
            # rendered as literals, so the planner can match the partial "open" index
            values = sorted({LegalState(s).value for s in states})
            q = q.where(
                c.state.in_(bindparam("states", values, expanding=True, literal_execute=True))
            )
            if set(values) < _OPEN_VALUES:
                # a narrower open state: the open states too, as the partial indexes spell
                # them, so SQLite may use those (ix_obligations_open_spec; 0009_awake)
                q = q.where(_OpenStatesToo())
        if due_from is not None:
            q = q.where(c.due_at >= due_from)
        if due_before is not None:
            q = q.where(c.due_at < due_before)
        if exclude_kinds:
            q = q.where(c.kind.not_in(sorted(exclude_kinds)))
        q = q.order_by(c.due_at, c.id)
        if limit is not None:
            q = q.limit(limit)
        return q

    def find_obligations(
        self,
        *,
        agreement_id: str | None = None,
        spec_id: str | None = None,
        subject: str | None = None,
        key: str | None = None,
        states: Collection[LegalState] | None = None,
        due_from: datetime | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
        exclude_kinds: Collection[str] | None = None,
    ) -> list[Obligation]:
        if states is not None and not states:
            return []
        q = self.find_query(
            agreement_id=agreement_id,
            spec_id=spec_id,
            subject=subject,
            key=key,
            states=states,
            due_from=due_from,
            due_before=due_before,
            limit=limit,
            exclude_kinds=exclude_kinds,
        )
        with self._conn() as conn:
            return _obs_from_rows(conn.execute(q).all())

    def open_of_specs(
        self,
        agreement_id: str | None,
        spec_ids: Collection[str],
        *,
        subject: str | None = None,
        due_before: datetime | None = None,
        states: Collection[LegalState] | None = None,
        without_flags: Collection[str] = (),
    ) -> list[Obligation]:
        if not spec_ids:
            return []
        q = self.find_query(
            agreement_id=agreement_id,
            spec_ids=spec_ids,
            subject=subject,
            states=OPEN if states is None else OPEN & frozenset(states),
            due_before=due_before,
        )
        with self._conn() as conn:
            # a flag is a quoted string in the stored JSON list: an exact, case-sensitive
            # substring test (LIKE would be neither on SQLite)
            find = func.instr if conn.dialect.name == "sqlite" else func.strpos
            for flag in sorted(without_flags):
                q = q.where(find(obligations.c.flags, json.dumps(flag)) == 0)
            return _obs_from_rows(conn.execute(q).all())

    def find_views(
        self,
        *,
        now: datetime,
        agreement_id: str | None = None,
        states: Collection[LegalState] | None = None,
        due_from: datetime | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
        exclude_kinds: Collection[str] | None = None,
    ) -> list[tuple[datetime, str, dict[str, Any]]]:
        # rows straight to the JSON view: no Obligation values are built (see stores._views)
        if states is not None and not states:
            return []
        q = self.find_query(
            agreement_id=agreement_id,
            states=states,
            due_from=due_from,
            due_before=due_before,
            limit=limit,
            exclude_kinds=exclude_kinds,
        )
        # the driver's own values: SQLite's ISO date text is already the view's form
        with self._conn() as conn:
            raw = q.with_only_columns(*_RAW_COLUMNS[conn.dialect.name])
            rows = conn.execute(raw).all()
            i_state, i_id = _OB_ORDER.index("state"), _OB_ORDER.index("id")
            for r in rows:  # the views pass the state through: refuse one no engine writes
                if r[i_state] not in _STATES:
                    raise StoreCorrupted(
                        f"obligations.{r[i_id]}.state",
                        f"stored {r[i_state]!r} is not a value the engine writes",
                    )
            try:
                return views_from_rows(rows, now)
            except _DECODE_ERRORS:
                full = conn.execute(q).all()
                _obs_from_rows(full)  # raises naming the damaged row and field
                raise

    def bulk_load(self, obligations_: Iterable[Obligation]) -> int:
        """Load many new obligations fast; returns how many. For initial loads and benchmarks.

        Drops the secondary indexes, inserts (``COPY`` on PostgreSQL, ``executemany`` on
        SQLite), then rebuilds them — building an index once is about twice as fast as keeping
        it up to date row by row. No per-row duplicate check: a duplicate id or natural key
        makes the index rebuild fail and the whole load roll back. Takes an exclusive lock on
        the obligations table for the duration, so do not run it beside live traffic.
        """
        with self._writing() as conn:
            # which agreements the rows belong to is only known once they are in: forget all
            conn.execute(update(agreements).values(wake_at=None))
            self._touched(None)
            for ix in OBLIGATION_INDEXES:
                ix.drop(conn)
            try:
                n = self._insert_many(conn, obligations_)
                for ix in OBLIGATION_INDEXES:
                    ix.create(conn)
            except IntegrityError:
                raise Conflict(
                    "obligation", "the bulk load contains an obligation that already exists"
                ) from None
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("ANALYZE obligations")
            else:
                _analyze_sqlite(conn)
            return n

    @staticmethod
    def _insert_many(conn: Connection, obligations_: Iterable[Obligation]) -> int:
        n = 0
        if conn.dialect.name == "postgresql":
            import psycopg  # only the PostgreSQL path needs the driver itself

            cols = ", ".join(f'"{c}"' for c in _OB_COLUMNS)
            raw = conn.connection.driver_connection
            assert raw is not None
            try:
                with raw.cursor() as cur, cur.copy(f"COPY obligations ({cols}) FROM STDIN") as cp:
                    for ob in obligations_:
                        row = _ob_row(ob)
                        cp.write_row([row[c] for c in _OB_COLUMNS])
                        n += 1
            except psycopg.errors.IntegrityError as exc:
                raise IntegrityError("COPY obligations", None, exc) from None
            return n
        # the same insert path as add_obligations (what `wsr track` runs), in batches so a
        # streamed load never holds more than one batch of rows
        names = _insert_plan(conn.dialect, obligations)[1]
        batch: list[tuple[Any, ...]] = []
        with gc_paused():
            for ob in obligations_:
                row = _ob_row(ob)
                batch.append(tuple(row[c] for c in names))
                if len(batch) >= 20_000:
                    n += _insert_values(conn, obligations, batch)
                    batch = []
            if batch:
                n += _insert_values(conn, obligations, batch)
        return n

    # -- events ----------------------------------------------------------------------------
    def _lock_head(self, conn: Connection) -> AuditHead:
        """Lock the chain head for this transaction (serialises appenders across processes)."""
        return self._read_head(conn, lock=True)

    @staticmethod
    def _read_head(conn: Connection, *, lock: bool = False) -> AuditHead:
        q = select(
            audit_head.c.seq, audit_head.c.hash, audit_head.c.mac, audit_head.c.legacy_seq
        ).where(audit_head.c.id == 1)
        rows = conn.execute(q.with_for_update() if lock else q).all()
        if len(rows) != 1:
            raise StoreCorrupted(
                "audit_head.1", "the audit log's head row is missing: the database was edited"
            )
        row = rows[0]
        return AuditHead(seq=int(row.seq), hash=row.hash, mac=row.mac, legacy_seq=row.legacy_seq)

    def add_event(self, event: Event) -> Event:
        with self._writing() as conn:
            self._lock_head(conn)  # event sequence numbers are handed out in the same order
            seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one() + 1
            stored = event.with_sequence(seq)
            self._forget_wakes(conn, {stored.agreement_id})
            conn.execute(
                insert(events),
                {
                    "id": stored.id,
                    "seq": seq,
                    "agreement_id": stored.agreement_id,
                    "type": stored.type,
                    "occurred_at": stored.occurred_at,
                    "occurred_on": stored.occurred_on,
                    "payload": canonical_json(payload_to_json(stored.payload)),
                    "recorded_at": stored.recorded_at,
                },
            )
            return stored

    def period_subjects(
        self, agreement_id: str, spec_id: str, key: str, among: Collection[str | None]
    ) -> set[str | None]:
        return self.periods_subjects(agreement_id, [(spec_id, key, among)])[0]

    def periods_subjects(
        self, agreement_id: str, asks: Sequence[tuple[str, str, Collection[str | None]]]
    ) -> list[set[str | None]]:
        # one range of the natural-key index per ask, every ask in one statement (_periods)
        with self._conn() as conn:
            return periods_subjects(
                lambda sql, params: conn.exec_driver_sql(sql, tuple(params)).all(),
                dialect=conn.dialect.name,
                mark="?" if conn.dialect.paramstyle == "qmark" else "%s",
                agreement_id=agreement_id,
                asks=asks,
            )

    def list_events(self, agreement_id: str, *, type: str | None = None) -> list[Event]:
        q = select(events).where(events.c.agreement_id == agreement_id)
        if type is not None:
            q = q.where(events.c.type == type)
        with self._conn() as conn:
            rows = conn.execute(q.order_by(events.c.occurred_at, events.c.seq)).all()
        return [_event_from_row(r) for r in rows]

    # -- audit -----------------------------------------------------------------------------
    def _checked_head(self, conn: Connection) -> tuple[AuditHead, bytes | None, datetime | None]:
        """The locked head, the key to sign with, and the last entry's recorded_at — after
        checking that the log is what the head says, so nothing is appended on top of a log
        that was edited, cut short or signed with another key."""
        head = self._lock_head(conn)
        rows = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash, audit_log.c.recorded_at)
            .where(audit_log.c.seq >= head.seq)
            .order_by(audit_log.c.seq)
            .limit(2)
        ).all()
        tail = [r for r in rows if r.seq == head.seq]
        beyond = [r for r in rows if r.seq > head.seq]
        if beyond:
            raise StoreCorrupted(
                f"audit_log.{beyond[0].seq}",
                f"the entry lies beyond the head of the log (entry {head.seq}): "
                "a row was added or duplicated outside wsr",
            )
        if head.seq and (not tail or tail[0].hash != head.hash):
            raise StoreCorrupted(
                "audit_head.1",
                f"the head names entry {head.seq}, which "
                + ("is missing" if not tail else "has another hash")
                + ": the log was cut short or edited",
            )
        key = self._signing_key(head)
        return head, key, tail[0].recorded_at if tail else None

    def _signing_key(self, head: AuditHead) -> bytes | None:
        key = self.audit_key
        if head.mac is not None:
            material = key.load()
            if material is None:
                raise InputError.single(
                    key.where,
                    "this database's audit log is signed, but its key is not here; set "
                    "WSR_AUDIT_KEY_FILE to the key file the log was signed with",
                )
            if head.mac != head_mac(material, head):
                raise StoreCorrupted(
                    "audit_head.1",
                    f"the head's signature does not match the key at {key.where} "
                    "(the head was edited, or that is another database's key)",
                )
            return material
        if head.seq == 0:  # a new log is signed from its first entry
            had = key.exists()
            material = key.load_or_create()
            self._local.new_key = not had
            return material
        if key.exists():
            raise StoreCorrupted(
                "audit_head.1",
                f"the head is not signed although a key exists at {key.where} "
                "(the head was reset outside wsr; if this is a log from before keys, "
                "`wsr audit rekey` signs it)",
            )
        return None  # a legacy log: unsigned until `wsr audit rekey`

    def append_audit(self, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
        if not entries:
            return []
        with self._writing() as conn:
            head, key, last_recorded = self._checked_head(conn)
            seq, head_hash = head.seq, head.hash
            last = (
                None
                if seq == 0
                else attrs.evolve(entries[0], seq=seq, hash=head_hash, prev_hash=None)
            )
            now = self.clock()
            # the log is ordered by recorded_at: a clock that steps back never reorders it
            recorded = now if last_recorded is None or now >= last_recorded else last_recorded
            linked = link_texts(entries, last=last, recorded_at=recorded, key=key)
            _insert_rows(
                conn,
                audit_log,
                [
                    {
                        "seq": e.seq,
                        "agreement_id": e.agreement_id,
                        "obligation_id": e.obligation_id,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "reason": e.reason,
                        "before": before,
                        "after": after,
                        "prev_hash": e.prev_hash,
                        "hash": e.hash,
                        "recorded_at": e.recorded_at,
                        "mac": e.mac,
                    }
                    for e, before, after in linked
                ],
            )
            tip = linked[-1][0]
            assert tip.seq is not None
            new_head = signed_head(
                key, AuditHead(seq=tip.seq, hash=tip.hash, legacy_seq=head.legacy_seq)
            )
            conn.execute(
                update(audit_head)
                .where(audit_head.c.id == 1)
                .values(seq=new_head.seq, hash=new_head.hash, mac=new_head.mac)
            )
            return [e for e, _, _ in linked]

    def audit_entries(self, agreement_id: str | None = None) -> list[AuditEntry]:
        q = select(audit_log)
        if agreement_id is not None:
            q = q.where(audit_log.c.agreement_id == agreement_id)
        with self._conn() as conn:
            return [_audit_from_row(r) for r in conn.execute(q.order_by(audit_log.c.seq))]

    def last_audit_at(self) -> datetime | None:
        q = select(audit_log.c.at).order_by(audit_log.c.seq.desc()).limit(1)
        with self._conn() as conn:
            at: datetime | None = conn.execute(q).scalar_one_or_none()
        return at

    def audit_head(self) -> AuditHead:
        """The head the store last appended: verification compares it with the last row,
        which is how entries removed from the *end* of the chain are noticed."""
        with self._conn() as conn:
            return self._read_head(conn)

    def sign_audit(self, key: bytes) -> int:
        """Sign every entry and the head with ``key`` (``wsr audit rekey``); returns how many.

        The one time the store updates audit rows: only their ``mac`` column, which no hash
        covers. The caller verifies the chain first.
        """
        with self._writing() as conn:
            head = self._lock_head(conn)
            rows = conn.execute(
                select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq)
            ).all()
            stmt = (
                update(audit_log)
                .where(audit_log.c.seq == bindparam("_seq"))
                .values(mac=bindparam("_mac"))
            )
            for part in _chunks(rows, 5000):
                conn.execute(
                    stmt, [{"_seq": r.seq, "_mac": entry_mac(key, r.seq, r.hash)} for r in part]
                )
            signed = signed_head(key, head)
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(mac=signed.mac))
            return len(rows)

    def all_evidence(self) -> list[EvidenceRef]:
        """Every evidence link, in the order stored (verification walks them all)."""
        q = select(evidence_links, evidence.c.size).join(
            evidence, evidence.c.sha256 == evidence_links.c.sha256, isouter=True
        )
        with self._conn() as conn:
            rows = conn.execute(q.order_by(evidence_links.c.id)).all()
        return [
            EvidenceRef(
                sha256=r.sha256,
                filename=r.filename,
                size=-1 if r.size is None else r.size,
                obligation_id=r.obligation_id,
                submitted_at=r.submitted_at,
                note=r.note,
            )
            for r in rows
        ]

    # -- evidence --------------------------------------------------------------------------
    def put_evidence(
        self,
        content: bytes,
        *,
        filename: str,
        obligation_id: str,
        note: str,
        submitted_at: datetime,
    ) -> EvidenceRef:
        sha = hashlib.sha256(content).hexdigest()
        ref = EvidenceRef(
            sha256=sha,
            filename=filename,
            size=len(content),
            obligation_id=obligation_id,
            submitted_at=submitted_at,
            note=note,
        )
        with self._writing() as conn:
            self.get_obligation(obligation_id)
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            conn.execute(
                dialect.insert(evidence)
                .values(sha256=sha, size=len(content), content=bytes(content))
                .on_conflict_do_nothing(index_elements=["sha256"])
            )
            conn.execute(
                insert(evidence_links),
                {
                    "sha256": sha,
                    "obligation_id": obligation_id,
                    "filename": filename,
                    "note": note,
                    "submitted_at": ref.submitted_at,
                },
            )
        return ref

    def list_evidence(self, obligation_id: str) -> list[EvidenceRef]:
        q = (
            select(evidence_links, evidence.c.size)
            .join(evidence, evidence.c.sha256 == evidence_links.c.sha256)
            .where(evidence_links.c.obligation_id == obligation_id)
            .order_by(evidence_links.c.submitted_at, evidence_links.c.id)
        )
        with self._conn() as conn:
            return [_evidence_from_row(r) for r in conn.execute(q)]

    def evidence_content(self, sha256: str) -> bytes:
        """The stored bytes for a digest (``NotFound`` if none)."""
        with self._conn() as conn:
            data = conn.execute(
                select(evidence.c.content).where(evidence.c.sha256 == sha256)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("evidence", sha256)
        return bytes(data)
