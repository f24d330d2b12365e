"""Changing a shinobi: explicit fields, the keepers' limits, and a booked team told when a change puts it at risk."""
from .api import Api


def test_a_clerk_changes_only_what_he_could_have_created(api: Api):
    secret = api.person("Secret", clearance="secret")
    plain = api.person("Plain")
    api.err("clerk", "PATCH", f"/shinobi/{secret}", 403, "FORBIDDEN", json={"rank": "chunin"})  # above his own
    api.err("clerk", "PATCH", f"/shinobi/{plain}", 403, "FORBIDDEN", json={"clearance": "secret"})
    elder = api.ok("elder", "GET", "/auth/me")["shinobi_id"]
    api.err("clerk", "PATCH", f"/shinobi/{elder}", 403, "FORBIDDEN", json={"name": "Renamed"})  # holds a role
    changed = api.ok("clerk", "PATCH", f"/shinobi/{plain}",
                     json={"name": "Plain Again", "specialties": ["tracking"], "clearance": "confidential"})
    assert (changed["name"], changed["specialties"], changed["clearance"]) == ("Plain Again", ["tracking"],
                                                                               "confidential")
    assert api.ok("hokage", "GET", f"/shinobi/{plain}")["rank"] == "jonin"  # untouched
    api.err("clerk", "PATCH", f"/shinobi/{plain}", 422, "VALIDATION_ERROR", json={"rank": "hokage-to-be"})
    api.err("genin", "PATCH", f"/shinobi/{plain}", 403, "FORBIDDEN", json={"name": "x"})


def test_a_demotion_after_the_booking_puts_the_team_at_risk(api: Api):
    a, b = api.person("A"), api.person("B")
    m = api.open_mission("B", min_team_size=2)
    booked = api.ok("clerk", "POST", f"/missions/{m}/assignments", 201,
                    json={"shinobi_ids": [a, b], "departs_at": "2026-03-14T12:00:00Z"})
    api.ok("hokage", "PATCH", f"/shinobi/{b}", json={"rank": "genin"})
    (risk,) = [x for x in api.ok("clerk", "GET", "/alerts") if x["kind"] == "ASSIGNMENT_AT_RISK"]
    assert risk["assignment_id"] == booked["id"] and risk["codes"] == ["RANK_TOO_LOW"]
    assert risk["mission_id"] == m and risk["subject_shinobi_id"] == b
    # the hokage told too; a genin of the team, who is no clerk, is not
    assert [x["kind"] for x in api.ok("hokage", "GET", "/alerts")].count("ASSIGNMENT_AT_RISK") == 1
