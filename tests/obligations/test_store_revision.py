"""``store_revision`` (migration 0012): a unit of work that wrote moves it by one, in its own
transaction, whichever store object or process wrote; nothing else moves it. The console's
overlay cache is keyed by it, so a write it missed would serve a stale overlay."""

from __future__ import annotations

from datetime import timedelta

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
