"""Bad input gets the error envelope, a stable code and the right status, and changes nothing."""
import pytest

from .api import Api

T = "2026-03-14T06:30:00Z"


def test_auth_is_required_and_bad_logins_are_recorded(api: Api):
    api.err(None, "GET", "/missions", 401, "UNAUTHENTICATED")
    r = api.client.get("/api/v1/missions", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_TOKEN"
    r = api.client.post("/api/v1/auth/token", json={"username": "hokage", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_CREDENTIALS"
    r = api.client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_CREDENTIALS"
    failed = api.audit("auth.login_failed")
    assert [e["target"] for e in failed] == ["account:hokage", "account:nobody"]


def test_logout_revokes_the_token(api: Api):
    assert api.req("genin", "POST", "/auth/logout").status_code == 204
    api.err("genin", "GET", "/missions", 401, "INVALID_TOKEN")


def test_health_needs_no_token(api: Api):
    assert api.client.get("/api/v1/health").json() == {"status": "ok"}


@pytest.mark.parametrize("body,field", [
    ({"name": "x", "rank": "sannin"}, "rank"),
    ({"rank": "genin"}, "name"),
    ({"name": "x", "rank": "genin", "clearance": "cosmic"}, "clearance"),
    ({"name": "x", "rank": "genin", "colour": "red"}, "colour"),
    ({"name": "", "rank": "genin"}, "name"),
    ({"name": "x", "rank": "genin", "account": {"username": "x1", "password": "pw", "roles": ["shogun"]}}, "roles"),
])
def test_malformed_shinobi_is_422(api: Api, body, field):
    before = api.snapshot()
    e = api.err("hokage", "POST", "/shinobi", 422, "VALIDATION_ERROR", json=body)
    assert any(field in map(str, d["loc"]) for d in e["details"]), e
    assert api.snapshot() == before


def test_malformed_json_is_422(api: Api):
    r = api.req("hokage", "POST", "/shinobi", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_account_rules(api: Api):
    api.err("hokage", "POST", "/shinobi", 409, "USERNAME_TAKEN",
            json={"name": "Dup", "rank": "genin", "account": {"username": "genin", "password": "long-enough-1"}})
    api.err("hokage", "POST", "/shinobi", 422, "PASSWORD_TOO_SHORT",
            json={"name": "Short", "rank": "genin", "account": {"username": "short", "password": "abc"}})
    api.err("clerk", "POST", "/shinobi", 403, "FORBIDDEN",
            json={"name": "Climber", "rank": "genin",
                  "account": {"username": "climber", "password": "long-enough-1", "roles": ["hokage"]}})
    api.err("clerk", "POST", "/shinobi", 403, "FORBIDDEN", json={"name": "Spy", "rank": "genin",
                                                                 "clearance": "top_secret"})
    api.err("genin", "POST", "/shinobi", 403, "FORBIDDEN", json={"name": "Friend", "rank": "genin"})
    assert not [s for s in api.ok("hokage", "GET", "/shinobi") if s["name"] in {"Dup", "Short", "Climber", "Spy"}]


def test_unknown_ids_are_404(api: Api):
    api.err("hokage", "GET", "/shinobi/9999", 404, "NOT_FOUND")
    api.err("hokage", "GET", "/missions/9999", 404, "NOT_FOUND")
    api.err("hokage", "POST", "/restrictions/9999/file", 404, "NOT_FOUND")
    api.err("hokage", "POST", "/welfare-holds/9999/lift", 404, "NOT_FOUND", json={"at": T, "note": "ok"})
    api.err("hokage", "POST", "/shinobi/1/partners", 404, "NOT_FOUND", json={"partner_id": 9999})
    m = api.open_mission("D")
    api.err("hokage", "POST", f"/missions/{m}/assignments", 404, "NOT_FOUND", json={"shinobi_ids": [9999]})
    api.err("hokage", "GET", "/nowhere", 404, "NOT_FOUND")


@pytest.mark.parametrize("body,code", [
    ({"start": "2026-03-12T23:00:00", "end": "2026-03-13T07:00:00Z"}, "VALIDATION_ERROR"),
    ({"start": "2026-03-13T07:00:00Z", "end": "2026-03-12T23:00:00Z"}, "INTERVAL_INVALID"),
    ({"start": "2026-03-12T23:00:00Z", "end": "2026-03-12T23:00:00Z"}, "INTERVAL_INVALID"),
    ({"start": "2026-03-09T00:00:00Z", "end": "2026-03-11T00:00:00Z"}, "SLEEP_TOO_LONG"),
    ({"start": "2026-03-13T05:59:00Z", "end": "2026-03-13T09:00:00Z"}, "SLEEP_OVERLAP"),
    ({"start": "yesterday", "end": "2026-03-13T09:00:00Z"}, "VALIDATION_ERROR"),
    ({"start": "2026-03-14T05:00:00Z", "end": "2026-03-14T08:00:00Z"}, "SLEEP_IN_FUTURE"),  # the clock: 06:20
])
def test_bad_sleep_is_refused_and_nothing_written(api: Api, body, code):
    me = api.ok("genin", "GET", "/auth/me")["shinobi_id"]
    api.ok("genin", "POST", f"/shinobi/{me}/sleep", 201,
           json={"start": "2026-03-12T23:00:00+01:00", "end": "2026-03-13T07:00:00+01:00"})
    api.err("genin", "POST", f"/shinobi/{me}/sleep", 422, code, json=body)
    assert len(api.ok("genin", "GET", f"/shinobi/{me}/sleep")) == 1


def test_only_self_medic_or_hokage_log_sleep(api: Api):
    other = api.person("Other")
    body = {"start": "2026-03-12T23:00:00Z", "end": "2026-03-13T07:00:00Z"}
    api.err("genin", "POST", f"/shinobi/{other}/sleep", 403, "FORBIDDEN", json=body)
    api.err("clerk", "POST", f"/shinobi/{other}/sleep", 403, "FORBIDDEN", json=body)
    api.ok("medic", "POST", f"/shinobi/{other}/sleep", 201, json=body)


@pytest.mark.parametrize("body,status,code", [
    ({"title": "x", "rank": "D", "kind": "chores", "reward_ryo": -5}, 422, "REWARD_NEGATIVE"),
    ({"title": "x", "rank": "D", "kind": "chores", "reward_ryo": 10_000_000}, 422, "REWARD_OUT_OF_BAND"),
    ({"title": "x", "rank": "A", "kind": "raid", "min_team_size": 1}, 422, "TEAM_SIZE_INVALID"),
    ({"title": "x", "rank": "Z", "kind": "raid"}, 422, "VALIDATION_ERROR"),
    ({"title": "x", "rank": "D", "kind": "chores", "posted_at": "2026-03-14T09:00:00"}, 422, "VALIDATION_ERROR"),
    ({"title": "x", "rank": "D", "kind": "chores", "classification": "ultra"}, 422, "VALIDATION_ERROR"),
    ({"title": "x", "rank": "D", "kind": "chores", "reward_ryo": "lots"}, 422, "VALIDATION_ERROR"),
])
def test_bad_missions_are_refused(api: Api, body, status, code):
    before = api.snapshot()
    api.err("hokage", "POST", "/missions", status, code, json=body)
    assert api.snapshot() == before


def test_restriction_and_hold_errors(api: Api):
    sid = api.person("Patient")
    body = {"kind": "rest", "reason": "broken arm", "starts_at": T}
    api.err("clerk", "POST", f"/shinobi/{sid}/restrictions", 403, "FORBIDDEN", json=body)
    api.err("medic", "POST", f"/shinobi/{sid}/restrictions", 422, "VALIDATION_ERROR", json={**body, "kind": "nap"})
    api.err("medic", "POST", f"/shinobi/{sid}/restrictions", 422, "INTERVAL_INVALID",
            json={**body, "ends_at": "2026-03-13T00:00:00Z"})
    r = api.ok("medic", "POST", f"/shinobi/{sid}/restrictions", 201, json=body)
    api.err("medic", "POST", f"/restrictions/{r['id']}/file", 403, "FORBIDDEN")
    api.err("medic", "POST", f"/restrictions/{r['id']}/lift", 422, "INTERVAL_INVALID",
            json={"at": "2026-03-01T00:00:00Z"})
    api.ok("medic", "POST", f"/restrictions/{r['id']}/lift", 200, json={"at": "2026-03-20T00:00:00Z"})
    api.err("medic", "POST", f"/restrictions/{r['id']}/lift", 409, "ALREADY_LIFTED",
            json={"at": "2026-03-21T00:00:00Z"})
    h = api.ok("medic", "POST", f"/shinobi/{sid}/welfare-holds", 201, json={"reason": "grief", "since": T})
    api.err("medic", "POST", f"/welfare-holds/{h['id']}/lift", 422, "VALIDATION_ERROR",
            json={"at": "2026-03-20T00:00:00Z", "note": ""})
    lifted = api.ok("medic", "POST", f"/welfare-holds/{h['id']}/lift", 200,
                    json={"at": "2026-03-20T00:00:00Z", "note": "review: fit for all duty"})
    assert lifted["status"] == "lifted"
    api.err("genin", "GET", f"/shinobi/{sid}/restrictions", 403, "FORBIDDEN")


def test_fitness_access_and_time(api: Api):
    sid = api.person("Someone")
    api.err("genin", "GET", f"/shinobi/{sid}/fitness", 403, "FORBIDDEN")
    api.err("elder", "GET", f"/shinobi/{sid}/fitness", 403, "FORBIDDEN")
    api.err("clerk", "GET", f"/shinobi/{sid}/fitness", 422, "VALIDATION_ERROR", params={"at": "2026-03-14T06:30:00"})
    f = api.ok("clerk", "GET", f"/shinobi/{sid}/fitness", params={"at": T})
    assert f["fit"] is True and f["fatigue"]["level"] == "unknown" and f["warnings"]


def test_audit_is_the_hokages(api: Api):
    api.err("elder", "GET", "/audit", 403, "FORBIDDEN")
    api.err("clerk", "GET", "/audit/verify", 403, "FORBIDDEN")
    api.err("hokage", "GET", "/audit", 422, "VALIDATION_ERROR", params={"since": "2026-03-14T00:00:00"})
    check = api.ok("hokage", "GET", "/audit/verify")
    entries = api.audit()
    assert check["ok"] and check["first_bad_seq"] is None
    assert check["entries"] == len(entries)  # the hokage's reading of the log is no entry of its own (issue 13)
