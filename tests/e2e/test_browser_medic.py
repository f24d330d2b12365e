"""The medic's work on a shinobi's page, in a real Chromium, with the record read back over the API after each act.

The demo village on this module's own server: Shizune (a medic) orders rest and light duty, lifts an order, places
and lifts a welfare hold, records an injury, a treatment, a chakra pill past the limit (the warning shown) and a
note; the hokage files an order; a clerk and a genin see none of the forms, and their forged posts are refused.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from .browser import needs_chromium, ok, shot, sign_in

pytestmark = needs_chromium()

FORMS = ("Order rest or light duty", "Place a welfare hold", "Record an injury", "Record a treatment you gave",
         "Record a dose", "Write a medical note")


def sid_of(hokage: httpx.Client, name: str) -> int:
    [s] = [s for s in ok(hokage.get("/shinobi")) if s["name"] == name]
    return s["id"]


def later(value: str, hours: float) -> str:
    """A datetime-local value moved on by some hours."""
    return (datetime.fromisoformat(value) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def open_page(page, sid: int) -> None:
    page.goto(f"/shinobi/{sid}")
    page.wait_for_selector("h1")


def form(page, legend: str):
    return page.get_by_role("group", name=legend)


def test_a_medic_orders_rest_and_light_duty_and_lifts_an_order(browser, village, api):
    hokage = api("hokage")
    yamato = sid_of(hokage, "Yamato")
    page = sign_in(browser, village, "shizune")
    open_page(page, yamato)

    order = form(page, "Order rest or light duty")
    order.get_by_label("Kind").select_option("rest")
    order.get_by_label("Reason").fill("wood release overuse")
    start = order.get_by_label("From (village time)").input_value()
    assert start, "the start is given as now, in the village's time"
    order.get_by_label(re.compile("^Until")).fill(later(start, 12))
    order.get_by_role("button", name="Record the order").click()
    page.wait_for_url(re.compile(r".*/shinobi/\d+#restrictions$"))
    [rest] = ok(hokage.get(f"/shinobi/{yamato}/restrictions"))
    assert rest["kind"] == "rest" and rest["status"] == "recommended" and rest["reason"] == "wood release overuse"
    assert rest["ends_at"] is not None and rest["lifted_at"] is None
    item = page.locator(f"#restriction-{rest['id']}")
    expect(item).to_contain_text("open (recommended)")
    expect(item).to_contain_text("Recorded by shizune")
    # it restricts duty at once
    fitness = ok(hokage.get(f"/shinobi/{yamato}/fitness"))
    assert "MEDICAL_REST" in {r["code"] for r in fitness["reasons"]}

    order = form(page, "Order rest or light duty")
    order.get_by_label("Kind").select_option("light_duty")
    order.get_by_label("Reason").fill("sprained wrist")
    order.get_by_role("button", name="Record the order").click()
    page.wait_for_url(re.compile(r".*#restrictions$"))
    light = [r for r in ok(hokage.get(f"/shinobi/{yamato}/restrictions")) if r["kind"] == "light_duty"]
    assert len(light) == 1 and light[0]["reason"] == "sprained wrist" and light[0]["ends_at"] is None

    # lifted, with a note
    item = page.locator(f"#restriction-{rest['id']}")
    item.get_by_label("Note on lifting").fill("slept it off")
    item.get_by_role("button", name="Lift this order").click()
    page.wait_for_url(re.compile(r".*#restrictions$"))
    lifted = [r for r in ok(hokage.get(f"/shinobi/{yamato}/restrictions")) if r["id"] == rest["id"]][0]
    assert lifted["status"] == "lifted" and lifted["lifted_at"] is not None
    item = page.locator(f"#restriction-{rest['id']}")
    expect(item).to_contain_text("lifted")
    expect(item).to_contain_text("by shizune")
    assert item.get_by_role("button", name="Lift this order").count() == 0
    assert [e for e in ok(hokage.get("/audit", params={"action": "restriction.lifted",
                                                         "target": f"restriction:{rest['id']}"}))
            if e["actor"] == "shizune"]
    shot(page, "50-medic-orders")


def test_a_refused_order_shows_its_code_in_place(browser, village, api):
    hokage = api("hokage")
    sai = sid_of(hokage, "Sai")
    before = ok(hokage.get(f"/shinobi/{sai}/restrictions"))
    page = sign_in(browser, village, "shizune")
    open_page(page, sai)
    order = form(page, "Order rest or light duty")
    order.get_by_label("Reason").fill("ink poisoning")
    start = order.get_by_label("From (village time)").input_value()
    order.get_by_label(re.compile("^Until")).fill(later(start, -2))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        order.get_by_role("button", name="Record the order").click()
    assert answer.value.status == 422
    box = form(page, "Order rest or light duty").get_by_role("alert")
    expect(box).to_contain_text("INTERVAL_INVALID")
    assert form(page, "Order rest or light duty").get_by_label("Reason").input_value() == "ink poisoning"
    assert ok(hokage.get(f"/shinobi/{sai}/restrictions")) == before


def test_the_hokage_files_a_medics_order(browser, village, api):
    hokage = api("hokage")
    kakashi = sid_of(hokage, "Hatake Kakashi")
    [rest] = [r for r in ok(hokage.get(f"/shinobi/{kakashi}/restrictions")) if r["status"] == "recommended"]

    medic = sign_in(browser, village, "shizune")
    open_page(medic, kakashi)
    assert medic.get_by_role("button", name="File this order").count() == 0, "filing is the hokage's"
    # a medic's forged filing is refused
    token = medic.locator("input[name=csrf]").first.get_attribute("value")
    r = medic.request.post(f"/shinobi/{kakashi}/restrictions/{rest['id']}/file", form={"csrf": token})
    assert r.status == 403

    page = sign_in(browser, village, "hokage")
    open_page(page, kakashi)
    item = page.locator(f"#restriction-{rest['id']}")
    item.get_by_role("button", name="File this order").click()
    page.wait_for_url(re.compile(r".*#restrictions$"))
    [filed] = [r for r in ok(hokage.get(f"/shinobi/{kakashi}/restrictions")) if r["id"] == rest["id"]]
    assert filed["status"] == "filed"
    item = page.locator(f"#restriction-{rest['id']}")
    expect(item).to_contain_text("Filed by hokage")
    assert item.get_by_role("button", name="File this order").count() == 0
    # filing changes no fitness: still refused for rest
    assert "MEDICAL_REST" in {r["code"] for r in ok(hokage.get(f"/shinobi/{kakashi}/fitness"))["reasons"]}


def test_a_medic_places_and_lifts_a_welfare_hold(browser, village, api):
    hokage = api("hokage")
    sai = sid_of(hokage, "Sai")
    page = sign_in(browser, village, "shizune")
    open_page(page, sai)
    hold = form(page, "Place a welfare hold")
    hold.get_by_label("Reason").fill("lost his brother")
    hold.get_by_role("button", name="Place the hold").click()
    page.wait_for_url(re.compile(r".*#holds$"))
    [h] = ok(hokage.get(f"/shinobi/{sai}/welfare-holds"))
    assert h["status"] == "active" and h["reason"] == "lost his brother"
    assert "WELFARE_HOLD" in {r["code"] for r in ok(hokage.get(f"/shinobi/{sai}/fitness",
                                                               params={"mission_id": s_rank(hokage)}))["reasons"]}

    item = page.locator(f"#hold-{h['id']}")
    expect(item).to_contain_text("Placed by shizune")
    # the review's note is required: the service says so in place
    item.get_by_label("The review's note").evaluate("el => el.removeAttribute('required')")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        item.get_by_role("button", name="Lift this hold").click()
    assert answer.value.status == 422
    expect(page.locator(f"#hold-{h['id']}").get_by_role("alert")).to_contain_text("NOTE_REQUIRED")
    assert ok(hokage.get(f"/shinobi/{sai}/welfare-holds"))[0]["status"] == "active"

    item = page.locator(f"#hold-{h['id']}")
    item.get_by_label("The review's note").fill("talked it through; fit for A and S")
    item.get_by_role("button", name="Lift this hold").click()
    page.wait_for_url(re.compile(r".*#holds$"))
    [h] = ok(hokage.get(f"/shinobi/{sai}/welfare-holds"))
    assert h["status"] == "lifted" and h["note"] == "talked it through; fit for A and S"
    expect(page.locator(f"#hold-{h['id']}")).to_contain_text("review: talked it through")


def s_rank(hokage: httpx.Client) -> int:
    [m] = [m for m in ok(hokage.get("/missions")) if m["title"] == "Strike back at the lightning nin"]
    return m["id"]


def test_a_medic_records_injury_treatment_medication_and_a_note(browser, village, api):
    hokage = api("hokage")
    sakura = sid_of(hokage, "Haruno Sakura")
    before = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    page = sign_in(browser, village, "shizune")
    open_page(page, sakura)

    injury = form(page, "Record an injury")
    injury.get_by_label("Body part").fill("right hand")
    injury.get_by_label("Injury").fill("burn from a fire jutsu")
    injury.get_by_label("Severity").select_option("moderate")
    injury.get_by_role("button", name="Record the injury").click()
    page.wait_for_url(re.compile(r".*#injuries$"))
    record = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    [new] = [i for i in record["injuries"] if i["body_part"] == "right hand"]
    assert new["kind"] == "burn from a fire jutsu" and new["severity"] == "moderate"
    assert new["recorded_by"] == "shizune"

    treatment = form(page, "Record a treatment you gave")
    treatment.get_by_label("Treatment").fill("cooling_seal")
    treatment.get_by_label("For the injury").select_option(str(new["id"]))
    treatment.get_by_label("Notes").fill("dressed the burn")
    treatment.get_by_role("button", name="Record the treatment").click()
    page.wait_for_url(re.compile(r".*#treatments$"))
    record = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    [t] = [t for t in record["treatments"] if t["kind"] == "cooling_seal"]
    assert t["injury_id"] == new["id"] and t["notes"] == "dressed the burn"
    assert t["medic_id"] == sid_of(hokage, "Shizune")
    expect(page.locator("#treatments")).to_contain_text("cooling seal by Shizune")

    # a third chakra pill within a day of the two she took last night: recorded, and warned of
    dose = form(page, "Record a dose")
    dose.get_by_label("Drug").fill("chakra_pill")
    dose.get_by_label("Amount").fill("1")
    dose.get_by_label("Unit").fill("pill")
    dose.get_by_role("button", name="Record the dose").click()
    page.wait_for_url(re.compile(r".*#medication$"))
    record = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    assert len(record["medications"]) == len(before["medications"]) + 1
    assert record["medications"][-1]["drug"] == "chakra_pill"
    [entry] = ok(hokage.get("/audit", params={"action": "medication.recorded", "actor": "shizune"}))
    assert entry["details"]["warnings"] and "chakra pills within 24 hours" in entry["details"]["warnings"][0]
    warning = page.locator("#medication .pill-warning")
    expect(warning.first).to_contain_text("3 chakra pills within 24 hours")
    shot(page, "51-medic-pill-warning")

    note = form(page, "Write a medical note")
    note.get_by_label("Note").fill("Burn dressed; check tomorrow.")
    note.get_by_role("button", name="Add the note").click()
    page.wait_for_url(re.compile(r".*#notes$"))
    record = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    assert [n for n in record["notes"]
            if n["text"] == "Burn dressed; check tomorrow." and n["recorded_by"] == "shizune"]
    expect(page.locator("#notes")).to_contain_text("Burn dressed; check tomorrow.")


@pytest.mark.parametrize("who", ["iruka", "konohamaru"])
def test_who_may_not_sees_no_form_and_a_forged_post_is_refused(browser, village, api, who):
    hokage = api("hokage")
    sakura = sid_of(hokage, "Haruno Sakura")
    before = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    page = sign_in(browser, village, who)
    open_page(page, sakura)
    for legend in FORMS:
        assert form(page, legend).count() == 0, f"{who} sees {legend}"
    if who == "konohamaru":  # not hers to read: no medical record, no missions, no gate history
        for section in ("#restrictions", "#missions", "#gate-history"):
            assert page.locator(section).count() == 0
    for name in ("File this order", "Lift this order", "Lift this hold"):
        assert page.get_by_role("button", name=name).count() == 0
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    now = datetime.fromisoformat(ok(hokage.get("/gate/present"))["at"]).strftime("%Y-%m-%dT%H:%M")
    restriction = before["restrictions"][0]["id"]
    for path, fields in ((f"/shinobi/{sakura}/restrictions", {"kind": "rest", "reason": "x", "starts_at": now}),
                         (f"/shinobi/{sakura}/restrictions/{restriction}/lift", {"at": now, "note": "x"}),
                         (f"/shinobi/{sakura}/restrictions/{restriction}/file", {}),
                         (f"/shinobi/{sakura}/welfare-holds", {"reason": "x", "since": now}),
                         (f"/shinobi/{sakura}/injuries", {"body_part": "x", "kind": "x", "severity": "minor",
                                                          "at": now}),
                         (f"/shinobi/{sakura}/treatments", {"kind": "x", "at": now}),
                         (f"/shinobi/{sakura}/medications", {"drug": "chakra_pill", "amount": "1", "unit": "pill",
                                                             "at": now}),
                         (f"/shinobi/{sakura}/medical-notes", {"text": "x", "at": now})):
        r = page.request.post(path, form={"csrf": token, **fields}, max_redirects=0)
        assert r.status in (403, 404), (who, path, r.status)
    after = ok(hokage.get(f"/shinobi/{sakura}/medical"))
    assert after == before


def test_the_page_and_its_chart_fit_a_phone(browser, village, api):
    hokage = api("hokage")
    kakashi = sid_of(hokage, "Hatake Kakashi")
    page = sign_in(browser, village, "shizune", width=390)
    open_page(page, kakashi)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    chart = page.locator("svg.chart")
    assert chart.evaluate("el => el.getBoundingClientRect().right") <= 390
    assert chart.locator(".now-line").count() == 2  # in both panels
    assert chart.locator(".band-rest-order").count() == 2 and chart.locator(".band-rest-period").count() == 2
    labels = chart.locator(".band-label").all_text_contents()
    assert labels.count("Rest order (open-ended)") == 2, labels
    assert len([x for x in labels if x.startswith("Rest period until")]) == 2, labels
    assert "now" in chart.locator("desc").text_content()
    # his record: the escort he came back from, and the gate
    row = page.locator("#missions tbody tr").filter(has_text="Bring in the defecting agent")
    expect(row).to_contain_text("success")
    gate = page.locator("#gate-history").inner_text()
    assert "came in" in gate and "went out" in gate
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "52-medic-phone")
