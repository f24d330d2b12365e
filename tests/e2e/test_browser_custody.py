"""Custody, the gate and the audience alerts through the pages, in a real Chromium; each act read back over the API.

The demo village on this module's own server: Kakashi (ANBU) takes a detainee in, hands over and releases; he asks
for an audience and the Hokage grants one from the alert and declines one from the detainee's page; the clerk
and the ANBU log people and detainees through the gate and browse its log by day and by person. Those the policy
leaves out see no form and a forged post is refused.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from playwright.sync_api import expect

from .browser import needs_chromium, ok, server_now, shot, sign_in

pytestmark = needs_chromium()


def people(hokage: httpx.Client) -> dict[str, int]:
    return {s["name"]: s["id"] for s in ok(hokage.get("/shinobi"))}


def take_in(api, name: str, escorts: list[str]) -> int:
    """A detainee taken in over the API by Kakashi, a minute ago."""
    ids = people(api("hokage"))
    at = (server_now(api("hokage")) - timedelta(minutes=1)).isoformat()
    return ok(api("kakashi").post("/custody", json={"name": name, "at": at,
                                                    "escort_ids": [ids[e] for e in escorts]}), 201)["id"]


NOW = {"at": "2026-01-01T00:00", "at_shown": "2026-01-01T00:00"}  # a time field left as offered: now


def csrf(page) -> str:
    return page.locator("input[name=csrf]").first.get_attribute("value")


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways at 390 px"


def test_an_anbu_takes_a_detainee_into_custody(browser, village, api):
    ids = people(api("hokage"))
    page = sign_in(browser, village, "kakashi", width=390)
    page.get_by_role("link", name=re.compile("Gate & custody")).click()
    page.get_by_role("link", name=re.compile("The custody list")).click()
    expect(page.get_by_role("heading", name="Take someone into custody")).to_be_visible()
    page.get_by_label("Name (or a description, even “unknown”)").fill("Mist courier")
    page.get_by_label("Origin (optional)").fill("Hidden Mist, caught at the river")
    page.get_by_label("Hatake Kakashi").check()
    page.get_by_label("Yamato", exact=True).check()
    no_sideways_scroll(page)
    page.get_by_role("button", name="Take into custody").click()
    page.wait_for_url(re.compile(r".*/custody/\d+$"))
    did = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1")).to_have_text("Mist courier")
    expect(page.locator(".custody-chain")).to_contain_text("Yamato")
    no_sideways_scroll(page)
    shot(page, "40-custody-intake-phone")

    # the record
    d = ok(api("hokage").get(f"/custody/{did}"))
    assert d["name"] == "Mist courier" and d["origin"] == "Hidden Mist, caught at the river" and d["status"] == "held"
    assert sorted(d["custodians"]) == sorted([ids["Hatake Kakashi"], ids["Yamato"]])
    assert len(d["chain"]) == 1
    assert abs(datetime.fromisoformat(d["detained_since"]) - server_now(api("hokage"))) < timedelta(minutes=2)

    # a refused intake is shown in place, and keeps nothing
    page.goto("/custody")
    page.get_by_label("Name (or a description, even “unknown”)").fill("Nobody's prisoner")
    page.get_by_role("button", name="Take into custody").click()
    expect(page.locator("main .error[role=alert]")).to_contain_text("CUSTODIANS_REQUIRED")
    assert "Nobody's prisoner" not in {x["name"] for x in ok(api("hokage").get("/custody"))}


def test_custodians_hand_over_then_release(browser, village, api):
    ids = people(api("hokage"))
    did = take_in(api, "Sand scout", ["Hatake Kakashi"])
    page = sign_in(browser, village, "kakashi")
    page.goto(f"/custody/{did}")
    transfer = page.locator("section[aria-labelledby=transfer-h]")
    transfer.get_by_label("Sai", exact=True).check()
    transfer.get_by_label("Hatake Kakashi").check()
    transfer.get_by_role("button", name="Hand over").click()
    page.wait_for_url(re.compile(rf".*/custody/{did}$"))
    expect(page.locator(".custody-chain li")).to_have_count(2)

    d = ok(api("hokage").get(f"/custody/{did}"))
    assert [sorted(link["custodian_ids"]) for link in d["chain"]] == [
        [ids["Hatake Kakashi"]], sorted([ids["Hatake Kakashi"], ids["Sai"]])]
    assert sorted(d["custodians"]) == sorted([ids["Hatake Kakashi"], ids["Sai"]])

    # a refused hand-over (the same custodians): in place, with the service's code
    transfer = page.locator("section[aria-labelledby=transfer-h]")
    transfer.get_by_label("Sai", exact=True).check()
    transfer.get_by_label("Hatake Kakashi").check()
    transfer.get_by_role("button", name="Hand over").click()
    expect(page.locator("section[aria-labelledby=transfer-h] .error[role=alert]")).to_contain_text("CUSTODY_UNCHANGED")
    assert len(ok(api("hokage").get(f"/custody/{did}"))["chain"]) == 2

    # release
    page.goto(f"/custody/{did}")
    release = page.locator("section[aria-labelledby=release-h]")
    release.get_by_label("Released").check()
    release.get_by_label("Note (optional)").fill("Sent home with a warning")
    release.get_by_role("button", name="End custody").click()
    page.wait_for_url(re.compile(rf".*/custody/{did}$"))
    expect(page.locator("#custody-status")).to_contain_text("released")
    assert page.locator("section[aria-labelledby=release-h]").count() == 0
    shot(page, "41-custody-released")

    d = ok(api("hokage").get(f"/custody/{did}"))
    assert d["status"] == "released" and d["end_note"] == "Sent home with a warning" and d["custodians"] == []
    assert d["ended_at"] is not None


def test_an_anbu_asks_for_an_audience_and_the_hokage_decides_from_the_alert_and_the_page(browser, village, api):
    hokage = api("hokage")
    did = take_in(api, "Rain informant", ["Hatake Kakashi"])
    page = sign_in(browser, village, "kakashi")
    page.goto(f"/custody/{did}")
    assert page.get_by_role("button", name="Grant the audience").count() == 0  # the hokage's alone
    page.get_by_role("button", name="Request an audience with the Hokage").click()
    page.wait_for_url(re.compile(rf".*/custody/{did}$"))
    expect(page.locator(".custody-audiences li")).to_have_count(1)
    [asked] = ok(hokage.get(f"/custody/{did}"))["audience_requests"]
    assert asked["status"] == "open" and asked["with"] == "hokage"
    alerts = [a for a in ok(hokage.get("/alerts")) if a["kind"] == "AUDIENCE_REQUEST" and a["detainee_id"] == did]
    assert len(alerts) == 1

    # the hokage grants it from the alert itself
    h = sign_in(browser, village, "hokage", width=390)
    h.get_by_role("link", name=re.compile("^Alerts")).click()
    alert = h.locator("ul.alerts li").filter(has_text="Rain informant")
    expect(alert).to_have_count(1)
    alert.get_by_label(re.compile("Note on request")).fill("At noon, in the tower")
    alert.get_by_role("button", name="Grant the audience").click()
    h.wait_for_url(re.compile(r".*/alerts(#.*)?$"))
    alert = h.locator("ul.alerts li").filter(has_text="Rain informant")
    expect(alert).to_contain_text("granted")
    assert alert.get_by_role("button", name="Grant the audience").count() == 0
    no_sideways_scroll(h)
    shot(h, "42-audience-granted-from-alert-phone")
    [decided] = ok(hokage.get(f"/custody/{did}"))["audience_requests"]
    assert decided["status"] == "granted" and decided["decided_by"] == "hokage"
    assert decided["note"] == "At noon, in the tower"

    # a second request, declined from the detainee's page
    page.goto(f"/custody/{did}")
    page.get_by_role("button", name="Request an audience with the Hokage").click()
    page.wait_for_url(re.compile(rf".*/custody/{did}$"))
    second = ok(hokage.get(f"/custody/{did}"))["audience_requests"][-1]
    assert second["status"] == "open"
    h.goto(f"/custody/{did}")
    h.locator(f"#audience-{second['id']}").get_by_role("button", name="Decline the audience").click()
    h.wait_for_url(re.compile(rf".*/custody/{did}(#.*)?$"))
    expect(h.locator(f"#audience-{second['id']}")).to_contain_text("declined")
    assert ok(hokage.get(f"/custody/{did}"))["audience_requests"][-1]["status"] == "declined"


def test_the_demo_agents_audience_is_granted_from_the_hokages_alert(browser, village, api):
    hokage = api("hokage")
    [agent] = [d for d in ok(hokage.get("/custody")) if d["name"] == "Foreign agent"]
    h = sign_in(browser, village, "hokage")
    h.goto("/alerts")
    alert = h.locator("ul.alerts li").filter(has_text="Foreign agent").filter(has_text="AUDIENCE REQUEST")
    expect(alert).to_have_count(1)
    alert.get_by_role("button", name="Grant the audience").click()
    h.wait_for_url(re.compile(r".*/alerts(#.*)?$"))
    assert [r["status"] for r in ok(hokage.get(f"/custody/{agent['id']}"))["audience_requests"]] == ["granted"]


def test_those_the_policy_leaves_out_see_no_custody_form_and_a_forged_post_is_refused(browser, village, api):
    hokage = api("hokage")
    [agent] = [d for d in ok(hokage.get("/custody")) if d["name"] == "Foreign agent"]
    did = agent["id"]
    before = ok(hokage.get(f"/custody/{did}"))

    # the clerk: custody does not exist for him; the gate offers him no detainee
    clerk = sign_in(browser, village, "iruka")
    for path in ("/custody", f"/custody/{did}"):
        response = clerk.goto(path)
        assert response.status == 404 and "Foreign agent" not in clerk.content()
    clerk.goto("/gate")
    assert clerk.locator("input[name=detainee_ids]").count() == 0 and "Foreign agent" not in clerk.content()
    token = csrf(clerk)
    for path, form in ((f"/custody/{did}/transfer", {"to_ids": str(people(hokage)["Yamato"]), **NOW}),
                       (f"/custody/{did}/release", {"outcome": "released", **NOW}),
                       (f"/custody/{did}/audience", NOW)):
        assert clerk.request.post(path, form={"csrf": token, **form}).status == 404
    assert clerk.request.post("/custody", form={"csrf": token, "name": "Forged", "at": "2026-01-01T00:00",
                                                "escort_ids": str(people(hokage)["Yamato"])}).status == 403
    clerk.goto("/alerts")
    assert clerk.get_by_role("button", name="Grant the audience").count() == 0

    # the genin: no custody, nothing in the nav
    genin = sign_in(browser, village, "konohamaru")
    assert genin.goto(f"/custody/{did}").status == 404
    assert genin.get_by_role("link", name=re.compile("custody")).count() == 0

    # Kakashi is ANBU but no longer holds the agent (the gate guards do): no hand-over or release form
    kakashi = sign_in(browser, village, "kakashi")
    kakashi.goto(f"/custody/{did}")
    expect(kakashi.locator("h1")).to_have_text("Foreign agent")
    assert kakashi.get_by_role("button", name="Hand over").count() == 0
    assert kakashi.get_by_role("button", name="End custody").count() == 0
    token = csrf(kakashi)
    assert kakashi.request.post(f"/custody/{did}/release", form={
        "csrf": token, "outcome": "released", **NOW}).status == 403
    # and the audience decision is the hokage's
    [r] = before["audience_requests"]
    assert kakashi.request.post(f"/custody/{did}/audience/{r['id']}/decision",
                                form={"csrf": token, "decision": "granted"}).status == 403
    assert kakashi.request.post(f"/alerts/audience/{did}/{r['id']}",
                                form={"csrf": token, "decision": "granted"}).status == 403
    # without the form's token, nothing either
    assert kakashi.request.post("/custody", form={"name": "No token", "at": "2026-01-01T00:00",
                                                  "escort_ids": str(people(hokage)["Yamato"])}).status == 403
    after = ok(hokage.get(f"/custody/{did}"))
    assert after["chain"] == before["chain"] and after["status"] == before["status"]
    assert [x["status"] for x in after["audience_requests"]] == [x["status"] for x in before["audience_requests"]]


def test_the_gate_logs_a_shinobi_and_a_detainee(browser, village, api):
    hokage = api("hokage")
    ids = people(hokage)
    did = take_in(api, "Grass smuggler", ["Hatake Kakashi"])  # taken outside the village

    # the clerk logs a shinobi out; he is offered no detainee
    clerk = sign_in(browser, village, "iruka")
    clerk.goto("/gate")
    assert clerk.locator("input[name=detainee_ids]").count() == 0
    before = len(ok(hokage.get("/gate/events", params={"shinobi_id": ids["ANBU gate guard 6"]})))
    clerk.get_by_label("Out (leaving)").check()
    clerk.get_by_label("ANBU gate guard 6", exact=True).check()
    clerk.get_by_role("button", name="Log through the gate").click()
    expect(clerk.locator("#gate-result .ok")).to_contain_text("Logged out")
    events = ok(hokage.get("/gate/events", params={"shinobi_id": ids["ANBU gate guard 6"]}))
    assert len(events) == before + 1 and events[-1]["direction"] == "out" and events[-1]["logged_by"] == "iruka"

    # the ANBU brings the detainee in through the gate
    page = sign_in(browser, village, "kakashi")
    page.goto("/gate")
    page.get_by_label("In (arriving)").check()
    page.locator("fieldset").filter(has_text="Detainees").get_by_label("Grass smuggler").check()
    page.get_by_role("button", name="Log through the gate").click()
    expect(page.locator("#gate-result .ok")).to_contain_text("Grass smuggler")
    events = ok(hokage.get("/gate/events", params={"detainee_id": did}))
    assert [(e["direction"], e["logged_by"]) for e in events] == [("in", "kakashi")]
    assert did in {d["id"] for d in ok(hokage.get("/gate/present"))["detainees"]}


def test_the_gate_log_by_day_and_by_person(browser, village, api):
    hokage = api("hokage")
    ids = people(hokage)
    kakashi_events = ok(hokage.get("/gate/events", params={"shinobi_id": ids["Hatake Kakashi"]}))
    went_out = datetime.fromisoformat(kakashi_events[0]["at"])  # the escort left a week ago
    today = server_now(hokage).date()

    page = sign_in(browser, village, "iruka", width=390)
    page.goto("/gate")
    expect(page.locator("#log-h")).to_contain_text(today.isoformat())
    page.get_by_role("link", name=re.compile("^Previous day")).click()
    expect(page.locator("#log-h")).to_contain_text((today - timedelta(days=1)).isoformat())
    page.get_by_role("link", name=re.compile("^Next day")).click()
    expect(page.locator("#log-h")).to_contain_text(today.isoformat())

    # the day the escort left, by the date picker
    page.get_by_label("Day", exact=True).fill(went_out.date().isoformat())
    page.get_by_role("button", name="Show the day").click()
    log = page.locator("section[aria-labelledby=log-h] tbody")
    expect(page.locator("#log-h")).to_contain_text(went_out.date().isoformat())
    expect(log.locator("tr").filter(has_text="Hatake Kakashi")).to_have_count(1)
    assert went_out.strftime("%H:%M") in log.inner_text()
    no_sideways_scroll(page)

    # by person: every one of his events, out and back in
    page.get_by_label("Person").select_option(label="Hatake Kakashi")
    page.get_by_role("button", name="Show their gate log").click()
    expect(page.locator("#log-h")).to_contain_text("Hatake Kakashi")
    rows = page.locator("section[aria-labelledby=log-h] tbody tr")
    expect(rows).to_have_count(len(kakashi_events))
    assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(len(kakashi_events))] == [
        e["direction"] for e in kakashi_events]
    no_sideways_scroll(page)
    shot(page, "43-gate-log-by-person-phone")
