"""The hokage's desk, the audit log, the board plan, the council's signature and every user's account, in a real
Chromium over the demo village, each act read back from the record through the API.

The module's own server: accounts whose password or sessions change here are used by no other module, and the
sign-in lockout (which holds the whole address for a while) runs last.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from .browser import needs_chromium, ok, sign_in

pytestmark = needs_chromium()

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
NEW_PASSWORD = "mist-over-the-river-41"


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def axe_clean(page) -> None:
    """axe-core's checks on the page as it stands: no violation (skipped where axe is not vendored)."""
    if not AXE.exists():
        return
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    violations = json.loads(result)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def sign_in_at(browser, village, username: str, password: str, width: int = 1280):
    server, _ = village
    page = browser.new_context(viewport={"width": width, "height": 900}, base_url=server.base,
                               bypass_csp=True).new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_the_desk_audit_and_account_pages_are_accessible_on_a_phone(browser, village):
    _, password = village
    page = sign_in_at(browser, village, "hokage", password, width=390)
    page.wait_for_url(re.compile(r".*/board$"))
    for path in ("/desk", "/audit", "/account"):
        response = page.goto(path)
        assert response.status == 200
        assert page.locator("h1").count() == 1
        no_sideways_scroll(page)
        axe_clean(page)
    page.goto("/desk")
    for heading in ("Unread duty-of-care alerts", "Teams leaving in the next 24 hours", "Outside the village",
                    "Welfare holds open", "Waiting for signatures", "Stale missions"):
        assert page.get_by_role("heading", name=re.compile(heading)).count() == 1
    genin = sign_in(browser, village, "konohamaru", width=390)
    for path in ("/desk", "/audit"):
        assert genin.goto(path).status == 403
    genin = sign_in_at(browser, village, "konohamaru", password, width=390)
    genin.wait_for_url(re.compile(r".*/board$"))
    genin.goto("/account")
    no_sideways_scroll(genin)
    axe_clean(genin)


def test_the_desk_links_the_mission_waiting_for_signatures(browser, village, api):
    hokage = api("hokage")
    m = ok(hokage.post("/missions", json={"title": "Carry the treaty to Suna", "rank": "A", "kind": "escort"}), 201)
    page = sign_in(browser, village, "hokage")
    page.goto("/desk")
    page.locator("section", has=page.get_by_role("heading", name=re.compile("Waiting for signatures"))) \
        .get_by_role("link", name=re.compile("Carry the treaty to Suna")).click()
    page.wait_for_url(re.compile(rf".*/missions/{m['id']}$"))


def test_the_council_authorises_a_mission_on_its_page(browser, village, api):
    hokage = api("hokage")
    m = ok(hokage.post("/missions", json={"title": "Guard the border post", "rank": "A", "kind": "guard"}), 201)
    # a clerk sees no button, and a forged POST changes nothing
    clerk = sign_in(browser, village, "iruka")
    clerk.goto(f"/missions/{m['id']}")
    assert clerk.get_by_role("button", name="Authorise this mission").count() == 0
    forged = clerk.request.post(f"/missions/{m['id']}/authorize", form={"csrf": "forged"})
    assert forged.status == 403
    assert ok(hokage.get(f"/missions/{m['id']}"))["status"] == "pending_authorization"
    # the council signs
    page = sign_in(browser, village, "homura")
    page.goto(f"/missions/{m['id']}")
    page.get_by_role("button", name="Authorise this mission").click()
    page.wait_for_url(re.compile(rf".*/missions/{m['id']}$"))
    after = ok(hokage.get(f"/missions/{m['id']}"))
    assert after["status"] == "open" and after["authorized_by"] == ["homura"]


def test_a_team_of_the_plan_is_sent_from_the_desk(browser, village, api):
    hokage = api("hokage")
    page = sign_in(browser, village, "hokage")
    page.goto("/desk")
    page.get_by_role("button", name="Propose a plan for the whole board").click()
    page.get_by_role("heading", name="A plan for the board").wait_for()
    send = page.get_by_role("button", name=re.compile("^Send the team for "))
    if send.count() == 0:
        pytest.fail("the demo's plan staffs no mission: " + page.locator("main").inner_text()[:500])
    title = send.first.get_attribute("aria-label").removeprefix("Send the team for ")
    [mission] = [m for m in ok(hokage.get("/missions")) if m["title"] == title]
    send.first.click()
    status = page.locator(f"#send-{mission['id']}")
    status.locator(".ok, .error").first.wait_for()
    assert "Sent:" in status.inner_text(), status.inner_text()
    assert page.locator(f"#send-{mission['id']} form").count() == 0  # the button is gone
    after = ok(hokage.get(f"/missions/{mission['id']}"))
    assert after["status"] == "assigned"
    entries = ok(hokage.get("/audit", params={"action": "assignment.created", "target": f"mission:{mission['id']}"}))
    assert entries and entries[-1]["actor"] == "hokage"


def test_a_plan_send_is_refused_in_place_and_not_offered_to_a_genin(browser, village, api):
    hokage = api("hokage")
    m = ok(hokage.post("/missions", json={"title": "Patrol the wall", "rank": "D", "kind": "patrol"}), 201)
    page = sign_in(browser, village, "hokage")
    page.goto("/desk")
    page.get_by_role("button", name="Propose a plan for the whole board").click()
    page.get_by_role("heading", name="A plan for the board").wait_for()
    form = page.locator(f"#send-{m['id']} form")
    if form.count() == 0:
        pytest.skip("the plan left the new mission empty")
    # the mission is taken meanwhile (by the API), so the plan's team is refused when sent
    people = ok(hokage.get("/shinobi"))
    konohamaru = next(s["id"] for s in people if s["name"] == "Sarutobi Konohamaru")
    ok(hokage.post(f"/missions/{m['id']}/assignments", json={"shinobi_ids": [konohamaru]}), 201)
    page.locator(f"#send-{m['id']}").get_by_role("button").click()
    alert = page.locator(f"#send-{m['id']} .error[role=alert]")
    alert.wait_for()
    assert "ASSIGNMENT_REFUSED" in alert.inner_text()
    assert "MISSION_NOT_OPEN" in page.locator(f"#send-{m['id']}").inner_text()
    # a genin is offered no plan and no Send, and a forged POST is refused
    genin = sign_in(browser, village, "konohamaru")
    assert genin.request.post("/desk/plan/send", form={"csrf": "forged", "mission_id": str(m["id"]),
                                                       "shinobi_ids": str(konohamaru),
                                                       "departs_at": "2026-03-14T08:00"}).status == 403


def test_refitting_the_risk_model_from_the_risk_page(browser, village, api):
    hokage = api("hokage")
    before = ok(hokage.get("/risk/model"))
    page = sign_in(browser, village, "hokage")
    assert page.goto("/risk").status == 200
    page.get_by_role("heading", name="Where it comes from").wait_for()
    page.get_by_role("button", name="Refit the model from the village's reports").click()
    page.wait_for_load_state()
    after = ok(hokage.get("/risk/model"))
    refused = page.locator(".error[role=alert]")
    if refused.count():  # too few reports in the demo: said in place, the model unchanged
        assert "TOO_FEW_REPORTS" in refused.inner_text()
        assert after == before
    else:
        assert after.get("source") == "fitted"
        assert ok(hokage.get("/audit", params={"action": "risk.refitted"}))
    genin = sign_in(browser, village, "konohamaru")
    genin.goto("/risk")
    assert genin.get_by_role("button", name=re.compile("Refit")).count() == 0


def test_the_audit_log_filtered_paged_and_its_targets_linked(browser, village, api):
    page = sign_in(browser, village, "hokage")
    page.goto("/audit")
    page.get_by_label("Action").select_option("mission.created")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*action=mission\.created"))
    rows = page.locator("table.audit > tbody > tr")
    assert rows.count() >= 1
    assert all(a == "mission.created" for a in page.locator("table.audit > tbody > tr > td:nth-child(4)")
               .all_inner_texts())
    page.locator("table.audit a[href^='/missions/']").first.click()
    page.wait_for_url(re.compile(r".*/missions/\d+$"))
    page.goto("/audit")
    newest = int(page.locator("table.audit > tbody > tr > td:first-child").first.inner_text())
    page.get_by_role("link", name=re.compile("Older entries")).click()
    older = int(page.locator("table.audit > tbody > tr > td:first-child").first.inner_text())
    assert older < newest - 49
    page.get_by_role("link", name=re.compile("Newer entries")).click()
    assert int(page.locator("table.audit > tbody > tr > td:first-child").first.inner_text()) == newest


def test_the_audit_checkpoint_button_says_plainly_none_is_configured(browser, village, api):
    hokage = api("hokage")
    page = sign_in(browser, village, "hokage")
    page.goto("/audit")
    page.get_by_role("button", name="Write a signed checkpoint now").click()
    alert = page.locator(".error[role=alert]")
    alert.wait_for()
    assert "CHECKPOINTS_NOT_CONFIGURED" in alert.inner_text() and "MISSIONDESK_AUDIT_KEY" in alert.inner_text()
    assert ok(hokage.get("/audit/verify"))["checkpoints"] == "not_configured"


def test_signing_out_the_other_sessions(browser, village, api):
    _, password = village
    elsewhere = sign_in(browser, village, "kakashi")
    page = sign_in(browser, village, "kakashi")
    kakashi = api("kakashi")  # a third session, over the API
    assert len(ok(kakashi.get("/auth/sessions"))) == 3
    page.goto("/account")
    assert page.get_by_text("(this session)").count() == 1
    page.get_by_role("button", name="Sign out every other session").click()
    page.locator("#account-done").wait_for()
    assert kakashi.get("/auth/me").status_code == 401
    elsewhere.goto("/board")
    assert "/login" in elsewhere.url
    fresh = httpx.post(village[0].base + "/api/v1/auth/token", json={"username": "kakashi", "password": password})
    sessions = ok(httpx.get(village[0].base + "/api/v1/auth/sessions",
                            headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}))
    assert len(sessions) == 2  # this page's and the fresh one
    # one session by its own button
    page.reload()
    page.get_by_role("button", name=re.compile("^Sign it out")).click()
    page.locator("#account-done").wait_for()
    assert httpx.get(village[0].base + "/api/v1/auth/me",
                     headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}).status_code == 401
    # a forged POST is refused
    assert page.request.post("/account/sessions/revoke", form={"csrf": "forged"}).status == 403


def test_changing_ones_password(browser, village, api):
    server, password = village
    page = sign_in(browser, village, "shizune", width=390)
    page.goto("/account")
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password, again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    alert = page.locator(".error[role=alert]")
    alert.wait_for()
    assert "WRONG_PASSWORD" in alert.inner_text()
    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password, again").fill("short")
    page.get_by_label("New password", exact=True).evaluate("e => e.removeAttribute('minlength')")
    page.get_by_label("New password, again").evaluate("e => e.removeAttribute('minlength')")
    page.get_by_role("button", name="Change the password").click()
    assert "PASSWORD_TOO_SHORT" in page.locator(".error[role=alert]").inner_text()
    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password, again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    page.locator("#account-done").wait_for()
    no_sideways_scroll(page)
    old = httpx.post(server.base + "/api/v1/auth/token", json={"username": "shizune", "password": password})
    assert old.status_code == 401
    new = httpx.post(server.base + "/api/v1/auth/token", json={"username": "shizune", "password": NEW_PASSWORD})
    assert new.status_code == 200
    entries = ok(api("hokage").get("/audit", params={"action": "account.password_changed"}))
    assert entries[-1]["actor"] == "shizune"


def test_the_lockout_says_how_many_minutes(browser, village):
    """Last in the module: it holds the address for a while."""
    server, _ = village
    page = browser.new_context(base_url=server.base).new_page()
    for _ in range(15):
        page.goto("/login")
        page.get_by_label("Username").fill("konohamaru")
        page.get_by_label("Password").fill("a-wrong-guess-7")
        response = None
        with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as info:
            page.get_by_role("button", name="Sign in").click()
        response = info.value
        if response.status == 429:
            break
    assert response is not None and response.status == 429
    text = page.locator(".error[role=alert]").inner_text()
    assert re.search(r"too many failed sign-ins; try again in \d+ (minute|second)s?", text), text
    assert "retry-after" in response.headers
