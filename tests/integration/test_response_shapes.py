"""The answers of the routes typed by read models keep the contract's JSON: the same keys in the same order, the
same nesting and nulls, the same formats of time and number. `from` and `with` are keys though Python keywords."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from .api import Api

NOW = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)  # the service's clock starts here (tests/conftest.py)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


DETAINEE = ["id", "name", "origin", "status", "detained_since", "ended_at", "end_note", "held_hours", "custodians",
            "chain", "audience_requests"]
BRIEF = ["id", "mission_id", "text", "created_by", "created_at", "destroyed_at", "destroyed_by", "destroy_reason"]
REPORT = ["id", "mission_id", "outcome", "at", "summary", "casualties", "specimens", "filed_by", "filed_at"]


def keys(x: dict) -> list[str]:
    return list(x)


def test_custody_answers_with_from_and_with(api: Api):
    kakashi = api.person("Kakashi", clearance="top_secret", divisions=["anbu"], username="kakashi")
    d = api.ok("kakashi", "POST", "/custody", 201,
               json={"name": "Agent", "origin": None, "at": iso(NOW - timedelta(hours=3)), "escort_ids": [kakashi]})
    d = api.ok("kakashi", "POST", f"/custody/{d['id']}/audience-requests", 201,
               json={"with": "hokage", "at": iso(NOW - timedelta(hours=1))})
    assert keys(d) == DETAINEE
    assert d["origin"] is None and d["ended_at"] is None and isinstance(d["held_hours"], float)
    assert d["chain"] == [{"custodian_ids": [kakashi], "from": iso(NOW - timedelta(hours=3)), "by": "kakashi"}]
    (req,) = d["audience_requests"]
    assert keys(req) == ["id", "with", "at", "status", "decided_at", "decided_by", "note"]
    assert req["with"] == "hokage" and req["at"] == iso(NOW - timedelta(hours=1)) and req["decided_at"] is None
    listed = api.ok("hokage", "GET", "/custody")
    assert [keys(x) for x in listed] == [DETAINEE] and listed[0]["chain"][0]["from"] == d["chain"][0]["from"]


def test_briefs_medical_gate_reports_and_the_memorial(api: Api):
    me = api.ok("clerk", "GET", "/auth/me")
    assert me == {"username": "clerk", "shinobi_id": me["shinobi_id"], "roles": ["clerk"],
                  "clearance": "confidential", "divisions": []}
    m = api.open_mission("C", classification="confidential")
    written = api.ok("clerk", "POST", f"/missions/{m}/brief", 201, json={"text": "north"})
    assert keys(written) == [k for k in BRIEF if k != "text"]  # the text is not echoed: it is read, and recorded
    read = api.ok("clerk", "GET", f"/missions/{m}/brief")
    assert keys(read) == BRIEF and read["text"] == "north" and read["destroyed_at"] is None
    gone = api.ok("clerk", "POST", f"/missions/{m}/brief/destroy", json={"reason": "burned"})
    assert keys(gone) == BRIEF and gone["text"] is None and gone["destroy_reason"] == "burned"

    genin = api.ok("genin", "GET", "/auth/me")["shinobi_id"]
    at = iso(NOW - timedelta(hours=2))
    injury = api.ok("medic", "POST", f"/shinobi/{genin}/injuries", 201,
                    json={"body_part": "arm", "kind": "cut", "severity": "minor", "at": at, "mission_id": m})
    assert keys(injury) == ["id", "shinobi_id", "body_part", "kind", "severity", "at", "mission_id", "notes",
                            "recorded_by"]
    treatment = api.ok("medic", "POST", f"/shinobi/{genin}/treatments", 201, json={"at": at})
    assert keys(treatment) == ["id", "shinobi_id", "kind", "at", "medic_id", "injury_id", "notes"]
    dose = api.ok("medic", "POST", f"/shinobi/{genin}/medications", 201,
                  json={"drug": "chakra_pill", "amount": 2.5, "at": at})
    assert keys(dose) == ["id", "shinobi_id", "drug", "amount", "unit", "at", "injury_id", "recorded_by", "warnings"]
    assert dose["amount"] == 2.5 and dose["warnings"] and dose["at"] == at
    note = api.ok("medic", "POST", f"/shinobi/{genin}/medical-notes", 201, json={"text": "rest", "at": at})
    assert keys(note) == ["id", "shinobi_id", "text", "at", "recorded_by"]
    record = api.ok("genin", "GET", f"/shinobi/{genin}/medical")
    assert keys(record) == ["injuries", "treatments", "medications", "notes", "restrictions", "welfare_holds"]
    assert record["injuries"] == [{**injury, "mission_id": None}]  # genin may not see the confidential mission
    assert record["medications"] == [{k: v for k, v in dose.items() if k != "warnings"}]

    api.ok("clerk", "POST", "/gate/events", 201, json={"direction": "out", "at": at, "shinobi_ids": [genin]})
    present = api.ok("genin", "GET", "/gate/present")
    assert keys(present) == ["at", "shinobi", "detainees"] and present["detainees"] == []
    assert keys(present["shinobi"][0]) == ["id", "name", "rank"] and genin not in {s["id"] for s in present["shinobi"]}
    (event,) = api.ok("genin", "GET", "/gate/events")
    assert event == {"id": event["id"], "direction": "out", "at": at, "shinobi_id": genin, "detainee_id": None,
                     "flagged": None, "logged_by": "clerk"}

    team = [api.person(f"J{i}") for i in range(3)]
    b = api.open_mission("B", posted_at=iso(NOW - timedelta(hours=2)))
    rec = api.ok("hokage", "GET", f"/missions/{b}/recommendation")
    assert keys(rec) == ["mission_id", "departs_at", "model", "eligible", "team", "success_probability",
                         "casualty_probability", "expected_value_ryo", "worth_sending", "casualty_cost_ryo",
                         "runners_up", "shortfall"]
    assert keys(rec["team"][0]) == ["shinobi_id", "name", "strength", "why"] and rec["shortfall"] is None
    api.ok("hokage", "POST", f"/missions/{b}/assignments", 201,
           json={"shinobi_ids": team, "departs_at": iso(NOW - timedelta(hours=1))})
    filed = api.ok("hokage", "POST", f"/missions/{b}/report", 201, json={
        "outcome": "failure", "at": iso(NOW), "casualties": [{"shinobi_id": team[0], "status": "kia"}],
        "specimens": [{"description": "a scroll"}]})
    assert keys(filed) == [*REPORT, "mission_status", "welfare_hold_ids"]
    assert filed["casualties"] == [{"shinobi_id": team[0], "status": "kia"}]
    assert filed["specimens"] == [{"description": "a scroll"}] and filed["summary"] is None
    assert filed["mission_status"] == "failed" and len(filed["welfare_hold_ids"]) == 2
    report = api.ok("genin", "GET", f"/missions/{b}/report")
    assert report == {k: filed[k] for k in REPORT}
    assert api.ok("genin", "GET", "/memorial") == [{"shinobi_id": team[0], "name": "J0", "rank": "jonin",
                                                    "died_at": iso(NOW), "mission_id": b, "mission_title": "B mission"}]

    model = api.ok("genin", "GET", "/risk/model")
    assert model == {"source": "prior", "reports": 0,
                     "success": {"intercept": 1.0, "log_strength_ratio": 2.0, "sensor": 0.3},
                     "casualty": {"intercept": -2.0, "log_strength_ratio": -1.5, "medic": -0.7},
                     "calibration": {}, "refit_from_reports": 30}


def test_the_openapi_names_the_keyword_keys(app):
    schemas = TestClient(app).get("/openapi.json").json()["components"]["schemas"]
    assert list(schemas["LinkRead"]["properties"]) == ["custodian_ids", "from", "by"]
    assert "with" in schemas["AudienceRequestRead"]["properties"]
    assert "with_" not in schemas["AudienceRequestRead"]["properties"]
