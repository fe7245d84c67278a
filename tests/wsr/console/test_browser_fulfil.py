"""Recording fulfilment from the obligation page in a real browser (Debian's Chromium): a
monitor first gives no date, which the form refuses beside the date, then records it with an
evidence file; the page shows the obligation fulfilled and the file. Screenshots in
``test-artifacts/console/`` (``fulfil-1-form.png``, ``fulfil-2-done.png``)."""

from __future__ import annotations

import re

import pytest

from obligations import open_store
from tests.wsr.console._chromium import browser as debian_chromium
from tests.wsr.console._chromium import needs_chromium, screenshots

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

pytestmark = needs_chromium


def _flowdown(db_url: str, agreement_id: str) -> str:
    store = open_store(db_url)
    try:
        with store.read():
            return next(
                o.id
                for o in store.find_obligations(agreement_id=agreement_id)
                if o.spec_id == "code_of_conduct.flowdown" and o.state.value == "in_effect"
            )
    finally:
        store.engine.dispose()


def test_monitor_records_fulfilment_with_evidence(live_server, seeded, users, tmp_path) -> None:
    ob_id = _flowdown(seeded.db_url, seeded.fair_food)
    proof = tmp_path / "signed-flowdown.pdf"
    proof.write_bytes(b"%PDF-1.4 signed flow-down letter")
    monitor = users["monitor"]
    with debian_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(monitor.email)
        page.get_by_label("Password").fill(monitor.password)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        page.goto(f"{live_server}/obligations/{ob_id}")
        form = page.locator(f"form[action='/obligations/{ob_id}/fulfil']")
        expect(form).to_be_visible()
        form.locator("input[name=on]").fill("")
        form.get_by_role("button", name="Record fulfilment").click()
        refused = page.locator(f"form[action='/obligations/{ob_id}/fulfil'] [data-field=on]")
        expect(refused.locator(".field-error")).to_have_text(
            "give the date it was performed (YYYY-MM-DD)"
        )
        page.screenshot(path=screenshots() / "fulfil-1-form.png", full_page=True)
        form.locator("input[name=on]").fill("2026-04-17")
        form.locator("textarea[name=note]").fill("signed by every supplier")
        form.locator("input[name=file]").set_input_files(str(proof))
        form.get_by_role("button", name="Record fulfilment").click()
        expect(page.locator("body")).to_contain_text("Fulfilment recorded with its evidence.")
        expect(page.locator(".badge.state-fulfilled").first).to_be_visible()
        expect(page.locator("body")).to_contain_text("signed-flowdown.pdf")
        page.screenshot(path=screenshots() / "fulfil-2-done.png", full_page=True)
    store = open_store(seeded.db_url)
    try:
        with store.read():
            ob = store.get_obligation(ob_id)
    finally:
        store.engine.dispose()
    assert ob.state.value == "fulfilled" and ob.fulfilled_on.isoformat() == "2026-04-17"
