"""``store_revision`` (migration 0012): a unit of work that wrote moves it by one, in its own
transaction, whichever store object or process wrote; nothing else moves it. The console's
overlay cache is keyed by it, so a write it missed would serve a stale overlay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from obligations import ObligationService
from obligations.stores.memory import MemoryObligationStore
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.obligations.dump import dump
from tests.obligations.factories import assembled
from tests.obligations.test_reads_never_write import START, T0


def _tracked(store: SqlAlchemyObligationStore) -> tuple[ObligationService, str]:
    svc = ObligationService(store, actor="test")
    record = assembled()
    svc.track(record, signed_on=START, now=T0)
    return svc, record.id


def _with_obligations(store: SqlAlchemyObligationStore) -> tuple[ObligationService, str]:
    svc, aid = _tracked(store)
    at = T0 + timedelta(days=7)
    fields = {"supplier": "GROWER-G", "quantity": "500", "unit": "lb"}
    svc.record_event(aid, "purchase_recorded", on=at.date(), fields=fields, now=at)
    svc.sweep(now=T0 + timedelta(days=400))
    assert store.find_obligations(agreement_id=aid)
    return svc, aid


def test_each_writing_unit_of_work_counts_one(sql_store):
    before = sql_store.data_revision()
    assert before is not None
    svc, aid = _tracked(sql_store)
    tracked = sql_store.data_revision()
    assert tracked == before + 1  # one unit of work, however many rows it wrote
    at = T0 + timedelta(days=7)
    fields = {"supplier": "GROWER-G", "quantity": "500", "unit": "lb"}
    svc.record_event(aid, "purchase_recorded", on=at.date(), fields=fields, now=at)
    assert sql_store.data_revision() == tracked + 1
    later = T0 + timedelta(days=400)
    assert svc.sweep(now=later).changed_anything  # it wrote, so it counts
    assert sql_store.data_revision() == tracked + 2
    assert not svc.sweep(now=later).changed_anything  # a sweep with nothing to do writes nothing
    assert sql_store.data_revision() == tracked + 2


def test_reads_and_empty_units_of_work_do_not_count(sql_store):
    svc, aid = _tracked(sql_store)
    n = sql_store.data_revision()
    later = T0 + timedelta(days=400)
    svc.obligations(agreement_id=None, now=later)
    svc.time_overlay(now=later)
    svc.views(now=later, due_within=7)
    with sql_store.transaction():
        sql_store.find_obligations(agreement_id=aid)
    assert sql_store.data_revision() == n


def test_a_rolled_back_write_does_not_count(sql_store):
    _svc, aid = _with_obligations(sql_store)
    n = sql_store.data_revision()
    before = dump(sql_store)
    ob = sql_store.find_obligations(agreement_id=aid)[0]
    with pytest.raises(RuntimeError, match="abandoned"), sql_store.transaction():
        sql_store.update_obligations([ob])
        raise RuntimeError("abandoned")
    assert sql_store.data_revision() == n
    assert dump(sql_store) == before


def test_another_store_objects_write_is_seen(sql_store):
    """Another process (here another engine on the same database) writes: the first store's
    next read transaction sees the new revision, and a snapshot opened before it does not."""
    from sqlalchemy import create_engine

    _svc, aid = _with_obligations(sql_store)
    other = SqlAlchemyObligationStore(
        create_engine(sql_store.engine.url), audit_key=sql_store.audit_key
    )
    try:
        n = sql_store.data_revision()
        with sql_store.read():
            assert sql_store.data_revision() == n
            ob = other.find_obligations(agreement_id=aid)[0]
            with other.transaction():
                other.update_obligations([ob])
            assert sql_store.data_revision() == n  # the snapshot keeps its rows and its number
        assert sql_store.data_revision() == n + 1
    finally:
        other.engine.dispose()


def test_a_bulk_load_counts(sql_store):
    _svc, aid = _with_obligations(sql_store)
    obs = sql_store.find_obligations(agreement_id=aid)
    n = sql_store.data_revision()
    fresh = [o.evolved(id=o.id + "-copy", key=o.key + "-copy") for o in obs]
    assert sql_store.bulk_load(fresh) == len(obs)
    assert sql_store.data_revision() == n + 1


def test_a_store_that_cannot_say_returns_none():
    assert MemoryObligationStore().data_revision() is None


# -- each agreement's own revision (migration 0013) ----------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"


def _two(store: SqlAlchemyObligationStore) -> tuple[ObligationService, str, str]:
    svc, a = _with_obligations(store)
    b = assembled(EXAMPLE)
    svc.track(b, signed_on=START, now=T0 + timedelta(days=400))
    assert a != b.id
    return svc, a, b.id


def test_a_write_moves_only_the_revisions_of_the_agreements_it_wrote(sql_store):
    svc, a, b = _two(sql_store)
    revs = sql_store.agreement_revisions()
    n = sql_store.data_revision()
    assert revs is not None and revs[b] == n  # tracking b was the last write
    assert revs[a] < n
    # an event on a: a's revision becomes the store's new one, b's stays
    at = T0 + timedelta(days=401)
    fields = {"supplier": "GROWER-G", "quantity": "100", "unit": "lb"}
    svc.record_event(a, "purchase_recorded", on=at.date(), fields=fields, now=at)
    after = sql_store.agreement_revisions()
    assert after == {a: sql_store.data_revision(), b: revs[b]}
    # a write of the obligations alone (no event, no agreement row) counts for their agreement
    ob = sql_store.find_obligations(agreement_id=b)[0]
    sql_store.update_obligations([ob.evolved(title=ob.title + " (amended)")])
    assert sql_store.agreement_revisions() == {a: after[a], b: sql_store.data_revision()}


def test_a_write_of_no_agreement_moves_the_store_only(sql_store):
    from obligations import AuditEntry

    _svc, a, b = _two(sql_store)
    revs, n = sql_store.agreement_revisions(), sql_store.data_revision()
    entry = AuditEntry(agreement_id=a, obligation_id=None, at=T0 + timedelta(days=402),
                       actor="test", action="note", reason="a note")  # fmt: skip
    sql_store.append_audit([entry])
    assert sql_store.data_revision() == n + 1
    assert sql_store.agreement_revisions() == revs
    # nor does a unit of work that is rolled back, or a read
    ob = sql_store.find_obligations(agreement_id=a)[0]
    with pytest.raises(RuntimeError, match="abandoned"), sql_store.transaction():
        sql_store.update_obligations([ob.evolved(title="x")])
        raise RuntimeError("abandoned")
    with sql_store.read():
        sql_store.find_obligations(agreement_id=b)
    assert sql_store.agreement_revisions() == revs


def test_a_bulk_load_moves_every_agreement(sql_store):
    _svc, a, b = _two(sql_store)
    obs = sql_store.find_obligations(agreement_id=a)
    sql_store.bulk_load([o.evolved(id=o.id + "-copy", key=o.key + "-copy") for o in obs])
    n = sql_store.data_revision()
    assert sql_store.agreement_revisions() == {a: n, b: n}


def test_the_migration_starts_every_agreement_at_the_stores_revision(tmp_path):
    from obligations import open_store
    from obligations._db import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = open_store(url)
    try:
        _svc, aid = _tracked(store)
        with store.engine.begin() as conn:  # the database as 0012 left it, at revision 41
            conn.exec_driver_sql("DROP TABLE agreement_revision")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0012_revision'")
            conn.exec_driver_sql("UPDATE store_revision SET n = 41")
        assert upgrade(store.engine) == "0013_agreement_revision"
        assert store.agreement_revisions() == {aid: 41}
    finally:
        store.engine.dispose()


def test_a_store_that_cannot_say_has_no_agreement_revisions():
    assert MemoryObligationStore().agreement_revisions() is None
