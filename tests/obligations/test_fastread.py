"""The listings' DBAPI read path returns exactly what the SQL store returns, on SQLite and
PostgreSQL, and leaves every database it cannot read as it should to the SQL store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from clauses import NotFound
from obligations import OPEN, LegalState, ObligationService, fast_views, open_fast
from obligations._db import HEAD_REVISION, open_store
from obligations.stores._fastread import FastReadStore, head_revision
from obligations.stores._rowmap import AGREEMENT_ROWS, OBLIGATION_ROWS
from obligations.stores._sqltables import agreements, obligations
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.obligations.dump import dump
from tests.obligations.factories import fair_food
from tests.obligations.test_store_contract import _seed

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)


def _typed(values: list) -> list:
    """Each value's fields with their types: ``1 == True`` and ``date`` equals nothing else,
    but a driver's integer where the model holds a bool must still fail."""
    return [
        [(f.name, type(getattr(v, f.name)), getattr(v, f.name)) for f in attrs.fields(type(v))]
        for v in values
    ]


def _url(store: SqlAlchemyObligationStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _fast(store: SqlAlchemyObligationStore) -> FastReadStore:
    fast = open_fast(_url(store))
    assert fast is not None, "the fast path refused a migrated database"
    return fast


def test_the_schema_head_and_the_columns_are_the_sql_stores():
    assert head_revision() == HEAD_REVISION
    assert OBLIGATION_ROWS.columns == tuple(c.name for c in obligations.columns)
    assert AGREEMENT_ROWS.columns == tuple(c.name for c in agreements.columns)


def test_every_read_equals_the_sql_stores(
    sql_store, make_agreement, make_obligation, rich_obligation
):
    """The store-contract fixtures plus an obligation with every optional field set, and a
    terminated agreement: every read method, every column (``to_dict``) equal."""
    obs = _seed(sql_store, make_agreement, make_obligation)
    ended = make_agreement(
        "agr-00000000000e",
        status="terminated",
        terminated_on=date(2026, 6, 1),
        termination_reason="breach",
        created_at=NOW + timedelta(microseconds=123457),
    )
    sql_store.add_agreement(ended)
    sql_store.add_obligations([rich_obligation.evolved(key="rich", id="rich-1")])
    fast = _fast(sql_store)
    try:
        assert _typed(fast.list_agreements()) == _typed(sql_store.list_agreements())
        assert _typed(fast.agreement_heads()) == _typed(sql_store.agreement_heads())
        assert fast.get_agreement(ended.id) == sql_store.get_agreement(ended.id) == ended
        everything = sql_store.find_obligations()
        assert [o.to_dict() for o in fast.find_obligations()] == [o.to_dict() for o in everything]
        assert _typed(fast.find_obligations()) == _typed(everything)
        assert (
            fast.get_obligation("rich-1").to_dict()
            == rich_obligation.evolved(key="rich", id="rich-1").to_dict()
        )
        cut = datetime(2026, 2, 15, tzinfo=UTC)
        queries = [
            {"agreement_id": "agr-000000000001"},
            {"spec_id": "premium.payment", "subject": "GROWER-G"},
            {"key": "once"},
            {"states": OPEN},
            {"states": {LegalState.FULFILLED}},
            {"states": set()},
            {"states": OPEN, "due_from": cut},
            {"states": OPEN, "due_before": cut, "limit": 1},
            {"exclude_kinds": ("prohibition",)},
        ]
        for q in queries:
            assert _typed(fast.find_obligations(**q)) == _typed(sql_store.find_obligations(**q)), q
        specs = {"premium.payment", "transparency_reporting.annual_report"}
        for agreement_id in ("agr-000000000001", None, "agr-other"):
            for due_before in (None, cut):
                got = fast.open_of_specs(agreement_id, specs, due_before=due_before)
                want = sql_store.open_of_specs(agreement_id, specs, due_before=due_before)
                assert _typed(got) == _typed(want), (agreement_id, due_before)
        for narrow in (
            {"states": {LegalState.IN_EFFECT}},
            {"without_flags": ("late",)},
            {"without_flags": ("partially_paid", "breach_suspected"), "due_before": cut},
        ):
            for agreement_id in ("agr-000000000001", None):
                got = fast.open_of_specs(agreement_id, specs, **narrow)
                want = sql_store.open_of_specs(agreement_id, specs, **narrow)
                assert _typed(got) == _typed(want), narrow
        assert fast.open_of_specs("agr-000000000001", specs, subject="GROWER-G") == (
            sql_store.open_of_specs("agr-000000000001", specs, subject="GROWER-G")
        )
        for view in (
            {},
            {"states": OPEN, "due_from": cut},
            {"states": OPEN, "due_before": cut, "exclude_kinds": ("prohibition",)},
            {"agreement_id": "agr-000000000001", "limit": 2},
        ):
            assert fast.find_views(now=NOW, **view) == sql_store.find_views(now=NOW, **view)
        asks = [
            ("premium.payment", "2026-01-05", ["GROWER-G", "GROWER-H", "GROWER-K"]),
            ("premium.payment", "2026-01-12", ["GROWER-G"]),
            ("transparency_reporting.annual_report", "once", [None]),
        ]
        assert fast.periods_subjects("agr-000000000001", asks) == sql_store.periods_subjects(
            "agr-000000000001", asks
        )
        with pytest.raises(NotFound):
            fast.get_agreement("agr-nope")
        with pytest.raises(NotFound):
            fast.get_obligation("nope")
        # reads never write: the fast store refuses every write, as a write inside a read
        with pytest.raises(RuntimeError, match="reads never write"):
            fast.add_obligations(obs)
        with pytest.raises(RuntimeError, match="reads never write"), fast.transaction():
            pass
    finally:
        fast.close()


def test_the_listing_equals_the_services_on_a_tracked_agreement(sql_store):
    """``fast_views`` is ``ObligationService.views`` (the time step laid over the rows)."""
    svc = ObligationService(sql_store, actor="test")
    record = fair_food()
    svc.track(record, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 15, tzinfo=UTC))
    svc.record_event(
        record.id,
        "purchase_recorded",
        on=date(2026, 2, 2),
        fields={"supplier": "GROWER-G", "quantity": "1200", "unit": "lb"},
        now=datetime(2026, 2, 2, 18, tzinfo=UTC),
    )
    url = _url(sql_store)
    before = dump(sql_store)
    for now in (datetime(2026, 2, 10, 9, tzinfo=UTC), datetime(2027, 8, 1, 12, tzinfo=UTC)):
        for kwargs in (
            {},
            {"due_within": 7},
            {"due_within": 0},
            {"due_within": 400},
            {"overdue": True},
            {"overdue": True, "limit": 2},
            {"agreement": record.id, "limit": 3},
        ):
            want = svc.views(
                now=now,
                agreement_id=kwargs.get("agreement"),
                due_within=kwargs.get("due_within"),
                overdue=bool(kwargs.get("overdue")),
                limit=kwargs.get("limit"),
            )
            assert fast_views(url, now=now, **kwargs) == want, (now, kwargs)
    assert dump(sql_store) == before, "a read wrote to the database"
    with pytest.raises(NotFound):
        fast_views(url, now=NOW, agreement="agr-nope")


def test_what_it_cannot_read_is_left_to_the_sql_store(tmp_path: Path):
    """New, empty, foreign and outdated databases, other drivers, unreachable servers: None,
    so the SQL store migrates, refuses or names the problem with its own message."""
    new = tmp_path / "new.db"
    assert open_fast(f"sqlite:///{new}") is None
    assert not new.exists(), "the fast path created a database"
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert open_fast(f"sqlite:///{empty}") is None
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    assert open_fast(f"sqlite:///{text}") is None
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert open_fast(f"sqlite:///{other}") is None
    for url in ("sqlite://", "sqlite:///:memory:", "mysql://h/db", "postgresql+asyncpg://h/db"):
        assert open_fast(url) is None, url
    assert open_fast("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2") is None
    migrated = tmp_path / "wsr.db"
    open_store(f"sqlite:///{migrated}").engine.dispose()
    fast = open_fast(f"sqlite:///{migrated}")
    assert fast is not None
    fast.close()
    with sqlite3.connect(migrated) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    assert open_fast(f"sqlite:///{migrated}") is None
    assert fast_views(f"sqlite:///{migrated}", now=NOW) is None


def test_a_quiet_store_is_listed_from_its_rows_alone(sql_store):
    """Before the agreement's stored wake the listing is the stored rows (``quiet_views``, no
    time step imported); from the wake on it is the service's step. Both equal a service that
    steps every agreement, at instants on both sides of the wake."""
    from obligations._quiet import quiet_views

    svc = ObligationService(sql_store, actor="test")
    record = fair_food()
    svc.track(record, signed_on=date(2026, 1, 5), now=datetime(2026, 1, 5, 15, tzinfo=UTC))
    for day, supplier in ((2, "GROWER-G"), (3, "GROWER-H"), (9, "GROWER-G"), (9, "GROWER-H")):
        svc.record_event(
            record.id,
            "purchase_recorded",
            on=date(2026, 2, day),
            fields={"supplier": supplier, "quantity": "1200", "unit": "lb"},
            now=datetime(2026, 2, day, 18, tzinfo=UTC),
        )
    swept_at = datetime(2026, 2, 10, 9, tzinfo=UTC)
    svc.sweep(now=swept_at)
    (head,) = sql_store.agreement_heads()
    wake = head.wake_at
    assert wake is not None and wake > swept_at
    reference = ObligationService(sql_store, actor="test", skip_quiet=False)
    url = _url(sql_store)
    fast = _fast(sql_store)
    before = dump(sql_store)
    tick = timedelta(microseconds=1)
    quiet_seen = awake_seen = 0
    try:
        for now in (swept_at, wake - tick, wake, wake + timedelta(days=40)):
            for kwargs in (
                {},
                {"limit": 1},
                {"due_within": 7},
                {"due_within": 400},
                {"overdue": True, "limit": 2},
            ):
                want = reference.views(
                    now=now,
                    due_within=kwargs.get("due_within"),
                    overdue=bool(kwargs.get("overdue")),
                    limit=kwargs.get("limit"),
                )
                assert fast_views(url, now=now, **kwargs) == want, (now, kwargs)
                rows = quiet_views(fast, now=now, **kwargs)
                assert (rows is not None) == (now < wake), (now, kwargs)
                if rows is not None:
                    quiet_seen += 1
                    assert rows == want, (now, kwargs)
                else:
                    awake_seen += 1
    finally:
        fast.close()
    assert quiet_seen and awake_seen
    assert len(reference.views(now=swept_at)) > 1, "the limit must bite"
    assert dump(sql_store) == before, "a read wrote to the database"
