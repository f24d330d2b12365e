"""The web page's security: headers, cookie flags, CSRF; and every page renders for the right people."""
import re

import pytest
from fastapi.testclient import TestClient

from .api import PASSWORD, Api


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
