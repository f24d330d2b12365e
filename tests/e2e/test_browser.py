"""The mission office in a real headless Chromium (Debian's), driven by Playwright.

Screenshots of each page land in artifacts/screenshots/ (override with MISSIONDESK_SCREENSHOTS).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .browser import dawn, needs_chromium, open_mission, shot, sign_in

pytestmark = needs_chromium()


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
    # his own page: the rest order beside the rest period and the duty limit the gate log gives him
    page.goto("/roster")
    page.get_by_role("link", name="Hatake Kakashi").click()
    duty = page.locator("section[aria-labelledby=duty-h]").inner_text()
    for code, when in (("MEDICAL_REST", "when a medic lifts it"), ("REST_PERIOD", "clears 13:00 today"),
                       ("DUTY_LIMIT", "clears 09:00 tomorrow")):
        assert code in duty and when in duty, duty
    shot(page, "03b-partner-duty-now")


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
