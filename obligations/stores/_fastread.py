"""The listings' read path: plain SQL through the DBAPI driver, no SQLAlchemy.

``wsr obligations`` (and the console's lists) answer one question per process: what is due,
overdue, or listed at ``now``. Through the SQL store that costs importing SQLAlchemy and
building its engine (~0.7 s of a 1.5 s listing on a million instances), against a query the
database answers in tens of milliseconds. This module reads the same rows with ``sqlite3`` /
``psycopg`` directly, in ONE read-only transaction on ONE connection, and decodes them with the
store's own generated row mapping (:mod:`obligations.stores._rowmap`) after turning the
driver's values into what SQLAlchemy's column types give (dates, aware UTC instants, booleans),
so every value is the one the SQL store returns (``tests/obligations/test_fastread.py`` compares
them column by column on SQLite and PostgreSQL, and over the store-contract fixtures).

The time step of a read (:func:`obligations.advance`, what a sweep at ``now`` would do) is the
service's, unchanged: :class:`FastReadStore` is an :class:`~obligations.abc.ObligationStore`
serving the read methods the service's listings use; the SQLAlchemy store stays the writer and
the path of every other command. A write on it raises, like a write inside a read.

What it does not take it leaves to the SQL store (:func:`open_fast` returns None): a database
that does not exist yet or is empty (the SQL store migrates it), one whose schema is not at
:data:`obligations._db.HEAD_REVISION` (the SQL store refuses it with its message), a URL other
than ``sqlite:///FILE`` or ``postgresql[+psycopg]://…``, or one it cannot connect to (the SQL
store names the error). So every refusal a listing prints is still the SQL store's.

The console calls :func:`fast_views`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from clauses import NotFound

from .._audit import AuditHead, StoreCorrupted
from .._bulk import gc_paused
from .._enums import OPEN, EvidenceState, LegalState
from .._model import AuditEntry, Event, EvidenceRef, Obligation, TrackedAgreement
from ..abc import ObligationStore
from ._dsn import pg_connect_args
from ._periods import periods_subjects
from ._reader import MEMOISED, obligation_reader
from ._rowmap import AGREEMENT_ROWS, OBLIGATION_ROWS
from ._views import views_from_rows

#: what decoding a damaged row raises (as in the SQL store)
_DECODE_ERRORS = (KeyError, ValueError, TypeError, ArithmeticError, AttributeError)
_STATES = {s.value: s for s in LegalState}
_EVIDENCE = {e.value: e for e in EvidenceState}
_OB_COLUMNS = OBLIGATION_ROWS.columns
_AG_COLUMNS = AGREEMENT_ROWS.columns
#: columns by what the driver must be turned into (SQLAlchemy's Date, UTCDateTime, Boolean)
_DATES = ("period_start", "period_end", "due", "fulfilled_on")
_INSTANTS = ("due_at", "created_at", "updated_at")
_BOOLS = ("late", "kpi", "surviving")
_AG_DATES = ("signed_on", "effective_date", "term_end", "terminated_on")
#: ids per ``IN (…)``: well under SQLite's bound-parameter limit (as in the SQL store)
_CHUNK = 500
#: the "open" states as the partial index spells them (``_sqltables.OPEN_STATES_SQL``)
_OPEN_SQL = "state IN ('created', 'in_effect', 'suspended')"
_SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_BUSY_TIMEOUT_MS = 10_000
_PG_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


@functools.cache
def head_revision() -> str:
    """:data:`obligations._db.HEAD_REVISION`, read from its source line.

    ``obligations._db`` imports SQLAlchemy at the top, which is what this path avoids; the
    constant stays there (migrations bump it in one place) and a test checks both agree.
    """
    text = (Path(__file__).parents[1] / "_db.py").read_text(encoding="utf-8")
    found = re.search(r'^HEAD_REVISION = "([^"]+)"', text, re.MULTILINE)
    if found is None:  # pragma: no cover - the test above would fail first
        raise RuntimeError("obligations/_db.py has no HEAD_REVISION line")
    return found.group(1)


@functools.lru_cache(maxsize=4096)
def _sqlite_instant(text: str) -> datetime:
    # SQLAlchemy's SQLite DateTime keeps naive UTC text; UTCDateTime makes it aware UTC
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def _sqlite_date(text: str) -> date:
    return date.fromisoformat(text)


@functools.lru_cache(maxsize=4096)
def _pg_instant(value: datetime) -> datetime:
    # psycopg gives the session's zone; UTCDateTime gives UTC
    return value.astimezone(UTC)


def _converter(
    columns: Sequence[str],
    dates: Sequence[str],
    instants: Sequence[str],
    bools: Sequence[str],
    *,
    sqlite: bool,
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function turning one driver row into the values SQLAlchemy's column types give,
    written out once (as ``_rowmap`` writes its decoders) so no per-column loop runs per row."""
    exprs = []
    for i, name in enumerate(columns):
        v = f"r[{i}]"
        if name in instants:
            fn = "sqlite_instant" if sqlite else "pg_instant"
            exprs.append(f"(None if {v} is None else {fn}({v}))")
        elif name in dates and sqlite:
            exprs.append(f"(None if {v} is None else sqlite_date({v}))")
        elif name in bools and sqlite:
            exprs.append(f"(None if {v} is None else bool({v}))")
        else:
            exprs.append(v)
    src = "def convert(r):\n    return (" + ", ".join(exprs) + ",)\n"
    namespace: dict[str, Any] = {
        "sqlite_instant": _sqlite_instant,
        "sqlite_date": _sqlite_date,
        "pg_instant": _pg_instant,
    }
    exec(compile(src, "<fast read row conversion>", "exec"), namespace)
    convert: Callable[[Sequence[Any]], tuple[Any, ...]] = namespace["convert"]
    return convert


_CONVERT = {
    dialect: _converter(_OB_COLUMNS, _DATES, _INSTANTS, _BOOLS, sqlite=dialect == "sqlite")
    for dialect in ("sqlite", "postgresql")
}
_CONVERT_AGREEMENT = {
    dialect: _converter(
        _AG_COLUMNS, _AG_DATES, ("created_at", "wake_at"), (), sqlite=dialect == "sqlite"
    )
    for dialect in ("sqlite", "postgresql")
}


def _reader_conversions(*, sqlite: bool) -> dict[str, str]:
    """Each obligations column's driver value turned into what SQLAlchemy's type gives, as
    :func:`._reader.obligation_reader` expressions (``_converter``'s, spelled for it)."""
    out = {}
    for name in _INSTANTS:
        out[name] = "None if $r is None else " + (
            "instant_of_text($r)" if sqlite else "$r.astimezone(UTC)"
        )
    if sqlite:
        out.update(dict.fromkeys(_DATES, "None if $r is None else date_of_text($r)"))
        out.update(dict.fromkeys(_BOOLS, "None if $r is None else bool($r)"))
    return out


#: one pass from a driver row to an Obligation (the reader memoises per call, so these
#: decoders need no cache of their own)
_READ = {
    dialect: obligation_reader(
        _reader_conversions(sqlite=dialect == "sqlite"),
        {
            "instant_of_text": lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC),
            "date_of_text": date.fromisoformat,
            "UTC": UTC,
        },
        # psycopg's instants arrive in UTC (a UTC session, _connect): nothing to memoise
        memoised=MEMOISED if dialect == "sqlite" else MEMOISED - set(_INSTANTS),
    )
    for dialect in ("sqlite", "postgresql")
}


def _sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///FILE`` URL that exists and is a SQLite database."""
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    name = url[len("sqlite:///") :]
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    path = Path(name).expanduser()
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None  # new or empty: the SQL store makes and migrates it
        with path.open("rb") as fh:
            if fh.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                return None  # the SQL store says what it is instead
    except OSError:
        return None
    return path


class FastReadStore(ObligationStore):
    """The read methods of the SQL store on one DBAPI connection in one read-only
    transaction (see the module docstring). Made by :func:`open_fast`; :meth:`close` ends
    the transaction and the connection."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self._mark = "?" if dialect == "sqlite" else "%s"
        self._convert = _CONVERT[dialect]
        self._read = _READ[dialect]
        self._convert_agreement = _CONVERT_AGREEMENT[dialect]
        if dialect == "sqlite":
            import sqlite3

            self._bind_limit = int(conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        else:
            self._bind_limit = 30_000

    def close(self) -> None:
        """End the read (nothing was written, so a rollback) and close the connection."""
        try:
            self.conn.rollback() if self.dialect != "sqlite" else self.conn.execute("ROLLBACK")
        finally:
            self.conn.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return list(self.conn.execute(sql, tuple(params)).fetchall())
        except _DECODE_ERRORS as exc:  # the driver could not convert a stored value
            raise StoreCorrupted("store", f"a stored row cannot be read ({exc})") from None

    # -- unit of work: this store is one read --------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise RuntimeError("a write inside a read-only unit of work: reads never write")
        yield  # pragma: no cover

    @contextmanager
    def read(self) -> Iterator[None]:
        yield  # the whole store is one read-only transaction, opened by open_fast

    def _refuse(self, what: str) -> RuntimeError:
        return RuntimeError(
            f"{what}: the fast read path serves the listings only (reads never write); "
            "use obligations.open_store for anything else"
        )

    # -- agreements ------------------------------------------------------------------------
    def _agreement(self, row: Sequence[Any]) -> TrackedAgreement:
        m = dict(zip(_AG_COLUMNS, self._convert_agreement(row), strict=True))
        try:
            ZoneInfo(m["timezone"])
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

    def get_agreement(self, agreement_id: str) -> TrackedAgreement:
        rows = self._rows(
            f"SELECT {', '.join(_AG_COLUMNS)} FROM agreements WHERE id = {self._mark}",
            (agreement_id,),
        )
        if not rows:
            raise NotFound("agreement", agreement_id)
        return self._agreement(rows[0])

    def list_agreements(self) -> list[TrackedAgreement]:
        rows = self._rows(f"SELECT {', '.join(_AG_COLUMNS)} FROM agreements ORDER BY id")
        return [self._agreement(r) for r in rows]

    def agreement_heads(self) -> list[TrackedAgreement]:
        cols = ", ".join("'' AS record_json" if c == "record_json" else c for c in _AG_COLUMNS)
        rows = self._rows(f"SELECT {cols} FROM agreements ORDER BY id")
        return [self._agreement(r) for r in rows]

    # -- obligations -----------------------------------------------------------------------
    def _obligations(self, rows: Sequence[Sequence[Any]]) -> list[Obligation]:
        # one pass per row (obligations.stores._reader); a listing makes two containers per
        # row and no cycles, so the collector is paused as the SQL store pauses it
        try:
            with gc_paused():
                return self._read(rows)
        except _DECODE_ERRORS as exc:
            for r in rows:
                self._check_row(r)
            raise StoreCorrupted("obligations", f"a row cannot be read ({exc})") from None

    def _check_row(self, row: Sequence[Any]) -> None:
        """StoreCorrupted naming the first field the engine cannot have written (as the SQL
        store's ``_check_ob_row``)."""
        m = dict(zip(_OB_COLUMNS, row, strict=True))
        where = f"obligations.{m['id']}"
        checks: list[tuple[str, Callable[[], object]]] = [
            ("state", lambda: _STATES[m["state"]]),
            ("evidence", lambda: _EVIDENCE[m["evidence"]]),
            ("paid", lambda: _finite(m["paid"])),
            (
                "amount_value",
                lambda: None if m["amount_value"] is None else _finite(m["amount_value"]),
            ),
            ("flags", lambda: frozenset(_json_of(m["flags"], list))),
            ("data", lambda: _json_of(m["data"], dict)),
        ]
        for field, check in checks:
            try:
                check()
            except _DECODE_ERRORS:
                raise StoreCorrupted(
                    f"{where}.{field}", f"stored {m[field]!r} is not a value the engine writes"
                ) from None
        try:
            Obligation.from_fields(OBLIGATION_ROWS.fields_from_rows([self._convert(row)]))
        except _DECODE_ERRORS as exc:
            raise StoreCorrupted(where, f"the row cannot be read ({exc})") from None

    def _where(
        self,
        *,
        agreement_id: str | None = None,
        spec_id: str | None = None,
        subject: str | None = None,
        key: str | None = None,
        states: Collection[LegalState] | None = None,
        due_from: datetime | None = None,
        due_before: datetime | None = None,
        exclude_kinds: Collection[str] | None = None,
        spec_ids: Collection[str] | None = None,
        limit: int | None = None,
        without_flags: Collection[str] = (),
    ) -> tuple[str, list[Any]]:
        """The WHERE, ORDER BY and LIMIT of the SQL store's ``find_query``, written out."""
        mark = self._mark
        parts: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("agreement_id", agreement_id),
            ("spec_id", spec_id),
            ("subject", subject),
            ("key", key),
        ):
            if value is not None:
                parts.append(f"{column} = {mark}")
                params.append(value)
        if spec_ids is not None:
            ids = sorted(spec_ids)
            parts.append(f"spec_id IN ({', '.join([mark] * len(ids))})")
            params.extend(ids)
        if states is not None:
            # literals, so the planner can match the partial "open" index
            values = sorted({LegalState(s).value for s in states})
            open_values = sorted(s.value for s in OPEN)
            if values != open_values:
                parts.append(f"state IN ({', '.join(repr(v) for v in values)})")
            # as the SQL store: the partial indexes' form, which SQLite needs spelled out;
            # PostgreSQL proves it from the narrower state, and counting it again made its
            # planner misjudge the rows and pass the open-spec index by (``_OpenStatesToo``)
            if set(values) <= set(open_values) and (
                self.dialect != "postgresql" or values == open_values
            ):
                parts.append(_OPEN_SQL)
        if due_from is not None:
            parts.append(f"due_at >= {mark}")
            params.append(self._bind_instant(due_from))
        if due_before is not None:
            parts.append(f"due_at < {mark}")
            params.append(self._bind_instant(due_before))
        find = "instr" if self.dialect == "sqlite" else "strpos"
        for flag in sorted(without_flags):  # exact: a quoted string in the stored JSON list
            parts.append(f"{find}(flags, {mark}) = 0")
            params.append(json.dumps(flag))
        if exclude_kinds:
            kinds = sorted(exclude_kinds)
            parts.append(f"kind NOT IN ({', '.join([mark] * len(kinds))})")
            params.extend(kinds)
        sql = (" WHERE " + " AND ".join(parts) if parts else "") + " ORDER BY due_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def _bind_instant(self, value: datetime) -> Any:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} is naive; the store only takes aware datetimes")
        value = value.astimezone(UTC)
        if self.dialect == "sqlite":  # the text SQLAlchemy's SQLite DateTime binds
            return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def _select(self, **where: Any) -> list[Obligation]:
        tail, params = self._where(**where)
        rows = self._rows(f"SELECT {', '.join(_OB_COLUMNS)} FROM obligations{tail}", params)
        return self._obligations(rows)

    def get_obligation(self, obligation_id: str) -> Obligation:
        rows = self._rows(
            f"SELECT {', '.join(_OB_COLUMNS)} FROM obligations WHERE id = {self._mark}",
            (obligation_id,),
        )
        if not rows:
            raise NotFound("obligation", obligation_id)
        return self._obligations(rows)[0]

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
        return self._select(
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
        return self._select(
            agreement_id=agreement_id,
            spec_ids=spec_ids,
            subject=subject,
            states=OPEN if states is None else OPEN & frozenset(states),
            due_before=due_before,
            without_flags=without_flags,
        )

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
        if states is not None and not states:
            return []
        tail, params = self._where(
            agreement_id=agreement_id,
            states=states,
            due_from=due_from,
            due_before=due_before,
            exclude_kinds=exclude_kinds,
            limit=limit,
        )
        if self.dialect == "sqlite":  # the stored text is the view's form already
            cols = ", ".join(_OB_COLUMNS)
        else:  # dates as ISO text, due_at as the fixed-width naive UTC text SQLite keeps
            cols = ", ".join(
                f"{c}::text AS {c}"
                if c in _DATES
                else "to_char(timezone('UTC', due_at), 'YYYY-MM-DD HH24:MI:SS.US') AS due_at"
                if c == "due_at"
                else c
                for c in _OB_COLUMNS
            )
        rows = self._rows(f"SELECT {cols} FROM obligations{tail}", params)
        i_state, i_id = _OB_COLUMNS.index("state"), _OB_COLUMNS.index("id")
        for r in rows:  # the views pass the state through: refuse one no engine writes
            if r[i_state] not in _STATES:
                raise StoreCorrupted(
                    f"obligations.{r[i_id]}.state",
                    f"stored {r[i_state]!r} is not a value the engine writes",
                )
        try:
            return views_from_rows(rows, now)
        except _DECODE_ERRORS:
            # raises naming the damaged row and field
            self._obligations(
                self._rows(f"SELECT {', '.join(_OB_COLUMNS)} FROM obligations{tail}", params)
            )
            raise

    def period_subjects(
        self, agreement_id: str, spec_id: str, key: str, among: Collection[str | None]
    ) -> set[str | None]:
        return self.periods_subjects(agreement_id, [(spec_id, key, among)])[0]

    def periods_subjects(
        self, agreement_id: str, asks: Sequence[tuple[str, str, Collection[str | None]]]
    ) -> list[set[str | None]]:
        # the SQL store's statements: one range of the natural-key index per ask (_periods)
        return periods_subjects(
            self._rows, dialect=self.dialect, mark=self._mark, agreement_id=agreement_id, asks=asks
        )

    def last_audit_at(self) -> datetime | None:
        rows = self._rows("SELECT at FROM audit_log ORDER BY seq DESC LIMIT 1")
        if not rows or rows[0][0] is None:
            return None
        value = rows[0][0]
        return _sqlite_instant(value) if self.dialect == "sqlite" else _pg_instant(value)

    # -- everything else is the SQL store's ------------------------------------------------
    def add_agreement(self, agreement: TrackedAgreement) -> None:
        raise self._refuse("add_agreement")

    def update_agreement(self, agreement: TrackedAgreement) -> None:
        raise self._refuse("update_agreement")

    def add_obligations(self, obligations: Sequence[Obligation]) -> None:
        raise self._refuse("add_obligations")

    def update_obligations(self, obligations: Sequence[Obligation]) -> None:
        raise self._refuse("update_obligations")

    def add_event(self, event: Event) -> Event:
        raise self._refuse("add_event")

    def list_events(self, agreement_id: str, *, type: str | None = None) -> list[Event]:
        raise self._refuse("list_events")

    def append_audit(self, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
        raise self._refuse("append_audit")

    def audit_entries(self, agreement_id: str | None = None) -> list[AuditEntry]:
        raise self._refuse("audit_entries")

    def audit_head(self) -> AuditHead:
        raise self._refuse("audit_head")

    def sign_audit(self, key: bytes) -> int:
        raise self._refuse("sign_audit")

    def put_evidence(
        self,
        content: bytes,
        *,
        filename: str,
        obligation_id: str,
        note: str,
        submitted_at: datetime,
    ) -> EvidenceRef:
        raise self._refuse("put_evidence")

    def list_evidence(self, obligation_id: str) -> list[EvidenceRef]:
        raise self._refuse("list_evidence")

    def all_evidence(self) -> list[EvidenceRef]:
        raise self._refuse("all_evidence")

    def evidence_content(self, sha256: str) -> bytes:
        raise self._refuse("evidence_content")


def _finite(text: str) -> object:
    from decimal import Decimal

    out = Decimal(text)
    if not out.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal")
    return out


def _json_of(text: str, kind: type) -> Any:
    value = json.loads(text)
    if not isinstance(value, kind):
        raise ValueError(f"not a JSON {kind.__name__}")
    return value


def _connect(url: str) -> tuple[Any, str] | None:
    path = _sqlite_path(url)
    if path is not None:
        import sqlite3

        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return None
        try:
            conn.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
            conn.execute("BEGIN")  # deferred: a snapshot, no write lock (WAL readers block no one)
        except sqlite3.Error:
            conn.close()
            return None
        return conn, "sqlite"
    if url.startswith(_PG_SCHEMES):
        try:
            import psycopg
        except ImportError:
            return None
        args = pg_connect_args(url)  # the query read as the SQL store reads it (_dsn.py)
        if args is None:
            return None
        dsn, params = args
        # a UTC session: psycopg then hands back instants in datetime.UTC already (its
        # loader converts to any other session zone itself, ~7% of an overdue fetch at 1M), so
        # the reader's astimezone(UTC) returns them as they are; a URL's own options stand
        params.setdefault("options", "-c TimeZone=UTC")
        try:
            pg = psycopg.connect(dsn, autocommit=False, **params)
        except (psycopg.Error, ValueError):
            return None
        # psycopg puts both into its BEGIN: one snapshot, read only, no advisory lock
        pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        pg.read_only = True
        return pg, "postgresql"
    return None


def open_fast(url: str) -> FastReadStore | None:
    """The listings' read store on ``url``, inside one read-only transaction, or None when
    the SQL store must answer instead (see the module docstring). Close it with
    :meth:`FastReadStore.close`."""
    opened = _connect(url)
    if opened is None:
        return None
    conn, dialect = opened
    try:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except Exception:  # no such table (not our database, or an empty one), or unreachable
        _close_quietly(conn, dialect)
        return None
    if [tuple(v) for v in version] != [(head_revision(),)]:
        _close_quietly(conn, dialect)
        return None  # behind (or ahead): the SQL store refuses it with its own message
    return FastReadStore(conn, dialect)


def _close_quietly(conn: Any, dialect: str) -> None:
    try:
        conn.rollback() if dialect != "sqlite" else conn.execute("ROLLBACK")
    except Exception:  # the connection is already unusable; closing is all that is left
        pass
    conn.close()


def fast_views(
    url: str,
    *,
    now: datetime,
    due_within: int | None = None,
    overdue: bool = False,
    agreement: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]] | None:
    """The ``wsr obligations --json`` listing at ``now``, read without SQLAlchemy.

    Exactly :meth:`ObligationService.views` (the same dicts in the same order: the time step
    of a read laid over the stored rows, nothing written): ``due_within`` days (open, not yet
    overdue), ``overdue`` (open, past due, prohibitions excepted), or everything; only the
    ``agreement``'s (``NotFound`` if it is not tracked) and at most ``limit``. ``now`` must be
    aware. Returns None when this path cannot read ``url`` (a new, empty or outdated
    database, another driver, a connection refused): then ask
    ``ObligationService(open_store(url)).views(...)``, which migrates, refuses or names the
    error. Bad arguments raise :class:`clauses.InputError` naming the field, as ``views`` does.

    For the console's lists: one call per request, one connection, one read-only transaction.
    """
    from .._quiet import quiet_views

    store = open_fast(url)
    if store is None:
        return None
    try:
        if agreement is not None:
            store.get_agreement(agreement)  # NotFound before anything else
        # a swept store: the stored rows are the answer, without importing the time step
        found = quiet_views(
            store, now=now, agreement_id=agreement, due_within=due_within, overdue=overdue,
            limit=limit,
        )  # fmt: skip
        if found is not None:
            return found
        from .._service import ObligationService

        service = ObligationService(store, actor="read")
        return service.views(
            now=now, agreement_id=agreement, due_within=due_within, overdue=overdue, limit=limit
        )
    finally:
        store.close()
