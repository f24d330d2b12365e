"""Rest and duty limits from the gate log, through the API and the page: every reason with when it clears."""
import re

from .api import Api
from .test_web import browser_for, csrf_of

DEPART = "2026-03-14T06:30:00Z"


def back_from_a_week_away(api: Api, sid: int) -> None:
    for direction, at in (("out", "2026-03-07T06:00:00Z"), ("in", "2026-03-14T03:00:00Z")):
        api.ok("clerk", "POST", "/gate/events", 201, json={"direction": direction, "at": at, "shinobi_ids": [sid]})


def test_back_at_three_from_a_week_away_is_refused_until_a_time(app, api: Api):
    sid = api.person("Kakashi", username="kakashi")
    back_from_a_week_away(api, sid)
    api.ok("hokage", "POST", f"/shinobi/{sid}/restrictions", 201,
           json={"kind": "rest", "reason": "Sharingan strain", "starts_at": "2026-03-14T04:30:00Z"})
    m = api.open_mission("D")
    f = api.ok("kakashi", "GET", f"/shinobi/{sid}/fitness", params={"mission_id": m, "at": DEPART})
    clears = {r["code"]: r["clears_at"] for r in f["reasons"]}
    assert clears == {"MEDICAL_REST": None, "REST_PERIOD": "2026-03-14T13:00:00Z",
                      "DUTY_LIMIT": "2026-03-15T09:00:00Z"}
    assert all(r["overridable"] for r in f["reasons"])
    err = api.err("kakashi", "POST", f"/missions/{m}/assignments", 409, "ASSIGNMENT_REFUSED",
                  json={"shinobi_ids": [sid], "departs_at": DEPART})
    assert {d["code"]: d["clears_at"] for d in err["details"]} == {
        "MEDICAL_REST": None, "REST_PERIOD": "2026-03-14T13:00:00+00:00", "DUTY_LIMIT": "2026-03-15T09:00:00+00:00"}
    # the recommendation does not propose him, and says why
    rec = api.ok("clerk", "GET", f"/missions/{m}/recommendation", params={"departs_at": DEPART})
    assert sid not in [p["shinobi_id"] for p in rec["team"]]
    # the page says when
    page = browser_for(app, "kakashi")
    html = page.get(f"/missions/{m}").text
    refused = page.post(f"/missions/{m}/team", data={"csrf": csrf_of(html), "shinobi_ids": [sid],
                                                      "departs_at": "2026-03-14T06:30"}).text
    assert "REST_PERIOD" in refused and "clears 13:00 today" in refused and "clears 09:00 tomorrow" in refused
    assert re.search(r"MEDICAL_REST.*when a medic lifts it|when a medic lifts it.*MEDICAL_REST", refused, re.S)
    # the hokage may send him with a written reason
    sent = api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
                  json={"shinobi_ids": [sid], "departs_at": DEPART, "override": {"justification": "he insists"}})
    assert sent["overridden"] is True


def test_the_medic_with_her_sleep_left_unlogged_is_refused_on_the_office_records(api: Api):
    """The chapter without a sleep log: the gate log and her own acts stand in for it (FATIGUE.md, TV8)."""
    sakura = api.person("Sakura", username="sakura", clearance="top_secret")
    mate = api.person("Kakashi", clearance="top_secret")
    api.ok("hokage", "POST", f"/shinobi/{sakura}/partners", 201, json={"partner_id": mate})
    back_from_a_week_away(api, sakura)
    api.ok("hokage", "POST", f"/shinobi/{sakura}/restrictions", 201,
           json={"kind": "rest", "reason": "chakra pathway damage", "starts_at": "2026-03-14T03:40:00Z"})
    api.ok("medic", "POST", f"/shinobi/{sakura}/welfare-holds", 201,
           json={"reason": "squad lost", "since": "2025-11-02T12:00:00Z"})
    s_rank = api.open_mission("S", classification="top_secret", min_team_size=2, posted_at="2026-01-14T09:00:00Z")
    f = api.ok("sakura", "GET", f"/shinobi/{sakura}/fitness", params={"mission_id": s_rank, "at": DEPART})
    assert f["fatigue"]["estimated"] is True and "gate log" in f["fatigue"]["basis"]
    assert f["fatigue"]["level"] == "unfit" and f["warnings"] == []
    err = api.err("sakura", "POST", f"/missions/{s_rank}/assignments", 409, "ASSIGNMENT_REFUSED",
                  json={"shinobi_ids": [sakura], "departs_at": DEPART})
    assert {(d["shinobi_id"], d["code"]): d["clears_at"] for d in err["details"]} == {
        (sakura, "MEDICAL_REST"): None,
        (sakura, "REST_PERIOD"): "2026-03-14T13:00:00+00:00",
        (sakura, "DUTY_LIMIT"): "2026-03-15T09:00:00+00:00",
        (sakura, "FATIGUE_UNFIT"): None,
        (sakura, "WELFARE_HOLD"): None,
        (None, "TEAM_TOO_SMALL"): None,
    }
    # without any gate record, no estimate: fatigue unknown, a warning and no refusal on it
    plain = api.person("Plain", username="plain")
    f = api.ok("plain", "GET", f"/shinobi/{plain}/fitness", params={"at": DEPART})
    assert f["fatigue"]["level"] == "unknown" and f["fatigue"]["estimated"] is False and f["warnings"]


def test_the_shinobi_page_says_when_each_reason_clears_and_draws_an_estimate_dashed(app, api: Api):
    sid = api.person("Kakashi", username="kakashi")
    back_from_a_week_away(api, sid)  # no sleep logged: the chart runs on the estimate
    api.ok("medic", "POST", f"/shinobi/{sid}/restrictions", 201,
           json={"kind": "rest", "reason": "Sharingan strain", "starts_at": "2026-03-14T04:30:00Z"})
    html = browser_for(app, "kakashi").get(f"/shinobi/{sid}").text
    duty = html[html.index('id="duty-h"'):html.index('id="chart-h"')]
    assert "REST_PERIOD" in duty and "clears 13:00 today" in duty
    assert "DUTY_LIMIT" in duty and "clears 09:00 tomorrow" in duty
    assert "MEDICAL_REST" in duty and "when a medic lifts it" in duty
    chart = html[html.index('id="chart-h"'):]
    assert "Estimated:" in chart and "gate log" in chart
    assert chart.count('class="series estimated" stroke-dasharray') == 2
    # a shinobi with a sleep log and no trip: nothing estimated, nothing dashed, free to go
    api.ok("kakashi", "POST", f"/shinobi/{sid}/sleep", 201,  # his own log now speaks for him
           json={"start": "2026-03-14T04:45:00Z", "end": "2026-03-14T05:50:00Z"})
    chart = browser_for(app, "kakashi").get(f"/shinobi/{sid}").text
    assert 'class="series estimated"' not in chart and "Estimated:" not in chart


def test_the_roster_badges_read_the_same_rules(app, api: Api):
    back, worked, rested = api.person("Back"), api.person("Worked"), api.person("Rested")
    back_from_a_week_away(api, back)
    for direction, at in (("out", "2026-03-08T06:00:00Z"), ("in", "2026-03-10T12:00:00Z"),
                          ("out", "2026-03-11T12:00:00Z"), ("in", "2026-03-13T12:00:00Z")):
        api.ok("clerk", "POST", "/gate/events", 201, json={"direction": direction, "at": at, "shinobi_ids": [worked]})
    api.ok("hokage", "POST", f"/shinobi/{rested}/sleep", 201,
           json={"start": "2026-03-13T22:00:00Z", "end": "2026-03-14T06:00:00Z"})
    html = browser_for(app, "clerk").get("/roster").text

    def badges(name: str) -> list[str]:
        row = html[html.index(f">{name}</a>"):]
        row = row[:row.index("</tr>")]
        return re.findall(r'class="badge badge-([a-z_]+)"', row)

    # back at 03:00 from a week away: in his rest period and off duty at 06:20
    assert badges("Back")[:2] == ["rest_period", "off_duty"]
    # two trips this week, never 30 h at home between: rested since yesterday noon, but off duty until 18:00
    assert badges("Worked")[0] == "off_duty" and "rest_period" not in badges("Worked")
    assert badges("Rested") == ["fit"]


def test_back_this_morning_from_a_week_away_is_not_proposed_for_an_s_rank_at_noon(api: Api):
    jonin = [api.person(f"Jonin {i}", clearance="secret") for i in range(5)]
    for sid in jonin:  # all rested by their own logs
        api.ok("hokage", "POST", f"/shinobi/{sid}/sleep", 201,
               json={"start": "2026-03-13T22:00:00Z", "end": "2026-03-14T06:00:00Z"})
    back = jonin[0]
    back_from_a_week_away(api, back)
    s_rank = api.open_mission("S", classification="secret", min_team_size=2)
    rec = api.ok("hokage", "GET", f"/missions/{s_rank}/recommendation", params={"departs_at": "2026-03-14T12:00:00Z"})
    proposed = {p["shinobi_id"] for p in rec["team"]} | {p["shinobi_id"] for p in rec.get("runners_up", [])}
    assert back not in proposed and len(rec["team"]) == 2
    api.open_mission("B", classification="secret", min_team_size=2, reward_ryo=200_000)
    plan = api.ok("hokage", "POST", "/plans", json={"departs_at": "2026-03-14T12:00:00Z"})
    assert plan["teams"] and all(back not in t["shinobi_ids"] for t in plan["teams"])
