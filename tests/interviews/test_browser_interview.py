"""The interview in a real browser: Debian's Chromium, headless, driven by Playwright for Python
(no browser download), against the real docassemble server. A negotiator starts from an earlier
agreement's answers (pasted in), changes the title, types a currency the library refuses and
sees the library's message beside the field, corrects it, and goes on to the review screen.

Screenshots of a question screen, the validation message and the review screen are saved in
``test-artifacts/interviews/`` for a person to look at."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.interviews.server_fixtures import DAServer, artifacts_dir

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLE = ROOT / "examples" / "fair-food-produce.yaml"
NEW_TITLE = "Example Fresh Markets Fair Food Agreement, second season"
MAX_SCREENS = 120


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def screen_id(page: Page) -> str:
    """The id of the screen shown (docassemble's hidden ``_question_name``); a server error page
    has none and fails the test with its text."""
    found = page.locator("input[name=_question_name]")
    if not found.count():
        raise AssertionError(f"no interview screen: {page.locator('body').inner_text()[:1500]}")
    return found.first.get_attribute("value") or ""


ERRORS = ".da-has-error, .invalid-feedback, .alert-danger"


def shown_errors(page: Page) -> list[str]:
    found = page.locator(ERRORS)
    return [
        found.nth(k).inner_text().strip()
        for k in range(found.count())
        if found.nth(k).is_visible() and found.nth(k).inner_text().strip()
    ]


def press(page: Page, name: str) -> None:
    """Click a button as a user does and wait until docassemble shows the next screen or a
    message on this one (it replaces the screen in place, without a page load)."""
    before = screen_id(page)
    page.get_by_role("button", name=name, exact=True).first.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if page.locator("input[name=_question_name]").count() == 0:
            page.wait_for_load_state("networkidle")
            screen_id(page)  # an error page instead of a screen: fails with its text
        if screen_id(page) != before or shown_errors(page):
            page.wait_for_load_state("networkidle")
            return
    raise AssertionError(f"{before}: nothing happened within 60 s of pressing {name!r}")


def yes_or_no(page: Page, yes: bool) -> None:
    """Answer a yes/no screen: its Yes/No buttons, or its Yes/No choice and Continue."""
    label = "Yes" if yes else "No"
    if page.get_by_role("button", name=label, exact=True).count():
        press(page, label)
        return
    # docassemble shows each choice as a label with role="radio" (the input itself is hidden)
    choice = page.get_by_role("radio", name=label, exact=True)
    choice.click()
    expect(choice).to_be_checked()
    press(page, "Continue")


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context; when the test fails, the screen it failed on is saved as
    ``failed-screen.png`` beside the others."""
    failed = request.session.testsfailed
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    if request.session.testsfailed > failed:
        opened.screenshot(path=artifacts_dir() / "failed-screen.png", full_page=True)
    context.close()


def test_three_screens_by_hand_then_the_review(da_server: DAServer, page: Page) -> None:
    shots = artifacts_dir()
    page.goto(da_server.interview_url())
    expect(page.locator("#daquestion h1")).to_contain_text("Worker-driven Social Responsibility")
    press(page, "Continue")

    # 1. a question screen, answered by clicking
    assert screen_id(page) == "ID start from"
    page.locator("label", has_text="From earlier answers").click()
    expect(page.get_by_role("radio", name=re.compile("From earlier answers"))).to_be_checked()
    page.screenshot(path=shots / "question-screen.png", full_page=True)
    press(page, "Continue")

    # 2. typing: the earlier answers pasted as text
    assert screen_id(page) == "ID earlier answers"
    page.get_by_label("Or paste the answers").fill(EXAMPLE.read_text(encoding="utf-8"))
    press(page, "Continue")

    # 3. typing over a value the earlier answers filled in
    assert screen_id(page) == "ID programme"
    title = page.get_by_label("Title of the agreement")
    expect(title).to_have_value("Example Fresh Markets Fair Food Agreement")
    title.fill(NEW_TITLE)
    press(page, "Continue")

    # a value the library refuses: its own message, on the field's screen
    assert screen_id(page) == "ID term"
    currency = page.get_by_label("Currency (ISO 4217, e.g. USD)")
    currency.fill("DOLLARS")
    press(page, "Continue")
    assert screen_id(page) == "ID term", "a refused currency must keep the user on the screen"
    errors = shown_errors(page)
    assert any("DOLLARS" in e for e in errors), errors
    page.screenshot(path=shots / "validation-message.png", full_page=True)
    currency.fill("USD")
    press(page, "Continue")
    assert screen_id(page) != "ID term"

    # the rest starts from the earlier answers: Continue, and Yes/No as the answers say
    answers = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    worker_orgs = [p for p in answers["parties"] if p["role"] == "worker_organization"]
    seen: dict[str, int] = {}
    for _ in range(MAX_SCREENS):
        qid = screen_id(page)
        if qid == "ID review":
            break
        count = seen[qid] = seen.get(qid, 0) + 1
        if qid == "ID more worker organizations":
            yes_or_no(page, count < len(worker_orgs))
        elif qid == "ID more suppliers":
            yes_or_no(page, count < len(answers["suppliers"]))
        elif qid == "ID omission":
            # the interview asks why a clause with a WSR element is left out, and who agreed
            page.get_by_label("Why is it left out?").fill("Covered by the growers' own fund.")
            page.get_by_label("Approved by").fill("General Counsel")
            press(page, "Continue")
        else:
            press(page, "Continue")
        assert not shown_errors(page), f"{qid}: {shown_errors(page)}"
    else:
        raise AssertionError(f"no review screen after {MAX_SCREENS} screens: {seen}")

    expect(page.locator("#daquestion")).to_contain_text(NEW_TITLE)
    expect(page.locator("#daquestion")).to_contain_text("Deviations from the standard")
    page.screenshot(path=shots / "review-screen.png")
    page.screenshot(path=shots / "review-screen-full.png", full_page=True)
