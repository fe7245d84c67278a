"""The review API: create from answers, status, comments, decisions; errors as the CLI's."""

from __future__ import annotations

from pathlib import Path

ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "review_answers.yaml"


def _create(api, text: str | None = None):
    return api.post("/api/agreements", json={"answers": text or ANSWERS.read_text()})


def test_create_review_and_the_whole_path(api_for, seeded):
    nego, counsel = api_for("negotiator"), api_for("counsel")
    r = _create(nego)
    assert r.status_code == 201, r.text
    body = r.json()
    did = body["id"]
    assert body["status"] == "draft" and r.headers["location"] == f"/api/agreements/{did}/review"
    assert body["brands"] == ["Example Fresh Markets Inc."] and body["actions"] == ["submit"]
    coc = next(c for c in body["clauses"] if c["clause_id"] == "code_of_conduct")
    assert coc["status"] == "changed" and coc["differs_from_standard"]["flowdown_days"] == "60"
    assert (
        nego.post(f"/api/agreements/{did}/status", json={"action": "submit"}).json()["status"]
        == "in_review"
    )
    c = counsel.post(f"/api/agreements/{did}/clauses/premium/comments", json={"text": "Why?"})
    assert c.status_code == 201 and c.json()["author"] == "counsel@freshmarkets.example"
    reply = nego.post(f"/api/agreements/{did}/clauses/premium/comments",
                      json={"text": "Because.", "reply_to": c.json()["id"]})  # fmt: skip
    assert reply.json()["reply_to"] == c.json()["id"]
    r = counsel.post(f"/api/agreements/{did}/clauses/premium/decision",
                     json={"decision": "request_changes", "note": "95%"})  # fmt: skip
    assert r.json()["status"] == "changes_requested"
    for clause in body["clauses"]:
        counsel.post(f"/api/agreements/{did}/clauses/{clause['clause_id']}/decision",
                     json={"decision": "approve"})  # fmt: skip
    r = counsel.post(f"/api/agreements/{did}/status", json={"action": "approve"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["path"] == "action"
    assert "is changes_requested; it cannot be approved" in r.json()["errors"][0]["message"]
    nego.post(f"/api/agreements/{did}/status", json={"action": "submit"})
    r = counsel.post(f"/api/agreements/{did}/status", json={"action": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = nego.post(f"/api/agreements/{did}/status", json={"action": "execute"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "signed_on"
    r = nego.post(f"/api/agreements/{did}/status",
                  json={"action": "execute", "signed_on": "2026-01-05"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "executed" and r.json()["tracked"]["obligations"] > 0
    got = nego.get(f"/api/agreements/{did}/review").json()
    assert [h["action"] for h in got["history"]] == [
        "create", "submit", "request_changes", "submit", "approve", "execute"
    ]  # fmt: skip
    assert {h["by"] for h in got["history"]} == {
        "negotiator@wsr.example",
        "counsel@freshmarkets.example",
    }


def test_bad_answers_are_422_with_the_clis_paths(api_for):
    nego = api_for("negotiator")
    r = _create(nego, ANSWERS.read_text().replace("rate: 0.01", "rate: -3"))
    assert r.status_code == 422
    paths = [e["path"] for e in r.json()["errors"]]
    assert "clauses.premium.rate" in paths
    r = nego.post("/api/agreements", json={"answers": "x: 1", "extra": 1})
    assert r.status_code == 422


def test_roles_and_brands(api_for):
    nego = api_for("negotiator")
    did = _create(nego).json()["id"]
    assert _create(api_for("counsel")).status_code == 403
    assert _create(api_for("monitor")).status_code == 403
    other = api_for("counsel_other")
    assert other.get(f"/api/agreements/{did}/review").status_code == 404
    assert all(d["id"] != did for d in other.get("/api/drafts").json())
    assert any(d["id"] == did for d in api_for("counsel").get("/api/drafts").json())
    r = api_for("counsel").post(f"/api/agreements/{did}/status", json={"action": "submit"})
    assert r.status_code == 403
    nego.post(f"/api/agreements/{did}/status", json={"action": "submit"})
    r = nego.post(f"/api/agreements/{did}/clauses/premium/decision", json={"decision": "approve"})
    assert r.status_code == 403
    r = api_for("monitor").post(f"/api/agreements/{did}/clauses/premium/comments",
                                json={"text": "x"})  # fmt: skip
    assert r.status_code == 403
    r = nego.post(f"/api/agreements/{did}/clauses/nope/comments", json={"text": "x"})
    assert r.status_code == 404 and r.json()["errors"][0]["path"] == "clause"
    r = nego.post(f"/api/agreements/{did}/clauses/premium/comments", json={"text": " "})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"path": "text", "message": "write something (the text is empty)"}
    ]
    assert nego.get("/api/agreements/agr-000000000000/review").status_code == 404


def test_download_through_the_api(api_for):
    nego = api_for("negotiator")
    did = _create(nego).json()["id"]
    r = nego.get(f"/api/agreements/{did}/downloads/docx")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_revise_through_the_api(api_for):
    nego = api_for("negotiator")
    did = _create(nego).json()["id"]
    revised = ANSWERS.read_text().replace("payment_due_days: 31", "payment_due_days: 30")
    r = nego.post(f"/api/agreements/{did}/answers", json={"answers": revised})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == did and body["agreement_id"] != did
    assert body["history"][-1]["action"] == "revise"
    again = nego.post(f"/api/agreements/{did}/answers", json={"answers": revised})
    assert again.status_code == 409
    assert "exactly the text under review" in again.json()["errors"][0]["message"]
