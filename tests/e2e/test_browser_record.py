"""The mission page as a record, in a real Chromium, with the record read back over the API after each act.

The demo village on this module's own server: the outpost where thirteen died shows its report and its timeline
(on a phone too); a genin on a booked team files the after-action report from the page, after a refusal shown in
place, while a medic outside the team is offered no form and her forged post is refused; the clerk fills the
team form with the recommended team and sends it, the village's office holders never offered as members.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import expect

from .browser import mission_id, needs_chromium, ok, open_mission, server_now, shot, sign_in

pytestmark = needs_chromium()

OUTPOST = "Relieve the northern outpost"
CAT = "Find the daimyo's wife's cat"
GREENHOUSE = "Weed the Yamanaka greenhouse"


def people(hokage: httpx.Client) -> dict[str, dict]:
    return {s["name"]: s for s in ok(hokage.get("/shinobi"))}


AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core, vendored for test_every_page.py


def no_axe_violations(page) -> None:
    """Zero axe-core violations on the page as it stands (forms open, errors shown)."""
    if not AXE.exists():  # vendored by tests/e2e/test_every_page.py's author; without it, the rest still runs
        return
    page.evaluate(AXE.read_text())
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => v.id + ": " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))""")
    assert found == [], found


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def test_the_outpost_shows_its_report_and_its_timeline(browser, village, api):
    hokage = api("hokage")
    outpost = mission_id(hokage, OUTPOST)
    report = ok(hokage.get(f"/missions/{outpost}/report"))
    assert len(report["casualties"]) == 13
    for who, width in (("sakura", 1280), ("hokage", 390)):
        page = sign_in(browser, village, who, width=width)
        open_mission(page, OUTPOST)
        section = page.locator("section[aria-labelledby=report-h]")
        expect(section.get_by_role("heading", name="After-action report")).to_be_visible()
        text = section.inner_text()
        assert "failure" in text.lower() and "The outpost was overrun. One survivor." in text
        casualties = section.locator("ul.casualties li")
        expect(casualties).to_have_count(13)
        assert "ANBU squadmate 7: killed in action" in casualties.nth(6).inner_text() or any(
            "ANBU squadmate 7: killed in action" in li.inner_text() for li in casualties.all())
        assert "13 killed, 0 missing, 0 wounded" in text
        timeline = page.locator("ol.timeline").inner_text()
        for words in ("Posted on the board", "Authorised", "Team sent: Haruno Sakura, ANBU squadmate 1",
                      "Reported: failure"):
            assert words in timeline, timeline
        assert "UTC" in timeline  # the village's zone, named
        assert page.get_by_role("heading", name="File the after-action report").count() == 0  # reported already
        shot(page, f"40-outpost-report-{width}")
        if width == 390:
            no_sideways_scroll(page)
        no_axe_violations(page)
        page.context.close()


def test_a_member_files_the_report_from_the_page(browser, village, api):
    hokage = api("hokage")
    cat = mission_id(hokage, CAT)
    cast = people(hokage)
    genin, yamato = cast["Sarutobi Konohamaru"]["id"], cast["Yamato"]["id"]
    departed = server_now(hokage) - timedelta(minutes=30)  # the office records a departure that happened
    booked = ok(hokage.post(f"/missions/{cat}/assignments", json={
        "shinobi_ids": [genin, yamato], "departs_at": departed.isoformat()}), 201)
    assert booked["status"] == "active"

    # a medic outside the team: no form, and a post forged with her own token is refused
    medic = sign_in(browser, village, "shizune")
    open_mission(medic, CAT)
    assert medic.get_by_role("heading", name="File the after-action report").count() == 0
    token = medic.locator("input[name=csrf]").first.get_attribute("value")
    forged = medic.request.post(f"/missions/{cat}/report", form={
        "csrf": token, "outcome": "success", "at": datetime.now().strftime("%Y-%m-%dT%H:%M")})
    assert forged.status == 403
    assert hokage.get(f"/missions/{cat}/report").status_code == 404
    medic.context.close()

    # the genin on the team, on a phone: first dated before the departure, refused in place
    page = sign_in(browser, village, "konohamaru", width=390)
    open_mission(page, CAT)
    form = page.locator("form.report-form")
    expect(page.get_by_role("heading", name="File the after-action report")).to_be_visible()
    page.get_by_label("Success: the mission completed").check()
    at = page.get_by_label(re.compile(r"Ended at \(village time"))
    good = at.input_value()
    at.fill((departed - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Summary").fill("The cat was in the greenhouse.")
    page.get_by_label("Yamato").select_option(label="wounded")
    form.get_by_role("button", name="File the report").click()
    error = page.locator("#report-error")
    expect(error).to_be_visible()
    assert error.get_attribute("role") == "alert" and "REPORT_BEFORE_DEPARTURE" in error.inner_text()
    assert page.get_by_label("Summary").input_value() == "The cat was in the greenhouse."  # kept
    no_sideways_scroll(page)
    shot(page, "41-report-refused-phone")
    no_axe_violations(page)
    assert hokage.get(f"/missions/{cat}/report").status_code == 404

    # then at the right time: filed, and the page shows it
    at.fill(good)
    page.get_by_label("Specimens brought back (one a line)").fill("the cat's collar")
    page.locator("form.report-form").get_by_role("button", name="File the report").click()
    page.wait_for_url(re.compile(rf".*/missions/{cat}#report-h$"))
    section = page.locator("section[aria-labelledby=report-h]")
    expect(section).to_contain_text("The cat was in the greenhouse.")
    expect(section).to_contain_text("Yamato: wounded")
    expect(page.get_by_role("heading", name="File the after-action report")).to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text("Reported: success")
    shot(page, "42-report-filed-phone")

    # the record
    report = ok(hokage.get(f"/missions/{cat}/report"))
    assert report["outcome"] == "success" and report["summary"] == "The cat was in the greenhouse."
    assert report["casualties"] == [{"shinobi_id": yamato, "status": "injured"}]
    assert [s["description"] for s in report["specimens"]] == ["the cat's collar"]
    assert report["filed_by"] == "konohamaru"
    assert ok(hokage.get(f"/missions/{cat}"))["status"] == "completed"
    for sid in (genin, yamato):
        assert ok(hokage.get(f"/shinobi/{sid}"))["status"] == "active"


def test_the_clerk_sends_the_recommended_team(browser, village, api):
    hokage = api("hokage")
    greenhouse = mission_id(hokage, GREENHOUSE)
    cast = people(hokage)

    # a genin may not have a team recommended: no button, and the parameter ticks nothing
    genin = sign_in(browser, village, "konohamaru")
    open_mission(genin, GREENHOUSE)
    assert genin.get_by_role("button", name="Use the recommended team").count() == 0
    genin.goto(f"/missions/{greenhouse}?use=recommended")
    assert genin.locator("input[name=shinobi_ids]:checked").count() == 0
    genin.context.close()

    page = sign_in(browser, village, "iruka")
    open_mission(page, GREENHOUSE)
    members = page.locator("fieldset .pick")
    for office_holder in ("Tsunade", "Mitokado Homura", "Utatane Koharu"):
        assert office_holder not in members.inner_text()
    sakura = members.locator("label").filter(has_text="Haruno Sakura")
    assert "Resting" in sakura.inner_text() and "Ordered to rest by a medic" in sakura.inner_text()
    sai = members.locator("label").filter(has_text=re.compile(r"^\s*Sai\b"))
    assert "fit for this mission now" in sai.inner_text()
    page.get_by_role("button", name="Use the recommended team").click()
    page.wait_for_url(re.compile(r".*use=recommended.*"))
    ticked = [int(v) for v in page.locator("input[name=shinobi_ids]:checked").evaluate_all(
        "els => els.map(e => e.value)")]
    departure = page.get_by_label("Departure (village time)").input_value()
    recommended = ok(api("iruka").get(f"/missions/{greenhouse}/recommendation",
                                      params={"departs_at": departure + ":00+00:00"}))
    assert ticked and sorted(ticked) == sorted(p["shinobi_id"] for p in recommended["team"])
    assert cast["Haruno Sakura"]["id"] not in ticked
    shot(page, "43-recommended-team")
    no_axe_violations(page)
    page.get_by_role("button", name="Send the team").click()
    expect(page.locator("#team-result .ok")).to_contain_text("Team sent")

    # the record
    m = ok(hokage.get(f"/missions/{greenhouse}"))
    assert m["status"] == "assigned" and sorted(m["team"]["shinobi_ids"]) == sorted(ticked)
    page.reload()
    expect(page.locator("ol.timeline")).to_contain_text("Team sent")


def test_a_refusal_on_the_mission_page_fits_a_phone(browser, village, api):
    hokage = api("hokage")
    target = mission_id(hokage, "Strike back at the lightning nin")
    page = sign_in(browser, village, "sakura", width=390)
    open_mission(page, "Strike back at the lightning nin")
    page.get_by_label("Haruno Sakura").check()
    page.get_by_role("button", name="Ask for this team").click()
    table = page.locator("#team-result .refused table.reasons")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 3
    assert any("MEDICAL_REST" in r.inner_text() and "Ordered to rest by a medic" in r.inner_text() for r in rows.all())
    no_sideways_scroll(page)
    no_axe_violations(page)
    shot(page, "44-refusal-phone")
    # the record: nothing sent
    m = ok(hokage.get(f"/missions/{target}"))
    assert m["status"] == "open" and m["team"] is None
