"""The interview in a real browser: Debian's Chromium, headless, driven by Playwright for Python
(no browser download), against the real docassemble server (the interview installed through
Package Management).

1. A negotiator with an account on the server signs in, starts from an earlier agreement's answers
   (the fair-food example, pasted in), changes the title, types a currency the library refuses and
   sees the library's message beside the field, corrects it, goes on part way and leaves (the
   browser context is closed). Signed in again from a new browser context, the negotiator finds
   the draft under *My Interviews* (``/interviews``), resumes it at the same screen with the
   answers kept, finishes, and downloads the agreement record and the answers: the record is the
   one `wsr draft` makes for the same answers, and the downloaded answers draft, with `wsr draft`,
   the same record.
2. A new agreement from the earlier one: the downloaded answers file uploaded on the start screen
   of a new session, every screen continued: the same record again.

Screenshots of a question screen, the validation message, the resumed screen and the review
screen are saved in ``test-artifacts/interviews/`` for a person to look at."""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.interviews.server_fixtures import DAServer, artifacts_dir
from tests.interviews.wsr_cli import wsr_draft

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLE = ROOT / "examples" / "fair-food-produce.yaml"
NEW_TITLE = "Example Fresh Markets Fair Food Agreement, second season"
MAX_SCREENS = 120
NEGOTIATOR = ("negotiator@example.org", "Negotiate-2026-wsr")
# what the first journey downloaded, for the second
DOWNLOADED: dict[str, Any] = {}


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
    message on this one, or the same screen asked again (it replaces the screen in place,
    without a page load: the old screen's element carries a mark the new one lacks)."""
    before = screen_id(page)
    errors_before = shown_errors(page)  # a message still shown from an earlier submit
    page.locator("input[name=_question_name]").first.evaluate("e => e.dataset.wsrOld = '1'")
    page.get_by_role("button", name=name, exact=True).first.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if page.locator("input[name=_question_name]").count() == 0:
            page.wait_for_load_state("networkidle")
            screen_id(page)  # an error page instead of a screen: fails with its text
        replaced = page.locator("input[name=_question_name][data-wsr-old]").count() == 0
        errors = shown_errors(page)
        if screen_id(page) != before or replaced or (errors and errors != errors_before):
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
def contexts(browser: Browser, request: pytest.FixtureRequest) -> Iterator[list[BrowserContext]]:
    """Fresh browser contexts (each its own cookies: a new visit) made by ``new_page``; when the
    test fails, the screen it failed on is saved as ``failed-screen.png`` beside the others."""
    failed = request.session.testsfailed
    made: list[BrowserContext] = []
    yield made
    if request.session.testsfailed > failed:
        for context in reversed(made):
            if context.pages:
                context.pages[-1].screenshot(
                    path=artifacts_dir() / "failed-screen.png", full_page=True
                )
                break
    for context in made:
        context.close()


def new_page(browser: Browser, contexts: list[BrowserContext]) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    contexts.append(context)
    return context.new_page()


@pytest.fixture(scope="module")
def negotiator(da_server: DAServer) -> tuple[str, str]:
    """A negotiator's account on the server, made as an administrator makes one (the API)."""
    email, password = NEGOTIATOR
    data = urllib.parse.urlencode(
        {"key": da_server.api_key, "username": email, "password": password}
    ).encode()
    try:
        with urllib.request.urlopen(f"{da_server.url}/api/user/new", data=data, timeout=60):
            pass
    except urllib.error.HTTPError as exc:  # a kept server (WSR_DA_SERVER_DIR) has it already
        body = exc.read().decode("utf-8", "replace")
        assert exc.code == 400 and "already" in body, body
    return email, password


def sign_in(page: Page, server: DAServer, account: tuple[str, str]) -> None:
    page.goto(f"{server.url}/user/sign-in")
    page.get_by_label("Email").fill(account[0])
    page.get_by_label("Password").fill(account[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    assert "/user/sign-in" not in page.url, f"{account[0]} could not sign in: {page.url}"


def my_sessions(page: Page, server: DAServer) -> dict[str, str]:
    """*My Interviews* (``/interviews``): each listed session's id and the link that resumes it."""
    page.goto(f"{server.url}/interviews")
    out = {}
    links = page.locator("a[href*='draft_agreement.yml'][href*='session=']")
    for k in range(links.count()):
        href = links.nth(k).get_attribute("href") or ""
        found = re.search(r"session=([^&]+)", href)
        if found:
            out[found.group(1)] = href
    return out


def continue_to(page: Page, answers: dict[str, Any], last: str) -> dict[str, int]:
    """Press on from the screen shown to screen ``last``, as a negotiator whose screens start
    from earlier answers does: Continue, and Yes/No as those answers say. A screen refusing what
    it was given fails the test with its message."""
    worker_orgs = [p for p in answers["parties"] if p["role"] == "worker_organization"]
    seen: dict[str, int] = {}
    for _ in range(MAX_SCREENS):
        qid = screen_id(page)
        if qid == last:
            return seen
        count = seen[qid] = seen.get(qid, 0) + 1
        if qid == "ID more worker organizations":
            yes_or_no(page, count < len(worker_orgs))
        elif qid == "ID more suppliers":
            yes_or_no(page, count < len(answers.get("suppliers") or []))
        else:
            press(page, "Continue")
        assert not shown_errors(page), f"{qid}: {shown_errors(page)}"
    raise AssertionError(f"no {last!r} screen after {MAX_SCREENS} screens: {seen}")


def download(page: Page, link: str | re.Pattern[str], target: Path) -> Path:
    """Click a link on the download screen as a user does and keep the file the browser saves."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    info.value.save_as(target)
    return target


def downloads(page: Page, folder: Path) -> tuple[dict[str, Any], Path]:
    """From the download screen: the agreement record (JSON) and the answers (YAML)."""
    assert screen_id(page) == "ID download"
    folder.mkdir(parents=True, exist_ok=True)
    record = download(page, re.compile(r"^The agreement record"), folder / "record.json")
    answers = download(page, re.compile(r"^Your answers"), folder / "answers.yaml")
    return json.loads(record.read_text(encoding="utf-8")), answers


def test_come_back_later_and_finish_to_the_record_wsr_draft_makes(
    da_server: DAServer,
    browser: Browser,
    contexts: list[BrowserContext],
    negotiator: tuple[str, str],
    tmp_path: Path,
) -> None:
    shots = artifacts_dir()
    page = new_page(browser, contexts)
    sign_in(page, da_server, negotiator)
    before = set(my_sessions(page, da_server))
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

    # part way (the clause choice), the negotiator leaves: the browser context is gone
    answers = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    continue_to(page, answers, "ID choose clauses")
    left_at = screen_id(page)
    page.context.close()

    # come back later: a new browser, signed in again, the draft under My Interviews
    page = new_page(browser, contexts)
    sign_in(page, da_server, negotiator)
    listed = my_sessions(page, da_server)
    new = set(listed) - before
    assert len(new) == 1, f"My Interviews should list the one draft started: {listed}"
    page.goto(da_server.url + listed[new.pop()])
    assert screen_id(page) == left_at, "the draft resumes at the screen it was left on"
    page.screenshot(path=shots / "resumed-screen.png", full_page=True)

    seen = continue_to(page, answers, "ID review")
    # fair-food leaves out clauses whose WSR element another clause carries: nothing to record
    assert "ID omission" not in seen
    question = page.locator("#daquestion")
    expect(question).to_contain_text(NEW_TITLE)  # typed before leaving: kept
    expect(question).to_contain_text("Deviations from the standard")
    # signature lines stay lines: no Markdown emphasis made of their underscores
    expect(question.locator("em")).to_have_count(0)
    for party in answers["parties"]:
        expect(question).to_contain_text(f"For {party['name']}: ______________________ (")
    page.screenshot(path=shots / "review-screen.png")
    page.screenshot(path=shots / "review-screen-full.png", full_page=True)
    press(page, "Continue")

    record, saved = downloads(page, tmp_path / "browser")
    # the same answers given to `wsr draft`: the example with the title typed in the browser
    changed = {**answers, "agreement": {**answers["agreement"], "title": NEW_TITLE}}
    source = tmp_path / "changed.yaml"
    source.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
    expected, _ = wsr_draft(source, tmp_path / "cli")
    assert record["content_hash"] == expected["content_hash"]
    assert record == expected
    # the downloaded answers are a `wsr draft` file that drafts the same record
    again, _ = wsr_draft(saved, tmp_path / "cli-again")
    assert again["content_hash"] == record["content_hash"]
    DOWNLOADED.update(record=record, answers=saved.read_bytes())


def test_a_new_agreement_from_the_downloaded_answers(
    da_server: DAServer, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    if not DOWNLOADED:
        pytest.fail("the first browser journey did not download its answers")
    saved = tmp_path / "earlier-answers.yaml"
    saved.write_bytes(DOWNLOADED["answers"])
    page = new_page(browser, contexts)
    page.goto(da_server.interview_url())
    press(page, "Continue")
    page.locator("label", has_text="From earlier answers").click()
    press(page, "Continue")
    assert screen_id(page) == "ID earlier answers"
    # sent with no file and nothing pasted: the screen's own message, not a Python error
    press(page, "Continue")
    assert screen_id(page) == "ID earlier answers"
    message = "Upload the answers file or paste its text."
    errors = shown_errors(page)
    assert any(message in e for e in errors), errors
    # the file widget (bootstrap-fileinput) takes the file once it is set up; Continue before
    # that would send the screen without it
    caption = page.locator(".file-caption-name").first
    expect(caption).to_be_attached()
    upload = page.get_by_label("Answers file")
    upload.set_input_files(saved)
    expect(caption).to_have_value(saved.name)
    # bootstrap-fileinput disables the input while it reads a chosen file (its lock(), undone by
    # unlock() when the read ends); a form sent in between leaves the disabled input out, so the
    # server sees no file and asks again. Under load CI pressed Continue inside that window
    # (seen: `disabled` true with the caption already showing the name). A person waits for the
    # widget as well; so does the test.
    expect(upload).to_be_enabled()
    press(page, "Continue")
    assert screen_id(page) == "ID programme", shown_errors(page)
    expect(page.get_by_label("Title of the agreement")).to_have_value(NEW_TITLE)
    continue_to(page, yaml.safe_load(saved.read_text(encoding="utf-8")), "ID download")
    record, _ = downloads(page, tmp_path / "reused")
    earlier = DOWNLOADED["record"]
    differ = sorted(k for k in set(record) | set(earlier) if record.get(k) != earlier.get(k))
    assert not differ, {k: (earlier.get(k), record.get(k)) for k in differ}
