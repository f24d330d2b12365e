"""Issue 16: every list a page at a time, in a stable order, the next page's URL in the `Link` header (RFC 8288),
the request's filters kept in it; the pages walked end to end give the whole list, each item once."""
from __future__ import annotations

from typing import Any

import pytest

from .api import Api
from .test_alerts import at_risk, refuse


def walk(api: Api, who: str, path: str) -> tuple[list[dict], int]:
    """Every page from `path` on, following rel="next": (the items in order, the number of pages)."""
    headers = {"Authorization": f"Bearer {api.tokens[who]}"}
    url: str | None = "/api/v1" + path
    items: list[dict[str, Any]] = []
    pages = 0
    while url:
        r = api.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert isinstance(r.json(), list)  # the body stays a JSON array: the cursor rides in the header
        items += r.json()
        pages += 1
        url = r.links.get("next", {}).get("url")
        assert pages < 100
    return items, pages


def test_the_roster_pages_by_id_and_keeps_its_filters(api: Api):
    for i in range(6):
        api.person(f"Jonin {i}", rank="jonin")
        api.person(f"Genin {i}", rank="genin")
    everyone = api.ok("hokage", "GET", "/shinobi")
    assert [s["id"] for s in everyone] == sorted(s["id"] for s in everyone) and len(everyone) > 12
    items, pages = walk(api, "hokage", "/shinobi?limit=5")
    assert items == everyone and pages == -(-len(everyone) // 5)
    jonin, pages = walk(api, "hokage", "/shinobi?rank=jonin&status=active&limit=4")
    assert jonin == [s for s in everyone if s["rank"] == "jonin" and s["status"] == "active"]
    assert {f"Jonin {i}" for i in range(6)} <= {s["name"] for s in jonin} and pages == -(-len(jonin) // 4)
    last = api.req("hokage", "GET", f"/shinobi?limit={len(everyone)}")
    assert "link" not in last.headers  # exactly full is the last page: no next page that would be empty


def test_a_list_asked_without_a_limit_gives_a_hundred_and_the_way_on(api: Api):
    for i in range(100):
        api.ok("hokage", "POST", "/shinobi", 201, json={"name": f"N{i}", "rank": "genin"})
    first = api.req("hokage", "GET", "/shinobi")
    assert len(first.json()) == 100 and "after=" in first.links["next"]["url"]
    items, pages = walk(api, "hokage", "/shinobi")
    assert len(items) == len({s["id"] for s in items}) > 100 and pages == 2


def test_one_added_between_two_pages_comes_once_at_the_end(api: Api):
    for i in range(4):
        api.person(f"S{i}")
    before = [s["id"] for s in api.ok("hokage", "GET", "/shinobi")]
    first = api.req("hokage", "GET", "/shinobi?limit=2")
    added = api.person("Late arrival")  # after the first page was read
    rest, _ = walk(api, "hokage", first.links["next"]["url"].split("/api/v1", 1)[1])
    assert [s["id"] for s in first.json()] + [s["id"] for s in rest] == before + [added]


def test_the_board_pages_what_the_caller_may_see_and_skips_the_rest(api: Api):
    for i in range(9):  # hidden from a genin: every third is secret
        api.mission("D", title=f"M{i}", **({"classification": "secret"} if i % 3 == 0 else {}))
    for who in ("hokage", "genin"):
        everything = api.ok(who, "GET", "/missions")
        for limit in (1, 2, 4):
            items, pages = walk(api, who, f"/missions?limit={limit}")
            assert items == everything and pages == max(1, -(-len(everything) // limit)), (who, limit)
    assert len(api.ok("genin", "GET", "/missions")) == len(api.ok("hokage", "GET", "/missions")) - 3
    open_ones, _ = walk(api, "genin", "/missions?status=open&limit=2")
    assert open_ones == [m for m in api.ok("genin", "GET", "/missions") if m["status"] == "open"]


def test_alerts_page_newest_first(api: Api):
    medic, _partner, mission = at_risk(api)
    for _ in range(5):
        refuse(api, medic, mission)
    everything = api.ok("kakashi", "GET", "/alerts")
    assert len(everything) == 5 and [a["id"] for a in everything] == sorted((a["id"] for a in everything),
                                                                              reverse=True)
    items, pages = walk(api, "kakashi", "/alerts?limit=2")
    assert items == everything and pages == 3
    unread, _ = walk(api, "kakashi", "/alerts?unread=true&limit=4")
    assert unread == everything


def test_the_audit_log_pages_by_seq(api: Api):
    for i in range(4):
        api.person(f"Clerk's entry {i}")
    everything = api.ok("hokage", "GET", "/audit")
    items, pages = walk(api, "hokage", "/audit?limit=3")
    assert [e["seq"] for e in items] == [e["seq"] for e in everything]
    assert pages == -(-len(everything) // 3)
    actions, _ = walk(api, "hokage", "/audit?action=shinobi.created&limit=2")
    assert [e["seq"] for e in actions] == [e["seq"] for e in everything if e["action"] == "shinobi.created"]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=ten", "after=-1"])
def test_a_page_out_of_bounds_is_refused_with_422(api: Api, query: str):
    for path in ("/shinobi", "/alerts", "/missions"):
        api.err("hokage", "GET", f"{path}?{query}", 422, "VALIDATION_ERROR")
