"""The sign-in journey in a real browser (Debian's Chromium driven by Playwright; no browser
download): a wrong password is said beside the field, the right one opens the console with the
viewer's email and role, counsel sees only its brand's agreement, signing out ends it.
Screenshots go to ``test-artifacts/console/`` (``WSR_TEST_ARTIFACTS`` to move them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.wsr.console._chromium import browser as debian_chromium
from tests.wsr.console._chromium import needs_chromium

ROOT = Path(__file__).resolve().parents[3]

pytestmark = needs_chromium


def shots() -> Path:
    base = os.environ.get("WSR_TEST_ARTIFACTS")
    folder = (Path(base) if base else ROOT / "test-artifacts") / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page():
    with debian_chromium() as browser:  # Debian's package, never a download
        yield browser.new_page(viewport={"width": 1100, "height": 700})


def test_counsel_signs_in_sees_its_brand_and_signs_out(page, live_server, seeded, users):
    from playwright.sync_api import expect

    person = users["counsel"]
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=%2F")
    page.fill("#email", person.email)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("#password-error")).to_have_text("the email or the password is not right")
    page.screenshot(path=shots() / "login-wrong-password.png", full_page=True)

    page.fill("#password", person.password)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator(".who .email")).to_have_text(person.email)
    expect(page.locator(".who .role")).to_contain_text("counsel · Example Fresh Markets Inc.")
    expect(page.locator("table.list")).to_contain_text(seeded.fair_food)
    assert seeded.accord not in page.content()
    page.screenshot(path=shots() / "home-counsel.png", full_page=True)

    page.click("text=Sign out")
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator(".flash")).to_have_text("You are signed out.")
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=%2F")
