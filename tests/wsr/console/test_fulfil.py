"""Fulfil from the console: the obligation page's form (``POST /obligations/{id}/fulfil``) and
``POST /api/obligations/{id}/fulfil``, as ``wsr fulfil`` does it — for monitors and admins (the
roles that decide evidence), refused to negotiators and counsel, the CLI's messages beside the
inputs (page) or as ``{"errors": [{"path", "message"}]}`` (API), and in the audit log under the
user's email. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from obligations import open_store
from tests.wsr.console.conftest import USERS, Seeded, make_token, settings_for, sign_in
from wsr.console._access import WRITES, Action, Role

#: a fair-food obligation settled by a person's record of performance, in effect at NOW
SPEC = "code_of_conduct.flowdown"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Seeded, Any]]:
    from wsr.console import create_app

    made: Seeded = request.getfixturevalue("seeded" if request.param == "sqlite" else "seeded_pg")
    app = create_app(settings_for(made.db_url, tmp_path), clock=lambda: made.now)
    yield made, app
    app.state.console.store.engine.dispose()


def _open_one(seeded: Seeded) -> tuple[str, str]:
    """(id, due date) of an in-effect fair-food obligation a person's record settles."""
    store = open_store(seeded.db_url)
    try:
        with store.read():
            ob = next(
                o
                for o in store.find_obligations(agreement_id=seeded.fair_food)
                if o.spec_id == SPEC and o.state.value == "in_effect"
            )
    finally:
        store.engine.dispose()
    return ob.id, ob.due.isoformat()


def _stored(seeded: Seeded, obligation_id: str) -> tuple[Any, list[Any]]:
    store = open_store(seeded.db_url)
    try:
        with store.read():
            ob = store.get_obligation(obligation_id)
            entries = [
                e for e in store.audit_entries(seeded.fair_food) if e.obligation_id == obligation_id
            ]
    finally:
        store.engine.dispose()
    return ob, entries


def _api(app: Any, seeded: Seeded, role: str) -> TestClient:
    token = make_token(seeded.db_url, USERS[role].email)
    return TestClient(
        app, base_url="http://localhost", headers={"Authorization": f"Bearer {token}"}
    )


def _page(app: Any, role: str) -> TestClient:
    client = TestClient(app, base_url="http://localhost")
    sign_in(client, USERS[role])
    return client


def test_the_write_matrix_gives_fulfil_to_who_decides_evidence() -> None:
    deciders = {r for r, acts in WRITES.items() if Action.EVIDENCE_DECISIONS in acts}
    fulfillers = {r for r, acts in WRITES.items() if Action.FULFIL in acts}
    assert fulfillers == deciders == {Role.ADMIN, Role.MONITOR}


def test_api_fulfil_records_it_in_the_audit_log_as_the_user(world: tuple[Seeded, Any]) -> None:
    seeded, app = world
    ob_id, due = _open_one(seeded)
    with _api(app, seeded, "monitor") as api:
        answer = api.post(
            f"/api/obligations/{ob_id}/fulfil", json={"on": "2026-04-17", "note": "flowed down"}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["obligation"]["state"] == "fulfilled"
    assert body["obligation"]["late"] is ("2026-04-17" > due)
    ob, entries = _stored(seeded, ob_id)
    assert ob.state.value == "fulfilled" and ob.fulfilled_on.isoformat() == "2026-04-17"
    last = entries[-1]
    assert (last.action, last.actor, last.reason) == (
        "fulfilled",
        USERS["monitor"].email,
        "flowed down",
    )


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({}, "on", "Field required"),
        ({"on": " "}, "on", "give the date it was performed (YYYY-MM-DD)"),
        ({"on": "someday"}, "on", "'someday' is not an ISO date"),
        ({"on": "2026-04-17", "note": "a\x00b"}, "note", "control character"),
    ],
    ids=["no-date", "blank-date", "bad-date", "bad-note"],
)
def test_api_fulfil_bad_input_is_422_naming_the_field(
    world: tuple[Seeded, Any], body: dict[str, str], path: str, message: str
) -> None:
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    with _api(app, seeded, "admin") as api:
        answer = api.post(f"/api/obligations/{ob_id}/fulfil", json=body)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(e["path"].split(".")[-1] == path and message in e["message"] for e in errors), errors
    ob, _ = _stored(seeded, ob_id)
    assert ob.state.value == "in_effect"  # nothing written


def test_api_fulfil_of_a_prohibition_is_409_with_the_engines_reason(
    world: tuple[Seeded, Any],
) -> None:
    seeded, app = world
    with _api(app, seeded, "monitor") as api:
        answer = api.post(
            f"/api/obligations/{seeded.complaint_obligation}/fulfil", json={"on": "2026-04-17"}
        )
        missing = api.post("/api/obligations/ob-nope/fulfil", json={"on": "2026-04-17"})
    assert answer.status_code == 409, answer.text
    assert "not settled by a person's record of performance" in answer.text
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["negotiator", "counsel"])
def test_api_fulfil_refused_to_negotiators_and_counsel(
    world: tuple[Seeded, Any], role: str
) -> None:
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    with _api(app, seeded, role) as api:
        answer = api.post(f"/api/obligations/{ob_id}/fulfil", json={"on": "2026-04-17"})
    assert answer.status_code == 403, answer.text
    assert answer.json()["errors"][0]["message"].startswith(f"a {role} may not")
    ob, _ = _stored(seeded, ob_id)
    assert ob.state.value == "in_effect"


def test_the_page_offers_the_form_only_to_who_may(world: tuple[Seeded, Any]) -> None:
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    for role, offered in (("monitor", True), ("admin", True), ("negotiator", False)):
        with _page(app, role) as client:
            page = client.get(f"/obligations/{ob_id}")
        assert page.status_code == 200
        assert (f'action="/obligations/{ob_id}/fulfil"' in page.text) is offered, role


def test_the_page_form_fulfils_with_evidence(world: tuple[Seeded, Any]) -> None:
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    with _page(app, "admin") as client:
        done = client.post(
            f"/obligations/{ob_id}/fulfil",
            data={"on": "2026-04-18", "note": "signed flow-down", "csrf_token": client.csrf},
            files={"file": ("flowdown.pdf", b"%PDF-1.4 signed", "application/pdf")},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        page = client.get(done.headers["location"])
    assert "Fulfilment recorded with its evidence." in page.text
    assert 'action="/obligations/' + ob_id + '/fulfil"' not in page.text  # no longer in effect
    ob, entries = _stored(seeded, ob_id)
    assert ob.state.value == "fulfilled" and ob.evidence.value == "submitted"
    assert (entries[-1].action, entries[-1].actor) == ("fulfilled", USERS["admin"].email)
    assert "flowdown.pdf" in page.text
    # the history reads as a person says it: a late fulfilment is "late no → yes", not Python's
    assert ob.late  # the fair-food duty fell due on 2026-02-04
    assert "late no → yes" in page.text and "False" not in page.text


def test_the_page_form_shows_the_clis_message_beside_the_date(
    world: tuple[Seeded, Any],
) -> None:
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    with _page(app, "monitor") as client:
        answer = client.post(
            f"/obligations/{ob_id}/fulfil",
            data={"on": "someday", "note": "x", "csrf_token": client.csrf},
            follow_redirects=False,
        )
        empty = client.post(
            f"/obligations/{ob_id}/fulfil",
            data={"on": "2026-04-18", "csrf_token": client.csrf},
            files={"file": ("empty.pdf", b"", "application/pdf")},
            follow_redirects=False,
        )
    assert answer.status_code == 422
    on = _field(answer.text, ob_id, "on")
    assert "&#39;someday&#39; is not an ISO date" in on, on
    assert 'value="someday"' in on  # what was typed stays in the input
    assert empty.status_code == 422
    assert "the file is empty; attach the evidence itself" in _field(empty.text, ob_id, "file")
    ob, _ = _stored(seeded, ob_id)
    assert ob.state.value == "in_effect"  # neither wrote anything


def _field(page: str, ob_id: str, name: str) -> str:
    """The HTML of input ``name``'s field in the fulfil form (with its messages)."""
    form = page.split(f'action="/obligations/{ob_id}/fulfil"', 1)[1].split("</form>", 1)[0]
    found = re.search(rf'<div class="field[^"]*" data-field="{name}">.*?</div>', form, re.S)
    assert found is not None, form
    return found.group(0)


def test_the_page_fulfil_needs_the_csrf_token(world: tuple[Seeded, Any]) -> None:
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    with _page(app, "monitor") as client:
        answer = client.post(
            f"/obligations/{ob_id}/fulfil", data={"on": "2026-04-18"}, follow_redirects=False
        )
    assert answer.status_code == 403
    ob, _ = _stored(seeded, ob_id)
    assert ob.state.value == "in_effect"


def test_the_api_detail_lists_fulfil_for_who_may(world: tuple[Seeded, Any]) -> None:
    """The API's ``actions`` say what the page offers: a program sees fulfil as a monitor's."""
    seeded, app = world
    ob_id, _ = _open_one(seeded)
    for role, offered in (("monitor", True), ("admin", True), ("negotiator", False)):
        with _api(app, seeded, role) as api:
            answer = api.get(f"/api/obligations/{ob_id}")
        assert answer.status_code == 200, answer.text
        assert (answer.json()["actions"].get("fulfil") == [ob_id]) is offered, role
