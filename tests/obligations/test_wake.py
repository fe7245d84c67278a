"""The stored wake (``agreements.wake_at``) never hides a change: skipping quiet agreements
changes no read and no sweep.

For random scenarios (the agreements of ``test_reads_never_write`` plus the acceptance
agreement drafted through the shipped library, whose premium ladder, complaint KPI and cut-off
watch are the three time rules with an exact ``wakes_at``), played through a service that skips
quiet agreements:

- after every write, every agreement's stored wake is known and, where it has not come, equals
  a fresh computation (:func:`obligations._wake.next_wake`) at the write's ``now``;
- at random ``now``s and just before, at and after each agreement's wake, every read with the
  skip equals the read without it (``skip_quiet=False``), on the SQL stores also through the
  listings' DBAPI path, and no read writes anything (every table, wake included);
- a sweep with the skip stores exactly what the reads without it showed, and its created and
  changed obligations are exactly the time step's (:meth:`ObligationService.time_overlay`).

On the memory store, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauses import EngineError
from obligations import LegalState, ObligationService, advance, open_fast
from obligations._wake import WAKE_NEVER, next_wake
from obligations.stores.memory import MemoryObligationStore
from tests.obligations.dump import dump, reset
from tests.obligations.factories import assembled
from tests.obligations.test_reads_never_write import AGREEMENTS as BASE
from tests.obligations.test_reads_never_write import START, T0, _reads

AGREEMENTS = [*BASE, assembled()]
SUPPLIERS = st.sampled_from(["GROWER-G", "GROWER-H", "GROWER-K"])
TICK = timedelta(microseconds=1)

steps = st.one_of(
    st.tuples(st.just("purchase"), SUPPLIERS, st.integers(0, 400)),
    st.tuples(st.just("suspend"), SUPPLIERS, st.integers(0, 400)),
    st.tuples(st.just("reinstate"), SUPPLIERS, st.integers(0, 400)),
    st.tuples(st.just("complaint"), SUPPLIERS, st.integers(0, 400)),
    st.tuples(st.just("pay"), SUPPLIERS, st.integers(0, 400)),
    st.tuples(st.just("sweep"), st.just(""), st.integers(0, 400)),
)
scenarios = st.tuples(
    st.lists(st.sampled_from(range(len(AGREEMENTS))), min_size=1, max_size=2, unique=True),
    st.lists(steps, max_size=7),
    st.integers(0, 4 * 366),
    st.integers(0, 23),
)


def _wakes(store) -> dict[str, datetime | None]:
    return {t.id: t.wake_at for t in store.list_agreements()}


def check_wakes_fresh(svc: ObligationService, now: datetime) -> None:
    """Every agreement's wake is known and, where it has not come, a fresh computation's; and
    the step (without any skip) is still empty an instant before it. Time's changes last
    (a flag set stays set, a status moved stays moved), so a change the wake came too late
    for would still show there."""
    for tracked in svc.store.list_agreements():
        assert tracked.wake_at is not None, f"{tracked.id}: a service write left no wake"
        if tracked.wake_at > now:
            state = svc._state(tracked)
            assert tracked.wake_at == next_wake(state, now), tracked.id
            last = min(tracked.wake_at, now + timedelta(days=8 * 366)) - TICK
            assert advance(state, last).empty, (tracked.id, tracked.wake_at)


def _write(svc: ObligationService, kind: str, aid: str, supplier: str, on: date, now: datetime):
    if kind == "sweep":
        svc.sweep(now=now)
    elif kind == "purchase":
        fields = {"supplier": supplier, "quantity": "1000", "unit": "lb"}
        svc.record_event(aid, "purchase_recorded", on=on, fields=fields, now=now)
    elif kind == "complaint":
        fields = {"supplier": supplier, "category": "wages"}
        svc.record_event(aid, "complaint_filed", on=on, fields=fields, now=now)
    elif kind == "pay":  # fulfil the earliest open premium or report (KPIs and ladders move)
        found = [
            o
            for o in svc.obligations(agreement_id=aid, now=now)
            if o.state is LegalState.IN_EFFECT and o.kind in ("payment", "action")
        ]
        if found:
            svc.fulfil(found[0].id, on=on, evidence=None, note="", now=now)
    else:
        type_ = "supplier_suspended" if kind == "suspend" else "supplier_reinstated"
        svc.record_event(aid, type_, on=on, fields={"supplier": supplier}, now=now)


def _play(svc: ObligationService, chosen: list[int], sequence: list, pick: int) -> datetime:
    ids = [AGREEMENTS[i].id for i in chosen]
    for i in chosen:
        svc.track(AGREEMENTS[i], signed_on=START, now=T0)
        check_wakes_fresh(svc, T0)
    clock = T0
    for n, (kind, supplier, offset) in enumerate(sequence):
        on = START + timedelta(days=offset)
        clock = max(clock, datetime(on.year, on.month, on.day, 18, tzinfo=UTC))
        try:
            _write(svc, kind, ids[(n + pick) % len(ids)], supplier, on, clock)
        except EngineError:
            pass  # refused: written nothing, by contract
        check_wakes_fresh(svc, clock)
    return clock


def _edge_reads(svc: ObligationService, now: datetime) -> dict[str, object]:
    return {
        "all": svc.obligations(agreement_id=None, now=now),
        "agreements": svc.agreements(now=now),
        "due_7": svc.views(now=now, due_within=7),
        "overdue": svc.views(now=now, overdue=True),
        "overlay": svc.time_overlay(now=now),
        "overlay_7": svc.time_overlay(now=now, shown_before=now + timedelta(days=7)),
    }


def _fast(store, now: datetime, ids: list[str]) -> dict[str, object] | None:
    engine = getattr(store, "engine", None)
    if engine is None:
        return None
    fast = open_fast(engine.url.render_as_string(hide_password=False))
    assert fast is not None
    try:
        return _reads(ObligationService(fast, actor="property"), now, ids)
    finally:
        fast.close()


def check_skip_changes_nothing(store, scenario) -> int:
    """Returns how many (agreement, now) pairs were skipped as quiet (so the test means
    something: see the assertion in the tests)."""
    chosen, sequence, later, hour = scenario
    svc = ObligationService(store, actor="property")
    ref = ObligationService(store, actor="property", skip_quiet=False)
    clock = _play(svc, chosen, sequence, hour)
    ids = [AGREEMENTS[i].id for i in chosen]
    wakes = [w for w in _wakes(store).values() if w is not None and w < WAKE_NEVER]
    edges = {w + d for w in wakes for d in (-TICK, timedelta(0), TICK)}
    edges |= {clock, clock + timedelta(days=later, hours=hour), clock - timedelta(days=3)}
    before = dump(store)
    stored_wakes = _wakes(store)
    skipped = 0
    for now in sorted(edges):
        skipped += len(svc._quiet(store.list_agreements(), now))
        assert _edge_reads(svc, now) == _edge_reads(ref, now), now
    now = clock + timedelta(days=later, hours=hour)
    shown = _reads(ref, now, ids)
    assert _reads(svc, now, ids) == shown
    fast = _fast(store, now, ids)
    assert fast is None or fast == shown
    assert dump(store) == before, "a read wrote to the database"
    assert _wakes(store) == stored_wakes, "a read changed a wake"
    # the sweep with the skip does exactly what the step without it shows
    overlay = ref.time_overlay(now=now)
    result = svc.sweep(now=now)
    assert {o.id for o in (*result.created, *result.changed)} == set(overlay)
    assert store.find_obligations() == shown["all"]
    assert store.list_agreements() == shown["agreements"]
    check_wakes_fresh(svc, now)
    assert not svc.sweep(now=now).changed_anything
    return skipped


PROPERTY = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(scenarios)
def test_the_skip_changes_no_read_and_no_sweep_memory(scenario):
    check_skip_changes_nothing(MemoryObligationStore(), scenario)


@PROPERTY
@given(scenarios)
def test_the_skip_changes_no_read_and_no_sweep_sql(sql_store, scenario):
    reset(sql_store)
    check_skip_changes_nothing(sql_store, scenario)


def test_the_skip_is_taken(store):
    """A swept store is quiet until the next wake: the reads then step no agreement (without
    this the property above could pass with a skip that never happens)."""
    if not isinstance(store, MemoryObligationStore):
        reset(store)
    scenario = ([0, 3], [("purchase", "GROWER-G", 10), ("sweep", "", 40)], 0, 0)
    skipped = check_skip_changes_nothing(store, scenario)
    assert skipped > 0
    svc = ObligationService(store, actor="test")
    wake = min(t.wake_at for t in store.list_agreements() if t.wake_at is not None)
    last = store.last_audit_at()
    assert last is not None and last < wake
    assert len(svc._quiet(store.list_agreements(), last)) == 2
    assert svc._quiet(store.list_agreements(), last - TICK) == set()  # before the log's end
    assert svc._quiet(store.list_agreements(), wake) != {t.id for t in store.list_agreements()}


def test_a_write_outside_the_service_forgets_the_wake(store):
    """The safety net: obligations or events written by any path leave the agreement's wake
    unknown (so it is stepped: slow, never wrong)."""
    if not isinstance(store, MemoryObligationStore):
        reset(store)
    svc = ObligationService(store, actor="test")
    record = assembled()
    svc.track(record, signed_on=START, now=T0)
    assert store.get_agreement(record.id).wake_at is not None
    at = T0 + timedelta(days=7)
    fields = {"supplier": "GROWER-G", "quantity": "500", "unit": "lb"}
    svc.record_event(record.id, "purchase_recorded", on=at.date(), fields=fields, now=at)
    assert store.get_agreement(record.id).wake_at is not None
    ob = store.find_obligations(agreement_id=record.id)[0]
    with store.transaction():
        store.update_obligations([ob])
    assert store.get_agreement(record.id).wake_at is None
    svc.sweep(now=T0 + timedelta(days=61))
    assert store.get_agreement(record.id).wake_at is not None
    with store.transaction():
        store.update_agreement(store.get_agreement(record.id))
    assert store.get_agreement(record.id).wake_at is None


@pytest.mark.parametrize("days", [0, 1, 13, 14, 40, 70])
def test_a_wake_is_when_the_step_first_acts(days):
    """On the acceptance agreement swept at a day: the step is empty just before the wake and
    not at it (the wake is exact for the agreement's rules, not merely early)."""
    store = MemoryObligationStore()
    svc = ObligationService(store, actor="test")
    record = assembled()
    svc.track(record, signed_on=START, now=T0)
    for supplier in ("GROWER-G", "GROWER-H"):  # a premium (and its ladder) per supplier
        fields = {"supplier": supplier, "quantity": "500", "unit": "lb"}
        svc.record_event(record.id, "purchase_recorded", on=START, fields=fields, now=T0)
    fields = {"supplier": "GROWER-G", "category": "wages"}  # an investigation and its KPI
    svc.record_event(record.id, "complaint_filed", on=START, fields=fields, now=T0)
    at = T0 + timedelta(days=days)
    svc.sweep(now=at)
    tracked = store.get_agreement(record.id)
    assert tracked.wake_at is not None and at < tracked.wake_at < WAKE_NEVER
    state = svc._state(tracked)
    assert advance(state, tracked.wake_at - TICK).empty
    assert not advance(state, tracked.wake_at).empty
