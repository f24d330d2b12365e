"""The clerk's office through the pages, in a real Chromium, with the record read back over the API after each act.

The demo village on this module's own server: Iruka (the clerk) posts a mission from the board, edits it, writes
its brief and cancels it with a reason; adds a shinobi with an account from the roster, edits the record and links
partners; a refusal is shown in place; a genin sees none of these forms and a forged post is refused. Forms fit a
390 px phone.
"""
from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import expect

from .browser import needs_chromium, ok, shot, sign_in

pytestmark = needs_chromium()

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def by_title(hokage: httpx.Client, title: str) -> dict:
    [m] = [m for m in ok(hokage.get("/missions")) if m["title"] == title]
    return m


def by_name(hokage: httpx.Client, name: str) -> dict:
    [s] = [s for s in ok(hokage.get("/shinobi")) if s["name"] == name]
    return s


def audit(hokage: httpx.Client, action: str, target: str) -> list[dict]:
    return ok(hokage.get("/audit", params={"action": action, "target": target}))


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{page.url} scrolls sideways at 390 px"


def test_the_clerk_posts_a_mission_from_the_board(browser, village, api):
    hokage = api("hokage")
    page = sign_in(browser, village, "iruka")
    page.get_by_role("link", name="Post a mission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a mission")

    # refused in place: a reward outside the rank's band, what was typed kept
    page.get_by_label("Title", exact=True).fill("Escort the bridge builder")
    page.get_by_label("Rank", exact=True).select_option("C")
    page.get_by_label(re.compile(r"^Kind")).fill("escort")
    page.get_by_label(re.compile(r"^Reward in ryo")).fill("500")
    page.get_by_role("button", name="Post the mission").click()
    expect(page.get_by_role("alert")).to_contain_text("REWARD_OUT_OF_BAND")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Escort the bridge builder")
    assert [m for m in ok(hokage.get("/missions")) if m["title"] == "Escort the bridge builder"] == []

    page.get_by_label("Classification", exact=True).select_option("confidential")
    page.get_by_label(re.compile(r"^Reward in ryo")).fill("45000")
    page.get_by_label(re.compile(r"^Team of at least")).fill("3")
    page.get_by_label("Strongest expected", exact=True).select_option("bandits")
    page.get_by_label("How many", exact=True).fill("5")
    page.get_by_label(re.compile(r"^Posted at")).fill("2026-01-02T08:30")
    page.get_by_label("Description", exact=True).fill("Tazuna, to the Land of Waves")
    page.get_by_role("button", name="Post the mission").click()
    page.wait_for_url(re.compile(r".*/missions/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escort the bridge builder")
    shot(page, "clerk-01-mission-posted")

    m = by_title(hokage, "Escort the bridge builder")
    assert page.url.endswith(f"/missions/{m['id']}")
    assert (m["rank"], m["kind"], m["classification"], m["reward_ryo"], m["min_team_size"], m["threat"],
            m["threat_count"], m["description"], m["status"]) == (
        "C", "escort", "confidential", 45_000, 3, "bandits", 5, "Tazuna, to the Land of Waves", "open")
    assert m["posted_at"].startswith("2026-01-02T")  # typed in village time
    assert [e["actor"] for e in audit(hokage, "mission.created", f"mission:{m['id']}")] == ["iruka"]


def test_the_clerk_edits_writes_the_brief_and_cancels(browser, village, api):
    hokage = api("hokage")
    m = ok(hokage.post("/missions", json={"title": "Patrol the eastern wall", "rank": "C", "kind": "patrol",
                                          "reward_ryo": 40_000}), 201)
    page = sign_in(browser, village, "iruka")
    page.goto(f"/missions/{m['id']}")
    page.get_by_role("link", name="Edit this mission").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
    page.get_by_label("Title", exact=True).fill("Patrol the eastern and northern walls")
    page.get_by_label(re.compile(r"^Reward in ryo")).fill("55000")
    page.get_by_label("Description", exact=True).fill("Two nights, four shinobi.")
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_url(re.compile(rf".*/missions/{m['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patrol the eastern and northern walls")

    after = ok(hokage.get(f"/missions/{m['id']}"))
    assert (after["title"], after["reward_ryo"], after["description"], after["rank"]) == (
        "Patrol the eastern and northern walls", 55_000, "Two nights, four shinobi.", "C")
    [edited] = audit(hokage, "mission.edited", f"mission:{m['id']}")
    assert edited["actor"] == "iruka" and set(edited["details"]["changed"]) == {"title", "reward_ryo", "description"}

    # the brief, from the mission page
    page.get_by_text("Write the brief").click()
    page.get_by_label(re.compile(r"^Text of the brief")).fill("Meet at the north gate at dusk.")
    page.get_by_role("button", name="Save the brief").click()
    page.wait_for_load_state()
    assert ok(hokage.get(f"/missions/{m['id']}/brief"))["text"] == "Meet at the north gate at dusk."
    # a second brief over a live one is refused in place
    page.get_by_text("Write the brief").click()
    page.get_by_label(re.compile(r"^Text of the brief")).fill("Another")
    page.get_by_role("button", name="Save the brief").click()
    expect(page.get_by_role("alert").filter(has_text="BRIEF_EXISTS")).to_have_count(1)

    # cancel, with the reason on the record
    page.get_by_text("Cancel this mission").click()
    page.get_by_label(re.compile(r"^Why")).fill("The daimyo's guard took it over")
    page.get_by_role("button", name="Cancel the mission").click()
    page.wait_for_url(re.compile(rf".*/missions/{m['id']}$"))
    expect(page.locator("dl.facts")).to_contain_text("cancelled")
    expect(page.get_by_role("link", name="Edit this mission")).to_have_count(0)
    shot(page, "clerk-02-mission-cancelled")
    assert ok(hokage.get(f"/missions/{m['id']}"))["status"] == "cancelled"
    [cancelled] = audit(hokage, "mission.cancelled", f"mission:{m['id']}")
    assert cancelled["actor"] == "iruka" and cancelled["details"]["reason"] == "The daimyo's guard took it over"


def test_the_clerk_adds_a_shinobi_edits_the_record_and_links_partners(browser, village, api):
    hokage = api("hokage")
    page = sign_in(browser, village, "iruka")
    page.goto("/roster")
    page.get_by_role("link", name="Add a shinobi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a shinobi")
    assert page.locator("input[name=roles]").count() == 0, "the clerk grants no role"
    page.get_by_label("Name", exact=True).fill("Rock Lee")
    page.get_by_label("Rank", exact=True).select_option("genin")
    page.get_by_label("Clearance", exact=True).select_option("confidential")
    page.get_by_label(re.compile(r"^Specialties")).fill("taijutsu, eight-gates")
    page.get_by_label("Username", exact=True).fill("lee")
    page.get_by_label("Password", exact=True).fill("springtime-of-youth-42")
    page.get_by_role("button", name="Add the shinobi").click()
    page.wait_for_url(re.compile(r".*/shinobi/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rock Lee")

    lee = by_name(hokage, "Rock Lee")
    assert (lee["rank"], lee["clearance"], lee["specialties"], lee["username"]) == (
        "genin", "confidential", ["eight-gates", "taijutsu"], "lee")
    assert page.url.endswith(f"/shinobi/{lee['id']}")
    server, _ = village
    assert httpx.post(server.base + "/api/v1/auth/token",
                      json={"username": "lee", "password": "springtime-of-youth-42"}).status_code == 200

    # promoted, and partnered with Konohamaru
    page.get_by_role("link", name=re.compile("Edit the record")).click()
    page.get_by_label("Rank", exact=True).select_option("chunin")
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_url(re.compile(rf".*/shinobi/{lee['id']}$"))
    assert ok(hokage.get(f"/shinobi/{lee['id']}"))["rank"] == "chunin"
    [changed] = audit(hokage, "shinobi.changed", f"shinobi:{lee['id']}")
    assert changed["actor"] == "iruka" and changed["details"] == {"rank": "chunin"}

    page.get_by_role("link", name=re.compile("link partners")).click()
    page.get_by_label(re.compile(r"^Link Rock Lee with")).select_option(label="Sarutobi Konohamaru")
    page.get_by_role("button", name="Link as partners").click()
    page.wait_for_url(re.compile(rf".*/shinobi/{lee['id']}$"))
    expect(page.locator("dl.facts")).to_contain_text("Sarutobi Konohamaru")
    shot(page, "clerk-03-shinobi-partnered")
    konohamaru = by_name(hokage, "Sarutobi Konohamaru")
    assert ok(hokage.get(f"/shinobi/{lee['id']}"))["partner_ids"] == [konohamaru["id"]]
    assert lee["id"] in ok(hokage.get(f"/shinobi/{konohamaru['id']}"))["partner_ids"]


def test_the_hokage_gives_a_new_account_a_role(browser, village, api):
    hokage = api("hokage")
    page = sign_in(browser, village, "hokage")
    page.goto("/shinobi/new")
    page.get_by_label("Name", exact=True).fill("Hyuga Neji")
    page.get_by_label("Rank", exact=True).select_option("chunin")
    page.get_by_label("Clearance", exact=True).select_option("secret")
    page.get_by_label("Username", exact=True).fill("neji")
    page.get_by_label("Password", exact=True).fill("gentle-fist-64-palms")
    page.get_by_label("clerk", exact=True).check()
    page.get_by_role("button", name="Add the shinobi").click()
    page.wait_for_url(re.compile(r".*/shinobi/\d+$"))
    neji = by_name(hokage, "Hyuga Neji")
    assert neji["clearance"] == "secret" and neji["username"] == "neji"
    [created] = [e for e in audit(hokage, "account.created", f"shinobi:{neji['id']}")]
    assert created["details"]["roles"] == ["clerk"]


def test_a_genin_sees_no_office_and_a_forged_post_is_refused(browser, village, api):
    hokage = api("hokage")
    greenhouse = by_title(hokage, "Find the daimyo's wife's cat")
    me = by_name(hokage, "Sarutobi Konohamaru")
    page = sign_in(browser, village, "konohamaru")
    expect(page.get_by_role("link", name="Post a mission")).to_have_count(0)
    page.goto(f"/missions/{greenhouse['id']}")
    expect(page.get_by_role("heading", name="The office")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit this mission")).to_have_count(0)
    page.goto("/roster")
    expect(page.get_by_role("link", name="Add a shinobi")).to_have_count(0)
    page.goto(f"/shinobi/{me['id']}")
    expect(page.get_by_role("link", name=re.compile("Edit the record|Link partners"))).to_have_count(0)

    # forged posts, with the page's own form token: refused, nothing changes
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    before = (ok(hokage.get("/missions")), ok(hokage.get("/shinobi")))
    for path, form in (("/missions/new", {"title": "Forged", "rank": "D", "kind": "chores"}),
                       (f"/missions/{greenhouse['id']}/edit", {"title": "Forged", "kind": "x",
                                                               "classification": "public", "threat": "none"}),
                       (f"/missions/{greenhouse['id']}/cancel", {"reason": "Forged"}),
                       (f"/missions/{greenhouse['id']}/brief/write", {"text": "Forged"}),
                       ("/shinobi/new", {"name": "Forged", "rank": "kage", "clearance": "public"}),
                       (f"/shinobi/{me['id']}/edit", {"name": "Hokage Konohamaru", "rank": "kage",
                                                      "clearance": "public"}),
                       (f"/shinobi/{me['id']}/partners", {"partner_id": "1"})):
        r = page.request.post(path, form={**form, "csrf": csrf}, max_redirects=0)
        assert r.status == 403, (path, r.status)
    for path in ("/missions/new", f"/missions/{greenhouse['id']}/edit", "/shinobi/new", f"/shinobi/{me['id']}/edit"):
        assert page.request.get(path).status == 403, path
    assert (ok(hokage.get("/missions")), ok(hokage.get("/shinobi"))) == before


def axe_violations(page) -> list[str]:
    page.evaluate(AXE)
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`)""")


def test_the_forms_fit_a_phone_and_pass_axe(browser, village, api):
    hokage = api("hokage")
    m = ok(hokage.post("/missions", json={"title": "Carry the scrolls", "rank": "D", "kind": "delivery"}), 201)
    lee = by_name(hokage, "Umino Iruka")
    page = sign_in(browser, village, "iruka", width=390)
    for path in ("/board", "/missions/new", f"/missions/{m['id']}", f"/missions/{m['id']}/edit", "/roster",
                 "/shinobi/new", f"/shinobi/{lee['id']}/edit"):
        page.goto(path)
        for summary in page.locator("details summary").all():
            summary.click()
        no_sideways_scroll(page)
        assert axe_violations(page) == [], path
    hokage_page = sign_in(browser, village, "hokage")
    for path in ("/shinobi/new", f"/missions/{m['id']}", f"/shinobi/{lee['id']}/edit"):
        hokage_page.goto(path)
        for summary in hokage_page.locator("details summary").all():
            summary.click()
        assert axe_violations(hokage_page) == [], path
    page.goto("/missions/new")
    page.get_by_role("button", name="Post the mission").click()  # empty: the browser's own check holds it
    page.get_by_label("Title", exact=True).fill("x")
    page.get_by_label(re.compile(r"^Kind")).fill("x")
    page.get_by_label(re.compile(r"^Reward in ryo")).fill("lots")
    page.get_by_role("button", name="Post the mission").click()
    expect(page.get_by_role("alert")).to_contain_text("VALIDATION_ERROR")
    no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "clerk-04-phone-refusal")
