"""The hokage's desk, the board plan's Send buttons, the audit page (filters, cursor, links, checkpoint) and
the council's and the hokage's office actions, server side, on both engines."""
import re
from datetime import timedelta

import pytest

from ..conftest import BOOT_PASSWORD
from .api import Api
from .test_web import browser_for, csrf_of


def iso(t) -> str:
    return t.isoformat().replace("+00:00", "Z")


def test_the_desk_shows_what_needs_the_hokage(app, api: Api):
    now = api.clock.now()
    kakashi = api.person("Kakashi", username="kakashi")
    sakura = api.person("Sakura", username="sakura")
    guy = api.person("Guy")
    pending = api.mission("A", title="Escort the daimyo")["id"]
    api.ok("clerk", "POST", "/gate/events", json={"direction": "out", "at": iso(now - timedelta(hours=2)),
                                                   "shinobi_ids": [guy]})
    leaving = api.open_mission("C", title="Clear the river")
    api.ok("clerk", "POST", f"/missions/{leaving}/assignments",
           json={"shinobi_ids": [kakashi, sakura], "departs_at": iso(now + timedelta(hours=5))})
    api.ok("medic", "POST", f"/shinobi/{sakura}/welfare-holds", json={"reason": "lost her squad",
                                                                      "since": iso(now - timedelta(days=8))})
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    page = hokage.get("/desk")
    assert page.status_code == 200
    text = page.text
    assert f'href="/missions/{pending}"' in text and "Escort the daimyo" in text  # waiting for signatures
    assert f'href="/missions/{leaving}"' in text and "Clear the river" in text  # leaving within 24 hours
    assert f'href="/shinobi/{guy}"' in text  # outside the village
    assert "lost her squad" in text and "review due" in text
    # a record added after the booking puts the team at risk: the hokage is told, and the desk says so
    api.ok("medic", "POST", f"/shinobi/{kakashi}/restrictions", json={"kind": "rest", "reason": "chakra exhaustion",
                                                                      "starts_at": iso(now)})
    text = hokage.get("/desk").text
    assert "at risk" in text and "Unread duty-of-care alerts (0)" not in text
    # only the hokage
    for who in ("elder", "clerk", "genin"):
        assert browser_for(app, who).get("/desk").status_code == 403


def test_a_plan_team_is_sent_through_the_same_rules(app, api: Api):
    for name in ("Kakashi", "Sakura", "Naruto"):
        api.person(name)
    m = api.open_mission("C", title="Clear the river")
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    plan = hokage.post("/desk/plan", data={"csrf": csrf_of(hokage.get("/desk").text)})
    assert plan.status_code == 200 and 'action="/desk/plan/send"' in plan.text
    form = re.search(r'<form method="post" action="/desk/plan/send".*?</form>', plan.text, re.S).group(0)
    fields = re.findall(r'name="(\w+)" value="([^"]+)"', form)
    data = {}
    for k, v in fields:
        data.setdefault(k, []).append(v)
    assert data["mission_id"] == [str(m)]
    # forged: no token
    assert hokage.post("/desk/plan/send", data={**data, "csrf": "forged"}).status_code == 403
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"
    r = hokage.post("/desk/plan/send", data=data, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Sent:" in r.text
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "assigned"
    # a second send of the same team is refused in place, every reason shown
    r = hokage.post("/desk/plan/send", data=data, headers={"HX-Request": "true"})
    assert r.status_code == 409 and 'class="error" role="alert"' in r.text and "MISSION_NOT_OPEN" in r.text
    r = hokage.post("/desk/plan/send", data=data)
    assert r.status_code == 409 and "The team was not sent" in r.text and "ALREADY_ASSIGNED" in r.text


def test_the_plan_lists_the_missions_it_leaves_out_and_why(app, api: Api):
    for name in ("Kakashi", "Sakura"):
        api.person(name)
    short = api.open_mission("C", title="Escort the whole caravan", min_team_size=40)
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    eligible = api.ok("hokage", "GET", f"/missions/{short}/recommendation")["eligible"]
    plan = hokage.post("/desk/plan", data={"csrf": csrf_of(hokage.get("/desk").text)})
    assert plan.status_code == 200 and "Left out: too few eligible" in plan.text
    row = re.search(r'<tr><td><a href="/missions/(\d+)">C · Escort the whole caravan</a></td><td>([^<]*)</td></tr>',
                    plan.text)
    assert row and row.group(1) == str(short) and row.group(2) == f"{eligible} eligible for 40 places"


def test_the_plan_offers_no_send_to_those_who_may_not_send(app, api: Api):
    team = [str(api.person("Kakashi")), str(api.person("Sakura"))]
    m = api.open_mission("C")
    genin = browser_for(app, "genin")
    r = genin.post("/desk/plan", data={"csrf": csrf_of(genin.get("/board").text)})
    assert r.status_code == 403
    r = genin.post("/desk/plan/send", data={"csrf": csrf_of(genin.get("/board").text), "mission_id": str(m),
                                            "shinobi_ids": team, "departs_at": iso(api.clock.now())})
    assert r.status_code == 403
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "open"


def test_the_council_authorises_on_the_mission_page(app, api: Api):
    m = api.mission("S", title="The strike", classification="top_secret")["id"]
    elder = browser_for(app, "elder")
    page = elder.get(f"/missions/{m}").text
    assert f'action="/missions/{m}/authorize"' in page
    assert elder.post(f"/missions/{m}/authorize", data={"csrf": "forged"}).status_code == 403
    r = elder.post(f"/missions/{m}/authorize", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/missions/{m}")["authorized_by"] == ["elder"]
    clerk = browser_for(app, "clerk")
    m2 = api.mission("A", title="Escort")["id"]
    page = clerk.get(f"/missions/{m2}").text
    assert f'action="/missions/{m2}/authorize"' not in page
    assert clerk.post(f"/missions/{m2}/authorize", data={"csrf": csrf_of(page)}).status_code == 403
    assert api.ok("hokage", "GET", f"/missions/{m2}")["status"] == "pending_authorization"


def test_the_audit_page_filters_pages_and_links(app, api: Api):
    kakashi = api.person("Kakashi")
    for i in range(60):
        api.mission("D", title=f"Chore {i}")
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    page = hokage.get("/audit").text
    assert '<select id="action" name="action">' in page and '<option value="mission.created">' in page
    assert '<option value="brief.read">' not in page  # only actions present
    seqs = [int(s) for s in re.findall(r'<tr id="entry-(\d+)">', page)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    older = re.search(r'href="(/audit\?before=\d+)" rel="next"', page).group(1)
    page2 = hokage.get(older.replace("&amp;", "&")).text
    seqs2 = [int(s) for s in re.findall(r'<tr id="entry-(\d+)">', page2)]
    assert seqs2 and max(seqs2) == min(seqs) - 1
    newer = re.search(r'href="(/audit\?after=\d+)" rel="prev"', page2).group(1)
    back = [int(s) for s in re.findall(r'<tr id="entry-(\d+)">', hokage.get(newer).text)]
    assert back == seqs
    # filters: action, actor, target, dates in the village zone
    only = hokage.get("/audit", params={"action": "shinobi.created"}).text
    assert f'<a href="/shinobi/{kakashi}">shinobi:{kakashi}</a>' in only
    assert "mission.created" not in re.sub(r"<select.*?</select>", "", only, flags=re.S)
    by = hokage.get("/audit", params={"actor": "nobody"}).text
    assert "No entry matches." in by
    m = api.mission("D", title="Linked")["id"]
    t = hokage.get("/audit", params={"target": f"mission:{m}"}).text
    assert f'<a href="/missions/{m}">mission:{m}</a>' in t and '<table class="desk-details">' in t
    day = api.clock.now().date()
    assert "No entry matches." not in hokage.get("/audit", params={"since": str(day), "until": str(day)}).text
    assert "No entry matches." in hokage.get("/audit", params={"since": str(day + timedelta(days=1))}).text
    bad = hokage.get("/audit", params={"since": str(day), "until": str(day - timedelta(days=2))})
    assert bad.status_code == 422 and "TIME_RANGE_INVALID" in bad.text and 'role="alert"' in bad.text
    assert browser_for(app, "elder").get("/audit").status_code == 403


def test_checkpoint_says_plainly_when_not_configured(app, api: Api):
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    page = hokage.get("/audit").text
    assert "Write a signed checkpoint now" in page and "MISSIONDESK_AUDIT_KEY" in page
    assert hokage.post("/audit/checkpoint", data={"csrf": "forged"}).status_code == 403
    r = hokage.post("/audit/checkpoint", data={"csrf": csrf_of(page)})
    assert r.status_code == 422 and "CHECKPOINTS_NOT_CONFIGURED" in r.text and 'class="error" role="alert"' in r.text
    clerk = browser_for(app, "clerk")
    assert clerk.post("/audit/checkpoint", data={"csrf": csrf_of(clerk.get("/board").text)}).status_code == 403


@pytest.fixture
def kept_app(runtime, tmp_path):
    from dataclasses import replace

    from missiondesk.adapters.web.app import create_app
    settings = replace(runtime.settings, audit_checkpoints=tmp_path / "checkpoints", audit_key="k" * 32)
    return create_app(runtime.uow, settings, runtime.policy)


def test_checkpoint_written_from_the_audit_page(kept_app, tmp_path):
    from fastapi.testclient import TestClient
    with TestClient(kept_app) as client:
        Api(client, BOOT_PASSWORD)
        hokage = browser_for(kept_app, "hokage", BOOT_PASSWORD)
        page = hokage.get("/audit").text
        r = hokage.post("/audit/checkpoint", data={"csrf": csrf_of(page)}, follow_redirects=False)
        assert r.status_code == 303
        written = list((tmp_path / "checkpoints").glob("checkpoint-*.json"))
        assert len(written) == 1
        shown = hokage.get(r.headers["location"]).text
        assert f"Checkpoint written: <code>{written[0]}</code>" in shown
        assert "matches the checkpoint of" in shown


def test_a_long_log_with_no_checkpoint_is_walked_on_request_and_one_with_a_checkpoint_on_every_view(
        kept_app, monkeypatch):
    """Walking 100,000 entries from the start took 2 s a view (bench/reads.py): past PAGE_WALKS_AT_MOST, with
    no checkpoint to start from, the page says so and walks on request; once a checkpoint is written, every view
    walks from it."""
    from fastapi.testclient import TestClient

    from missiondesk.services import audit

    monkeypatch.setattr(audit, "PAGE_WALKS_AT_MOST", 3)
    with TestClient(kept_app) as client:
        api = Api(client, BOOT_PASSWORD)
        for i in range(4):
            api.person(f"Entry {i}")
        hokage = browser_for(kept_app, "hokage", BOOT_PASSWORD)
        page = hokage.get("/audit", params={"action": "shinobi.created"}).text
        assert "The hash chain was not walked on this view" in page and "The hash chain holds" not in page
        walk = re.search(r'<a href="([^"]+)">Walk the whole chain now</a>', page).group(1).replace("&amp;", "&")
        assert "action=shinobi.created" in walk and "verify=all" in walk
        walked = hokage.get(walk).text
        assert "The hash chain holds" in walked and "not walked" not in walked
        hokage.post("/audit/checkpoint", data={"csrf": csrf_of(walked)})
        assert "matches the checkpoint of" in hokage.get("/audit").text
