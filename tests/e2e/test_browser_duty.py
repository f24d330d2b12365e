"""Duty of care through the pages, in a real Chromium, with the record checked through the API after each act.

The demo village on its own server (this module's): a back-dated departure refused even when the browser's own
check is taken off, a team proposed by a genin and accepted from the alerts page, and a booked team judged again
at the gate after a medic's rest order, refused to the clerk and let out by the hokage's written override.
"""
from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.sync_api import expect

from .browser import mission_id, needs_chromium, ok, open_mission, server_now, shot, sign_in

pytestmark = needs_chromium()

S_RANK = "Strike back at the lightning nin"
GREENHOUSE = "Weed the Yamanaka greenhouse"
CARAVAN = "Escort the merchant caravan to Tanzaku"


def shinobi(hokage: httpx.Client) -> dict[str, dict]:
    return {s["name"]: s for s in ok(hokage.get("/shinobi"))}


def audit(hokage: httpx.Client, action: str, mission: int) -> list[dict]:
    return ok(hokage.get("/audit", params={"action": action, "target": f"mission:{mission}"}))


def outs(hokage: httpx.Client, sid: int) -> list[dict]:
    return [e for e in ok(hokage.get("/gate/events", params={"shinobi_id": sid})) if e["direction"] == "out"]


def test_a_back_dated_departure_is_refused_even_without_the_browser_check(browser, village, api):
    hokage = api("hokage")
    target = mission_id(hokage, S_RANK)
    people = shinobi(hokage)
    sakura, kakashi = people["Haruno Sakura"]["id"], people["Hatake Kakashi"]["id"]

    page = sign_in(browser, village, "sakura")
    open_mission(page, S_RANK)
    page.get_by_label("Haruno Sakura").check()
    page.get_by_label("Hatake Kakashi").check()
    departure = page.get_by_label("Departure (village time)")
    assert departure.get_attribute("min"), "a member asking for a team is given the earliest departure"

    # the browser's own check: before `min`, the field is invalid and the form is not sent
    departure.fill("2025-01-01T06:30")
    assert departure.evaluate("el => el.validity.rangeUnderflow") is True
    assert departure.evaluate("el => el.matches(':invalid')") is True
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and "/team" in r.url else None)
    page.get_by_role("button", name="Ask for this team").click()
    page.wait_for_timeout(300)
    assert sent == [], "the browser sent a departure before its own `min`"

    # an attacker takes the check off: the server refuses on its own
    page.evaluate("document.getElementById('departs_at').removeAttribute('min')")
    departure.fill("2025-01-01T06:30")
    assert departure.evaluate("el => el.validity.valid") is True
    page.get_by_role("button", name="Ask for this team").click()
    result = page.locator("#team-result")
    expect(result).to_contain_text("DEPARTURE_IN_PAST")
    assert len(sent) == 1
    assert "Team sent" not in result.inner_text() and "Team proposed" not in result.inner_text()
    shot(page, "21-back-dated-departure-refused")

    # the record: nothing happened
    m = ok(hokage.get(f"/missions/{target}"))
    assert m["status"] == "open" and m["team"] is None
    for sid in (sakura, kakashi):
        assert ok(hokage.get(f"/shinobi/{sid}"))["status"] != "on_mission"
    assert audit(hokage, "assignment.created", target) == []
    assert audit(hokage, "assignment.proposed", target) == []


def test_a_team_is_proposed_then_accepted_from_the_alerts_page(browser, village, api):
    hokage = api("hokage")
    chores = mission_id(hokage, GREENHOUSE)
    people = shinobi(hokage)
    konohamaru, shizune = people["Sarutobi Konohamaru"]["id"], people["Shizune"]["id"]

    page = sign_in(browser, village, "konohamaru")
    open_mission(page, GREENHOUSE)
    page.get_by_label("Sarutobi Konohamaru").check()
    page.get_by_label("Shizune").check()
    page.get_by_role("button", name="Ask for this team").click()
    result = page.locator("#team-result .ok")
    expect(result).to_contain_text("Team proposed")
    assert "Nobody is sent until Shizune accepts" in result.inner_text()
    shot(page, "22-team-proposed")

    # the record: asked, not sent
    m = ok(hokage.get(f"/missions/{chores}"))
    assert m["status"] == "open"
    assert ok(hokage.get(f"/shinobi/{konohamaru}"))["status"] == "active"
    assert ok(hokage.get(f"/shinobi/{shizune}"))["status"] == "active"
    asked = [a for a in ok(api("shizune").get("/alerts")) if a["kind"] == "TEAM_PROPOSAL" and a["assignment_id"]]
    assert len(asked) == 1
    assignment = asked[0]["assignment_id"]
    a = ok(api("konohamaru").get(f"/assignments/{assignment}"))
    assert a["mission_id"] == chores and a["status"] == "proposed"
    assert a["awaiting_ids"] == [shizune] and sorted(a["shinobi_ids"]) == sorted([konohamaru, shizune])
    assert audit(hokage, "assignment.created", chores) == []

    # she accepts on the alerts page
    medic = sign_in(browser, village, "shizune")
    medic.goto("/alerts")
    proposal = medic.locator("ul.alerts li").filter(has_text="TEAM PROPOSAL")
    expect(proposal).to_have_count(1)
    proposal.get_by_role("button", name="Accept").click()
    expect(medic.locator("#answer-result .ok")).to_contain_text("the team is sent")
    expect(medic.locator("ul.alerts li").filter(has_text="TEAM PROPOSAL").get_by_role("button", name="Accept")
           ).to_have_count(0)
    shot(medic, "23-proposal-accepted")

    # the record: sent (an assignment is read by its members; the office reads it on the mission)
    a = ok(api("konohamaru").get(f"/assignments/{assignment}"))
    assert a["status"] == "active" and a["awaiting_ids"] == [] and sorted(a["accepted_ids"]) == sorted(
        [konohamaru, shizune])
    m = ok(hokage.get(f"/missions/{chores}"))
    assert m["status"] == "assigned" and m["team"]["id"] == assignment
    for sid in (konohamaru, shizune):
        assert ok(hokage.get(f"/shinobi/{sid}"))["status"] == "on_mission"
    assert [e["details"]["assignment_id"] for e in audit(hokage, "assignment.created", chores)] == [assignment]


def _log_out_at_the_gate(page, justification: str | None = None) -> None:
    page.goto("/gate")
    page.get_by_label("Out (leaving)").check()
    page.get_by_label("Yamato", exact=True).check()
    page.get_by_label("Sai", exact=True).check()
    if justification is not None:
        page.get_by_label(re.compile("Hokage's override")).fill(justification)
    page.get_by_role("button", name="Log through the gate").click()
    page.wait_for_load_state()


def test_the_gate_judges_a_booked_team_again(browser, village, api):
    hokage = api("hokage")
    caravan = mission_id(hokage, CARAVAN)
    people = shinobi(hokage)
    yamato, sai = people["Yamato"]["id"], people["Sai"]["id"]

    # rested (the demo logs their nights, the last ending at 06:00), booked by the hokage, leaving in two hours
    now = server_now(hokage)
    booked = ok(hokage.post(f"/missions/{caravan}/assignments", json={
        "shinobi_ids": [yamato, sai], "departs_at": (now + timedelta(hours=2)).isoformat()}), 201)
    assert booked["status"] == "active" and booked["left_ids"] == []
    before = {sid: len(outs(hokage, sid)) for sid in (yamato, sai)}

    # a medic orders Sai to rest, from now: the office is told the booking is at risk
    rest = ok(api("shizune").post(f"/shinobi/{sai}/restrictions", json={
        "kind": "rest", "reason": "chakra exhaustion", "starts_at": server_now(hokage).isoformat()}), 201)
    assert rest["kind"] == "rest"
    at_risk = [a for a in ok(api("iruka").get("/alerts"))
               if a["kind"] == "ASSIGNMENT_AT_RISK" and a["assignment_id"] == booked["id"]]
    assert len(at_risk) == 1 and "MEDICAL_REST" in at_risk[0]["codes"] and at_risk[0]["subject_shinobi_id"] == sai

    # the clerk at the gate is refused, with every reason in words
    for width, name in ((1280, "24-gate-refused"), (390, "25-gate-refused-phone")):
        page = sign_in(browser, village, "iruka", width=width)
        _log_out_at_the_gate(page)
        expect(page.locator("#gate-result .refused")).to_be_visible()
        row = page.locator("#gate-result .refused tbody tr").filter(has_text="MEDICAL_REST")
        expect(row).to_have_count(1)
        text = row.inner_text()
        assert "Sai" in text and "Ordered to rest by a medic" in text and "the Hokage may" in text
        assert "Nobody was logged out" in page.locator("#gate-result").inner_text()
        shot(page, name)
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the refusal scrolls sideways"
        page.context.close()

    # the record: nobody went out
    for sid in (yamato, sai):
        assert len(outs(hokage, sid)) == before[sid]
    a = ok(hokage.get(f"/missions/{caravan}"))["team"]
    assert a["id"] == booked["id"] and a["status"] == "active" and a["left_ids"] == []
    assert audit(hokage, "assignment.override", caravan) == []

    # the hokage lets them go, in writing
    why = "The caravan leaves today; Sai rides in the cart"
    page = sign_in(browser, village, "hokage")
    _log_out_at_the_gate(page, why)
    expect(page.locator("#gate-result .ok")).to_contain_text("Logged out")
    assert "Yamato" in page.locator("#gate-result .ok").inner_text()
    shot(page, "26-gate-hokage-override")

    # the record: both out, the override on the audit log
    for sid in (yamato, sai):
        assert len(outs(hokage, sid)) == before[sid] + 1
    a = ok(hokage.get(f"/missions/{caravan}"))["team"]
    assert a["id"] == booked["id"] and sorted(a["left_ids"]) == sorted([yamato, sai])
    overrides = audit(hokage, "assignment.override", caravan)
    assert len(overrides) == 1
    assert overrides[0]["details"]["justification"] == why and overrides[0]["details"]["assignment_id"] == booked["id"]
    assert "MEDICAL_REST" in {r["code"] for r in overrides[0]["details"]["overridden"]}
