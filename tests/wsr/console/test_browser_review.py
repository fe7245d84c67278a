"""The review journey in a real browser: Debian's Chromium, headless, driven by Playwright for
Python (no browser download), against the console served by uvicorn on loopback.

The negotiator uploads an answers file and submits the draft for review; brand counsel signs in,
sees each clause beside the standard text with the differences marked, comments on one clause,
requests changes on it and approves the rest; the negotiator answers in the thread and submits
again; counsel approves the clause and then the agreement; the negotiator executes it, which
registers it for tracking, and its obligations are in the store.

Screenshots are saved in ``test-artifacts/console/`` for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wsr.console._chromium import browser as debian_chromium
from tests.wsr.console._chromium import needs_chromium

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect  # noqa: E402

from obligations import open_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "review_answers.yaml"
SHOTS = ROOT / "test-artifacts" / "console"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:  # Debian's package, never a download
        yield launched


def sign_in(browser: Browser, base: str, person) -> Page:
    context = browser.new_context(base_url=base, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.click("button[type=submit]")
    expect(page.locator(".who .email")).to_have_text(person.email)
    return page


def clause(page: Page, clause_id: str):
    return page.locator(f"section#clause-{clause_id}")


def test_negotiator_and_counsel_review_an_agreement_to_execution(
    browser: Browser, live_server: str, users, seeded
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    nego = sign_in(browser, live_server, users["negotiator"])

    # -- the negotiator uploads the answers and submits the draft ---------------------------
    nego.goto("/review")
    nego.set_input_files("#answers", str(ANSWERS))
    nego.click("text=Create draft")
    expect(nego.locator("#draft-status")).to_have_text("draft")
    draft_url = nego.url
    draft_id = draft_url.rsplit("/", 1)[-1]
    assert re.fullmatch(r"agr-[0-9a-f]{12}", draft_id)
    nego.screenshot(path=SHOTS / "review-1-draft-created.png", full_page=False)
    nego.click("button:has-text('Submit for review')")
    expect(nego.locator("#draft-status")).to_have_text("in review")

    # -- counsel sees the side-by-side comparison -------------------------------------------
    counsel = sign_in(browser, live_server, users["counsel"])
    counsel.goto(draft_url)
    coc = clause(counsel, "code_of_conduct")
    expect(coc.locator(".col.standard del").first).to_contain_text("sixty (60)")
    expect(coc.locator(".col.chosen ins").first).to_contain_text("thirty (30)")
    expect(coc.locator("table.variables")).to_contain_text("Flow-down deadline (days)")
    coc.scroll_into_view_if_needed()
    coc.screenshot(path=SHOTS / "review-2-counsel-side-by-side.png")

    # -- comment on one clause, request changes on it, approve the rest ---------------------
    premium = clause(counsel, "premium")
    premium.locator("textarea[name=text]").last.fill("Why is the workers' share 97%?")
    premium.locator("button:has-text('Comment')").last.click()
    expect(clause(counsel, "premium").locator(".comment .text")).to_have_text(
        "Why is the workers' share 97%?"
    )
    clause(counsel, "premium").locator("input[name=note]").fill("State the share as 95%")
    clause(counsel, "premium").locator("button:has-text('Request changes')").click()
    expect(counsel.locator("#draft-status")).to_have_text("changes requested")
    ids = counsel.locator("section.clause[data-clause]").evaluate_all(
        "els => els.map(e => e.dataset.clause)"
    )
    assert "premium" in ids and len(ids) > 5
    for cid in ids:
        if cid == "premium":
            continue
        clause(counsel, cid).locator("button:has-text('Approve clause')").click()
        expect(clause(counsel, cid).locator(".decision-approve")).to_be_visible()
    counsel.goto(draft_url)
    expect(counsel.locator(".gaps")).to_contain_text("clauses.premium: changes requested")
    counsel.screenshot(path=SHOTS / "review-3-changes-requested.png", full_page=False)

    # -- the negotiator answers in the thread and submits again -----------------------------
    nego.goto(draft_url)
    expect(nego.locator("#draft-status")).to_have_text("changes requested")
    thread = clause(nego, "premium").locator(".thread")
    thread.locator("details.reply summary").first.click()
    thread.locator("details.reply textarea").first.fill(
        "97% is what the programme pays workers; the other 3% covers the payroll taxes."
    )
    thread.locator("details.reply button:has-text('Reply')").first.click()
    expect(clause(nego, "premium").locator(".comment.depth-1 .text")).to_contain_text("97% is")
    clause(nego, "premium").scroll_into_view_if_needed()
    nego.screenshot(path=SHOTS / "review-4-negotiator-answers.png", full_page=False)
    nego.click("button:has-text('Submit again for review')")
    expect(nego.locator("#draft-status")).to_have_text("in review")

    # -- counsel approves the clause, then the agreement ------------------------------------
    counsel.goto(draft_url)
    clause(counsel, "premium").locator("button:has-text('Approve clause')").click()
    expect(counsel.locator("button:has-text('Approve the agreement')")).to_be_visible()
    counsel.click("button:has-text('Approve the agreement')")
    expect(counsel.locator("#draft-status")).to_have_text("approved")

    # -- the negotiator executes: registered for tracking -----------------------------------
    nego.goto(draft_url)
    nego.fill("#signed_on", "2026-01-05")
    nego.click("button:has-text('Execute and register for tracking')")
    expect(nego.locator("#draft-status")).to_have_text("executed")
    expect(nego.locator(".flash")).to_contain_text("registered for tracking")
    nego.screenshot(path=SHOTS / "review-5-executed.png", full_page=False)
    nego.locator(".history").scroll_into_view_if_needed()
    nego.screenshot(path=SHOTS / "review-6-history.png", full_page=False)
    history = nego.locator(".history li").all_inner_texts()
    assert [h.split(" — ")[0] for h in history] == [
        "draft",
        "in review",
        "changes requested",
        "in review",
        "approved",
        "executed",
    ]
    store = open_store(seeded.db_url)
    try:
        assert store.find_obligations(agreement_id=draft_id)
    finally:
        store.engine.dispose()
