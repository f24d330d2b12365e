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
