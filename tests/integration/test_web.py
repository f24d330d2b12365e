"""The web page's security: headers, cookie flags, CSRF; and every page renders for the right people."""
import re

import pytest
from fastapi.testclient import TestClient

from ..conftest import BOOT_PASSWORD
from .api import PASSWORD, Api
from .history import file_reports


def browser_for(app, username: str, password: str = PASSWORD, base_url: str = "http://testserver") -> TestClient:
    c = TestClient(app, base_url=base_url)
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"username": username, "password": password, "csrf": token, "next": "/board"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_security_headers_on_pages_and_api(app, api: Api):
    c = browser_for(app, "clerk")
    for path in ("/board", "/login", "/api/v1/health"):
        h = c.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin"
    page = c.get("/board").text
    assert "<script>" not in page and " on" + "click=" not in page  # no inline scripts or handlers


def test_session_cookie_flags(app, api: Api):
    c = TestClient(app)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": token}, follow_redirects=False)
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("md_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    secure = TestClient(app, base_url="https://testserver")
    token = csrf_of(secure.get("/login").text)
    r = secure.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": token}, follow_redirects=False)
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("md_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_form_post_without_the_token_is_403_and_changes_nothing(app, api: Api):
    me = api.person("Walker", username="walker")
    m = api.open_mission("D")
    c = browser_for(app, "walker")
    before = api.snapshot()
    for data in ({"shinobi_ids": [str(me)]}, {"shinobi_ids": [str(me)], "csrf": "forged"}):
        r = c.post(f"/missions/{m}/team", data=data)
        assert r.status_code == 403 and "CSRF_FAILED" in r.text
    r = c.post(f"/shinobi/{me}/sleep", data={"start": "2026-03-14T23:00", "end": "2026-03-15T07:00"})
    assert r.status_code == 403
    assert api.snapshot() == before
    assert api.ok("walker", "GET", f"/shinobi/{me}/sleep") == []
    # with the token, the same form goes through
    token = csrf_of(c.get(f"/missions/{m}").text)
    r = c.post(f"/missions/{m}/team", data={"shinobi_ids": [str(me)], "csrf": token})
    assert r.status_code == 200 and "Team sent" in r.text


def test_sign_in_needs_its_own_token_and_the_right_password(app, api: Api):
    c = TestClient(app)
    r = c.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": "guess"}, follow_redirects=False)
    assert r.status_code == 403
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "clerk", "password": "wrong-password", "csrf": token})
    assert r.status_code == 401 and "wrong password" in r.text
    assert c.get("/board", follow_redirects=False).headers["location"] == "/login?next=/board"


def test_sign_out_revokes_the_session(app, api: Api):
    c = browser_for(app, "clerk")
    token = csrf_of(c.get("/board").text)
    assert c.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert c.get("/board", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("user,path,status", [
    ("clerk", "/board", 200), ("clerk", "/roster", 200), ("clerk", "/alerts", 200), ("clerk", "/gate", 200),
    ("clerk", "/memorial", 200), ("clerk", "/audit", 403), ("clerk", "/desk", 403),
    ("hokage", "/audit", 200), ("hokage", "/desk", 200), ("genin", "/missions/9999", 404),
    ("genin", "/risk", 200), ("clerk", "/risk", 200), ("hokage", "/risk", 200),
])
def test_pages_answer_by_role(app, api: Api, user, path, status):
    c = browser_for(app, user, "tsunade-test-pass" if user == "hokage" else PASSWORD)
    r = c.get(path)
    assert r.status_code == status
    assert "text/html" in r.headers["content-type"]


def test_the_board_hides_what_the_user_may_not_see(app, api: Api):
    api.mission("S", classification="top_secret", title="The strike nobody may know of")
    api.mission("D", title="Weed the greenhouse")
    genin = browser_for(app, "genin").get("/board").text
    assert "Weed the greenhouse" in genin and "strike nobody" not in genin
    assert "strike nobody" in browser_for(app, "elder").get("/board").text


def svg_of(html: str, chart_id: str) -> str:
    return re.search(rf'<svg [^>]*aria-labelledby="{chart_id}-title.*?</svg>', html, re.S).group(0)


def test_the_risk_page_says_the_prior_is_not_calibrated_and_only_the_hokage_may_refit(app, api: Api):
    anonymous = TestClient(app).get("/risk", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/risk"
    genin = browser_for(app, "genin")
    assert 'href="/risk"' in genin.get("/board").text  # in the nav for everyone signed in
    page = genin.get("/risk").text
    assert "Not calibrated yet" in page and "0 are filed so far: 30 more are needed" in page
    assert "a0: Starting point" in page and "1.00" in page and "-2.00" in page  # the documented priors
    assert "<svg" not in page and "Brier score <strong>" not in page
    assert 'action="/risk/refit"' not in page  # no button for those who may not refit
    r = genin.post("/risk/refit", data={"csrf": csrf_of(page)})
    assert r.status_code == 403 and "FORBIDDEN" in r.text
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    assert 'href="/risk"' in hokage.get("/desk").text
    page = hokage.get("/risk").text
    assert 'action="/risk/refit"' in page
    assert hokage.post("/risk/refit", data={}).status_code == 403  # no CSRF token
    r = hokage.post("/risk/refit", data={"csrf": csrf_of(page)})
    assert r.status_code == 422 and "TOO_FEW_REPORTS" in r.text
    assert "at least 30 after-action reports, and none is filed yet. File 30 more, then try again." in r.text
    assert "Not calibrated yet" in r.text
    assert api.ok("hokage", "GET", "/risk/model")["source"] == "prior"


def test_the_risk_page_shows_the_calibration_after_a_refit_from_its_form(runtime, app, api: Api):
    file_reports(runtime, api, 32)
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    page = hokage.get("/risk").text
    assert "Not calibrated yet" in page and "32 are filed so far, enough to refit it now." in page
    r = hokage.post("/risk/refit", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/risk"
    model = api.ok("clerk", "GET", "/risk/model")
    assert model["source"] == "fitted" and model["reports"] == 32
    for who, c in (("hokage", hokage), ("clerk", browser_for(app, "clerk"))):
        page = c.get("/risk").text
        assert "Not calibrated yet" not in page
        assert "Fitted from the village's own history: 32 after-action reports." in page
        assert f"{model['success']['intercept']:.2f}" in page
        assert "The casualty coefficients are still the priors" in page  # nobody was hurt in these reports
        assert ('action="/risk/refit"' in page) is (who == "hokage")
        for name in ("success", "casualty"):
            cal = model["calibration"][name]
            brier = re.search(rf'id="brier-{name}">Brier score <strong>([0-9.]+)</strong> over (\d+)', page)
            assert brier and brier.groups() == (f"{cal['brier']:.3f}", "32")
            svg = svg_of(page, f"cal-{name}")
            assert svg.count('class="bin"') == len(cal["reliability"]) >= 1
            assert 'class="perfect"' in svg
            for b in cal["reliability"]:
                assert f"predicted {b['predicted']:.0%}, observed {b['observed']:.0%}" in svg
            table = re.search(rf"<caption>{name.title()}: predicted against observed.*?</table>", page, re.S).group(0)
            assert table.count("<tr>") == len(cal["reliability"]) + 1
    assert "<script>" not in page


def test_a_proposal_shows_on_the_mission_page_and_is_declined_there(app, api: Api):
    me, mate = api.person("Naruto", username="naruto"), api.person("Sasuke", username="sasuke")
    m = api.open_mission("D", title="Weed the greenhouse")
    naruto = browser_for(app, "naruto")
    page = naruto.get(f"/missions/{m}").text
    assert "Ask for a team" in page and 'min="2026-03-14T06:0' in page  # no earlier than a quarter hour ago
    sent = naruto.post(f"/missions/{m}/team", data={"csrf": csrf_of(page), "shinobi_ids": [me, mate],
                                                    "departs_at": "2026-03-14T09:00"})
    assert sent.status_code == 200 and "Team proposed" in sent.text and "Sasuke accepts" in sent.text
    sasuke = browser_for(app, "sasuke")
    page = sasuke.get(f"/missions/{m}").text
    assert "Teams proposed with you" in page and "waiting for Sasuke" in page
    (aid,) = re.findall(r'action="/assignments/(\d+)/decline"', page)
    answer = sasuke.post(f"/assignments/{aid}/decline", data={"csrf": csrf_of(page)})
    assert answer.status_code == 200 and "Declined" in answer.text
    assert api.ok("naruto", "GET", f"/assignments/{aid}")["status"] == "declined"
    assert "Teams proposed with you" not in sasuke.get(f"/missions/{m}").text
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"
    # nobody answers a proposal that is not theirs, from the page either
    clerk = browser_for(app, "clerk")
    assert clerk.post(f"/assignments/{aid}/accept", data={"csrf": csrf_of(clerk.get("/alerts").text)}
                      ).status_code == 404
