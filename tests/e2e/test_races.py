"""Racing requests never put a shinobi on two active missions nor give a mission two teams."""
from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

CLIENTS, ATTEMPTS, SHINOBI, MISSIONS = 8, 25, 12, 10


def test_concurrent_assignments_respect_both_invariants(server):
    headers = {"Authorization": f"Bearer {server.token()}"}
    with httpx.Client(base_url=server.base + "/api/v1", headers=headers, timeout=60) as c:
        people = [c.post("/shinobi", json={"name": f"S{i}", "rank": "jonin"}).json()["id"] for i in range(SHINOBI)]
        missions = [c.post("/missions", json={"title": f"M{i}", "rank": "D", "kind": "chores",
                                              "min_team_size": 1}).json()["id"] for i in range(MISSIONS)]
    barrier = threading.Barrier(CLIENTS)

    def client(seed: int) -> list[tuple[int, int, tuple[int, ...]]]:
        rnd = random.Random(seed)
        results = []
        with httpx.Client(base_url=server.base + "/api/v1", headers=headers, timeout=60) as c:
            barrier.wait()
            for _ in range(ATTEMPTS):
                m, team = rnd.choice(missions), tuple(rnd.sample(people, rnd.randint(1, 3)))
                r = c.post(f"/missions/{m}/assignments", json={"shinobi_ids": list(team)})
                results.append((r.status_code, m, team))
        return results

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [r for batch in pool.map(client, range(CLIENTS)) for r in batch]
    statuses = Counter(s for s, _, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    won = [(m, team) for s, m, team in results if s == 201]
    assert won, "no assignment succeeded at all"
    # a mission never gets two teams; a shinobi is on at most one mission
    assert len({m for m, _ in won}) == len(won)
    members = [s for _, team in won for s in team]
    assert len(members) == len(set(members))
    with httpx.Client(base_url=server.base + "/api/v1", headers=headers, timeout=60) as c:
        assigned = [m for m in c.get("/missions").json() if m["status"] == "assigned"]
        on_mission = {s["id"] for s in c.get("/shinobi").json() if s["status"] == "on_mission"}
        created = [e for e in c.get("/audit", params={"action": "assignment.created"}).json()]
        verify = c.get("/audit/verify").json()
    assert len(assigned) == len(won) == len(created)
    assert on_mission == set(members)
    assert {m["id"]: sorted(m["team"]["shinobi_ids"]) for m in assigned} == {m: sorted(t) for m, t in won}
    assert verify["ok"] is True


def test_concurrent_acceptances_send_one_team_per_mission_and_hold_each_shinobi_once(server):
    """Genin propose overlapping teams (pairs sharing members and missions); the second members all accept
    at once. However the acceptances race, a mission gets at most one team and a shinobi at most one."""
    pairs, missions_n = 12, 4
    password = "racing-leaf-2026"
    headers = {"Authorization": f"Bearer {server.token()}"}
    with httpx.Client(base_url=server.base + "/api/v1", headers=headers, timeout=60) as c:
        people = [c.post("/shinobi", json={"name": f"G{i}", "rank": "genin", "account": {
            "username": f"g{i}", "password": password}}).json()["id"] for i in range(8)]
        missions = [c.post("/missions", json={"title": f"M{i}", "rank": "D", "kind": "chores"}).json()["id"]
                    for i in range(missions_n)]
    tokens = {i: httpx.post(server.base + "/api/v1/auth/token",
                            json={"username": f"g{i}", "password": password}).json()["access_token"]
              for i in range(len(people))}
    rnd = random.Random(11)
    proposals = []  # (assignment id, proposer index, accepter index, mission)
    for _ in range(pairs):
        a, b = rnd.sample(range(len(people)), 2)
        m = rnd.choice(missions)
        r = httpx.post(f"{server.base}/api/v1/missions/{m}/assignments", timeout=60,
                       headers={"Authorization": f"Bearer {tokens[a]}"},
                       json={"shinobi_ids": [people[a], people[b]], "departs_at": "2026-03-14T12:00:00Z"})
        assert r.status_code == 201 and r.json()["status"] == "proposed", r.text
        proposals.append((r.json()["id"], a, b, m))
    barrier = threading.Barrier(len(proposals))

    def accept(p: tuple[int, int, int, int]) -> tuple[int, int, int, int, int]:
        assignment_id, a, b, m = p
        barrier.wait()
        r = httpx.post(f"{server.base}/api/v1/assignments/{assignment_id}/accept", timeout=60,
                       headers={"Authorization": f"Bearer {tokens[b]}"})
        return r.status_code, assignment_id, a, b, m

    with ThreadPoolExecutor(len(proposals)) as pool:
        results = list(pool.map(accept, proposals))
    assert {s for s, *_ in results} <= {200, 409}, results
    won = [(aid, a, b, m) for s, aid, a, b, m in results if s == 200]
    assert won, "no acceptance sent a team"
    assert len({m for *_, m in won}) == len(won)  # one team per mission
    members = [people[i] for _, a, b, _ in won for i in (a, b)]
    assert len(members) == len(set(members))  # one mission per shinobi
    with httpx.Client(base_url=server.base + "/api/v1", headers=headers, timeout=60) as c:
        teams = {m["id"]: m["team"]["id"] for m in c.get("/missions").json() if m["team"]}
        on_mission = {s["id"] for s in c.get("/shinobi").json() if s["status"] == "on_mission"}
        created = c.get("/audit", params={"action": "assignment.created"}).json()
    assert teams == {m: aid for aid, _, _, m in won}
    assert on_mission == set(members) and len(created) == len(won)
