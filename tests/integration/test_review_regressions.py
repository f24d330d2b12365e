"""Defects found in review, each pinned by a test."""
import threading
from datetime import UTC, datetime

import pytest

from missiondesk.domain.errors import DomainError
from missiondesk.services import auth, medical, missions
from missiondesk.services.paging import Window

from .api import Api


def test_two_signatures_at_once_open_an_s_rank(runtime, api: Api):
    """Racing authorisations from two accounts: the S-rank opens, whatever the engine."""
    for round_ in range(5):
        m = api.mission("S", title=f"race {round_}")
        callers = [auth.caller_for_username(runtime.uow, u) for u in ("hokage", "elder")]
        barrier = threading.Barrier(2)

        def sign(caller):
            barrier.wait()
            missions.authorize_mission(runtime.uow, caller, m["id"], datetime.now(UTC))

        threads = [threading.Thread(target=sign, args=(c,)) for c in callers]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert api.ok("hokage", "GET", f"/missions/{m['id']}")["status"] == "open"


def test_racing_overlapping_sleep_is_refused_once(runtime, api: Api):
    sid = api.person("Sleeper")
    hokage = auth.caller_for_username(runtime.uow, "hokage")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def log(start_hour):
        barrier.wait()
        try:
            medical.log_sleep(runtime.uow, hokage, sid, datetime(2026, 3, 14, start_hour, tzinfo=UTC),
                              datetime(2026, 3, 14, start_hour + 4, tzinfo=UTC), runtime.settings.clock.now(),
                              policy=runtime.policy)
            outcomes.append("ok")
        except DomainError as e:
            outcomes.append(e.code)

    threads = [threading.Thread(target=log, args=(h,)) for h in (1, 2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["SLEEP_OVERLAP", "ok"]
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/fitness")["fit"] in (True, False)  # no 500


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/shinobi/9223372036854775808", None),
    ("GET", "/missions/2147483648", None),
    ("POST", "/missions/1/assignments", {"shinobi_ids": [2**40]}),
    ("GET", "/shinobi/1/fitness?at=0001-01-01T00:00:00Z", None),
    ("POST", "/shinobi/1/sleep", {"start": "0001-01-01T00:00:00+01:00", "end": "0001-01-01T08:00:00+01:00"}),
    ("GET", "/gate/events?day=9999-12-31", None),
    ("POST", "/shinobi", {"name": "Null\x00Byte", "rank": "genin"}),
    ("POST", "/missions", {"title": "x", "rank": "D", "kind": "chores", "posted_at": "9999-12-31T23:59:59-05:00"}),
])
def test_out_of_range_input_is_422_not_500(api: Api, method, path, body):
    api.open_mission("D")
    r = api.req("hokage", method, path, json=body) if body is not None else api.req("hokage", method, path)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] in {"VALIDATION_ERROR", "VALUE_OUT_OF_RANGE"}


def test_a_shared_partner_gets_one_alert_per_attempt(api: Api):
    a, b = api.person("A", clearance="secret"), api.person("B", clearance="secret")
    partner = api.person("Partner", username="partner", clearance="secret")
    for s in (a, b):
        api.ok("hokage", "POST", f"/shinobi/{s}/partners", 201, json={"partner_id": partner})
        api.ok("medic", "POST", f"/shinobi/{s}/restrictions", 201,
               json={"kind": "rest", "reason": "tired", "starts_at": "2026-03-13T00:00:00Z"})
    m = api.open_mission("S", min_team_size=2, classification="secret")
    api.err("hokage", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED",
            json={"shinobi_ids": [a, b], "departs_at": "2026-03-14T06:30:00Z"})
    (alert,) = api.ok("partner", "GET", "/alerts")
    assert "A (MEDICAL_REST)" in alert["message"] and "B (MEDICAL_REST)" in alert["message"]


def test_a_mission_may_be_aborted_before_it_departs(api: Api):
    s = api.person("Early")
    m = api.open_mission("D")
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": [s], "departs_at": "2026-03-20T06:00:00Z"})
    api.err("hokage", "POST", f"/missions/{m}/report", 422, "REPORT_BEFORE_DEPARTURE",
            json={"outcome": "success", "at": "2026-03-14T06:00:00Z"})
    r = api.ok("hokage", "POST", f"/missions/{m}/report", 201,
               json={"outcome": "aborted", "at": "2026-03-14T06:00:00Z"})
    assert r["mission_status"] == "cancelled"
    assert api.ok("hokage", "GET", f"/shinobi/{s}")["status"] == "active"


def test_a_teammates_medical_reasons_stay_discreet(api: Api):
    me = api.person("Me", username="me")
    mate = api.person("Mate")
    api.ok("medic", "POST", f"/shinobi/{mate}/restrictions", 201,
           json={"kind": "rest", "reason": "a private diagnosis", "starts_at": "2026-03-13T00:00:00Z"})
    m = api.open_mission("D")
    body = {"shinobi_ids": [me, mate], "departs_at": "2026-03-14T06:30:00Z"}
    # a teammate who may not read Mate's fitness learns only that Mate may not go (NOT_FIT)
    err = api.err("me", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED", json=body)
    assert [(d["shinobi_id"], d["code"]) for d in err["details"]] == [(mate, "NOT_FIT")]
    assert "private diagnosis" not in err["details"][0]["message"] and "rest" not in err["details"][0]["message"]
    # a clerk reads fitness, not the medical record: the code, in general words
    err = api.err("clerk", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED", json=body)
    (rest,) = [d for d in err["details"] if d["code"] == "MEDICAL_REST"]
    assert "private diagnosis" not in rest["message"] and "rest" in rest["message"]
    err = api.err("medic", "POST", f"/missions/{m}/assignments", 403, "FORBIDDEN", json=body)
    err = api.err("hokage", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED", json=body)
    assert any("private diagnosis" in d["message"] for d in err["details"])


def test_no_mission_is_named_to_the_uncleared_through_the_medical_record(api: Api):
    s = api.person("Field agent", clearance="top_secret")
    m = api.open_mission("B", classification="top_secret", min_team_size=1, posted_at="2026-03-01T00:00:00Z")
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [s],
                                                                   "departs_at": "2026-03-10T00:00:00Z"})
    api.ok("hokage", "POST", f"/missions/{m}/report", 201, json={
        "outcome": "success", "at": "2026-03-12T00:00:00Z", "casualties": [{"shinobi_id": s, "status": "injured"}]})
    assert [i["mission_id"] for i in api.ok("medic", "GET", f"/shinobi/{s}/medical")["injuries"]] == [None]
    assert [i["mission_id"] for i in api.ok("hokage", "GET", f"/shinobi/{s}/medical")["injuries"]] == [m]
    # the medic (secret clearance) cannot probe a top-secret mission id through an injury
    body = {"body_part": "arm", "kind": "cut", "severity": "minor", "at": "2026-03-12T00:00:00Z"}
    hidden = api.req("medic", "POST", f"/shinobi/{s}/injuries", json={**body, "mission_id": m})
    missing = api.req("medic", "POST", f"/shinobi/{s}/injuries", json={**body, "mission_id": 99999})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace(str(m), "N") == \
        missing.json()["error"]["message"].replace("99999", "N")


def test_audited_reads_beside_a_busy_writer_never_fail(runtime, api: Api):
    """A read that records an audit entry (here the hokage's reading of the audit log) must not fail
    with 'database is locked' while another client keeps writing (found by the fuzzer on SQLite)."""
    import time

    from missiondesk.services import audit
    from missiondesk.services.missions import PostMission

    hokage = auth.caller_for_username(runtime.uow, "hokage")
    stop = time.monotonic() + 3
    errors: list[BaseException] = []

    def write():
        from missiondesk.domain.ranks import MissionRank

        i = 0
        while time.monotonic() < stop:
            i += 1
            missions.post_mission(runtime.uow, hokage, PostMission(f"busy {i}", MissionRank.D, "chores"),
                                  datetime.now(UTC))

    def read():
        n = 0
        while time.monotonic() < stop:
            try:
                audit.list_entries(runtime.uow, hokage, Window(limit=1))
                n += 1
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                errors.append(e)
        assert n > 0

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors[:3]
