"""Brand counsel in a real browser (Debian's Chromium, headless, Playwright for Python; no browser
download): signs in, makes a personal calendar feed and subscribes a calendar client to it,
revokes it, and downloads the arbitration bundle of its brand's agreement — which names no
complainant. Screenshots go to ``test-artifacts/console/`` for a person to look at."""

from __future__ import annotations

import io
import os
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.wsr.console._chromium import browser as debian_chromium
from tests.wsr.console._chromium import needs_chromium
from tests.wsr.console.conftest import COMPLAINANT_REFS, ROOT

pytestmark = needs_chromium


def _shots() -> Path:
    base = os.environ.get("WSR_TEST_ARTIFACTS")
    folder = (Path(base) if base else ROOT / "test-artifacts") / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with debian_chromium() as launched:  # Debian's package, never a download
        yield launched


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_counsel_makes_a_feed_and_downloads_the_bundle(browser, live_server, seeded, users):
    from playwright.sync_api import expect

    shots = _shots()
    page = browser.new_page(accept_downloads=True)  # type: ignore[attr-defined]
    try:
        page.goto(f"{live_server}/calendar")
        expect(page).to_have_url(f"{live_server}/login?next=%2Fcalendar")
        page.fill("#email", users["counsel"].email)
        page.fill("#password", users["counsel"].password)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Calendar feeds")
        page.click("text=Make a new feed address")
        field = page.locator("#feed-url")
        expect(field).to_be_visible()
        page.screenshot(path=shots / "calendar-feed-made.png", full_page=True)
        shown = field.input_value()
        # the console's address is its configured one; the test server listens elsewhere
        path = shown.split("/calendar/", 1)[1]
        status, body = _get(f"{live_server}/calendar/{path}")
        assert status == 200
        events = Calendar.from_ical(body).walk("VEVENT")
        assert events and all(seeded.fair_food in str(e["description"]) for e in events)

        page.goto(f"{live_server}/calendar")  # the secret is shown once only
        assert path not in page.content()
        page.click("button.revoke")
        expect(page.locator(".flash")).to_contain_text("revoked")
        page.screenshot(path=shots / "calendar-feed-revoked.png", full_page=True)
        assert _get(f"{live_server}/calendar/{path}")[0] == 404

        page.goto(f"{live_server}/agreements/{seeded.fair_food}/bundle")
        expect(page.locator("h1")).to_have_text("Arbitration bundle")
        page.screenshot(path=shots / "bundle-page.png", full_page=True)
        with page.expect_download() as info:
            page.click("text=Download the ZIP of originals")
        download = info.value
        assert download.suggested_filename == f"bundle-{seeded.fair_food}.zip"
        data = Path(download.path()).read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        assert "manifest.json" in members
        assert not any(ref.encode() in d for d in members.values() for ref in COMPLAINANT_REFS)
    finally:
        page.close()
