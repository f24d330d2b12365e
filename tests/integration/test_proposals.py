"""Who may send whom: proposals, acceptances, the rules at each, and departures nobody may back-date."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .api import Api

DAWN = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)  # the service's clock (tests/conftest.py)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def trio(api: Api) -> tuple[int, int, int]:
    return (api.person("Naruto", username="naruto"), api.person("Sasuke", username="sasuke"),
            api.person("Sakura", username="sakura"))


def test_a_proposal_waits_for_every_member_and_the_last_yes_sends_it(api: Api):
    naruto, sasuke, sakura = trio(api)
    m = api.open_mission("C", min_team_size=3)
    a = api.ok("naruto", "POST", f"/missions/{m}/assignments", 201,
               json={"shinobi_ids": [naruto, sasuke, sakura], "departs_at": "2026-03-14T09:00:00Z"})
    assert (a["status"], a["active"], a["accepted_ids"], a["awaiting_ids"]) == (
        "proposed", False, [naruto], [sasuke, sakura])
    assert api.ok("hokage", "GET", f"/missions/{m}")["team"] is None
    assert [e["details"]["assignment_id"] for e in api.audit("assignment.proposed")] == [a["id"]]
    for who in ("sasuke", "sakura"):
        (ask,) = [x for x in api.ok(who, "GET", "/alerts") if x["kind"] == "TEAM_PROPOSAL"]
        assert ask["assignment_id"] == a["id"] and "Naruto" in ask["message"]
    half = api.ok("sasuke", "POST", f"/assignments/{a['id']}/accept")
    assert half["status"] == "proposed" and half["awaiting_ids"] == [sakura]
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"
    assert api.ok("hokage", "GET", f"/shinobi/{sasuke}")["status"] == "active"
    assert api.audit("assignment.created") == []
    sent = api.ok("sakura", "POST", f"/assignments/{a['id']}/accept")
    assert (sent["status"], sent["active"], sent["awaiting_ids"]) == ("active", True, [])
    mission = api.ok("hokage", "GET", f"/missions/{m}")
    assert mission["status"] == "assigned" and mission["team"]["id"] == a["id"]
    assert {api.ok("hokage", "GET", f"/shinobi/{s}")["status"] for s in (naruto, sasuke, sakura)} == {"on_mission"}
    assert [e["actor"] for e in api.audit("assignment.created")] == ["sakura"]
    assert [e["actor"] for e in api.audit("assignment.accepted")] == ["sasuke", "sakura"]
    api.err("sasuke", "POST", f"/assignments/{a['id']}/decline", 409, "PROPOSAL_CLOSED")
    assert api.ok("naruto", "GET", f"/assignments/{a['id']}")["status"] == "active"
    assert api.ok("clerk", "GET", f"/assignments/{a['id']}")["shinobi_ids"] == [naruto, sasuke, sakura]  # the office
    api.err("genin", "GET", f"/assignments/{a['id']}", 404, "NOT_FOUND")
    api.err("clerk", "POST", f"/assignments/{a['id']}/accept", 404, "NOT_FOUND")  # not his to answer


def test_the_rules_run_again_at_each_acceptance(api: Api):
    naruto, sasuke, _ = trio(api)
    m = api.open_mission("D")
    a = api.ok("naruto", "POST", f"/missions/{m}/assignments", 201,
               json={"shinobi_ids": [naruto, sasuke], "departs_at": "2026-03-14T09:00:00Z"})
    api.ok("medic", "POST", f"/shinobi/{naruto}/restrictions", 201,
           json={"kind": "rest", "reason": "broken arm", "starts_at": "2026-03-14T06:00:00Z"})
    err = api.err("sasuke", "POST", f"/assignments/{a['id']}/accept", 409, "ASSIGNMENT_REFUSED")
    # Sasuke may not read Naruto's fitness: one NOT_FIT; the audit keeps the real code
    assert [(d["shinobi_id"], d["code"]) for d in err["details"]] == [(naruto, "NOT_FIT")]
    (kept,) = api.audit("assignment.refused")
    assert kept["actor"] == "sasuke" and [r["code"] for r in kept["details"]["reasons"]] == ["MEDICAL_REST"]
    assert api.ok("naruto", "GET", f"/assignments/{a['id']}")["status"] == "proposed"
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"
    # a stale proposal: once its departure has passed, nobody may accept it on their own word
    api.ok("medic", "POST", f"/restrictions/{api.ok('medic', 'GET', f'/shinobi/{naruto}/restrictions')[0]['id']}/lift",
           json={"at": "2026-03-14T06:05:00Z"})
    api.clock.advance(hours=3)
    api.err("sasuke", "POST", f"/assignments/{a['id']}/accept", 422, "DEPARTURE_IN_PAST")


def test_a_mission_taken_by_another_team_leaves_the_proposal_unsendable(api: Api):
    naruto, sasuke, sakura = trio(api)
    m = api.open_mission("D")
    first = api.ok("naruto", "POST", f"/missions/{m}/assignments", 201,
                   json={"shinobi_ids": [naruto, sasuke], "departs_at": "2026-03-14T09:00:00Z"})
    api.ok("clerk", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [sakura]})
    err = api.err("sasuke", "POST", f"/assignments/{first['id']}/accept", 409, "ASSIGNMENT_REFUSED")
    assert {d["code"] for d in err["details"]} == {"MISSION_NOT_OPEN"}
    assert api.ok("hokage", "GET", f"/missions/{m}")["team"]["shinobi_ids"] == [sakura]


def test_a_clerk_and_the_hokage_send_at_once_and_record_the_past(api: Api):
    naruto, sasuke, _ = trio(api)
    m = api.open_mission("D", posted_at="2026-03-01T00:00:00Z")
    a = api.ok("clerk", "POST", f"/missions/{m}/assignments", 201,
               json={"shinobi_ids": [naruto, sasuke], "departs_at": "2026-03-10T08:00:00Z"})
    assert a["status"] == "active" and a["accepted_ids"] == [naruto, sasuke]
    m2 = api.open_mission("D")
    api.err("clerk", "POST", f"/missions/{m2}/assignments", 422, "DEPARTURE_BEFORE_POSTING",
            json={"shinobi_ids": [naruto], "departs_at": "2026-03-10T08:00:00Z"})
    api.err("elder", "POST", f"/missions/{m2}/assignments", 403, "FORBIDDEN",
            json={"shinobi_ids": [naruto], "departs_at": "2026-03-14T08:00:00Z"})


def test_reports_are_not_dated_in_the_future_nor_before_the_departure(api: Api):
    naruto, _, _ = trio(api)
    m = api.open_mission("D", posted_at="2026-03-01T00:00:00Z")
    api.ok("clerk", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": [naruto], "departs_at": "2026-03-13T08:00:00Z"})
    api.err("naruto", "POST", f"/missions/{m}/report", 422, "REPORT_IN_FUTURE",
            json={"outcome": "success", "at": "2026-03-14T08:00:00Z"})
    api.err("naruto", "POST", f"/missions/{m}/report", 422, "REPORT_BEFORE_DEPARTURE",
            json={"outcome": "success", "at": "2026-03-13T07:00:00Z"})
    api.ok("naruto", "POST", f"/missions/{m}/report", 201, json={"outcome": "success", "at": "2026-03-14T06:00:00Z"})


_serial = itertools.count()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rest_started=st.one_of(st.integers(0, 20), st.integers(0, 3 * 24 * 60)),  # minutes; near now, and any
       depart=st.one_of(st.integers(-16, 1), st.integers(-30 * 24 * 60, 30 * 24 * 60)),
       with_mate=st.booleans(), she_asks=st.booleans())
# the order recorded five minutes ago, the departure named ten minutes back: inside the grace, before the order
@example(rest_started=5, depart=-10, with_mate=False, she_asks=True)
@example(rest_started=5, depart=-10, with_mate=True, she_asks=False)
def test_a_shinobi_ordered_to_rest_is_never_sent_whatever_departure_is_chosen(api: Api, rest_started, depart,
                                                                                with_mate, she_asks):
    """For any departure a non-office caller may name (minutes from now, past or future), a shinobi under a
    rest order open at now (started `rest_started` minutes before, no end) is never sent: not alone, not
    proposed by a teammate and accepted, not by her own proposal accepted by a rested teammate."""
    n = next(_serial)
    resting = api.person(f"Resting {n}", username=f"resting{n}")
    mate = api.person(f"Mate {n}", username=f"mate{n}")
    now = api.clock.now()
    api.ok("medic", "POST", f"/shinobi/{resting}/restrictions", 201,
           json={"kind": "rest", "reason": "ordered to rest", "starts_at": iso(now - timedelta(minutes=rest_started))})
    m = api.open_mission("D", posted_at="2026-01-01T00:00:00Z")
    asker = f"resting{n}" if she_asks or not with_mate else f"mate{n}"
    team = [resting, mate] if with_mate else [resting]
    r = api.req(asker, "POST", f"/missions/{m}/assignments",
                json={"shinobi_ids": team, "departs_at": iso(now + timedelta(minutes=depart))})
    assert r.status_code in (201, 409, 422), r.text
    if r.status_code == 201:
        a = r.json()
        assert a["status"] == "proposed", a
        answer = api.req(f"mate{n}" if asker == f"resting{n}" else f"resting{n}", "POST",
                         f"/assignments/{a['id']}/accept")
        assert answer.status_code in (409, 422), answer.text
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"
    assert api.ok("hokage", "GET", f"/shinobi/{resting}")["status"] == "active"
