"""The review endpoints × every role × own/other brand: who may read and write what.

Each expectation is also checked against the console's write matrix (``may_write``), so the
review rules and the access policy cannot drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsr.console._access import Action, Viewer, may_write

ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "review_answers.yaml"
ROLES = ("admin", "monitor", "negotiator", "counsel", "counsel_other")


def _viewer(person) -> Viewer:
    return Viewer(user_id=0, email=person.email, role=person.role, brand=person.brand)


def _in_review(api_for) -> str:
    nego = api_for("negotiator")
    did = nego.post("/api/agreements", json={"answers": ANSWERS.read_text()}).json()["id"]
    assert nego.post(f"/api/agreements/{did}/status", json={"action": "submit"}).status_code == 200
    return did


@pytest.mark.parametrize("role", ROLES)
def test_reads(role, api_for, client_for):
    did = _in_review(api_for)
    api, page = api_for(role), client_for(role)
    sees = role != "counsel_other"
    expected = 200 if sees else 404
    assert api.get(f"/api/agreements/{did}/review").status_code == expected
    assert page.get(f"/review/{did}").status_code == expected
    assert page.get(f"/review/{did}/download/docx").status_code == expected
    assert api.get(f"/api/agreements/{did}/downloads/redline").status_code == expected
    assert page.get(f"/review/{did}/answers").status_code == expected
    assert (did in page.get("/review").text) is sees
    assert any(d["id"] == did for d in api.get("/api/drafts").json()) is sees


@pytest.mark.parametrize("role", ROLES)
def test_writes(role, api_for, users):
    did = _in_review(api_for)
    api, who = api_for(role), _viewer(users[role])
    own = role != "counsel_other"

    def expect(allowed: bool, ok: int) -> int:
        return ok if allowed else (404 if not own else 403)

    may_comment = may_write(who, Action.COMMENT) and own
    r = api.post(f"/api/agreements/{did}/clauses/premium/comments", json={"text": "A question"})
    assert r.status_code == expect(may_comment, 201), r.text
    assert may_comment is (role in ("admin", "negotiator", "counsel"))

    # deciding is counsel's of a brand party only: an admin's matrix allows every action, but
    # no one decides for a brand they are not counsel of (docs/design.md)
    may_decide = may_write(who, Action.REVIEW_DECIDE) and own and role == "counsel"
    r = api.post(f"/api/agreements/{did}/clauses/premium/decision", json={"decision": "approve"})
    assert r.status_code == expect(may_decide, 200), r.text

    may_create = may_write(who, Action.DRAFTS_CREATE)
    text = ANSWERS.read_text().replace("(in review)", f"(by {role})")
    r = api.post("/api/agreements", json={"answers": text})
    assert r.status_code == (201 if may_create else 403), r.text
    assert may_create is (role in ("admin", "negotiator"))

    # approving with clauses undecided: refused for counsel (409), forbidden for the others
    r = api.post(f"/api/agreements/{did}/status", json={"action": "approve"})
    assert r.status_code == expect(role == "counsel", 409), r.text

    may_submit = may_write(who, Action.DRAFTS_SUBMIT) and own
    # already in review: the worker side is refused by state (409), the others by role
    r = api.post(f"/api/agreements/{did}/status", json={"action": "submit"})
    assert r.status_code == expect(may_submit, 409), r.text
    assert may_submit is (role in ("admin", "negotiator"))
