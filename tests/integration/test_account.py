"""Every user's own account: the password and the sessions, over the API and on the page; the sign-in
lockout's words and Retry-After."""
from fastapi.testclient import TestClient

from .api import PASSWORD, Api
from .test_web import browser_for, csrf_of

NEW = "rain-over-the-gate-7"


def test_change_password_signs_the_other_sessions_out_and_is_audited(app, api: Api):
    other = api.tokens["clerk"]
    api.login("clerk")  # a second session, the one that asks
    r = api.ok("clerk", "POST", "/auth/password", json={"current": PASSWORD, "new": NEW})
    assert r == {"sessions_revoked": 1}
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert api.ok("clerk", "GET", "/auth/me")["username"] == "clerk"  # this session stays
    api.login("clerk", NEW)
    r = api.client.post("/api/v1/auth/token", json={"username": "clerk", "password": PASSWORD})
    assert r.status_code == 401
    entry = api.audit("account.password_changed")[-1]
    assert entry["actor"] == "clerk" and entry["target"] == "account:clerk"
    assert entry["details"]["sessions_revoked"] == 1
    assert NEW not in str(api.audit()) and PASSWORD not in str(api.audit())


def test_change_password_refusals(app, api: Api):
    api.err("genin", "POST", "/auth/password", 422, "WRONG_PASSWORD", json={"current": "nope-nope-1", "new": NEW})
    assert api.audit("account.password_change_failed")[-1]["actor"] == "genin"
    api.err("genin", "POST", "/auth/password", 422, "PASSWORD_TOO_SHORT", json={"current": PASSWORD, "new": "short"})
    api.err("genin", "POST", "/auth/password", 422, "PASSWORD_TOO_COMMON",
            json={"current": PASSWORD, "new": "password123"})
    api.err("genin", "POST", "/auth/password", 422, "PASSWORD_UNCHANGED", json={"current": PASSWORD, "new": PASSWORD})
    api.err(None, "POST", "/auth/password", 401, "UNAUTHENTICATED", json={"current": PASSWORD, "new": NEW})
    api.login("genin")  # the password is unchanged
    assert not api.audit("account.password_changed")


def test_sessions_listed_and_revoked_one_or_all_but_this(app, api: Api):
    first = api.tokens["medic"]
    api.login("medic")
    second = api.tokens["medic"]
    api.login("medic")
    sessions = api.ok("medic", "GET", "/auth/sessions")
    assert len(sessions) == 3 and [s["current"] for s in sessions] == [True, False, False]
    assert all(s["source"] == "testclient" for s in sessions)
    assert all(s["expires_at"] > s["issued_at"] for s in sessions)
    # one by id
    api.ok("medic", "POST", "/auth/sessions/revoke", json={"id": sessions[1]["id"]})
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"}).status_code == 200
    # someone else's session, or one already gone: 404
    clerk_session = api.ok("clerk", "GET", "/auth/sessions")[0]["id"]
    api.err("medic", "POST", "/auth/sessions/revoke", 404, "NOT_FOUND", json={"id": clerk_session})
    api.err("medic", "POST", "/auth/sessions/revoke", 404, "NOT_FOUND", json={"id": sessions[1]["id"]})
    api.ok("clerk", "GET", "/auth/me")
    api.err("medic", "POST", "/auth/sessions/revoke", 422, "VALIDATION_ERROR", json={})
    # all but this one
    assert api.ok("medic", "POST", "/auth/sessions/revoke", json={"all_but_current": True}) == {"revoked": 1}
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert len(api.ok("medic", "GET", "/auth/sessions")) == 1
    assert [e["details"]["revoked"] for e in api.audit("account.sessions_revoked")] == [1, 1]


def test_account_page_changes_the_password_in_place(app, api: Api):
    c = browser_for(app, "genin")
    page = c.get("/account")
    assert page.status_code == 200 and "Change your password" in page.text and "(this session)" in page.text
    token = csrf_of(page.text)
    r = c.post("/account/password", data={"csrf": token, "current": "wrong-wrong-1", "new": NEW, "confirm": NEW})
    assert r.status_code == 422 and 'class="error" role="alert"' in r.text and "WRONG_PASSWORD" in r.text
    r = c.post("/account/password", data={"csrf": token, "current": PASSWORD, "new": "short", "confirm": "short"})
    assert r.status_code == 422 and "PASSWORD_TOO_SHORT" in r.text
    r = c.post("/account/password", data={"csrf": token, "current": PASSWORD, "new": NEW, "confirm": NEW + "x"})
    assert r.status_code == 422 and "PASSWORD_MISMATCH" in r.text
    r = c.post("/account/password", data={"csrf": "forged", "current": PASSWORD, "new": NEW, "confirm": NEW})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    api.login("genin")  # still the old password
    r = c.post("/account/password", data={"csrf": token, "current": PASSWORD, "new": NEW, "confirm": NEW},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=password"
    assert "Your password is changed" in c.get("/account?done=password").text
    api.login("genin", NEW)


def test_account_page_signs_out_other_sessions(app, api: Api):
    other = browser_for(app, "elder")
    c = browser_for(app, "elder")
    page = c.get("/account").text
    assert "Sign out every other session" in page
    r = c.post("/account/sessions/revoke", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert other.get("/account", follow_redirects=False).status_code == 303  # sent to sign in
    assert c.get("/account").status_code == 200
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {api.tokens['elder']}"}
                          ).status_code == 401
    # one session by id; another's id is not found
    fresh = browser_for(app, "elder")
    mine = api.ok("clerk", "GET", "/auth/sessions")[0]["id"]
    page = c.get("/account").text
    r = c.post("/account/sessions/revoke", data={"csrf": csrf_of(page), "session_id": str(mine)})
    assert r.status_code == 404
    api.ok("clerk", "GET", "/auth/me")
    ids = [int(x) for x in __import__("re").findall(r'name="session_id" value="(\d+)"', page)]
    assert len(ids) == 1
    r = c.post("/account/sessions/revoke", data={"csrf": csrf_of(page), "session_id": str(ids[0])},
               follow_redirects=False)
    assert r.status_code == 303
    assert fresh.get("/account", follow_redirects=False).status_code == 303


def test_lockout_says_how_long_in_minutes_with_retry_after(app, api: Api):
    c = TestClient(app)
    for _ in range(12):
        r = c.post("/api/v1/auth/token", json={"username": "genin", "password": "wrong-guess-1"})
        if r.status_code == 429:
            break
    assert r.status_code == 429, r.text
    body = r.json()["error"]
    seconds = int(r.headers["retry-after"])
    assert body["code"] == "TOO_MANY_ATTEMPTS"
    want = f"{-(-seconds // 60)} minute" if seconds >= 60 else f"{seconds} second"
    assert f"too many failed sign-ins; try again in {want}" in body["message"], body["message"]
    page = c.get("/login")
    r = c.post("/login", data={"username": "genin", "password": "wrong-guess-1", "csrf": csrf_of(page.text)})
    assert r.status_code == 429 and "retry-after" in r.headers
    assert "too many failed sign-ins; try again in" in r.text and "TOO_MANY_ATTEMPTS" in r.text


def test_wait_words():
    from missiondesk.services.auth import wait_words
    assert [wait_words(s) for s in (1, 45, 59, 60, 61, 839, 840, 841)] == [
        "1 second", "45 seconds", "59 seconds", "1 minute", "2 minutes", "14 minutes", "14 minutes", "15 minutes"]


def test_0007_keeps_the_tokens_address_and_back(database_url):
    from sqlalchemy import inspect, text

    from missiondesk.adapters.db import migrate
    from missiondesk.adapters.db.session import make_engine

    from .test_migrations import _downgrade

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0007")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0007"
            assert "source" in {c["name"] for c in inspect(conn).get_columns("token")}
        _downgrade(engine, "0006")
        with engine.connect() as conn:
            assert "source" not in {c["name"] for c in inspect(conn).get_columns("token")}
        migrate.upgrade(engine, "0007")
    finally:
        engine.dispose()
