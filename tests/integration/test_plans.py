"""A plan for the whole board: every team full, nobody twice, every member eligible, never refused."""
from __future__ import annotations

import random

from .api import Api

T = "2026-03-14T10:00:00Z"


def village(api: Api, seed: int) -> tuple[list[int], list[int]]:
    rnd = random.Random(seed)
    people = []
    for i in range(14):
        rank = rnd.choice(["genin", "chunin", "jonin", "jonin"])
        clearance = rnd.choice(["public", "confidential", "secret"])
        specialties = rnd.sample(["sensor", "medical-ninjutsu", "escort"], rnd.randint(0, 1))
        people.append(api.person(f"P{seed}-{i}", rank=rank, clearance=clearance, specialties=specialties))
    resting = people[0]
    api.ok("medic", "POST", f"/shinobi/{resting}/restrictions", 201,
           json={"kind": "rest", "reason": "flu", "starts_at": "2026-03-13T00:00:00Z"})
    missions = []
    for i in range(6):
        rank = rnd.choice(["D", "C", "B", "A"])
        missions.append(api.open_mission(rank, min_team_size=rnd.randint(2, 3) if rank == "A" else rnd.randint(1, 3),
                                         classification=rnd.choice(["public", "confidential"]),
                                         threat=rnd.choice(["bandits", "genin", "chunin"]),
                                         threat_count=rnd.randint(0, 4), title=f"M{seed}-{i}"))
    return people, missions


def test_a_plan_keeps_every_invariant_and_each_team_is_accepted(api: Api):
    for seed in (1, 2):
        people, missions = village(api, seed)
        plan = api.ok("clerk", "POST", "/plans", json={"departs_at": T, "time_limit_seconds": 2})
        assert plan["value"] <= plan["upper_bound"] + 1e-6 and plan["gap"] >= 0
        used = [s for t in plan["teams"] for s in t["shinobi_ids"]]
        assert len(used) == len(set(used)), "someone is in two teams"
        assert people[0] not in used, "a resting shinobi was planned"
        sizes = {m["id"]: m["min_team_size"] for m in api.ok("clerk", "GET", "/missions")}
        for team in plan["teams"]:
            assert len(team["shinobi_ids"]) == sizes[team["mission_id"]], "a half-staffed mission"
        for team in plan["teams"]:  # accepting goes through every check, and passes
            api.ok("clerk", "POST", f"/missions/{team['mission_id']}/assignments", 201,
                   json={"shinobi_ids": team["shinobi_ids"], "departs_at": T})
        assert set(plan["left_empty"]) | {t["mission_id"] for t in plan["teams"]} >= set(missions)


def test_who_may_plan(api: Api):
    api.err("genin", "POST", "/plans", 403, "FORBIDDEN")
    api.err("medic", "POST", "/plans", 403, "FORBIDDEN")
    assert api.ok("hokage", "POST", "/plans")["teams"] == []
