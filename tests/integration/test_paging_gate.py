"""The gate's lists and the memorial a page at a time: the log by (time, entry) with a cursor that is an event id,
the memorial by (date of death, shinobi id), each walked by its Link header (and the pages by their Next links)
gives the whole list once, in order, filters kept; who is inside, read as the roster's gate columns, is what the
old walk over every event of every person said."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from missiondesk.domain.gate import Direction, GateEvent, inside
from missiondesk.services import gate_view, reports

from .api import Api
from .test_pages_custody import page
from .test_paging import walk

DAWN = datetime.fromisoformat("2026-03-14T06:20:00+00:00")


def log(api: Api, direction: str, at: str, *people: int) -> None:
    api.ok("clerk", "POST", "/gate/events", 201, json={"direction": direction, "at": at, "shinobi_ids": list(people)})


def village(api: Api) -> dict[str, int]:
    """People in and out, events logged out of time order, two at the same instant, and the fallen."""
    p = {n: api.person(n) for n in ("Stays", "Out", "Back", "Tie", "Late", "Fallen 0", "Fallen 1")}
    log(api, "out", "2026-03-13T09:00:00Z", p["Out"], p["Back"], p["Fallen 0"])
    log(api, "in", "2026-03-13T18:00:00Z", p["Back"])
    log(api, "out", "2026-03-13T10:00:00Z", p["Tie"])
    log(api, "in", "2026-03-13T10:00:00Z", p["Tie"])  # the same instant: the later entry is the last
    log(api, "out", "2026-03-14T05:00:00Z", p["Late"])
    log(api, "in", "2026-03-13T07:00:00Z", p["Late"])  # logged after, happened before: not the last
    log(api, "out", "2026-03-14T01:00:00Z", p["Stays"])
    log(api, "in", "2026-03-14T02:00:00Z", p["Stays"])
    m = api.open_mission("D", min_team_size=2, posted_at="2025-10-20T09:00:00Z")
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": [p["Fallen 0"], p["Fallen 1"]], "departs_at": "2025-10-25T08:00:00Z"})
    api.ok("hokage", "POST", f"/missions/{m}/report", 201, json={
        "outcome": "failure", "at": "2025-11-02T12:00:00Z",
        "casualties": [{"shinobi_id": p["Fallen 0"], "status": "kia"}, {"shinobi_id": p["Fallen 1"], "status": "kia"}]})
    return p


def test_the_gate_log_pages_by_time_and_keeps_its_filters(api: Api):
    p = village(api)
    whole = api.ok("hokage", "GET", "/gate/events?limit=1000")
    assert [(e["at"], e["id"]) for e in whole] == sorted((e["at"], e["id"]) for e in whole)
    assert [e["id"] for e in whole] != sorted(e["id"] for e in whole)  # logged out of time order
    for size in (1, 2, 3):
        items, pages = walk(api, "hokage", f"/gate/events?limit={size}")
        assert items == whole and pages == -(-len(whole) // size)
    day, _ = walk(api, "hokage", "/gate/events?day=2026-03-13&limit=2")
    assert day == [e for e in whole if e["at"].startswith("2026-03-13")] and len(day) >= 6
    theirs, pages = walk(api, "clerk", f"/gate/events?shinobi_id={p['Late']}&limit=1")
    assert [e["at"] for e in theirs] == ["2026-03-13T07:00:00Z", "2026-03-14T05:00:00Z"] and pages == 2
    r = api.req("hokage", "GET", f"/gate/events?day=2026-03-13&limit=2&after={whole[0]['id']}")
    assert "day=2026-03-13" in r.links["next"]["url"] and "limit=2" in r.links["next"]["url"]
    api.err("hokage", "GET", "/gate/events?after=999999", 422, "VALIDATION_ERROR")
    assert len(api.ok("hokage", "GET", "/gate/events")) == len(whole)  # a hundred unless told


def test_who_is_inside_is_what_the_walk_over_every_event_said(api: Api):
    p = village(api)
    everyone = {s["id"]: s for s in api.ok("hokage", "GET", "/shinobi?limit=1000")}
    events: dict[int, list[GateEvent]] = {}
    for e in api.ok("hokage", "GET", "/gate/events?limit=1000"):
        events.setdefault(e["shinobi_id"], []).append(GateEvent(e["id"], Direction(e["direction"]),
                                                                datetime.fromisoformat(e["at"])))
    # the old computation: every shinobi, every event, the last at or before now; the dead and missing nowhere
    expected = [sid for sid, s in sorted(everyone.items())
                if s["status"] not in ("kia", "mia") and inside(events.get(sid, []), DAWN)]
    present = api.ok("genin", "GET", "/gate/present")
    assert set(present) == {"at", "shinobi", "detainees"} and present["detainees"] == []
    assert [s["id"] for s in present["shinobi"]] == expected
    assert {p["Stays"], p["Back"], p["Tie"]} <= set(expected)
    assert not {p["Out"], p["Late"], p["Fallen 0"], p["Fallen 1"]} & set(expected)
    assert present["shinobi"][0] == {"id": expected[0], "name": everyone[expected[0]]["name"],
                                     "rank": everyone[expected[0]]["rank"]}
    # paged only when asked: the same list, the object's shape kept on every page
    url: str | None = "/api/v1/gate/present?limit=2"
    seen: list[int] = []
    while url:
        r = api.client.get(url, headers={"Authorization": f"Bearer {api.tokens['genin']}"})
        assert set(r.json()) == {"at", "shinobi", "detainees"}
        seen += [s["id"] for s in r.json()["shinobi"]]
        url = r.links.get("next", {}).get("url")
    assert seen == expected


def test_the_memorial_pages_by_date_of_death(api: Api):
    village(api)
    for i in range(2, 5):  # three more, an earlier death among them
        s = api.person(f"Fallen {i}")
        m = api.open_mission("D", min_team_size=1, posted_at="2025-09-20T09:00:00Z")
        api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
               json={"shinobi_ids": [s], "departs_at": "2025-09-25T08:00:00Z"})
        api.ok("hokage", "POST", f"/missions/{m}/report", 201, json={
            "outcome": "failure", "at": f"2025-10-0{i}T12:00:00Z", "casualties": [{"shinobi_id": s, "status": "kia"}]})
    whole = api.ok("genin", "GET", "/memorial?limit=1000")
    assert [e["name"] for e in whole] == ["Fallen 2", "Fallen 3", "Fallen 4", "Fallen 0", "Fallen 1"]
    for size in (1, 2, 5):
        items, pages = walk(api, "genin", f"/memorial?limit={size}")
        assert items == whole and pages == -(-len(whole) // size)
    api.err("genin", "GET", "/memorial?after=999999", 422, "VALIDATION_ERROR")


def next_link(html: str, label: str) -> str | None:
    nav = re.search(rf'<nav class="pager" aria-label="{label}">(.*?)</nav>', html, re.S)
    found = re.search(r'<a href="([^"]+)" rel="next">', nav.group(1)) if nav else None
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_pages_walk_by_their_next_links(app, api: Api, monkeypatch: pytest.MonkeyPatch):
    p = village(api)
    monkeypatch.setattr(gate_view, "LOG_PAGE", 2)
    monkeypatch.setattr(gate_view, "PEOPLE_PAGE", 2)
    monkeypatch.setattr(reports, "MEMORIAL_PAGE", 1)
    c = page(app, "clerk")
    whole = api.ok("clerk", "GET", "/gate/events?day=2026-03-13&limit=1000")
    url: str | None = "/gate?day=2026-03-13&q=a"  # the people's filter rides along the log's pages
    times: list[str] = []
    while url:
        html = c.get(url).text
        assert 'value="a"' in html
        log = re.search(r'<section aria-labelledby="log-h">.*?</section>', html, re.S).group(0)
        times += re.findall(r"<tr><td>(\d\d:\d\d)[^<]*</td>", log)
        url = next_link(html, "Pages of the gate log")
        assert url is None or "day=2026-03-13" in url
    assert times == [e["at"][11:16] for e in whole]
    # the shinobi whose name holds "a", a page at a time, where each is
    url = "/gate?q=a"
    names: list[str] = []
    while url:
        html = c.get(url).text
        names += re.findall(r'<td><a href="/shinobi/\d+">([^<]+)</a></td><td>(\w+)</td>', html)
        url = next_link(html, "Pages of the shinobi")
    everyone = api.ok("hokage", "GET", "/shinobi?limit=1000")
    assert [n for n, _ in names] == [s["name"] for s in everyone if "a" in s["name"].casefold()]
    assert ("Fallen 0", "fallen") in names and ("Late", "outside") in names
    outside = re.findall(r'<td><a href="/shinobi/\d+">([^<]+)</a></td>', c.get("/gate?where=outside").text)
    assert outside == ["Out", "Late"]
    # the log form offers the page's people, and takes anyone else by number
    form = c.get("/gate").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    r = c.post("/gate", data={"csrf": token, "direction": "in", "shinobi_numbers": f"{p['Out']}, {p['Late']}"})
    assert r.status_code == 200 and "Logged in" in r.text
    r = c.post("/gate", data={"csrf": token, "direction": "in", "shinobi_numbers": "999999"})
    assert r.status_code == 404 and "NOT_FOUND" in r.text
    # the memorial, a name a page
    url = "/memorial"
    fallen: list[str] = []
    while url:
        html = c.get(url).text
        fallen += re.findall(r"<li><strong>([^<]+)</strong>", html)
        url = next_link(html, "Pages of the memorial")
    assert fallen == [e["name"] for e in api.ok("clerk", "GET", "/memorial?limit=1000")] == ["Fallen 0", "Fallen 1"]
