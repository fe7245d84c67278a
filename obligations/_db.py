"""Database edges: build an engine from a URL, run the migrations, open the SQL store.

SQLite (the default, a file next to the user) is set up for several processes at once: WAL
journal (readers never block the writer), foreign keys on, a busy timeout instead of instant
"database is locked", and ``BEGIN IMMEDIATE`` for every transaction so two writers queue up
rather than deadlock when both upgrade a read lock — except for the store's read-only units of
work, which begin a deferred transaction and so never queue. The engine keeps its connections
(SQLAlchemy's default pool) rather than opening one per unit of work: the connection and its
PRAGMAs cost as much as a small query, and a console or scheduler process runs many. PostgreSQL
needs nothing special.

A database without an ``alembic_version`` table and without tables is migrated on first use;
one that is behind the code is refused with the command that fixes it (migrating a shared
database is a decision, not a side effect of listing obligations).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from clauses import EngineError, InputError

from ._auditkey import AuditKey
from .stores.sqlalchemy import READ_ONLY_OPTION, SqlAlchemyObligationStore

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only where a migration runs or the script directory is read: importing it
# costs ~0.2 s, which every `wsr` command would otherwise pay just to check the schema version.
#: the newest migration; tests check it against the script directory
HEAD_REVISION = "0013_agreement_revision"

MIGRATIONS = Path(__file__).parent / "migrations"

#: key of the PostgreSQL advisory lock held while migrating (any constant unique to us)
_MIGRATION_LOCK = 0x575352_0001

SQLITE_BUSY_TIMEOUT_MS = 10_000


class SchemaOutdated(EngineError, RuntimeError):
    """The database schema is older than this version of the engine."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(
            f"the database schema is at revision {current or 'none'} but this engine needs "
            f"{head}; run `wsr db upgrade` (back the database up first)"
        )


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the connection settings the store relies on."""
    if not url.strip():
        raise InputError.single(
            "db", "give a database URL, e.g. sqlite:///wsr.db or postgresql+psycopg://host/db"
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError.single("db", f"{url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if not db:
            raise InputError.single(
                "db", f"{url!r} names no database file; give one, e.g. sqlite:///wsr.db"
            )
        if db != ":memory:" and not db.startswith("file:") and Path(db).is_dir():
            raise InputError.single("db", f"{db} is a folder; name a database file in it")
        if db != ":memory:" and not db.startswith("file:"):
            _refuse_non_database(Path(db).expanduser())
        if db and db != ":memory:" and not db.startswith("file:"):
            parent = Path(db).expanduser().resolve().parent
            if not parent.is_dir():
                raise InputError.single("db", f"the folder {parent} does not exist")
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(parsed, **kwargs)
    except Exception as exc:  # an unknown dialect or a missing driver
        raise InputError.single("db", f"cannot use {url!r}: {exc}") from None


#: what every SQLite database file begins with
_SQLITE_HEADER = b"SQLite format 3\x00"


def _refuse_non_database(path: Path) -> None:
    """Refuse a path that exists but is not a SQLite database: SQLite would turn a short file
    into a database (overwriting it) and block or fail on a pipe or a device."""
    if not path.exists():
        return
    if not path.is_file():
        raise InputError.single("db", f"{path} is not a regular file, so not a database")
    size = path.stat().st_size
    if size == 0:
        return  # an empty file: SQLite makes it a new database, as for a new name
    with path.open("rb") as fh:
        head = fh.read(len(_SQLITE_HEADER))
    if head != _SQLITE_HEADER:
        raise InputError.single(
            "db",
            f"{path} is not a SQLite database (a {size:,}-byte file of something else); "
            "name the database file, or a new one",
        )


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A read (the store's ``read()``) takes no write lock: in WAL mode a deferred transaction
    # reads one snapshot and blocks nobody. Every other transaction may write, so it takes the
    # write lock at once and writers queue instead of deadlocking on a lock upgrade.
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    """A programmatic Alembic config: no ini file, no dependence on the working directory."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest revision in the migration scripts (reads them; see HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for a database Alembic has never touched)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(target: str | Engine, revision: str = "head") -> str:
    """Migrate the database to ``revision``; returns the revision it is at afterwards.

    Concurrent upgraders are serialised (an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE``
    on SQLite) and each re-reads the version inside the lock, so racing first uses are safe.
    """
    from alembic import command

    engine = make_engine(target) if isinstance(target, str) else target
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        rev = current_revision(engine)
    except OperationalError as exc:
        raise _unreachable(engine, exc) from None
    finally:
        if isinstance(target, str):  # our own engine: close its pooled connections
            engine.dispose()
    assert rev is not None
    return rev


def ensure_schema(engine: Engine) -> None:
    """Migrate a brand-new database; refuse one that is behind (see the module docstring)."""
    head = HEAD_REVISION
    try:
        current = current_revision(engine)
        if current == head:
            return
        if current is None and not _has_tables(engine):
            upgrade(engine)
            return
    except OperationalError as exc:
        raise _unreachable(engine, exc) from None
    raise SchemaOutdated(current, head)


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def _unreachable(engine: Engine, exc: OperationalError) -> InputError:
    url = engine.url.render_as_string(hide_password=True)
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return InputError.single("db", f"cannot open {url}: {reason}")


def open_store(url: str, *, audit_key: AuditKey | None = None) -> SqlAlchemyObligationStore:
    """The SQL store for ``url``, migrating a new database first (the caller may dispose
    ``store.engine`` when done). The audit key is found as :mod:`obligations._auditkey` says
    unless one is given."""
    engine = make_engine(url)
    try:
        ensure_schema(engine)
    except DBAPIError as exc:
        engine.dispose()
        # the first line of the driver's message ("file is not a database", "connection
        # refused"), never the URL's password
        first = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0:1] or ["unknown"]
        shown = engine.url.render_as_string(hide_password=True)
        raise InputError.single(
            "db", f"cannot open the database {shown}: {first[0]}; check the URL"
        ) from None
    except BaseException:
        engine.dispose()  # nobody else holds it to close its connections
        raise
    return SqlAlchemyObligationStore(engine, audit_key=audit_key)
