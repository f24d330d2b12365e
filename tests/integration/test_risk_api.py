"""The recommended team, the suggested reward, and the model refitted from the village's reports."""


from .api import Api
from .history import file_reports

T = "2026-03-14T10:00:00Z"


def test_the_board_shows_offered_and_suggested_rewards(api: Api):
    easy = api.mission("D", threat="bandits", threat_count=1)
    hard = api.mission("D", threat="jonin", threat_count=6, title="Hold the bridge")
    assert easy["threat"] == "bandits" and easy["reward_ryo"] == 5000
    assert 5000 <= easy["suggested_reward_ryo"] < hard["suggested_reward_ryo"] <= 50000
    listed = {m["id"]: m for m in api.ok("clerk", "GET", "/missions")}
    assert listed[hard["id"]]["suggested_reward_ryo"] == hard["suggested_reward_ryo"]
    api.err("clerk", "POST", "/missions", 422, "VALIDATION_ERROR",
            json={"title": "x", "rank": "D", "kind": "k", "threat": "dragons"})


def test_the_recommended_team_is_eligible_and_never_refused(api: Api):
    medic = api.person("Field medic", specialties=["medical-ninjutsu"])
    strong = [api.person(f"Jonin {i}") for i in range(3)]
    resting = api.person("Resting jonin")
    api.ok("medic", "POST", f"/shinobi/{resting}/restrictions", 201,
           json={"kind": "rest", "reason": "flu", "starts_at": "2026-03-13T00:00:00Z"})
    m = api.open_mission("B", threat="jonin", threat_count=2, min_team_size=3, kind="escort")
    r = api.ok("clerk", "GET", f"/missions/{m}/recommendation", params={"departs_at": T})
    team = [p["shinobi_id"] for p in r["team"]]
    assert len(team) == 3 and resting not in team and r["shortfall"] is None
    assert medic in team, r  # the medic's lower casualty risk is worth more than a third jonin
    assert 0 < r["casualty_probability"] < r["success_probability"] < 1
    assert all(p["why"] for p in r["team"]) and any("medic" in p["why"] for p in r["team"])
    assert strong
    a = api.ok("clerk", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": team, "departs_at": T})
    assert sorted(a["shinobi_ids"]) == sorted(team)


def test_no_eligible_team_says_why(api: Api):
    api.person("Lone chunin", rank="chunin")
    m = api.open_mission("A", classification="top_secret", min_team_size=3)  # two are cleared: the hokage, the elder
    r = api.ok("hokage", "GET", f"/missions/{m}/recommendation", params={"departs_at": T})
    assert r["team"] == [] and r["shortfall"]["needed"] == 3
    assert r["shortfall"]["kept_out_by"]["CLEARANCE_INSUFFICIENT"] >= 1
    api.err("genin", "GET", f"/missions/{m}/recommendation", 404, "NOT_FOUND")
    d = api.open_mission("D")
    api.err("genin", "GET", f"/missions/{d}/recommendation", 403, "FORBIDDEN")


def test_the_model_is_refitted_from_thirty_reports(runtime, api: Api):
    api.err("hokage", "POST", "/risk/model/refit", 422, "TOO_FEW_REPORTS")
    assert api.ok("clerk", "GET", "/risk/model")["source"] == "prior"
    file_reports(runtime, api, 32)
    fitted = api.ok("hokage", "POST", "/risk/model/refit", 201)
    assert fitted["source"] == "fitted" and fitted["reports"] == 32
    cal = fitted["calibration"]["success"]
    assert 0 <= cal["brier"] < 0.25 and sum(b["count"] for b in cal["reliability"]) == 32
    assert fitted["success"]["log_strength_ratio"] > 0  # the village's own history: stronger teams succeed
    assert api.ok("clerk", "GET", "/risk/model")["source"] == "fitted"
    api.err("clerk", "POST", "/risk/model/refit", 403, "FORBIDDEN")


def test_a_hopeless_mission_is_advised_against_and_left_out_of_the_plan(api: Api):
    """The incident's S-rank, by the prior: two jonin against six enemy jonin would succeed 23 % of the
    time and lose someone 42 % of the time. The desk names the best team but says it is not worth sending,
    and the plan leaves the mission empty while it staffs a safe chore."""
    for i in range(2):
        api.person(f"Jonin {i}")
    strike = api.open_mission("S", threat="jonin", threat_count=6, min_team_size=2, reward_ryo=3_000_000)
    chore = api.open_mission("D", threat="none", reward_ryo=8_000, title="Weed the greenhouse")
    r = api.ok("hokage", "GET", f"/missions/{strike}/recommendation", params={"departs_at": T})
    assert len(r["team"]) == 2 and r["success_probability"] < 0.5 and r["casualty_probability"] > 0.3
    assert r["worth_sending"] is False and r["expected_value_ryo"] < 0
    assert r["casualty_cost_ryo"] == 20_000_000
    assert api.ok("hokage", "GET", f"/missions/{chore}/recommendation", params={"departs_at": T})["worth_sending"]
    plan = api.ok("hokage", "POST", "/plans", json={"departs_at": T, "time_limit_seconds": 1})
    assert strike in plan["left_empty"] and [t["mission_id"] for t in plan["teams"]] == [chore]


def test_what_a_fit_learns_from_is_read_in_two_queries_as_typed_records(runtime, api: Api):
    """The history was a dict per report and one query per report for its team (2,000 reports: 2,001 queries)."""
    from sqlalchemy import event

    from missiondesk.domain.ranks import ShinobiRank
    from missiondesk.domain.risk import PastMission, Threat

    file_reports(runtime, api, 7)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(runtime.uow.engine, "before_cursor_execute", count)
    try:
        with runtime.uow.begin(write=False) as tx:
            statements.clear()
            history = tx.risk.history()
            reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            assert len(reads) == 2, statements
    finally:
        event.remove(runtime.uow.engine, "before_cursor_execute", count)
    assert len(history) == 7 and all(isinstance(h, PastMission) for h in history)
    assert [h.succeeded for h in history] == [i % 3 != 0 for i in range(7)]
    assert [h.threat for h in history][:2] == [Threat("jonin"), Threat("bandits")]
    assert not any(h.harmed for h in history)
    teams = [tuple(m.id for m in h.members) for h in history]
    assert all(len(t) == 2 and list(t) == sorted(t) for t in teams) and teams[0] != teams[1] and teams[0] == teams[2]
    assert all(m.rank is ShinobiRank.JONIN and m.effectiveness is None for h in history for m in h.members)
