"""The REST API core against the seeded console: what it answers, what it refuses (with the
CLI's messages), that writes are audited as the user, and that a brand sees no complainant."""

from __future__ import annotations

import json

import pytest

from obligations import ObligationService, open_store
from tests.wsr.console.conftest import NOW, USERS
from wsr.cli import main


def cli(capsys, db: str, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(["--db", db, "--now", NOW.isoformat(), *args])
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_agreements_and_detail(api_for, seeded):
    monitor = api_for("monitor")
    listed = monitor.get("/api/agreements").json()
    assert {a["id"] for a in listed} == {seeded.fair_food, seeded.accord}
    detail = monitor.get(f"/api/agreements/{seeded.fair_food}").json()
    assert detail["buyers"] == ["Example Fresh Markets Inc."]
    assert {p["role"] for p in detail["parties"]} == {"buyer", "worker_organization", "monitor"}
    assert "GROWER-A" in {s["id"] for s in detail["suppliers"]}
    assert detail["content_hash"].startswith("sha256:")
    missing = monitor.get("/api/agreements/agr-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {
        "errors": [
            {
                "path": "agreement",
                "message": "no agreement with the id 'agr-000000000000' was found",
            }
        ]
    }


def test_counsel_is_told_another_brands_agreement_does_not_exist(api_for, seeded):
    """The same answer as for an id that is not there: nothing tells the id is real."""
    counsel = api_for("counsel")
    real = counsel.get(f"/api/agreements/{seeded.accord}")
    made_up = counsel.get("/api/agreements/agr-000000000000")
    assert real.status_code == made_up.status_code == 404
    assert real.json()["errors"][0]["message"].replace(seeded.accord, "X") == made_up.json()[
        "errors"
    ][0]["message"].replace("agr-000000000000", "X")


def test_recording_an_event_is_audited_as_the_user(api_for, seeded):
    monitor = api_for("monitor")
    answer = monitor.post(
        f"/api/agreements/{seeded.fair_food}/events",
        json={
            "type": "purchase_recorded",
            "on": "2026-04-17",
            "fields": {"supplier": "GROWER-B", "quantity": "12", "unit": "cwt"},
        },
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["event"]["type"] == "purchase_recorded"
    assert body["event"]["fields"] == {"supplier": "GROWER-B", "quantity": "12", "unit": "cwt"}
    assert body["created"] or body["changed"]
    store = open_store(seeded.db_url)
    try:
        with store.read():
            entries = store.audit_entries(seeded.fair_food)
    finally:
        store.engine.dispose()
    recorded = [e for e in entries if e.action == "event_recorded"][-1]
    assert recorded.actor == USERS["monitor"].email
    assert recorded.after["id"] == body["event"]["id"]


@pytest.mark.parametrize(
    ("fields", "on"),
    [
        ({"obligation": "{premium}", "amount": "abc"}, "2026-04-19"),
        ({"obligation": "{premium}", "amount": "10"}, "2026-05-30"),
        ({"obligation": "ob-0000000000000000", "amount": "10"}, "2026-04-19"),
        ({"amount": "10"}, "2026-04-19"),
    ],
)
def test_event_errors_are_the_clis(capsys, api_for, seeded, fields, on):
    """Same refusal, same message; the path is the engine's field, which the CLI spells as
    its option (``--on``, ``--set amount``)."""
    from clauses import Problem
    from wsr._options import spell

    given = {k: v.replace("{premium}", seeded.premium) for k, v in fields.items()}
    answer = api_for("monitor").post(
        f"/api/agreements/{seeded.fair_food}/events",
        json={"type": "payment_recorded", "on": on, "fields": given},
    )
    assert answer.status_code == 422, answer.text
    api = [Problem(e["path"], e["message"]) for e in answer.json()["errors"]]
    sets = [a for k, v in given.items() for a in ("--set", f"{k}={v}")]
    args = ["event", seeded.fair_food, "payment_recorded", "--on", on, *sets]
    code, out, err = cli(capsys, seeded.db_url, *args)
    assert (code, out) == (2, "")
    assert err.splitlines() == [str(p) for p in spell(api, "event", args)]


def test_a_malformed_body_is_422_naming_the_field(api_for, seeded):
    answer = api_for("monitor").post(
        f"/api/agreements/{seeded.fair_food}/events",
        json={"type": "purchase_recorded", "fields": {"quantity": 5}},
    )
    assert answer.status_code == 422
    paths = {e["path"] for e in answer.json()["errors"]}
    assert paths == {"on", "fields.quantity"}


def test_nothing_is_written_when_an_event_is_refused(api_for, seeded):
    before = api_for("admin").get(f"/api/agreements/{seeded.fair_food}/events").json()
    api_for("admin").post(
        f"/api/agreements/{seeded.fair_food}/events",
        json={"type": "purchase_recorded", "on": "2026-04-19", "fields": {"supplier": "NOPE"}},
    )
    after = api_for("admin").get(f"/api/agreements/{seeded.fair_food}/events").json()
    assert after == before


def test_events_are_redacted_for_counsel(api_for, seeded):
    mine = api_for("counsel").get(f"/api/agreements/{seeded.fair_food}/events").json()
    complaint = next(e for e in mine if e["type"] == "complaint_filed")
    assert complaint["fields"] == {"supplier": "GROWER-C", "category": "harassment"}
    theirs = api_for("negotiator").get(f"/api/agreements/{seeded.fair_food}/events").json()
    full = next(e for e in theirs if e["type"] == "complaint_filed")
    assert full["fields"]["complainant_ref"] == "C-0147"


def test_obligation_filters_and_pages(api_for, seeded):
    api = api_for("monitor")
    everything = api.get("/api/obligations", params={"limit": 500}).json()
    views = everything["items"]
    assert len(views) > 50 and everything["has_more"] is False
    assert [v["due"] for v in views] == sorted(v["due"] for v in views)
    for name, key, value in [
        ("agreement", "agreement_id", seeded.accord),
        ("supplier", "subject", "GROWER-A"),
        ("clause", "clause_id", "premium"),
        ("obligor", "obligor", "buyer"),
        ("state", "state", "fulfilled"),
    ]:
        got = api.get("/api/obligations", params={name: value, "limit": 500}).json()
        expected = [v["id"] for v in views if v[key] == value]
        assert expected, name
        assert [v["id"] for v in got["items"]] == expected, name
    by_buyer = api.get("/api/obligations", params={"buyer": "Example Apparel Group plc"}).json()
    assert {v["agreement_id"] for v in by_buyer["items"]} == {seeded.accord}
    first = api.get("/api/obligations", params={"limit": 5}).json()
    second = api.get("/api/obligations", params={"limit": 5, "offset": 5}).json()
    assert [v["id"] for v in first["items"] + second["items"]] == [v["id"] for v in views[:10]]
    # the seeded store was swept at NOW, so the stored rows are what `wsr obligations` shows
    overdue = api.get("/api/obligations", params={"overdue": True, "limit": 500}).json()
    store = open_store(seeded.db_url)
    try:
        cli_overdue = ObligationService(store).views(now=NOW, overdue=True)
    finally:
        store.engine.dispose()
    assert cli_overdue
    assert {v["id"] for v in overdue["items"]} == {v["id"] for v in cli_overdue}
    shown = api.get("/api/obligations", params={"show": "overdue", "limit": 500}).json()
    assert shown == overdue


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"state": "asleep"}, "state"),
        ({"show": "everything"}, "show"),
        ({"overdue": True, "show": "due_soon"}, "overdue"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(api_for, params, path):
    answer = api_for("monitor").get("/api/obligations", params=params)
    assert answer.status_code == 422
    assert [e["path"] for e in answer.json()["errors"]] == [path]


def test_obligation_detail(api_for, seeded):
    full = api_for("monitor").get(f"/api/obligations/{seeded.complaint_obligation}").json()
    assert full["obligation"]["clause_id"] == "non_retaliation"
    assert full["clause"]["clause_id"] == "non_retaliation" and full["clause"]["paragraphs"]
    assert full["agreement"]["id"] == seeded.fair_food
    assert [h["action"] for h in full["history"]][:1] == ["created"]
    shown = api_for("counsel").get(f"/api/obligations/{seeded.complaint_obligation}").json()
    assert [h["action"] for h in shown["history"]] == [h["action"] for h in full["history"]]
    assert "C-0147" not in json.dumps(shown)
    assert shown["actions"] == {}  # counsel may do nothing to an obligation
    assert "waive" in full["actions"]


def test_library(api_for):
    api = api_for("counsel")
    listed = api.get("/api/library").json()
    assert "premium" in {c["id"] for c in listed}
    assert all("standard" in c["alternatives"] for c in listed)
    premium = api.get("/api/library/premium").json()
    assert premium["id"] == "premium" and "variables" in premium
    assert api.get("/api/library/nope").json()["errors"][0]["path"] == "clauses.nope"


def test_notices_with_their_delivery_state(seeded_notices, api_for):
    seeded = seeded_notices
    listed = api_for("monitor").get("/api/notices").json()
    assert listed and {n["state"] for n in listed} == {"sent"}
    assert {n["provider"] for n in listed} == {"outbox"}
    own = api_for("counsel").get("/api/notices").json()
    assert own and {n["agreement_id"] for n in own} == {seeded.fair_food}


def test_evidence_larger_than_25_mib_is_refused(api_for, seeded):
    big = b"x" * ((25 << 20) + 1)
    answer = api_for("monitor").post(
        f"/api/obligations/{seeded.premium}/evidence", files={"file": ("big.bin", big)}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "file"


def test_evidence_upload_is_stored_and_audited(api_for, seeded):
    answer = api_for("monitor").post(
        f"/api/obligations/{seeded.premium}/evidence",
        files={"file": ("remittance.pdf", b"%PDF-1.4 remittance advice")},
        data={"note": "bank remittance"},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert [e["filename"] for e in body["evidence"]][-1] == "remittance.pdf"
    assert body["history"][-1]["actor"] == USERS["monitor"].email


def test_a_browser_session_needs_the_csrf_token_for_api_writes(client_for, seeded):
    client = client_for("monitor")
    call = {
        "json": {
            "type": "purchase_recorded",
            "on": "2026-04-17",
            "fields": {"supplier": "GROWER-B", "quantity": "1", "unit": "cwt"},
        }
    }
    url = f"/api/agreements/{seeded.fair_food}/events"
    assert client.post(url, **call).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": client.csrf}, **call).status_code == 201


def test_openapi_describes_the_api(api_for):
    spec = api_for("monitor").get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/agreements",
        "/api/agreements/{agreement_id}",
        "/api/agreements/{agreement_id}/events",
        "/api/obligations",
        "/api/obligations/{obligation_id}",
        "/api/obligations/{obligation_id}/evidence",
        "/api/library",
        "/api/notices",
    ):
        assert path in paths, path
    assert "/login" not in paths  # pages are not part of the API description
    listing = paths["/api/obligations"]["get"]["responses"]["200"]["content"]
    assert listing["application/json"]["schema"]["$ref"].endswith("/ObligationPage")


@pytest.mark.postgres
def test_the_api_on_postgres(seeded_pg, tmp_path):
    """Reads, a write audited as the user and the brand's redaction, on a real PostgreSQL."""
    from fastapi.testclient import TestClient

    from tests.wsr.console.conftest import make_token, send_notices, settings_for
    from wsr.console import create_app

    app = create_app(settings_for(seeded_pg.db_url, tmp_path), clock=lambda: seeded_pg.now)
    try:

        def api(role: str) -> TestClient:
            token = make_token(seeded_pg.db_url, USERS[role].email)
            return TestClient(app, headers={"Authorization": f"Bearer {token}"})

        monitor, counsel = api("monitor"), api("counsel")
        listed = monitor.get("/api/obligations", params={"limit": 500}).json()
        assert len(listed["items"]) > 50 and not listed["has_more"]
        made = monitor.post(
            f"/api/agreements/{seeded_pg.fair_food}/events",
            json={
                "type": "purchase_recorded",
                "on": "2026-04-17",
                "fields": {"supplier": "GROWER-B", "quantity": "3", "unit": "cwt"},
            },
        )
        assert made.status_code == 201, made.text
        refused = monitor.post(
            f"/api/agreements/{seeded_pg.fair_food}/events",
            json={"type": "purchase_recorded", "on": "2026-04-17", "fields": {}},
        )
        assert refused.status_code == 422 and refused.json()["errors"]
        store = open_store(seeded_pg.db_url)
        try:
            with store.read():
                last = store.audit_entries(seeded_pg.fair_food)[-1]
        finally:
            store.engine.dispose()
        assert last.actor == USERS["monitor"].email
        detail = counsel.get(f"/api/obligations/{seeded_pg.complaint_obligation}")
        assert detail.status_code == 200 and "C-0147" not in detail.text
        assert counsel.get(f"/api/agreements/{seeded_pg.accord}").status_code == 404
        send_notices(seeded_pg.db_url, now=seeded_pg.now)
        notices = counsel.get("/api/notices").json()
        assert notices and {n["agreement_id"] for n in notices} == {seeded_pg.fair_food}
    finally:
        app.state.console.store.engine.dispose()
