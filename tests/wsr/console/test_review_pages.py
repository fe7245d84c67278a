"""The review pages through the real app: upload, the side-by-side page, moves, access."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from obligations import open_store

ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "review_answers.yaml"


def _upload(client, text: str | bytes | None = None, name: str = "answers.yaml"):
    data = ANSWERS.read_bytes() if text is None else text
    if isinstance(data, str):
        data = data.encode()
    return client.post(
        "/review",
        data={"csrf_token": client.csrf},
        files={"answers": (name, data, "application/yaml")},
        follow_redirects=False,
    )


def _created(client) -> str:
    r = _upload(client)
    assert r.status_code == 303, r.text
    return r.headers["location"].removeprefix("/review/")


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": client.csrf, **data}, follow_redirects=False)


def test_negotiator_uploads_and_sees_the_clause_by_clause_page(client_for):
    nego = client_for("negotiator")
    did = _created(nego)
    page = nego.get(f"/review/{did}")
    assert page.status_code == 200
    html = page.text
    assert "Example Fresh Markets Produce Agreement (in review)" in html
    assert 'id="draft-status">draft<' in html
    # code_of_conduct: 30 days instead of the standard's 60, marked word by word
    clause = html[html.index('id="clause-code_of_conduct"') :]
    clause = clause[: clause.index("</section>")]
    assert "<del>sixty (60) </del>" in clause and "<ins>thirty (30) </ins>" in clause
    assert "Flow-down deadline (days)" in clause  # the variables, labelled by the library
    assert "Commentary for counsel" in clause
    assert "Submit for review" in html and "Approve the agreement" not in html
    assert "Approve clause" not in html  # negotiators comment; they do not decide
    assert nego.get("/review").text.count(did) >= 1


def test_bad_answers_are_shown_on_the_field_with_the_clis_messages(client_for):
    nego = client_for("negotiator")
    bad = ANSWERS.read_text().replace("rate: 0.01", "rate: -3")
    r = _upload(nego, bad)
    assert r.status_code == 422
    assert "<code>clauses.premium.rate</code>:" in r.text
    assert 'aria-invalid="true"' in r.text
    r = _upload(nego, b"agreement: [x\n")
    assert r.status_code == 422 and "<code>answers</code>:" in r.text
    again = _upload(nego)
    assert again.status_code == 303
    twice = _upload(nego)
    assert twice.status_code == 409 and "already under review as draft" in twice.text


def test_the_whole_review_through_the_pages(client_for, seeded):
    nego, counsel = client_for("negotiator"), client_for("counsel")
    did = _created(nego)
    assert _post(nego, f"/review/{did}/status", action="submit").status_code == 303
    page = counsel.get(f"/review/{did}").text
    clauses = re.findall(r'data-clause="([a-z_]+)"', page)
    assert "Approve clause" in page and "premium" in clauses
    r = _post(counsel, f"/review/{did}/clauses/premium/comments", text="Why 97%?")
    assert r.status_code == 303 and "#comment-" in r.headers["location"]
    r = _post(counsel, f"/review/{did}/clauses/premium/decision", decision="request_changes",
              note="State the share as 95%")  # fmt: skip
    assert r.status_code == 303
    for cid in clauses:
        if cid != "premium":
            assert _post(counsel, f"/review/{did}/clauses/{cid}/decision",
                         decision="approve").status_code == 303  # fmt: skip
    page = nego.get(f"/review/{did}").text
    assert 'id="draft-status">changes requested<' in page
    assert "State the share as 95%" in page
    cid = re.search(r'id="comment-(\d+)"', page).group(1)
    _post(nego, f"/review/{did}/clauses/premium/comments", text="97% is the programme's share",
          reply_to=cid)  # fmt: skip
    assert _post(nego, f"/review/{did}/status", action="submit").status_code == 303
    # approving the draft before the last clause: refused on the page, nothing changes
    r = _post(counsel, f"/review/{did}/status", action="approve")
    assert r.status_code == 409 and "clauses.premium: changes requested" in r.text
    _post(counsel, f"/review/{did}/clauses/premium/decision", decision="approve")
    assert "Approve the agreement" in counsel.get(f"/review/{did}").text
    assert _post(counsel, f"/review/{did}/status", action="approve").status_code == 303
    # execute: a bad date is shown on its field; a good one registers it for tracking
    r = _post(nego, f"/review/{did}/status", action="execute", signed_on="5 Jan")
    assert r.status_code == 422 and "is not an ISO date" in r.text
    assert _post(nego, f"/review/{did}/status", action="execute",
                 signed_on="2026-01-05").status_code == 303  # fmt: skip
    page = nego.get(f"/review/{did}").text
    assert 'id="draft-status">executed<' in page and "signed on 2026-01-05" in page
    store = open_store(seeded.db_url)
    try:
        assert store.get_agreement(did).signed_on.isoformat() == "2026-01-05"
        obligations = store.find_obligations(agreement_id=did)
        assert obligations  # compiled from the executed record: they are tracked
        tracked = [e for e in store.audit_entries(did) if e.action == "agreement_tracked"]
        assert [e.actor for e in tracked] == ["negotiator@wsr.example"]
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("role", ["counsel", "monitor"])
def test_only_negotiators_create_drafts(client_for, role):
    c = client_for(role)
    assert _upload(c).status_code == 403
    assert "New draft from answers" not in c.get("/review").text


def test_counsel_of_another_brand_sees_nothing(client_for):
    nego, other = client_for("negotiator"), client_for("counsel_other")
    did = _created(nego)
    assert did not in other.get("/review").text
    assert other.get(f"/review/{did}").status_code == 404
    assert other.get(f"/review/{did}/download/docx").status_code == 404
    r = _post(other, f"/review/{did}/clauses/premium/comments", text="x")
    assert r.status_code == 404


def test_page_posts_need_the_csrf_token(client_for):
    nego = client_for("negotiator")
    did = _created(nego)
    r = nego.post(f"/review/{did}/status", data={"action": "submit", "csrf_token": "forged"},
                  follow_redirects=False)  # fmt: skip
    assert r.status_code == 403
    assert 'id="draft-status">draft<' in nego.get(f"/review/{did}").text


def test_downloads(client_for):
    nego = client_for("negotiator")
    did = _created(nego)
    r = nego.get(f"/review/{did}/download/redline")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert r.headers["content-disposition"].endswith(f'-{did}.redline.docx"')
    r = nego.get(f"/review/{did}/download/deviations")
    assert r.status_code == 200 and ".deviations.docx" in r.headers["content-disposition"]
    assert nego.get(f"/review/{did}/download/zip").status_code == 422


def test_the_negotiator_revises_a_draft_sent_back(client_for):
    nego, counsel = client_for("negotiator"), client_for("counsel")
    did = _created(nego)
    assert nego.get(f"/review/{did}/answers").text == ANSWERS.read_text()
    _post(nego, f"/review/{did}/status", action="submit")
    assert "Upload revised answers" not in nego.get(f"/review/{did}").text  # in review
    _post(counsel, f"/review/{did}/clauses/premium/decision", decision="request_changes",
          note="Pay within 30 days")  # fmt: skip
    revised = ANSWERS.read_text().replace("payment_due_days: 31", "payment_due_days: 30")
    r = nego.post(
        f"/review/{did}/revise",
        data={"csrf_token": nego.csrf},
        files={"answers": ("answers.yaml", revised.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = nego.get(f"/review/{did}").text
    assert "clauses changed: premium" in page
    premium = page[page.index('id="clause-premium"') :]
    premium = premium[: premium.index("</section>")]
    assert "changed since decided" in premium
    assert nego.get(f"/review/{did}/answers").text == revised
    bad = nego.post(
        f"/review/{did}/revise",
        data={"csrf_token": nego.csrf},
        files={"answers": ("answers.yaml", revised.replace("rate: 0.01", "rate: x").encode())},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "<code>clauses.premium.rate</code>" in bad.text
    # counsel may not revise
    r = counsel.post(
        f"/review/{did}/revise",
        data={"csrf_token": counsel.csrf},
        files={"answers": ("answers.yaml", ANSWERS.read_bytes())},
        follow_redirects=False,
    )
    assert r.status_code == 403
