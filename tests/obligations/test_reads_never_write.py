"""Reads never write, and they show exactly what a sweep would leave.

For random scenarios — agreements from the test factories (weekly premiums, a cut-off, monthly
and quarterly reports, short terms with and without renewal), random events recorded at
increasing times, sweeps in between — and a random ``now`` (up to six years later):

- every read (``obligations``, ``due_within``, ``overdue``, ``agreements``) leaves the whole
  database unchanged (every table, compared as a full dump);
- what it shows equals what ``sweep(now)`` stores, read back at the same ``now``;
- a second sweep at the same ``now`` changes nothing.

On the SQL stores the same reads also run on the listings' DBAPI path
(:mod:`obligations.stores._fastread`) and must show exactly the same.

On the memory store, SQLite and PostgreSQL; the example counts are kept small (the property
runs the whole service per example).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauses import EngineError
from obligations import OPEN, ObligationService, open_fast
from obligations.stores.memory import MemoryObligationStore
from tests.obligations.dump import dump, reset
from tests.obligations.factories import (
    agreement,
    complaints_section,
    cutoff_section,
    fair_food,
    premium_section,
    reporting_section,
    term_section,
)

START = date(2026, 1, 5)
T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)
AGREEMENTS = [
    fair_food(),
    agreement(
        premium_section(),
        cutoff_section(),
        reporting_section(every="monthly", days=10),
        term_section(months=12, auto_renew=True, renewal_months=12, opt_out_days=30),
    ),
    agreement(
        complaints_section(),
        reporting_section(every="quarterly", subject="supplier"),
        term_section(months=12, opt_out_days=30),
        suppliers=("GROWER-G", "GROWER-H", "GROWER-K"),
    ),
]
SUPPLIERS = st.sampled_from(["GROWER-G", "GROWER-H", "GROWER-K"])

steps = st.one_of(
    st.tuples(st.just("purchase"), SUPPLIERS, st.integers(0, 500)),
    st.tuples(st.just("suspend"), SUPPLIERS, st.integers(0, 500)),
    st.tuples(st.just("reinstate"), SUPPLIERS, st.integers(0, 500)),
    st.tuples(st.just("complaint"), SUPPLIERS, st.integers(0, 500)),
    st.tuples(st.just("sweep"), st.just(""), st.integers(0, 500)),
)

scenarios = st.tuples(
    st.lists(st.sampled_from(range(len(AGREEMENTS))), min_size=1, max_size=2, unique=True),
    st.lists(steps, max_size=8),
    st.integers(0, 6 * 366),
    st.integers(0, 23),
)


def _play(svc: ObligationService, chosen: list[int], sequence: list, pick: int) -> datetime:
    """Track the agreements, then the steps at increasing times; returns the last time used."""
    ids = [AGREEMENTS[i].id for i in chosen]
    for i in chosen:
        svc.track(AGREEMENTS[i], signed_on=START, now=T0)
    clock = T0
    for n, (kind, supplier, offset) in enumerate(sequence):
        on = START + timedelta(days=offset)
        clock = max(clock, datetime(on.year, on.month, on.day, 18, tzinfo=UTC))
        aid = ids[(n + pick) % len(ids)]
        try:
            if kind == "sweep":
                svc.sweep(now=clock)
            elif kind == "purchase":
                fields = {"supplier": supplier, "quantity": "1000", "unit": "lb"}
                svc.record_event(aid, "purchase_recorded", on=on, fields=fields, now=clock)
            elif kind == "complaint":
                fields = {"supplier": supplier, "category": "wages"}
                svc.record_event(aid, "complaint_filed", on=on, fields=fields, now=clock)
            else:
                type_ = "supplier_suspended" if kind == "suspend" else "supplier_reinstated"
                svc.record_event(aid, type_, on=on, fields={"supplier": supplier}, now=clock)
        except EngineError:
            pass  # refused (unknown supplier, after the end, …): written nothing, by contract
    return clock


def _reads(svc: ObligationService, now: datetime, ids: list[str]) -> dict[str, object]:
    return {
        "all": svc.obligations(agreement_id=None, now=now),
        "one": svc.obligations(agreement_id=ids[0], now=now),
        "due_within": svc.due_within(now=now, days=30),
        # windows that end before, near and beyond the horizon (reads that show only what is
        # due before an instant skip the later recurrences: they must still show the same)
        "due_within_0": svc.due_within(now=now, days=0),
        "due_within_7": svc.due_within(now=now, days=7),
        "due_within_500": svc.due_within(now=now, days=500),
        "overdue": svc.overdue(now=now),
        "overdue_3": svc.overdue(now=now, limit=3),
        "agreements": svc.agreements(now=now),
        "views": svc.views(now=now),
        "views_one": svc.views(now=now, agreement_id=ids[-1], limit=4),
        "views_due": svc.views(now=now, due_within=30),
        "views_overdue_3": svc.views(now=now, overdue=True, limit=3),
        "views_overdue": svc.views(now=now, overdue=True),
        "views_due_7": svc.views(now=now, due_within=7),
        "views_due_500": svc.views(now=now, due_within=500),
    }


def _fast_reads(store, now: datetime, ids: list[str]) -> dict[str, object] | None:
    """The same reads on the listings' DBAPI path (SQL stores only)."""
    engine = getattr(store, "engine", None)
    if engine is None:
        return None
    fast = open_fast(engine.url.render_as_string(hide_password=False))
    assert fast is not None
    try:
        return _reads(ObligationService(fast, actor="property"), now, ids)
    finally:
        fast.close()


def check_reads_equal_sweep(store, scenario) -> None:
    chosen, sequence, later, hour = scenario
    svc = ObligationService(store, actor="property")
    clock = _play(svc, chosen, sequence, hour)
    now = clock + timedelta(days=later, hours=hour)
    ids = [AGREEMENTS[i].id for i in chosen]
    before = dump(store)
    shown = _reads(svc, now, ids)
    fast = _fast_reads(store, now, ids)
    assert dump(store) == before, "a read wrote to the database"
    # the listings' DBAPI read path shows exactly what the SQL store's does
    assert fast is None or fast == shown
    # the JSON listing is the view of exactly what the queries return
    assert shown["views"] == [o.to_view(now) for o in shown["all"]]
    assert shown["views_due"] == [o.to_view(now) for o in shown["due_within"]]
    assert shown["views_overdue_3"] == [o.to_view(now) for o in shown["overdue_3"]]
    assert shown["views_overdue"] == [o.to_view(now) for o in shown["overdue"]]
    # a windowed read is the full listing cut to its window (the full listing takes every
    # recurrence up to the horizon; the windowed ones only those they can show)
    every = shown["all"]
    assert isinstance(every, list)
    tick = timedelta(microseconds=1)
    for days in (0, 7, 30, 500):
        lo, hi = now + tick, now + timedelta(days=days) + tick
        window = [o for o in every if o.state in OPEN and lo <= o.due_at < hi]
        name = "due_within" if days == 30 else f"due_within_{days}"
        assert shown[name] == window, days
        if days in (7, 500):
            assert shown[f"views_due_{days}"] == [o.to_view(now) for o in window]
    late = [o for o in every if o.state in OPEN and o.due_at <= now and o.kind != "prohibition"]
    assert shown["overdue"] == late
    result = svc.sweep(now=now)
    assert _reads(svc, now, ids) == shown
    # everything the reads showed is now stored exactly so
    assert store.find_obligations() == shown["all"]
    assert store.list_agreements() == shown["agreements"]
    swept = dump(store)
    assert not svc.sweep(now=now).changed_anything
    assert dump(store) == swept
    if result.changed_anything:
        assert swept != before


PROPERTY = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(scenarios)
def test_reads_equal_a_sweep_and_write_nothing_memory(scenario):
    check_reads_equal_sweep(MemoryObligationStore(), scenario)


@PROPERTY
@given(scenarios)
def test_reads_equal_a_sweep_and_write_nothing_sql(sql_store, scenario):
    reset(sql_store)
    check_reads_equal_sweep(sql_store, scenario)
