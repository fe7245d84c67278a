"""The console's reads at ``now`` show the store as a sweep at ``now`` would leave it.

For random scenarios (the agreements and writes of ``tests/obligations/test_wake.py``, played
through the service, so some agreements are quiet and some awake) and random later ``now``s,
on SQLite and PostgreSQL: the dashboard's counts, chart and first page, every page of
``obligations_page`` (limit 7, offsets in steps of 5, so pages overlap and overlay rows fall
inside, before and after them) and the obligation page of every row the sweep creates or
changes, for a monitor and for a counsel, equal what the same reads give after the store is
swept at ``now`` (when the time step has nothing left to add, so those reads are the stored
rows alone). No read writes anything: every table is dumped before and after.

Without the projection (``_time_overlay`` returning ``{}`` in ``wsr.console._q_list`` and
``wsr.console._q_dashboard``, which both call it) the property fails on the first scenario with
a sweep to add: checked by hand (branch ``tidy``: a pytest plugin replacing both, SQLite).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from clauses import NotFound
from obligations import ObligationService
from tests.obligations.dump import dump, reset
from tests.obligations.test_wake import AGREEMENTS, _play, scenarios
from tests.wsr.console.conftest import COMPLAINANT_REFS, USERS
from wsr.console._access import Role, Viewer
from wsr.console.queries import Filters, dashboard, obligation_detail, obligations_page

LIMIT, STEP = 7, 5
FILTERS = [
    Filters(),
    Filters(show="due_soon"),
    Filters(show="overdue"),
    Filters(show="breach_suspected"),
    Filters(state="open"),
    Filters(supplier="GROWER-G"),
]
MONITOR = Viewer(user_id=0, email="m@wsr.example", role=Role.MONITOR, brand=None)


def counsel_of(store: Any, agreement_id: str) -> Viewer:
    record = json.loads(store.get_agreement(agreement_id).record_json)
    buyer = next(p["name"] for p in record["parties"] if p.get("role") == "buyer")
    return Viewer(user_id=1, email="c@brand.example", role=Role.COUNSEL, brand=buyer)


def reads(svc: ObligationService, who: Viewer, now: Any, ids: list[str]) -> dict[str, Any]:
    """Everything the console shows at ``now``: per filter the counts, the chart, the
    dashboard's page and every page of the list; the obligation page of each of ``ids``."""
    out: dict[str, Any] = {}
    for f in FILTERS:
        d = dashboard(svc, who, now=now, filters=f, limit=LIMIT)
        pages = []
        offset = 0
        while True:
            page = obligations_page(svc, who, now=now, filters=f, limit=LIMIT, offset=offset)
            pages.append(page.to_json())
            if not page.has_more:
                break
            offset += STEP
        pages.append(
            obligations_page(
                svc, who, now=now, filters=f, limit=LIMIT, offset=offset + 50
            ).to_json()
        )
        weeks = [(w.start, w.end, w.count) for w in d.weeks]
        out[repr(f)] = (d.counts, weeks, d.page.to_json(), pages)
    for i in ids:
        try:
            out[i] = obligation_detail(svc, i, who, now=now).obligation
        except NotFound:
            out[i] = "not found"
    return out


def check_projection(store: Any, scenario: Any) -> int:
    """Returns how many rows the reads projected (the sweep's created + changed)."""
    chosen, sequence, later, hour = scenario
    svc = ObligationService(store, actor="property")
    clock = _play(svc, chosen, sequence, hour)
    viewers = [MONITOR, counsel_of(store, AGREEMENTS[chosen[0]].id)]
    projected = 0
    for now in (clock + timedelta(days=later, hours=hour), clock + timedelta(days=later + 40)):
        overlay = svc.time_overlay(now=now)
        projected += len(overlay)
        before = dump(store)
        shown = {v.role: reads(svc, v, now, sorted(overlay)) for v in viewers}
        assert dump(store) == before, "a read wrote to the database"
        svc.sweep(now=now)
        assert svc.time_overlay(now=now) == {}  # so the reads below are the stored rows
        swept = {v.role: reads(svc, v, now, sorted(overlay)) for v in viewers}
        for role in shown:
            assert shown[role] == swept[role], (role, now)
    return projected


PROPERTY = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(scenarios)
def test_the_console_shows_what_a_sweep_at_now_would_leave(sql_store, scenario):
    reset(sql_store)
    check_projection(sql_store, scenario)


def test_the_projection_is_exercised(sql_store):
    """A scenario whose later ``now`` has recurring instances and flags to add (without this
    the property could pass with overlays that are always empty)."""
    scenario = ([1, 3], [("purchase", "GROWER-G", 10), ("sweep", "", 40)], 400, 3)
    assert check_projection(sql_store, scenario) > 1


def test_a_created_instance_has_a_page_and_counsel_sees_no_other_brand(sql_store):
    svc = ObligationService(sql_store, actor="test")
    clock = _play(svc, [1, 3], [("purchase", "GROWER-G", 10), ("sweep", "", 40)], 0)
    now = clock + timedelta(days=400)
    overlay = svc.time_overlay(now=now)
    stored = {o.id for o in sql_store.find_obligations()}
    created = [o for o in overlay.values() if o.id not in stored]
    assert created, "the scenario must create instances at now"
    ob = created[0]
    page = obligation_detail(svc, ob.id, MONITOR, now=now)
    assert page.obligation["id"] == ob.id and page.history == []
    own = counsel_of(sql_store, ob.agreement_id)
    assert obligation_detail(svc, ob.id, own, now=now).obligation["id"] == ob.id
    other = Viewer(user_id=2, email="x@other.example", role=Role.COUNSEL, brand="Nobody Ltd")
    with pytest.raises(NotFound):
        obligation_detail(svc, ob.id, other, now=now)
    assert dashboard(svc, other, now=now).page.items == []
    assert not any(
        v.id == ob.agreement_id for v in dashboard(svc, other, now=now).choices.agreements
    )


def test_counsel_never_sees_a_complainant_at_a_later_now(seeded):
    """The seeded agreements (complaints with complainants' references) read by counsel at a
    later ``now``, when the sweep would add rows: the projected rows are redacted too."""
    from obligations import open_store

    store = open_store(seeded.db_url)
    try:
        svc = ObligationService(store, actor="test")
        person = USERS["counsel"]
        counsel = Viewer(user_id=3, email=person.email, role=person.role, brand=person.brand)
        now = seeded.now + timedelta(days=60)
        assert svc.time_overlay(now=now), "the seeded store must have something to add"
        text = json.dumps(reads(svc, counsel, now, sorted(svc.time_overlay(now=now))), default=str)
        assert not any(ref in text for ref in COMPLAINANT_REFS)
    finally:
        store.engine.dispose()
