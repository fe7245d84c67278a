"""What only the SQL store has: migrations, connection set-up, concurrency, the bulk path."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from clauses import Conflict, InputError, NotFound, canonical_json
from obligations import AuditEntry, LegalState
from obligations._audit import GENESIS, chain_hash, verify_chain
from obligations._db import (
    SchemaOutdated,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    open_store,
    upgrade,
)
from obligations.stores._sqltables import agreements, audit_log, metadata
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore, _agreement_row
from tests.pgdb import private_database

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)


def test_migrations_build_exactly_the_store_schema(sql_store):
    with sql_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert current_revision(sql_store.engine) == head_revision() == "0013_agreement_revision"


def test_new_sqlite_database_is_migrated_on_first_use(tmp_path):
    path = tmp_path / "fresh.db"
    store = open_store(f"sqlite:///{path}")
    assert path.exists()
    assert current_revision(store.engine) == head_revision()
    assert store.list_agreements() == []
    # a second open finds it current and changes nothing
    assert current_revision(open_store(f"sqlite:///{path}").engine) == head_revision()


def test_database_behind_the_code_is_refused_not_migrated(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000')")
    with pytest.raises(SchemaOutdated, match="run `wsr db upgrade`"):
        ensure_schema(engine)


def test_foreign_database_without_version_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE something (x INTEGER)")
    with pytest.raises(SchemaOutdated, match="revision none"):
        ensure_schema(engine)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("sqlite:////no/such/folder/wsr.db", "does not exist"),
        ("nosuchdialect://x/y", "cannot use"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open"),
    ],
)
def test_bad_database_urls_are_input_errors(url, message):
    with pytest.raises(InputError, match=message) as info:
        open_store(url)
    assert info.value.problems[0].path == "db"


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000


def test_obligation_for_an_untracked_agreement_is_refused(sql_store, make_obligation):
    with pytest.raises(NotFound, match="agr-untracked"):
        sql_store.add_obligations([make_obligation(agreement_id="agr-untracked")])


def test_naive_datetimes_never_reach_the_database(sql_store):
    with pytest.raises(sa.exc.StatementError, match="naive"), sql_store.engine.begin() as conn:
        conn.execute(
            sa.select(sa.literal(1)).where(
                metadata.tables["obligations"].c.due_at < datetime(2026, 1, 1)
            )
        )


def test_instants_are_stored_as_utc(sql_store, make_agreement, make_obligation):
    sql_store.add_agreement(make_agreement())
    ob = make_obligation(due=date(2026, 7, 1))
    ob_local = ob.due_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    sql_store.add_obligations([ob])
    found = sql_store.find_obligations(due_from=ob_local, due_before=ob_local + timedelta(1))
    assert [o.id for o in found] == [ob.id]
    assert found[0].due_at.tzinfo == UTC


def _entries(n: int, tag: str) -> list[AuditEntry]:
    return [
        AuditEntry(
            agreement_id="agr-000000000001",
            at=NOW,
            actor=tag,
            action="event_recorded",
            reason=f"{tag} {i}",
        )
        for i in range(n)
    ]


@pytest.mark.slow
def test_concurrent_appenders_never_fork_the_chain(sql_store):
    """Several writers on separate connections (threads stand in for processes): the head lock
    makes them queue, so the result is one unbroken chain."""
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        own = SqlAlchemyObligationStore(sql_store.engine)
        try:
            for _ in range(10):
                with own.transaction():
                    own.append_audit(_entries(3, tag))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    chain = sql_store.audit_entries()
    assert [e.seq for e in chain] == list(range(1, 121))
    assert verify_chain(chain, key=sql_store.audit_key.load()) == []
    head = sql_store.audit_head()
    assert (head.seq, head.hash) == (120, chain[-1].hash)
    assert all(e.mac is not None for e in chain)  # the racing first appenders made one key


def test_bulk_load_inserts_and_rebuilds_indexes(sql_store, make_agreement, make_obligation):
    sql_store.add_agreement(make_agreement())
    obs = [
        make_obligation(
            subject=f"S{i:04d}",
            key="2026-01-05",
            due=date(2026, 1, 1) + timedelta(days=i % 300),
            state=LegalState.IN_EFFECT if i % 3 else LegalState.FULFILLED,
        )
        for i in range(2500)
    ]
    assert sql_store.bulk_load(iter(obs)) == 2500
    assert sql_store.get_obligation(obs[7].id) == obs[7]
    names = {ix["name"] for ix in sa.inspect(sql_store.engine).get_indexes("obligations")}
    assert {"ix_obligations_state_due_at", "uq_obligations_natural_key"} <= names
    open_soon = sql_store.find_obligations(states=[LegalState.IN_EFFECT], due_before=NOW)
    assert len(open_soon) == sum(
        1 for o in obs if o.state is LegalState.IN_EFFECT and o.due_at < NOW
    )


def test_bulk_load_with_a_duplicate_rolls_back(sql_store, make_agreement, make_obligation):
    sql_store.add_agreement(make_agreement())
    existing = make_obligation()
    sql_store.add_obligations([existing])
    with pytest.raises(Conflict, match="already exists"):
        sql_store.bulk_load([make_obligation(subject="NEW"), existing])
    assert [o.id for o in sql_store.find_obligations()] == [existing.id]
    names = {ix["name"] for ix in sa.inspect(sql_store.engine).get_indexes("obligations")}
    assert "uq_obligations_natural_key" in names


def test_overdue_query_walks_the_open_index_in_due_order(tmp_path, make_agreement, make_obligation):
    """The monitoring query must stop after LIMIT rows rather than sort every open row."""
    from obligations import OPEN

    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    store.add_agreement(make_agreement())
    store.add_obligations(
        [
            make_obligation(
                subject=f"S{i:04d}",
                due=date(2026, 1, 1) + timedelta(days=i % 200),
                state=LegalState.FULFILLED if i % 10 else LegalState.IN_EFFECT,
            )
            for i in range(2000)
        ]
    )
    q = SqlAlchemyObligationStore.find_query(states=OPEN, due_before=NOW, limit=1000)
    with store.engine.connect() as conn:
        compiled = q.compile(conn, compile_kwargs={"render_postcompile": True})
        sql = str(compiled)
        params = [compiled.params[k] for k in compiled.positiontup or ()]
        params = [
            metadata.tables["obligations"].c.due_at.type.process_bind_param(p, conn.dialect)
            if isinstance(p, datetime)
            else p
            for p in params
        ]
        plan = " ".join(
            str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params))
        )
    assert "ix_obligations_open_due_at" in plan
    assert "TEMP B-TREE" not in plan


@pytest.mark.slow
def test_concurrent_units_of_work_never_lose_an_update(sql_store, make_agreement, make_obligation):
    """Read-decide-write from several connections at once: every increment survives."""
    sql_store.add_agreement(make_agreement())
    ob = make_obligation()
    sql_store.add_obligations([ob])
    errors: list[BaseException] = []

    def payer() -> None:
        own = SqlAlchemyObligationStore(sql_store.engine)
        try:
            for _ in range(5):
                with own.transaction():
                    current = own.get_obligation(ob.id)
                    time.sleep(0.002)  # widen the window a lost update needs
                    own.update_obligations([attrs.evolve(current, paid=current.paid + 1)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=payer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sql_store.get_obligation(ob.id).paid == 20


def test_the_head_revision_constant_matches_the_migration_scripts():
    # ensure_schema compares against the constant so that commands need not import Alembic
    from obligations._db import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


# -- migration 0002: agreements carry their termination -----------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request, tmp_path):
    """The URL of a database with nothing in it (a private one on the PostgreSQL server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with private_database("wsr_m") as url:
        yield url


#: the audit tables as revisions 0001 and 0002 built them (no recorded_at, no signatures)
_AUDIT_LOG_0002 = sa.table(
    "audit_log",
    *(sa.column(c.name, c.type) for c in audit_log.c if c.name not in ("recorded_at", "mac")),
)
_AUDIT_HEAD_0002 = sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash"))


def legacy_append(engine: sa.Engine, entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append to the log of a database at 0001/0002 exactly as the engine of that time did:
    sha256 over the entry without recorded_at, no signature."""
    with engine.begin() as conn:
        seq, prev = conn.execute(sa.select(_AUDIT_HEAD_0002.c.seq, _AUDIT_HEAD_0002.c.hash)).one()
        out = []
        for entry in entries:
            seq += 1
            entry = attrs.evolve(entry, seq=seq, prev_hash=prev or GENESIS)
            entry = attrs.evolve(entry, hash=chain_hash(entry.prev_hash, entry, legacy=True))
            body = entry.hashed_body(legacy=True)
            conn.execute(
                sa.insert(_AUDIT_LOG_0002).values(
                    seq=seq,
                    agreement_id=entry.agreement_id,
                    obligation_id=entry.obligation_id,
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    reason=entry.reason,
                    before=None if entry.before is None else canonical_json(body["before"]),
                    after=None if entry.after is None else canonical_json(body["after"]),
                    prev_hash=entry.prev_hash,
                    hash=entry.hash,
                )
            )
            prev = entry.hash
            out.append(entry)
        conn.execute(sa.update(_AUDIT_HEAD_0002).values(seq=seq, hash=prev))
    return out


#: the agreements table as revision 0001 built it (no termination columns, no wake: 0008)
_AGREEMENTS_0001 = sa.table(
    "agreements",
    *(
        sa.column(c.name, c.type)
        for c in agreements.c
        if not c.name.startswith("terminat") and c.name != "wake_at"
    ),
)


def test_a_0001_database_is_refused_then_upgraded_with_its_rows(empty_db_url, make_agreement):
    """A database written by the previous engine: refused until `wsr db upgrade`, then every
    agreement is intact, and one terminated back then gets its date and reason from the log."""
    engine = make_engine(empty_db_url)
    try:
        assert upgrade(engine, "0001") == "0001"
        running = make_agreement("agr-running")
        ended = make_agreement("agr-ended", status="terminated")
        with engine.begin() as conn:
            for a in (running, ended):
                row = {
                    k: v
                    for k, v in _agreement_row(a).items()
                    if not k.startswith("terminat") and k != "wake_at"
                }
                conn.execute(sa.insert(_AGREEMENTS_0001).values(**row))
        # the previous engine kept the termination only in this audit entry's `after`
        old_view = {k: v for k, v in ended.view().items() if not k.startswith("terminat")}
        legacy_append(
            engine,
            [
                AuditEntry(
                    agreement_id="agr-ended",
                    at=NOW,
                    actor="tester",
                    action="agreement_terminated",
                    reason="buyer left",
                    before={**old_view, "status": "active"},
                    after={
                        **old_view,
                        "terminated_on": "2026-02-20",
                        "termination_reason": "buyer left",
                    },
                )
            ],
        )

        with pytest.raises(SchemaOutdated) as info:
            open_store(empty_db_url)
        assert str(info.value) == (
            f"the database schema is at revision 0001 but this engine needs {head_revision()}; "
            "run `wsr db upgrade` (back the database up first)"
        )
        assert current_revision(engine) == "0001"  # refused, not migrated

        assert upgrade(empty_db_url) == head_revision()
        store = open_store(empty_db_url)
        try:
            was_ended = {"terminated_on": date(2026, 2, 20), "termination_reason": "buyer left"}
            assert store.list_agreements() == [attrs.evolve(ended, **was_ended), running]
            assert store.get_agreement("agr-running").terminated_on is None
            assert store.get_agreement("agr-running").termination_reason == ""
            legacy = store.audit_head().legacy_seq
            assert verify_chain(store.audit_entries(), legacy_seq=legacy) == []  # untouched
            with store.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), metadata)
            assert diff == []
        finally:
            store.engine.dispose()
    finally:
        engine.dispose()


def test_an_id_already_stored_is_found_in_any_batch_of_the_check(
    sql_store, make_agreement, make_obligation, monkeypatch
):
    """``add_obligations`` checks which ids are stored a batch at a time, each batch one array
    parameter (``_existing_ids``); the clash is named whichever batch holds it, and nothing of
    the call is written."""
    from obligations.stores import sqlalchemy as store_module

    monkeypatch.setattr(store_module, "_ID_BATCH", 2)
    sql_store.add_agreement(make_agreement())
    stored = make_obligation(subject="GROWER-C")
    sql_store.add_obligations([stored])
    fresh = [make_obligation(subject=f"GROWER-{c}") for c in "DEFG"]
    with pytest.raises(Conflict, match=f"obligation {stored.id} already exists"):
        sql_store.add_obligations([*fresh, stored])  # the clash is in the third batch
    assert [o.id for o in sql_store.find_obligations()] == [stored.id]
    with sql_store.engine.connect() as conn:
        assert sql_store._existing_ids(conn, [f.id for f in fresh] + [stored.id]) == {stored.id}
