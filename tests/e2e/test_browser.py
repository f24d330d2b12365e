"""The mission office in a real headless Chromium (Debian's), driven by Playwright.

Screenshots of each page land in artifacts/screenshots/ (override with MISSIONDESK_SCREENSHOTS).
"""
from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from missiondesk.config import Settings
from missiondesk.demo import seed_demo

from .conftest import Server

CHROMIUM = os.environ.get("MISSIONDESK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("MISSIONDESK_SCREENSHOTS")
             or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    if os.environ.get("MISSIONDESK_REQUIRE_BROWSER"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}, and MISSIONDESK_REQUIRE_BROWSER is set")
    pytestmark = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt install chromium)")


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'demo.db'}"
    logins = seed_demo(Settings(database_url=url))
    # the demo's clock: the dawn of its night, as `missiondesk demo` serves it
    server = Server(url, tmp, clock=logins.settings.clock.now().isoformat())
    try:
        yield server, logins.password
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def sign_in(browser, village, username: str, width: int = 1280):
    server, password = village
    page = browser.new_context(viewport={"width": width, "height": 900}, base_url=server.base).new_page()
    page.goto("/board")
    assert "/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/board$"))
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def dawn() -> str:
    """Her departure at 06:30 on the demo's night (its clock starts at 06:25)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT06:30")


def open_mission(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.wait_for_selector("h1")


def test_the_medic_alone_at_dawn_sees_every_reason(browser, village):
    page = sign_in(browser, village, "sakura")
    shot(page, "01-login-then-board")
    open_mission(page, "Strike back at the lightning nin")
    page.get_by_label("Haruno Sakura").check()
    page.get_by_label("Departure (village time)").fill(dawn())
    page.get_by_role("button", name="Ask for this team").click()
    result = page.locator("#team-result .refused")
    result.wait_for()
    text = result.inner_text()
    for code in ("MEDICAL_REST", "FATIGUE_UNFIT", "WELFARE_HOLD", "TEAM_TOO_SMALL"):
        assert code in text
    assert "Ordered to rest by a medic" in text and "Too tired to depart" in text
    shot(page, "02-mission-refused")


def test_her_partner_is_told(browser, village):
    page = sign_in(browser, village, "kakashi")
    assert page.locator("header .count").count() == 1
    page.get_by_role("link", name=re.compile("^Alerts")).click()
    page.wait_for_url(re.compile(r".*/alerts$"))
    body = page.locator("main").inner_text()
    assert "DUTY OF CARE" in body and "Haruno Sakura" in body
    shot(page, "03-partner-alerts")


def test_the_hokage_overrides_with_a_reason_and_it_is_on_the_record(browser, village):
    page = sign_in(browser, village, "hokage")
    open_mission(page, "Strike back at the lightning nin")
    page.get_by_label("Haruno Sakura").check()
    page.get_by_label("Departure (village time)").fill(dawn())
    page.get_by_label(re.compile("Hokage's override")).fill("No one else can reach the target in time")
    page.get_by_role("button", name="Send the team").click()
    page.locator("#team-result .ok").wait_for()
    assert "override" in page.locator("#team-result").inner_text()
    shot(page, "04-hokage-override")
    page.goto("/audit?action=assignment.override")
    assert "No one else can reach the target in time" in page.locator("main").inner_text()
    shot(page, "05-audit-log")
    for path, name in (("/desk", "06-hokage-desk"), ("/roster", "07-roster"), ("/shinobi/2", "08-shinobi-chart"),
                       ("/gate", "09-gate-and-custody"), ("/memorial", "10-memorial"), ("/risk", "12-risk-model")):
        page.goto(path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    page.goto("/shinobi/2")
    assert page.locator("svg.chart title").text_content().startswith("Predicted alertness")
    page.goto("/risk")
    assert "Not calibrated yet" in page.locator("#model-source").inner_text()
    assert page.get_by_role("button", name="Refit the model from the village's reports").count() == 1


def test_a_genin_never_sees_the_s_rank(browser, village):
    page = sign_in(browser, village, "konohamaru", width=390)  # a phone
    shot(page, "11-genin-board-phone")
    assert "Strike back" not in page.content()
    hokage = sign_in(browser, village, "hokage")
    open_mission(hokage, "Strike back at the lightning nin")
    mission_url = hokage.url
    response = page.goto(mission_url)
    assert response.status == 404 and "Strike back" not in page.content()
    for path in ("/memorial", "/alerts", "/gate", "/roster"):
        page.goto(path)
        assert "Strike back" not in page.content() and "lightning" not in page.content()
    response = page.goto("/audit")
    assert response.status == 403


def test_keyboard_only_sign_in(browser, village):
    server, password = village
    page = browser.new_context(base_url=server.base).new_page()
    page.goto("/login")
    expect(page.locator("#username")).to_be_focused()  # the username field has focus on arrival
    page.keyboard.type("iruka")
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/board$"))
    for control in page.locator("main input, main select, main textarea").all():
        label = control.get_attribute("id")
        assert label and page.locator(f"label[for='{label}']").count() == 1, f"control without a label: {label}"
