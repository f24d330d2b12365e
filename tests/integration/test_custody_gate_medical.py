"""The gate, custody and the medical record over the API."""
from datetime import UTC, datetime, timedelta

from .api import Api


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


NOW = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)  # the service's clock starts here (tests/conftest.py)
EARLIER = NOW - timedelta(days=2)
NIGHT = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)


def anbu(api: Api, name: str, username: str | None = None) -> int:
    return api.person(name, clearance="top_secret", divisions=["anbu"], username=username)


def test_the_chain_of_custody(api: Api):
    escort = [anbu(api, "Sakura", "sakura"), anbu(api, "Kakashi", "kakashi")]
    guards = [anbu(api, f"Guard {i}") for i in range(3)]
    outsider = api.person("Not ANBU")
    intake = {"name": "Foreign agent", "origin": "Cloud", "at": iso(EARLIER), "escort_ids": escort}
    api.err("clerk", "POST", "/custody", 403, "FORBIDDEN", json=intake)
    api.err("kakashi", "POST", "/custody", 422, "CUSTODIAN_NOT_ANBU", json={**intake, "escort_ids": [outsider]})
    api.err("kakashi", "POST", "/custody", 404, "NOT_FOUND", json={**intake, "escort_ids": [9999]})
    api.err("kakashi", "POST", "/custody", 422, "VALIDATION_ERROR", json={**intake, "at": "2026-03-12T18:00:00"})
    d = api.ok("kakashi", "POST", "/custody", 201, json=intake)
    assert d["status"] == "held" and sorted(d["custodians"]) == sorted(escort)
    did = d["id"]
    for uncleared in ("clerk", "genin", "elder", "medic"):
        api.err(uncleared, "GET", f"/custody/{did}", 404, "NOT_FOUND")
        assert api.ok(uncleared, "GET", "/custody") == []
    before = api.ok("hokage", "GET", f"/custody/{did}")
    api.err("kakashi", "POST", f"/custody/{did}/transfers", 404, "NOT_FOUND",
            json={"to_ids": [9999], "at": iso(EARLIER + timedelta(hours=1))})
    api.err("kakashi", "POST", f"/custody/{did}/transfers", 422, "CUSTODY_TIME_BEFORE_LAST_LINK",
            json={"to_ids": guards, "at": iso(EARLIER - timedelta(hours=1))})
    api.err("clerk", "POST", f"/custody/{did}/transfers", 404, "NOT_FOUND",
            json={"to_ids": guards, "at": iso(EARLIER + timedelta(hours=1))})
    assert api.ok("hokage", "GET", f"/custody/{did}") == before
    api.ok("kakashi", "POST", f"/custody/{did}/transfers", 201,
           json={"to_ids": guards, "at": iso(EARLIER + timedelta(hours=33))})
    # the escort no longer holds her: only her current custodians (or the hokage) hand her on
    api.err("kakashi", "POST", f"/custody/{did}/transfers", 403, "FORBIDDEN",
            json={"to_ids": escort, "at": iso(EARLIER + timedelta(hours=34))})
    d = api.ok("kakashi", "POST", f"/custody/{did}/audience-requests", 201,
               json={"with": "hokage", "at": iso(EARLIER + timedelta(hours=33, minutes=1))})
    (req,) = d["audience_requests"]
    alerts = [a for a in api.ok("hokage", "GET", "/alerts") if a["kind"] == "AUDIENCE_REQUEST"]
    assert len(alerts) == 1 and alerts[0]["detainee_id"] == did and alerts[0]["subject_shinobi_id"] is None
    api.err("kakashi", "POST", f"/custody/{did}/audience-requests/{req['id']}/decision", 403, "FORBIDDEN",
            json={"decision": "granted", "at": iso(NOW)})
    d = api.ok("hokage", "POST", f"/custody/{did}/audience-requests/{req['id']}/decision", 200,
               json={"decision": "granted", "at": iso(NOW)})
    assert d["audience_requests"][0]["status"] == "granted"
    api.err("hokage", "POST", f"/custody/{did}/audience-requests/{req['id']}/decision", 409,
            "AUDIENCE_ALREADY_DECIDED", json={"decision": "declined", "at": iso(NOW)})
    d = api.ok("hokage", "POST", f"/custody/{did}/release", 201,
               json={"outcome": "transferred_out", "at": iso(NOW), "note": "exchanged at the border"})
    assert d["status"] == "transferred_out" and d["custodians"] == []
    assert [sorted(x["custodian_ids"]) for x in d["chain"]] == [sorted(escort), sorted(guards)]
    assert abs(d["held_hours"] - 48) < 0.1
    api.err("hokage", "POST", f"/custody/{did}/transfers", 409, "DETAINEE_NOT_HELD",
            json={"to_ids": escort, "at": iso(NOW + timedelta(hours=1))})
    entries = [e for e in api.audit() if e["target"] == f"detainee:{did}"]
    assert {e["actor"] for e in entries if e["action"] == "custody.read"}  # sensitive reads are on the record
    assert [e["action"] for e in entries if not e["action"].startswith("authz.") and e["action"] != "custody.read"] == [
        "custody.intake", "custody.transfer", "custody.audience_requested", "custody.audience_granted",
        "custody.transferred_out"]
    denied = {(e["actor"], e["details"]["request"]) for e in entries if e["action"] == "authz.denied"}
    assert {("clerk", "viewCustody"), ("genin", "viewCustody"), ("kakashi", "handOver")} <= denied


def test_the_gate_flags_but_never_argues(api: Api):
    s = api.person("Traveller")
    r = api.ok("clerk", "POST", "/gate/events", 201,
               json={"direction": "in", "at": iso(NIGHT), "shinobi_ids": [s]})
    assert r["flags"] == [{"shinobi_id": s, "detainee_id": None, "code": "ALREADY_INSIDE"}]
    api.ok("clerk", "POST", "/gate/events", 201, json={"direction": "out", "at": iso(NIGHT + timedelta(hours=1)),
                                                       "shinobi_ids": [s]})
    r = api.ok("clerk", "POST", "/gate/events", 201,
               json={"direction": "out", "at": iso(NIGHT + timedelta(hours=2)), "shinobi_ids": [s]})
    assert r["flags"] == [{"shinobi_id": s, "detainee_id": None, "code": "ALREADY_OUTSIDE"}]
    flagged = [e for e in api.audit("gate.out") if e["target"] == f"shinobi:{s}"]
    assert [e["details"]["flagged"] for e in flagged] == [None, "ALREADY_OUTSIDE"]
    assert s not in {x["id"] for x in api.ok("genin", "GET", "/gate/present")["shinobi"]}
    api.err("genin", "POST", "/gate/events", 403, "FORBIDDEN",
            json={"direction": "in", "at": iso(NOW), "shinobi_ids": [s]})
    api.err("clerk", "POST", "/gate/events", 404, "NOT_FOUND",
            json={"direction": "in", "at": iso(NOW), "detainee_ids": [9999]})
    api.err("clerk", "POST", "/gate/events", 422, "GATE_EMPTY", json={"direction": "in", "at": iso(NOW)})
    api.err("clerk", "POST", "/gate/events", 422, "VALIDATION_ERROR",
            json={"direction": "sideways", "at": iso(NOW), "shinobi_ids": [s]})
    log = api.ok("genin", "GET", "/gate/events", params={"shinobi_id": s})
    assert [e["direction"] for e in log] == ["in", "out", "out"]
    assert len(api.ok("genin", "GET", "/gate/events", params={"day": "2026-03-14"})) == 3
    assert api.ok("genin", "GET", "/gate/events", params={"day": "2026-03-15"}) == []


def test_detainees_at_the_gate_are_the_keepers_business(api: Api):
    escort = [anbu(api, "Escort", "escort")]
    d = api.ok("escort", "POST", "/custody", 201,
               json={"name": "Agent", "at": iso(EARLIER), "escort_ids": escort})
    assert d["id"] not in {x["id"] for x in api.ok("hokage", "GET", "/gate/present")["detainees"]}
    api.ok("clerk", "POST", "/gate/events", 201,
           json={"direction": "in", "at": iso(EARLIER + timedelta(hours=2)), "detainee_ids": [d["id"]]})
    assert d["id"] in {x["id"] for x in api.ok("escort", "GET", "/gate/present")["detainees"]}
    assert api.ok("clerk", "GET", "/gate/present")["detainees"] == []
    assert all(e["detainee_id"] is None for e in api.ok("clerk", "GET", "/gate/events"))
    api.err("clerk", "GET", "/gate/events", 404, "NOT_FOUND", params={"detainee_id": d["id"]})
    assert len(api.ok("hokage", "GET", "/gate/events", params={"detainee_id": d["id"]})) == 1


def test_the_medical_record(api: Api):
    patient = api.person("Sakura", username="patient")
    record = {"body_part": "left shoulder", "kind": "chakra pathway damage", "severity": "serious",
              "at": iso(EARLIER)}
    api.err("clerk", "POST", f"/shinobi/{patient}/injuries", 403, "FORBIDDEN", json=record)
    api.err("medic", "POST", f"/shinobi/{patient}/injuries", 422, "VALIDATION_ERROR",
            json={**record, "severity": "dire"})
    injury = api.ok("medic", "POST", f"/shinobi/{patient}/injuries", 201, json=record)
    api.ok("medic", "POST", f"/shinobi/{patient}/treatments", 201,
           json={"kind": "healing_session", "at": iso(EARLIER + timedelta(hours=1)), "injury_id": injury["id"]})
    other = api.person("Other")
    api.err("medic", "POST", f"/shinobi/{other}/restrictions", 422, "INJURY_OF_ANOTHER",
            json={"kind": "rest", "reason": "x", "starts_at": iso(EARLIER), "injury_id": injury["id"]})
    r = api.ok("medic", "POST", f"/shinobi/{patient}/restrictions", 201,
               json={"kind": "rest", "reason": "the shoulder", "starts_at": iso(EARLIER), "injury_id": injury["id"]})
    assert r["injury_id"] == injury["id"]
    pill = {"drug": "chakra_pill", "amount": 1, "unit": "pill"}
    for h, warned in ((0, False), (1, False), (2, True)):
        dose = api.ok("patient", "POST", f"/shinobi/{patient}/medications", 201,
                      json={**pill, "at": iso(EARLIER + timedelta(hours=h))})
        assert bool(dose["warnings"]) is warned, dose
    api.err("patient", "POST", f"/shinobi/{patient}/medications", 422, "VALIDATION_ERROR",
            json={**pill, "amount": 0, "at": iso(EARLIER)})
    api.ok("medic", "POST", f"/shinobi/{patient}/medical-notes", 201, json={"text": "Rest.", "at": iso(EARLIER)})
    api.err("genin", "GET", f"/shinobi/{patient}/medical", 403, "FORBIDDEN")
    api.err("clerk", "GET", f"/shinobi/{patient}/medical", 403, "FORBIDDEN")
    mine = api.ok("patient", "GET", f"/shinobi/{patient}/medical")
    assert api.ok("medic", "GET", f"/shinobi/{patient}/medical") == mine
    assert [len(mine[k]) for k in ("injuries", "treatments", "medications", "notes", "restrictions")] == [
        1, 1, 3, 1, 1]


def test_a_report_lands_injuries_in_the_record(api: Api):
    a, b = api.person("Hurt", username="hurt"), api.person("Fine")
    m = api.open_mission("C", min_team_size=2, posted_at=iso(EARLIER - timedelta(days=1)))
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": [a, b], "departs_at": iso(EARLIER)})
    api.ok("hurt", "POST", f"/missions/{m}/report", 201, json={
        "outcome": "success", "at": iso(NOW),
        "casualties": [{"shinobi_id": a, "status": "injured",
                        "injury": {"body_part": "left eye", "kind": "Sharingan bleeding", "severity": "moderate"}},
                       {"shinobi_id": b, "status": "injured"}]})
    (eye,) = api.ok("hurt", "GET", f"/shinobi/{a}/medical")["injuries"]
    assert (eye["body_part"], eye["severity"], eye["mission_id"]) == ("left eye", "moderate", m)
    (unspecified,) = api.ok("medic", "GET", f"/shinobi/{b}/medical")["injuries"]
    assert unspecified["severity"] == "unknown"
