"""A prohibition in the console's lists (the dashboard, the what-if panel) and the API list:
its ``due`` is the day it takes effect, not a deadline (issue 7 §2), so a row shows its window —
"in force from … until …", as the obligation page's lede does — and the API item carries the
same ``kind`` and ``in_force`` as ``wsr obligations --json`` (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest

from obligations import open_store
from tests.wsr.console.conftest import USERS, Seeded, make_token, settings_for, sign_in

WATCH = "non_retaliation.no_retaliation"


def _obligations(seeded: Seeded) -> list[Any]:
    store = open_store(seeded.db_url)
    try:
        with store.read():
            return list(store.find_obligations(agreement_id=seeded.fair_food))
    finally:
        store.engine.dispose()


def _cells(page: str) -> dict[str, str]:
    """Obligation id -> the text of its row's first (due / in force) cell."""
    root = lxml.html.fromstring(page)
    return {
        row.get("data-obligation"): row.cssselect("td.due")[0].text_content().strip()
        for row in root.cssselect("table.obligations tr[data-obligation]")
    }


def _window(ob: Any) -> str:
    until = f" until {ob.period_end.isoformat()}" if ob.period_end else ""
    return f"in force from {ob.due.isoformat()}{until}"


def _check_list_and_api(client: Any, api: Any, seeded: Seeded) -> None:
    obs = _obligations(seeded)
    watch = next(o for o in obs if o.spec_id == WATCH)
    assert watch.period_end is not None
    cells = _cells(client.get("/", params={"agreement": seeded.fair_food}).text)
    assert cells[watch.id] == _window(watch)
    shown = [o for o in obs if o.id in cells]
    deadlines = [o for o in shown if o.kind != "prohibition"]
    assert deadlines and all(cells[o.id] == o.due.isoformat() for o in deadlines)
    assert all(cells[o.id] == _window(o) for o in shown if o.kind == "prohibition")
    head = lxml.html.fromstring(client.get("/").text).cssselect("table.obligations th")[0]
    assert head.text_content() == "Due / in force"
    page = api.get("/api/obligations", params={"agreement": seeded.fair_food, "limit": 500})
    assert page.status_code == 200, page.text
    items = {i["id"]: i for i in page.json()["items"]}
    item = items[watch.id]
    assert (item["kind"], item["due"]) == ("prohibition", watch.due.isoformat())
    window = {"from": watch.due.isoformat(), "until": watch.period_end.isoformat()}
    assert item["in_force"] == window
    assert all(items[o.id]["in_force"] is None for o in obs if o.kind != "prohibition")
    assert {items[o.id]["kind"] for o in obs} == {o.kind.value for o in obs}


def test_the_dashboard_rows_and_the_api_show_a_prohibitions_window(client_for, api_for, seeded):
    _check_list_and_api(client_for("monitor"), api_for("monitor"), seeded)


@pytest.mark.postgres
def test_the_same_on_postgresql(seeded_pg, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from wsr.console import create_app

    app = create_app(settings_for(seeded_pg.db_url, tmp_path), clock=lambda: seeded_pg.now)
    token = make_token(seeded_pg.db_url, USERS["monitor"].email)
    try:
        with (
            TestClient(app, base_url="http://localhost") as client,
            TestClient(
                app, base_url="http://localhost", headers={"Authorization": f"Bearer {token}"}
            ) as api,
        ):
            sign_in(client, USERS["monitor"])
            _check_list_and_api(client, api, seeded_pg)
    finally:
        app.state.console.store.engine.dispose()


def test_a_whatif_complaint_lists_its_new_watch_by_its_window(client_for, seeded):
    client = client_for("monitor")
    url = f"/agreements/{seeded.fair_food}/whatif"
    form = {
        "csrf_token": client.csrf,
        "action": "run",
        "r0.type": "complaint_filed",
        "r0.on": "2026-04-18",
        "r0.supplier": "GROWER-A",
        "r0.category": "wages",
    }
    done = client.post(url, data=form)
    assert done.status_code == 200, done.text
    root = lxml.html.fromstring(done.text)
    result = root.cssselect("#whatif-result")
    assert result, done.text
    cells = [c.text_content().strip() for c in result[0].cssselect("td.due.in-force")]
    assert "in force from 2026-04-18 until 2027-04-18" in cells


def test_the_bundle_pages_disputed_list_shows_a_prohibitions_window(client_for, seeded):
    disputed = [
        o for o in _obligations(seeded) if o.kind == "prohibition" and "breach_suspected" in o.flags
    ]
    assert disputed  # the seeded season's purchase from a suspended supplier
    page = client_for("monitor").get(f"/agreements/{seeded.fair_food}/bundle")
    assert page.status_code == 200, page.text
    root = lxml.html.fromstring(page.text)
    cells = [c.text_content().strip() for c in root.cssselect("td.due.in-force")]
    assert sorted(cells) == sorted(_window(o) for o in disputed)
