"""Sending teams: every reason, the override, the partners, the record, and nothing half-done."""
from .api import Api

DEPART = "2026-03-14T06:30:00Z"


def codes(err: dict, shinobi_id=None) -> set[str]:
    return {d["code"] for d in err["details"] if d["shinobi_id"] == shinobi_id}


def night(api: Api, sid: int, who: str = "hokage", start_hour: int = 23, hours: int = 8) -> None:
    for day in range(7, 14):
        api.ok(who, "POST", f"/shinobi/{sid}/sleep", 201,
               json={"start": f"2026-03-{day:02d}T{start_hour:02d}:00:00Z",
                     "end": f"2026-03-{day + (1 if start_hour + hours >= 24 else 0):02d}T"
                            f"{(start_hour + hours) % 24:02d}:00:00Z"})


def test_a_fit_team_goes_and_comes_back(api: Api):
    a, b = api.person("A", username="a"), api.person("B")
    night(api, a)
    night(api, b)
    m = api.open_mission("B", min_team_size=2)
    before = len(api.audit())
    team = api.ok("clerk", "POST", f"/missions/{m}/assignments", 201,
                  json={"shinobi_ids": [a, b], "departs_at": "2026-03-14T10:00:00Z"})
    assert team["shinobi_ids"] == [a, b] and team["overridden"] is False
    assert api.ok("clerk", "GET", f"/missions/{m}")["status"] == "assigned"
    assert {api.ok("clerk", "GET", f"/shinobi/{s}")["status"] for s in (a, b)} == {"on_mission"}
    assert [e["action"] for e in api.audit()[before:] if not e["action"].startswith("authz.")] == [
        "assignment.created"]
    api.clock.advance(hours=6)  # back by noon
    report = api.ok("a", "POST", f"/missions/{m}/report", 201,
                    json={"outcome": "success", "at": "2026-03-14T12:00:00Z", "summary": "done",
                          "specimens": [{"description": "a scroll"}]})
    assert report["mission_status"] == "completed" and report["welfare_hold_ids"] == []
    assert {api.ok("clerk", "GET", f"/shinobi/{s}")["status"] for s in (a, b)} == {"active"}
    api.err("a", "POST", f"/missions/{m}/report", 409, "MISSION_NOT_ASSIGNED",
            json={"outcome": "success", "at": "2026-03-14T12:00:00Z"})


def test_every_reason_at_once_and_the_partner_is_told(api: Api):
    medic = api.person("Medic", clearance="top_secret", username="sakura")
    partner = api.person("Partner", clearance="secret", username="kakashi")
    bystander = api.person("Bystander", username="yamato")
    api.ok("hokage", "POST", f"/shinobi/{medic}/partners", 201, json={"partner_id": partner})
    assert api.ok("hokage", "GET", f"/shinobi/{partner}")["partner_ids"] == [medic]
    night(api, medic, "sakura", start_hour=1, hours=4)
    api.ok("sakura", "POST", f"/shinobi/{medic}/sleep", 201,
           json={"start": "2026-03-14T05:00:00Z", "end": "2026-03-14T05:30:00Z"})
    api.ok("hokage", "POST", f"/shinobi/{medic}/restrictions", 201,
           json={"kind": "rest", "reason": "chakra damage", "starts_at": "2026-03-14T03:40:00Z"})
    api.ok("medic", "POST", f"/shinobi/{medic}/welfare-holds", 201,
           json={"reason": "squad lost", "since": "2025-11-02T12:00:00Z"})
    s_rank = api.open_mission("S", classification="top_secret", min_team_size=2, reward_ryo=3_000_000,
                              title="The strike")
    before = api.snapshot()
    err = api.err("sakura", "POST", f"/missions/{s_rank}/assignments", 409, "ASSIGNMENT_REFUSED",
                  json={"shinobi_ids": [medic], "departs_at": DEPART})
    assert codes(err, medic) == {"MEDICAL_REST", "FATIGUE_UNFIT", "WELFARE_HOLD"}
    assert codes(err) == {"TEAM_TOO_SMALL"}
    after = api.snapshot()
    assert after["missions"] == before["missions"] and after["shinobi"] == before["shinobi"]
    refused = api.audit("assignment.refused")
    assert len(refused) == 1 and refused[0]["actor"] == "sakura" and refused[0]["target"] == f"mission:{s_rank}"
    alerts = api.ok("kakashi", "GET", "/alerts")
    assert len(alerts) == 1 and alerts[0]["kind"] == "DUTY_OF_CARE" and alerts[0]["subject_shinobi_id"] == medic
    assert "FATIGUE_UNFIT" in alerts[0]["message"]
    # the partner holds `secret`: the alert never names the top-secret mission
    assert "strike" not in alerts[0]["message"].lower() and alerts[0]["mission_id"] is None
    assert api.ok("yamato", "GET", "/alerts") == []
    assert api.ok("sakura", "GET", "/alerts") == []
    f = api.ok("sakura", "GET", f"/shinobi/{medic}/fitness", params={"mission_id": s_rank, "at": DEPART})
    assert f["fatigue"]["level"] == "unfit" and f["fatigue"]["hours_awake"] is not None
    assert {r["code"] for r in f["reasons"]} == {"MEDICAL_REST", "FATIGUE_UNFIT", "WELFARE_HOLD"}
    assert bystander


def test_a_refusal_on_a_lesser_mission_tells_no_partner(api: Api):
    s = api.person("Resting", username="resting")
    p = api.person("Friend", username="friend")
    api.ok("clerk", "POST", f"/shinobi/{s}/partners", 201, json={"partner_id": p})
    api.ok("medic", "POST", f"/shinobi/{s}/restrictions", 201,
           json={"kind": "rest", "reason": "flu", "starts_at": "2026-03-13T00:00:00Z"})
    m = api.open_mission("C", min_team_size=1)
    err = api.err("resting", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED",
                  json={"shinobi_ids": [s], "departs_at": DEPART})
    assert codes(err, s) == {"MEDICAL_REST"}
    assert api.ok("friend", "GET", "/alerts") == []


def test_the_override_is_the_hokages_and_is_kept(api: Api):
    s = api.person("Tired", rank="chunin", username="tired")
    api.ok("medic", "POST", f"/shinobi/{s}/restrictions", 201,
           json={"kind": "light_duty", "reason": "sprain", "starts_at": "2026-03-13T00:00:00Z"})
    m = api.open_mission("A", min_team_size=2)
    body = {"shinobi_ids": [s], "departs_at": DEPART, "override": {"justification": "no one else"}}
    before = api.snapshot()
    api.err("tired", "POST", f"/missions/{m}/assignments", 403, "FORBIDDEN", json=body)
    api.err("clerk", "POST", f"/missions/{m}/assignments", 403, "FORBIDDEN", json=body)
    assert api.snapshot() == before  # 403 before any rule: not even a refusal on the record
    api.err("hokage", "POST", f"/missions/{m}/assignments", 422, "VALIDATION_ERROR",
            json={**body, "override": {"justification": "  "}})
    a = api.ok("hokage", "POST", f"/missions/{m}/assignments", 201, json=body)
    assert a["overridden"] is True and a["override_justification"] == "no one else"
    (entry,) = api.audit("assignment.override")
    assert entry["details"]["justification"] == "no one else"
    assert {d["code"] for d in entry["details"]["overridden"]} == {"RANK_TOO_LOW", "MEDICAL_RESTRICTION",
                                                                    "TEAM_TOO_SMALL"}


def test_the_override_never_lifts_what_it_may_not(api: Api):
    busy, uncleared = api.person("Busy"), api.person("Uncleared", clearance="public")
    first = api.open_mission("D")
    api.ok("hokage", "POST", f"/missions/{first}/assignments", 201, json={"shinobi_ids": [busy]})
    m = api.open_mission("B", classification="secret", min_team_size=2)
    err = api.err("hokage", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED",
                  json={"shinobi_ids": [busy, uncleared], "override": {"justification": "please"}})
    assert codes(err, busy) == {"ALREADY_ASSIGNED", "CLEARANCE_INSUFFICIENT"}
    assert codes(err, uncleared) == {"CLEARANCE_INSUFFICIENT"}
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"


def test_who_may_assign(api: Api):
    me, other = api.person("Me", username="me"), api.person("Other")
    m = api.open_mission("D")
    api.err("me", "POST", f"/missions/{m}/assignments", 403, "FORBIDDEN", json={"shinobi_ids": [other]})
    api.err("medic", "POST", f"/missions/{m}/assignments", 403, "FORBIDDEN", json={"shinobi_ids": [other]})
    api.err("me", "POST", f"/missions/{m}/assignments", 422, "TEAM_DUPLICATE", json={"shinobi_ids": [me, me]})
    api.err("me", "POST", f"/missions/{m}/assignments", 422, "VALIDATION_ERROR", json={"shinobi_ids": []})
    api.ok("me", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [me, other]})


def test_authorisation_and_need_to_know(api: Api):
    m = api.mission("S", classification="top_secret")
    assert m["status"] == "pending_authorization" and m["min_team_size"] == 4
    # the role is checked first, so a clerk learns nothing of whether a mission exists
    api.err("clerk", "POST", f"/missions/{m['id']}/authorizations", 403, "FORBIDDEN")
    api.err("clerk", "POST", "/missions/9999/authorizations", 403, "FORBIDDEN")
    assert m["id"] not in {x["id"] for x in api.ok("genin", "GET", "/missions")}
    api.err("genin", "GET", f"/missions/{m['id']}", 404, "NOT_FOUND")
    api.ok("elder", "POST", f"/missions/{m['id']}/authorizations", 201)
    api.err("elder", "POST", f"/missions/{m['id']}/authorizations", 409, "ALREADY_AUTHORIZED")
    assert api.ok("hokage", "POST", f"/missions/{m['id']}/authorizations", 201)["status"] == "open"
    api.err("hokage", "POST", f"/missions/{m['id']}/authorizations", 409, "AUTHORIZATION_NOT_NEEDED")
    b = api.mission("B", classification="confidential")
    api.err("clerk", "POST", f"/missions/{b['id']}/authorizations", 403, "FORBIDDEN")


def test_a_report_with_the_dead(api: Api):
    survivor = api.person("Survivor", username="survivor", clearance="secret")
    fallen = [api.person(f"Fallen {i}", clearance="secret") for i in range(3)]
    missing = api.person("Missing", clearance="secret")
    injured = api.person("Injured", clearance="secret")
    m = api.open_mission("A", classification="secret", min_team_size=4, title="Northern outpost",
                         posted_at="2025-10-20T09:00:00Z")
    team = [survivor, *fallen, missing, injured]
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": team, "departs_at": "2025-10-25T08:00:00Z"})
    bad = {"outcome": "failure", "at": "2025-11-02T12:00:00Z",
           "casualties": [{"shinobi_id": api.person("Stranger"), "status": "kia"}]}
    api.err("hokage", "POST", f"/missions/{m}/report", 422, "CASUALTY_NOT_ON_TEAM", json=bad)
    api.err("hokage", "POST", f"/missions/{m}/report", 422, "REPORT_BEFORE_DEPARTURE",
            json={"outcome": "failure", "at": "2025-10-01T00:00:00Z"})
    for uncleared in ("genin", "clerk"):
        api.err(uncleared, "POST", f"/missions/{m}/report", 404, "NOT_FOUND",
                json={"outcome": "failure", "at": bad["at"]})
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "assigned"
    casualties = [{"shinobi_id": s, "status": "kia"} for s in fallen]
    casualties += [{"shinobi_id": missing, "status": "mia"}, {"shinobi_id": injured, "status": "injured"}]
    r = api.ok("survivor", "POST", f"/missions/{m}/report", 201,
               json={"outcome": "failure", "at": "2025-11-02T12:00:00Z", "casualties": casualties})
    assert r["mission_status"] == "failed" and len(r["welfare_hold_ids"]) == 2
    assert [api.ok("hokage", "GET", f"/shinobi/{s}")["status"] for s in team] == [
        "active", "kia", "kia", "kia", "mia", "active"]
    board = api.ok("genin", "GET", "/memorial")
    assert [e["name"] for e in board] == ["Fallen 0", "Fallen 1", "Fallen 2"]
    assert all(e["mission_id"] is None and e["died_at"] == "2025-11-02T12:00:00Z" for e in board)
    assert {e["mission_id"] for e in api.ok("medic", "GET", "/memorial")} == {m}
    holds = api.ok("survivor", "GET", f"/shinobi/{survivor}/welfare-holds")
    assert [h["since"] for h in holds] == ["2025-11-02T12:00:00Z"]
    s_rank = api.open_mission("S", min_team_size=2)
    err = api.err("hokage", "POST", f"/missions/{s_rank}/assignments", 409, "ASSIGNMENT_REFUSED",
                  json={"shinobi_ids": [survivor, fallen[0]]})
    assert codes(err, survivor) == {"WELFARE_HOLD"} and codes(err, fallen[0]) == {"NOT_AVAILABLE"}


def test_filing_changes_nothing_and_lifting_frees(api: Api):
    s = api.person("Rester")
    r = api.ok("hokage", "POST", f"/shinobi/{s}/restrictions", 201,
               json={"kind": "rest", "reason": "rest", "starts_at": "2026-03-14T03:40:00Z"})
    assert r["status"] == "recommended"

    def fitness(at):
        return {x["code"] for x in api.ok("hokage", "GET", f"/shinobi/{s}/fitness", params={"at": at})["reasons"]}

    assert fitness("2026-03-14T03:39:00Z") == set() and fitness("2026-03-14T03:40:00Z") == {"MEDICAL_REST"}
    assert api.ok("hokage", "POST", f"/restrictions/{r['id']}/file")["status"] == "filed"
    assert fitness("2026-03-15T10:00:00Z") == {"MEDICAL_REST"}
    api.ok("medic", "POST", f"/restrictions/{r['id']}/lift", json={"at": "2026-03-16T00:00:00Z"})
    assert fitness("2026-03-15T23:59:00Z") == {"MEDICAL_REST"} and fitness("2026-03-16T00:00:00Z") == set()
