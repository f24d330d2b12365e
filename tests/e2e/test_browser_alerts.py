"""The live alerts in a real Chromium, on the demo village's own server (this module's): with the board open as
Sakura's partner, a duty-of-care call raised through the API reaches the header's badge over the event stream
without a reload; on /alerts the new alert joins the list without a reload; it is acknowledged from the page and
the record says so. A page left open keeps a JS marker: a reload would have wiped it."""
from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.sync_api import expect

from .browser import mission_id, needs_chromium, ok, server_now, shot, sign_in

pytestmark = needs_chromium()

S_RANK = "Strike back at the lightning nin"
WAIT = 10_000  # ms: the stream reads every second


def sakura_refused(api) -> None:
    """Sakura, under the hokage's rest order, asks for the S-rank alone: refused, and her partner is called."""
    hokage: httpx.Client = api("hokage")
    sakura = next(s["id"] for s in ok(hokage.get("/shinobi")) if s["name"] == "Haruno Sakura")
    r = api("sakura").post(f"/missions/{mission_id(hokage, S_RANK)}/assignments", json={
        "shinobi_ids": [sakura], "departs_at": (server_now(hokage) + timedelta(hours=1)).isoformat()})
    assert r.status_code == 409 and r.json()["error"]["code"] == "ASSIGNMENT_REFUSED", r.text


def unread_badge(n: int) -> re.Pattern:
    """The count's text: the number, then the words a screen reader hears ("2 unread")."""
    return re.compile(rf"^\s*{n} unread\s*$")


def duty_alerts(api) -> list[dict]:
    return [a for a in ok(api("kakashi").get("/alerts")) if a["kind"] == "DUTY_OF_CARE"]


def counts(api) -> tuple[int, int]:
    alerts = ok(api("kakashi").get("/alerts"))
    return (sum(1 for a in alerts if a["read_at"] is None),
            sum(1 for a in alerts if a["must_acknowledge"] and a["acknowledged_at"] is None))


def test_the_badge_and_the_list_follow_new_alerts_without_a_reload_and_the_page_acknowledges(village, browser, api):
    page = sign_in(browser, village, "kakashi")
    unread, awaiting = counts(api)
    assert awaiting >= 1, "the demo's night leaves her partner a call to acknowledge"
    badge = page.locator("#alert-badge")
    expect(page.locator("#alert-unread")).to_have_text(unread_badge(unread), timeout=WAIT)
    expect(page.locator("#alert-awaiting")).to_have_text(f"{awaiting} to acknowledge", timeout=WAIT)
    page.evaluate("window.__marker = 1")

    # the board is open: a new call reaches the badge
    sakura_refused(api)
    assert counts(api) == (unread + 1, awaiting + 1)
    expect(page.locator("#alert-unread")).to_have_text(unread_badge(unread + 1), timeout=WAIT)
    expect(page.locator("#alert-awaiting")).to_have_text(f"{awaiting + 1} to acknowledge", timeout=WAIT)
    expect(badge).to_have_class(re.compile(r"\bmust-ack\b"))
    expect(page.locator("#alert-news")).to_contain_text("New alert", timeout=WAIT)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert page.url.endswith("/board")
    shot(page, "alerts-live-badge")

    # on /alerts, the next call joins the list
    page.goto("/alerts")
    to_ack = page.locator("ul.alerts li.needs-ack")
    expect(to_ack).to_have_count(awaiting + 1)
    page.evaluate("window.__marker = 2")
    sakura_refused(api)
    newest = max(a["id"] for a in duty_alerts(api))
    expect(to_ack).to_have_count(awaiting + 2, timeout=WAIT)
    item = page.locator(f"#alert-{newest}")
    expect(item).to_contain_text("Needs acknowledging")
    expect(page.locator("#alert-awaiting")).to_have_text(f"{awaiting + 2} to acknowledge", timeout=WAIT)
    assert page.evaluate("window.__marker") == 2, "the page was reloaded"
    assert to_ack.first.get_attribute("id") == f"alert-{newest}", "what waits for an answer, the newest first"
    shot(page, "alerts-live-list")

    # acknowledged from the page: the ladder stops
    item.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(rf".*/alerts#alert-{newest}$"))
    item = page.locator(f"#alert-{newest}")
    expect(item).to_contain_text(re.compile(r"Acknowledged by Hatake Kakashi at \d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(item.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(page.locator("ul.alerts li.needs-ack")).to_have_count(awaiting + 1)
    [acked] = [a for a in duty_alerts(api) if a["id"] == newest]
    assert acked["acknowledged_at"] is not None
    assert acked["acknowledged_by"] == next(s["id"] for s in ok(api("hokage").get("/shinobi"))
                                            if s["name"] == "Hatake Kakashi")
    expect(page.locator("#alert-awaiting")).to_have_text(f"{awaiting + 1} to acknowledge", timeout=WAIT)
    shot(page, "alerts-acknowledged")
    page.context.close()
