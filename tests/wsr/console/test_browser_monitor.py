"""The monitoring staff's main journey in a real browser: Debian's Chromium, headless, driven by
Playwright for Python (no browser download), against the console served by uvicorn.

A monitor signs in, reads the dashboard and its chart, filters it to one agreement, opens an
obligation, uploads evidence and accepts it, records a supplier suspension — first with a date
in the future, which the engine refuses with the CLI's message beside the date, then correctly
— sees the obligations it created, and runs a what-if. Screenshots of each step are saved in
``test-artifacts/console/`` for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wsr.console._chromium import browser as debian_chromium
from tests.wsr.console._chromium import needs_chromium

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]

pytestmark = needs_chromium


def artifacts() -> Path:
    base = os.environ.get("WSR_TEST_ARTIFACTS")
    folder = (Path(base) if base else ROOT / "test-artifacts") / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:  # Debian's package, never a download
        yield launched


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    failed = request.session.testsfailed
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    if request.session.testsfailed > failed:
        opened.screenshot(path=artifacts() / "monitor-failed-screen.png", full_page=True)
    context.close()


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state("networkidle")


def test_monitor_main_journey(live_server: str, seeded, users, page: Page, tmp_path: Path) -> None:
    shots = artifacts()
    monitor = users["monitor"]
    sign_in(page, live_server, monitor.email, monitor.password)

    # 1. the dashboard: counts at a glance and the chart of deadlines (server-rendered SVG)
    expect(page.get_by_role("heading", name="Obligations")).to_be_visible()
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    assert chart.locator("g.bar").count() == 12
    assert chart.bounding_box()["height"] > 100
    expect(page.locator(".count-overdue .n")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator(".who")).to_contain_text(monitor.email)
    page.screenshot(path=shots / "monitor-1-dashboard.png")  # what fits the screen
    page.screenshot(path=shots / "monitor-1-dashboard-full.png", full_page=True)

    # 2. filter to one agreement: htmx refreshes the dashboard in place and keeps the URL
    rows_before = page.locator("#results tbody tr[data-obligation]").count()
    page.get_by_label("Agreement", exact=True).select_option(seeded.accord)
    expect(page).to_have_url(re.compile(f"agreement={seeded.accord}"))
    expect(page.locator("#results .summary")).to_contain_text(f"agreement {seeded.accord}")
    links = page.locator("#results tbody tr[data-obligation] td:last-child a")
    assert links.count() > 0
    assert {links.nth(k).inner_text() for k in range(links.count())} == {seeded.accord}
    assert page.locator("#results tbody tr[data-obligation]").count() <= rows_before
    page.screenshot(path=shots / "monitor-2-filtered.png", full_page=True)

    # 3. open an obligation from the list: its clause text, history, evidence
    page.get_by_label("Agreement", exact=True).select_option(seeded.fair_food)
    expect(page).to_have_url(re.compile(f"agreement={seeded.fair_food}"))
    page.locator(f"a[href='/obligations/{seeded.premium}']").first.click()
    expect(page).to_have_url(re.compile(f"/obligations/{seeded.premium}$"))
    expect(page.get_by_role("heading", name="Where it comes from")).to_be_visible()
    expect(page.locator("section.clause .para").first).to_be_visible()
    expect(page.locator("ol.history li").first).to_be_visible()

    # 4. upload evidence, then accept it with a reason
    proof = tmp_path / "premium-remittance.pdf"
    proof.write_bytes(b"%PDF-1.4\n% remittance advice for the premium\n")
    page.locator("form.upload input[type=file]").set_input_files(str(proof))
    page.locator("form.upload").get_by_label("Note").fill("Remittance advice from the buyer")
    page.locator("form.upload").get_by_role("button", name="Upload").click()
    expect(page.locator(".flash")).to_contain_text("premium-remittance.pdf")
    piece = page.locator("table.evidence tr[data-piece]").last
    expect(piece).to_contain_text("premium-remittance.pdf")
    piece.get_by_label("Reason").fill("Matches the bank statement")
    piece.get_by_role("button", name="Accept").click()
    expect(page.locator(".flash")).to_contain_text("accepted")
    expect(page.locator("table.evidence tr[data-piece]").last).to_contain_text("accepted")
    expect(page.locator("ol.history")).to_contain_text("Matches the bank statement")
    page.screenshot(path=shots / "monitor-3-evidence-accepted.png", full_page=True)

    # 5. record a supplier suspension: a date in the future first (refused, beside the date)
    page.goto(f"{live_server}/agreements/{seeded.fair_food}/events/new")
    page.get_by_label("Event type").select_option("supplier_suspended")
    supplier = page.locator("#event-fields").get_by_label("Supplier", exact=True)
    expect(supplier).to_be_visible()  # htmx swapped in the type's fields
    expect(page.locator("#event-fields")).to_contain_text("The monitor suspended a supplier")
    supplier.select_option("GROWER-B")
    page.locator("#event-fields").get_by_label("Reason").fill("Audit found unpaid premium")
    page.get_by_label("When it happened").fill("2026-05-04")
    page.get_by_role("button", name="Record").click()
    on_field = page.locator(".event-form [data-field=on]")
    expect(on_field.locator(".field-error")).to_be_visible()
    message = on_field.locator(".field-error").inner_text()
    assert "2026-05-04" in message, message
    expect(page.locator("#event-fields").get_by_label("Supplier", exact=True)).to_have_value(
        "GROWER-B"
    )
    page.screenshot(path=shots / "monitor-4-validation-error.png", full_page=True)

    page.get_by_label("When it happened").fill("2026-04-17")
    page.get_by_role("button", name="Record").click()
    expect(page).to_have_url(re.compile(f"/agreements/{seeded.fair_food}/events/ev-"))
    expect(page.locator(".flash").first).to_contain_text("Recorded supplier suspended")
    expect(page.get_by_role("heading", name="New obligations")).to_be_visible()
    new_rows = page.locator("table.obligations tr[data-obligation]")
    assert new_rows.count() >= 1
    expect(new_rows.first).to_contain_text("GROWER-B")
    page.screenshot(path=shots / "monitor-5-suspension-recorded.png", full_page=True)

    # the new duty is on the dashboard, and in the chart's first weeks
    page.goto(f"{live_server}/?supplier=GROWER-B&clause=sourcing_cutoff")
    row = page.locator("#results tr[data-obligation]", has_text="Stop purchasing")
    expect(row.first).to_contain_text("GROWER-B")
    week = page.locator("svg.chart g.bar").first
    assert int(week.get_attribute("data-count") or "0") >= 1
    page.screenshot(path=shots / "monitor-5b-dashboard-new-duty.png")

    # 6. what if the buyer bought from the suspended supplier? (nothing saved)
    page.goto(f"{live_server}/agreements/{seeded.fair_food}/whatif")
    row = page.locator("fieldset.row").first
    row.get_by_label("Type").select_option("purchase_recorded")
    expect(row.locator("#row-0-fields").get_by_label("Supplier", exact=True)).to_be_visible()
    row.get_by_label("On").fill("2026-04-19")
    row.locator("#row-0-fields").get_by_label("Supplier", exact=True).select_option("GROWER-B")
    row.locator("#row-0-fields").get_by_label("Quantity").fill("1200")
    row.locator("#row-0-fields").get_by_label("Unit").select_option("lb")
    page.get_by_role("button", name="Show what would be owed").click()
    result = page.locator("#whatif-result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("What each party would owe")
    expect(result.locator("h4.party").first).to_be_visible()
    expect(result).to_contain_text("purchase recorded on 2026-04-19")
    page.screenshot(path=shots / "monitor-6-whatif.png", full_page=True)

    # nothing was saved: the agreement's events are as before the what-if
    page.goto(f"{live_server}/agreements/{seeded.fair_food}")
    expect(page.locator("ul.events")).not_to_contain_text("2026-04-19")


def test_counsel_reads_an_obligation_but_is_offered_no_action(
    live_server: str, seeded, users, page: Page
) -> None:
    counsel = users["counsel"]
    sign_in(page, live_server, counsel.email, counsel.password)
    expect(page.locator("svg.chart")).to_be_visible()
    page.goto(f"{live_server}/obligations/{seeded.complaint_obligation}")
    expect(page.get_by_role("heading", name="Where it comes from")).to_be_visible()
    assert page.locator("form[method=post][action^='/obligations/']").count() == 0
    body = page.locator("body").inner_text()
    assert not [ref for ref in seeded.complainant_refs if ref in body]
    page.screenshot(path=artifacts() / "counsel-obligation.png", full_page=True)
    page.goto(f"{live_server}/obligations/{seeded.other_obligation}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
