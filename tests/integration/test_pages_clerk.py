"""The clerk's forms on the pages (TestClient, both engines): each form is shown only to those the policy allows,
a submit makes the same change as the API (read back over the API), a refusal is shown in place with its code
and status, and a forged or forbidden post changes nothing."""
from __future__ import annotations

import re

from ..conftest import BOOT_PASSWORD
from .api import PASSWORD, Api
from .test_web import browser_for, csrf_of


def post(c, path: str, data: dict, page: str | None = None):
    token = csrf_of(c.get(page or "/board").text)
    return c.post(path, data={**data, "csrf": token}, follow_redirects=False)


def state(api: Api) -> dict:
    """What a refused or forged post must leave as it was (signing in and reading pages are on the audit log:
    set aside)."""
    s = api.snapshot()
    s["audit"] = [e for e in s["audit"] if not e["action"].startswith(("auth.", "medical.read", "custody.read"))]
    return s


def error_box(html: str) -> str:
    m = re.search(r'<div class="error clerk-error" role="alert">(.*?)</div>', html, re.S)
    assert m, "no error box"
    return m.group(1)


def test_post_a_mission_from_the_board(app, api: Api):
    clerk = browser_for(app, "clerk")
    assert 'href="/missions/new"' in clerk.get("/board").text
    form = clerk.get("/missions/new").text
    for label in ("Title", "Rank", "Kind", "Classification", "Description"):
        assert f">{label}" in form
    assert 'value="secret"' not in form  # the clerk is cleared to confidential
    r = post(clerk, "/missions/new", {"title": "Escort the bridge builder", "rank": "C", "kind": "escort",
                                      "classification": "confidential", "reward_ryo": "45,000",
                                      "min_team_size": "3", "threat": "bandits", "threat_count": "5",
                                      "description": "Tazuna, to the Land of Waves", "posted_at": ""})
    assert r.status_code == 303, r.text
    mid = int(r.headers["location"].rsplit("/", 1)[1])
    m = api.ok("hokage", "GET", f"/missions/{mid}")
    assert (m["title"], m["rank"], m["kind"], m["classification"], m["reward_ryo"], m["min_team_size"], m["threat"],
            m["threat_count"], m["description"], m["status"]) == (
        "Escort the bridge builder", "C", "escort", "confidential", 45_000, 3, "bandits", 5,
        "Tazuna, to the Land of Waves", "open")
    assert [e["actor"] for e in api.audit("mission.created") if e["target"] == f"mission:{mid}"] == ["clerk"]


def test_a_refused_posting_is_shown_in_place_and_changes_nothing(app, api: Api):
    clerk = browser_for(app, "clerk")
    before = state(api)
    r = post(clerk, "/missions/new", {"title": "Cheap", "rank": "B", "kind": "escort", "reward_ryo": "10"})
    assert r.status_code == 422 and "REWARD_OUT_OF_BAND" in error_box(r.text)
    assert 'value="Cheap"' in r.text  # what was typed is kept
    r = post(clerk, "/missions/new", {"title": "Too secret", "rank": "B", "kind": "escort",
                                      "classification": "top_secret"})
    assert r.status_code == 422 and "CLASSIFICATION_ABOVE_CLEARANCE" in error_box(r.text)
    r = post(clerk, "/missions/new", {"title": "Alone", "rank": "S", "kind": "x", "min_team_size": "1"})
    assert r.status_code == 422 and "TEAM_SIZE_INVALID" in error_box(r.text)
    r = post(clerk, "/missions/new", {"title": "When", "rank": "D", "kind": "x", "posted_at": "yesterday"})
    assert r.status_code == 422 and "VALIDATION_ERROR" in error_box(r.text)
    assert state(api) == before


def test_those_who_may_not_post_see_no_link_and_a_forged_post_is_refused(app, api: Api):
    before = state(api)
    for who in ("genin", "medic", "elder"):
        c = browser_for(app, who)
        assert 'href="/missions/new"' not in c.get("/board").text
        assert c.get("/missions/new").status_code == 403
        r = post(c, "/missions/new", {"title": "Forged", "rank": "D", "kind": "chores"})
        assert r.status_code == 403
    clerk = browser_for(app, "clerk")
    r = clerk.post("/missions/new", data={"title": "No token", "rank": "D", "kind": "chores"})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    assert state(api) == before


def test_edit_a_mission_from_its_page(app, api: Api):
    m = api.mission("C", title="Guard the bridge", description="Old words")
    clerk = browser_for(app, "clerk")
    page = clerk.get(f"/missions/{m['id']}").text
    assert f'href="/missions/{m["id"]}/edit"' in page and "Cancel the mission" in page and "Save the brief" in page
    form = clerk.get(f"/missions/{m['id']}/edit").text
    assert 'value="Guard the bridge"' in form and "Old words" in form
    r = post(clerk, f"/missions/{m['id']}/edit", {"title": "Guard the great bridge", "kind": "chores",
                                                   "classification": "public", "reward_ryo": "60000",
                                                   "min_team_size": "2", "threat": "none", "threat_count": "0",
                                                   "description": "Old words"})
    assert r.status_code == 303 and r.headers["location"] == f"/missions/{m['id']}"
    after = api.ok("hokage", "GET", f"/missions/{m['id']}")
    assert after["title"] == "Guard the great bridge" and after["reward_ryo"] == 60_000
    [entry] = [e for e in api.audit("mission.edited") if e["target"] == f"mission:{m['id']}"]
    assert set(entry["details"]["changed"]) == {"title", "reward_ryo"}
    # refused: in place, with the status the API gives
    r = post(clerk, f"/missions/{m['id']}/edit", {"title": "x", "kind": "chores", "classification": "public",
                                                   "reward_ryo": "1", "min_team_size": "2", "threat": "none",
                                                   "threat_count": "0", "description": ""})
    assert r.status_code == 422 and "REWARD_OUT_OF_BAND" in error_box(r.text)
    assert api.ok("hokage", "GET", f"/missions/{m['id']}")["title"] == "Guard the great bridge"


def test_cancel_a_mission_from_its_page(app, api: Api):
    m = api.mission("D")
    clerk = browser_for(app, "clerk")
    r = post(clerk, f"/missions/{m['id']}/cancel", {"reason": "  "}, page=f"/missions/{m['id']}")
    assert r.status_code == 422 and "REASON_REQUIRED" in error_box(r.text)
    r = post(clerk, f"/missions/{m['id']}/cancel", {"reason": "The client withdrew"}, page=f"/missions/{m['id']}")
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/missions/{m['id']}")["status"] == "cancelled"
    [entry] = [e for e in api.audit("mission.cancelled") if e["target"] == f"mission:{m['id']}"]
    assert entry["details"]["reason"] == "The client withdrew"
    page = clerk.get(f"/missions/{m['id']}").text
    assert "Cancel the mission" not in page and "/edit" not in page  # closed: no more edits
    r = post(clerk, f"/missions/{m['id']}/cancel", {"reason": "again"})
    assert r.status_code == 409 and "MISSION_NOT_CANCELLABLE" in error_box(r.text)


def test_write_a_brief_from_the_mission_page(app, api: Api):
    m = api.mission("B", classification="confidential")
    clerk = browser_for(app, "clerk")
    r = post(clerk, f"/missions/{m['id']}/brief/write", {"text": "Meet at the third gate."})
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/missions/{m['id']}/brief")["text"] == "Meet at the third gate."
    r = post(clerk, f"/missions/{m['id']}/brief/write", {"text": "Another"})
    assert r.status_code == 409 and "BRIEF_EXISTS" in error_box(r.text)
    elder = browser_for(app, "elder")
    assert "Save the brief" in elder.get(f"/missions/{m['id']}").text  # the council writes briefs too


def test_those_who_may_not_see_no_office_on_the_mission_and_forged_posts_are_refused(app, api: Api):
    m = api.mission("D", title="Untouched")
    hidden = api.mission("B", classification="secret")
    before = state(api)
    for who in ("genin", "medic"):
        c = browser_for(app, who)
        page = c.get(f"/missions/{m['id']}").text
        assert "The office" not in page and "/edit" not in page and "Save the brief" not in page
        assert c.get(f"/missions/{m['id']}/edit").status_code == 403
        for path, data in ((f"/missions/{m['id']}/edit", {"title": "Forged", "kind": "x", "classification": "public",
                                                          "threat": "none"}),
                           (f"/missions/{m['id']}/cancel", {"reason": "Forged"}),
                           (f"/missions/{m['id']}/brief/write", {"text": "Forged"})):
            assert post(c, path, data).status_code == 403, path
    elder = browser_for(app, "elder")
    assert f"/missions/{m['id']}/edit" not in elder.get(f"/missions/{m['id']}").text
    assert post(elder, f"/missions/{m['id']}/cancel", {"reason": "Forged"}).status_code == 403
    # hidden from the clerk: 404, exactly as if it did not exist
    clerk = browser_for(app, "clerk")
    assert post(clerk, f"/missions/{hidden['id']}/cancel", {"reason": "x"}).status_code == 404
    assert clerk.get(f"/missions/{hidden['id']}/edit").status_code == 404
    assert state(api) == before


def test_add_a_shinobi_with_an_account_from_the_roster(app, api: Api):
    clerk = browser_for(app, "clerk")
    assert 'href="/shinobi/new"' in clerk.get("/roster").text
    form = clerk.get("/shinobi/new").text
    assert 'name="roles"' not in form and 'value="secret"' not in form  # the clerk grants no role, no secret
    r = post(clerk, "/shinobi/new", {"name": "Rock Lee", "rank": "genin", "clearance": "confidential",
                                     "divisions": "taijutsu", "specialties": "eight-gates, youth",
                                     "username": "lee", "password": PASSWORD})
    assert r.status_code == 303, r.text
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    s = api.ok("hokage", "GET", f"/shinobi/{sid}")
    assert (s["name"], s["rank"], s["clearance"], s["divisions"], s["specialties"], s["username"]) == (
        "Rock Lee", "genin", "confidential", ["taijutsu"], ["eight-gates", "youth"], "lee")
    api.login("lee")
    # the hokage may give roles
    hokage = browser_for(app, "hokage", password=BOOT_PASSWORD)
    assert 'name="roles"' in hokage.get("/shinobi/new").text
    r = post(hokage, "/shinobi/new", {"name": "Neji", "rank": "chunin", "clearance": "secret", "username": "neji",
                                      "password": PASSWORD, "roles": ["clerk"]})
    assert r.status_code == 303, r.text
    neji = next(x for x in api.ok("hokage", "GET", "/shinobi") if x["name"] == "Neji")
    api.login("neji")
    assert api.ok("neji", "GET", "/auth/me")["roles"] == ["clerk"]
    assert neji["clearance"] == "secret"


def test_a_refused_shinobi_is_shown_in_place_and_a_forged_role_is_refused(app, api: Api):
    clerk = browser_for(app, "clerk")
    before = state(api)
    r = post(clerk, "/shinobi/new", {"name": "Weak", "rank": "genin", "clearance": "public", "username": "weak",
                                     "password": "123"})
    assert r.status_code == 422 and error_box(r.text) and 'value="Weak"' in r.text
    r = post(clerk, "/shinobi/new", {"name": "Taken", "rank": "genin", "clearance": "public", "username": "clerk",
                                     "password": PASSWORD})
    assert r.status_code == 409 and "USERNAME_TAKEN" in error_box(r.text)
    r = post(clerk, "/shinobi/new", {"name": "Spy", "rank": "genin", "clearance": "public", "username": "spy",
                                     "password": PASSWORD, "roles": ["hokage"]})
    assert r.status_code == 403  # forged: the form offers the clerk no roles
    r = post(clerk, "/shinobi/new", {"name": "Spy", "rank": "genin", "clearance": "top_secret"})
    assert r.status_code == 403
    for who in ("genin", "medic", "elder"):
        c = browser_for(app, who)
        assert 'href="/shinobi/new"' not in c.get("/roster").text
        assert c.get("/shinobi/new").status_code == 403
        assert post(c, "/shinobi/new", {"name": "Forged", "rank": "genin"}).status_code == 403
    assert state(api) == before


def test_edit_a_shinobi_and_link_partners_from_the_shinobi_page(app, api: Api):
    guy = api.person("Might Guy", rank="jonin", specialties=["taijutsu"])
    kakashi = api.person("Kakashi", rank="jonin")
    clerk = browser_for(app, "clerk")
    assert f'href="/shinobi/{guy}/edit"' in clerk.get(f"/shinobi/{guy}").text
    r = post(clerk, f"/shinobi/{guy}/edit", {"name": "Might Guy", "rank": "jonin", "clearance": "confidential",
                                             "divisions": "", "specialties": "taijutsu, eight-gates"})
    assert r.status_code == 303
    s = api.ok("hokage", "GET", f"/shinobi/{guy}")
    assert s["clearance"] == "confidential" and s["specialties"] == ["eight-gates", "taijutsu"]
    [entry] = [e for e in api.audit("shinobi.changed") if e["target"] == f"shinobi:{guy}"]
    assert set(entry["details"]) == {"clearance", "specialties"}
    r = post(clerk, f"/shinobi/{guy}/partners", {"partner_id": str(kakashi)})
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/shinobi/{kakashi}")["partner_ids"] == [guy]
    r = post(clerk, f"/shinobi/{guy}/partners", {"partner_id": str(guy)})
    assert r.status_code == 422 and "PARTNER_SELF" in error_box(r.text)
    r = post(clerk, f"/shinobi/{guy}/edit", {"name": "Might Guy", "rank": "jonin", "clearance": "confidential",
                                             "divisions": "anbu", "specialties": "taijutsu, eight-gates"})
    assert r.status_code == 403  # the anbu division is the hokage's to grant
    before = state(api)
    for who in ("genin", "medic", "elder"):
        c = browser_for(app, who)
        assert f'href="/shinobi/{guy}/edit"' not in c.get(f"/shinobi/{guy}").text
        assert c.get(f"/shinobi/{guy}/edit").status_code == 403
        assert post(c, f"/shinobi/{guy}/edit", {"name": "Forged", "rank": "genin", "clearance": "public"}
                    ).status_code == 403
        assert post(c, f"/shinobi/{kakashi}/partners", {"partner_id": str(guy)}).status_code == 403
    assert state(api) == before


def test_a_clerk_is_offered_no_edit_of_a_shinobi_cleared_above_them_but_may_link_partners(app, api: Api):
    anko = api.person("Anko", rank="special_jonin", clearance="secret")
    ibiki = api.person("Ibiki", rank="jonin")
    clerk = browser_for(app, "clerk")
    page = clerk.get(f"/shinobi/{anko}/edit").text
    assert f'action="/shinobi/{anko}/edit"' not in page and f'action="/shinobi/{anko}/partners"' in page
    before = state(api)
    r = post(clerk, f"/shinobi/{anko}/edit", {"name": "Anko", "rank": "jonin", "clearance": "secret"})
    assert r.status_code == 403
    assert state(api) == before
    assert post(clerk, f"/shinobi/{anko}/partners", {"partner_id": str(ibiki)}).status_code == 303
    assert api.ok("hokage", "GET", f"/shinobi/{anko}")["partner_ids"] == [ibiki]
