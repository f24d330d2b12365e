"""The mission page as a record, server side: the after-action report filed and shown, the timeline, and the team
form's duty badges and recommended team, from one read of the roster."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from missiondesk.adapters.db.repositories import ShinobiRepository
from missiondesk.adapters.db.roster import RosterRepository
from missiondesk.adapters.web.app import create_app
from missiondesk.config import Settings
from missiondesk.runtime import start
from missiondesk.services import fitness

from ..conftest import BOOT_PASSWORD, TestClock
from .api import Api
from .test_web import browser_for, csrf_of

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def tokyo(database_url):
    """The app of a village whose clocks read Tokyo time, with the usual office (tests/integration/conftest.py)."""
    rt = start(Settings(database_url=database_url, bootstrap_user="hokage", bootstrap_name="Tsunade",
                        bootstrap_password=BOOT_PASSWORD, clock=TestClock(), village_tz=TOKYO))
    app = create_app(rt.uow, rt.settings, rt.policy)
    try:
        with TestClient(app) as client:
            a = Api(client, BOOT_PASSWORD, clock=rt.settings.clock)
            a.person("Homura", username="elder", roles=["council"], clearance="top_secret")
            a.person("Iruka", rank="chunin", username="clerk", roles=["clerk"], clearance="confidential")
            a.person("Konohamaru", rank="genin", username="genin")
            yield app, a
    finally:
        rt.close()


def now_of(api: Api) -> datetime:
    return api.clock.now()


def sent_team(api: Api, rank: str = "C", clearance: str = "public", **fields) -> tuple[int, int, int]:
    """A mission whose team (two shinobi with accounts, "lead" and "mate") left an hour ago: (mission, lead, mate)."""
    lead = api.person("Anko", username="lead", clearance=clearance)
    mate = api.person("Genma", username="mate", clearance=clearance)
    posted = now_of(api) - timedelta(hours=3)
    m = api.open_mission(rank, posted_at=posted.isoformat(), title="Hold the bridge", **fields)
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201, json={
        "shinobi_ids": [lead, mate], "departs_at": (now_of(api) - timedelta(hours=1)).isoformat()})
    return m, lead, mate


def report_form(page: str) -> str:
    found = re.search(r'<form method="post" action="/missions/\d+/report".*?</form>', page, re.S)
    return found.group(0) if found else ""


def field_value(page: str, field_id: str) -> str:
    return re.search(rf'id="{field_id}"[^>]*value="([^"]*)"', page).group(1)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def test_a_member_files_the_report_and_it_is_the_record(tokyo):
    app, api = tokyo
    m, lead, mate = sent_team(api)
    c = browser_for(app, "lead")
    page = c.get(f"/missions/{m}").text
    form = report_form(page)
    assert form, "a member of the team is offered the report form"
    assert 'name="casualties"' in form and f'value="{mate}:kia"' in form and f'value="{lead}:"' in form
    at = field_value(page, "report-at")
    expected = now_of(api).astimezone(TOKYO)
    assert at[:13] == expected.strftime("%Y-%m-%dT%H"), "the report's time is offered in the village's zone"
    assert "village time, JST" in text_of(page)

    r = c.post(f"/missions/{m}/report", data={
        "csrf": csrf_of(page), "outcome": "failure", "at": at, "summary": "The bridge fell. Genma did not come back.",
        "casualties": [f"{lead}:injured", f"{mate}:kia"], "specimens": "a cloud-nin headband\n\nburnt scroll"},
        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/missions/{m}#report-h"

    # the record, over the API
    report = api.ok("hokage", "GET", f"/missions/{m}/report")
    assert report["outcome"] == "failure" and report["summary"] == "The bridge fell. Genma did not come back."
    assert sorted((x["shinobi_id"], x["status"]) for x in report["casualties"]) == sorted(
        [(lead, "injured"), (mate, "kia")])
    assert [s["description"] for s in report["specimens"]] == ["a cloud-nin headband", "burnt scroll"]
    assert report["filed_by"] == "lead"
    assert datetime.fromisoformat(report["at"]).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M") == at
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "failed"
    assert api.ok("hokage", "GET", f"/shinobi/{mate}")["status"] == "kia"
    assert mate in [e["shinobi_id"] for e in api.ok("hokage", "GET", "/memorial")]

    # the page shows it, and the form is gone
    page = c.get(f"/missions/{m}").text
    words = text_of(page)
    assert not report_form(page)
    assert "After-action report" in words and "The bridge fell. Genma did not come back." in words
    assert "Genma: killed in action" in words and "Anko: wounded" in words and "burnt scroll" in words


def test_a_refused_report_is_shown_in_place_with_its_code_and_changes_nothing(tokyo):
    app, api = tokyo
    m, lead, mate = sent_team(api)
    c = browser_for(app, "lead")
    page = c.get(f"/missions/{m}").text
    before = (now_of(api) - timedelta(hours=2)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")  # before it departed
    r = c.post(f"/missions/{m}/report", data={"csrf": csrf_of(page), "outcome": "success", "at": before,
                                              "summary": "kept", "casualties": [f"{mate}:mia"]})
    assert r.status_code == 422
    box = re.search(r'<div class="error error-box" role="alert" id="report-error">.*?</div>', r.text, re.S).group(0)
    assert "REPORT_BEFORE_DEPARTURE" in box
    assert report_form(r.text) and ">kept</textarea>" in r.text, "what was typed is kept"
    assert re.search(rf'value="{mate}:mia" selected', r.text)
    # a casualty from outside the team: the service's own refusal
    stranger = api.person("Ibiki")
    r = c.post(f"/missions/{m}/report", data={"csrf": csrf_of(page), "outcome": "success",
                                              "at": field_value(page, "report-at"),
                                              "casualties": [f"{stranger}:kia"]})
    assert r.status_code == 422 and "CASUALTY_NOT_ON_TEAM" in r.text
    # no outcome chosen
    r = c.post(f"/missions/{m}/report", data={"csrf": csrf_of(page), "at": field_value(page, "report-at")})
    assert r.status_code == 422 and "VALIDATION_ERROR" in r.text
    assert api.req("hokage", "GET", f"/missions/{m}/report").status_code == 404
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "assigned"
    assert api.ok("hokage", "GET", f"/shinobi/{mate}")["status"] == "on_mission"


def test_only_the_team_and_the_office_see_the_report_form_and_a_forged_post_is_refused(tokyo):
    app, api = tokyo
    m, lead, mate = sent_team(api)
    for who, password in (("lead", None), ("mate", None), ("clerk", None), ("hokage", BOOT_PASSWORD)):
        c = browser_for(app, who, *(password,) if password else ())
        assert report_form(c.get(f"/missions/{m}").text), who
    for who in ("genin", "elder"):  # not in the team, not the office: the policy says no
        c = browser_for(app, who)
        page = c.get(f"/missions/{m}").text
        assert not report_form(page) and "File the after-action report" not in page, who
        r = c.post(f"/missions/{m}/report", data={"csrf": csrf_of(page), "outcome": "success",
                                                  "at": field_value(page.replace("report-at", "x"), "x")
                                                  if "report-at" in page else "2026-03-14T15:00"})
        assert r.status_code == 403, who
    # without the form's token, not even a member
    c = browser_for(app, "lead")
    r = c.post(f"/missions/{m}/report", data={"outcome": "success", "at": "2026-03-14T15:20"})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    assert api.req("hokage", "GET", f"/missions/{m}/report").status_code == 404
    assert api.ok("hokage", "GET", f"/missions/{m}")["status"] == "assigned"


def test_the_report_and_the_timeline_are_shown_to_those_cleared_for_the_mission(tokyo):
    app, api = tokyo
    m, lead, mate = sent_team(api, "A", clearance="confidential", classification="confidential",
                                min_team_size=2)
    left = now_of(api)  # they leave through the gate after the clerk booked them
    api.ok("hokage", "POST", "/gate/events", json={"direction": "out", "at": left.isoformat(),
                                                   "shinobi_ids": [lead, mate]})
    api.ok("lead", "POST", f"/missions/{m}/report", 201, json={
        "outcome": "success", "at": (left + timedelta(minutes=1)).isoformat(), "summary": "Held.",
        "casualties": [{"shinobi_id": mate, "status": "injured"}]})
    page = browser_for(app, "clerk").get(f"/missions/{m}").text  # cleared (confidential), not in the team
    words = text_of(page)
    assert "After-action report" in words and "Held." in words and "Genma: wounded" in words
    timeline = text_of(re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0))
    order = [timeline.index(w) for w in ("Posted on the board", "Authorised", "Team sent: Anko, Genma",
                                         "Anko left through the gate", "Reported: success")]
    assert order == sorted(order), timeline
    posted = datetime.fromisoformat(api.ok("hokage", "GET", f"/missions/{m}")["posted_at"])
    assert posted.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M JST") in timeline
    assert f"{left.astimezone(TOKYO):%Y-%m-%d %H:%M} JST Genma left through the gate" in timeline
    assert "by hokage" in timeline  # who authorised and who sent
    # the genin is not cleared: the mission, its report and its timeline do not exist for him
    r = browser_for(app, "genin").get(f"/missions/{m}")
    assert r.status_code == 404 and "Held." not in r.text


def test_a_proposal_is_on_the_timeline_of_its_members_and_the_office_only(tokyo):
    app, api = tokyo
    naruto = api.person("Naruto", username="naruto")
    sasuke = api.person("Sasuke", username="sasuke")
    api.person("Sakura", username="sakura")
    m = api.open_mission("D", title="Weed the greenhouse")
    api.ok("naruto", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [naruto, sasuke]})

    def timeline(who: str) -> str:
        page = browser_for(app, who).get(f"/missions/{m}").text
        return text_of(re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0))

    for who in ("naruto", "sasuke", "clerk"):
        assert "Team proposed: Naruto, Sasuke" in timeline(who), who
    assert "proposed" not in timeline("sakura")


def test_the_team_form_shows_duty_now_and_offers_the_recommended_team(tokyo):
    app, api = tokyo
    api.clock.freeze()
    rested = [api.person(n) for n in ("Yamato", "Sai", "Ino")]
    tired = api.person("Kiba")
    for sid in rested:  # a night's sleep, ending at dawn
        api.ok("hokage", "POST", f"/shinobi/{sid}/sleep", 201, json={
            "start": (now_of(api) - timedelta(hours=9)).isoformat(),
            "end": (now_of(api) - timedelta(hours=1)).isoformat()})
    api.ok("hokage", "POST", f"/shinobi/{tired}/restrictions", 201, json={
        "kind": "rest", "reason": "broken arm", "starts_at": (now_of(api) - timedelta(hours=2)).isoformat()})
    m = api.open_mission("C", title="Escort the tea merchant")
    c = browser_for(app, "clerk")
    page = c.get(f"/missions/{m}").text
    pick = re.search(r'<div class="pick">.*?</div>', page, re.S).group(0)
    labels = {int(sid): text_of(body) for sid, body in
              re.findall(r'<label class="member"><input type="checkbox" name="shinobi_ids" value="(\d+)"(.*?)</label>',
                         pick, re.S)}
    # the office holders are not offered: the hokage, the council
    assert "Tsunade" not in pick and "Homura" not in pick
    assert "Resting" in labels[tired] and "Ordered to rest by a medic" in labels[tired]
    assert all("fit for this mission now" in labels[s] for s in rested), labels
    assert "checked" not in pick
    assert "Use the recommended team" in page

    # the button: the recommended team ticked, the same team the API recommends for the same departure
    departure = field_value(page, "departs_at")
    page = c.get(f"/missions/{m}", params={"use": "recommended"}).text
    ticked = {int(s) for s in re.findall(r'name="shinobi_ids" value="(\d+)" checked', page)}
    rec = api.ok("clerk", "GET", f"/missions/{m}/recommendation",
                 params={"departs_at": (now_of(api) + timedelta(hours=1)).isoformat()})
    assert ticked == {p["shinobi_id"] for p in rec["team"]} and ticked and tired not in ticked
    assert field_value(page, "departs_at") == departure

    # a genin may not have a team recommended: no button; he sees the badges, never another's reasons
    page = browser_for(app, "genin").get(f"/missions/{m}").text
    assert "Use the recommended team" not in page
    pick = re.search(r'<div class="pick">.*?</div>', page, re.S).group(0)
    assert "Ordered to rest by a medic" not in pick and "Resting" in pick
    assert "Not fit to go" in pick


def test_the_page_reads_the_roster_once(tokyo, monkeypatch):
    """Once, as columns (adapters/db/roster.py), for the badges, the verdicts and the recommendation alike: no
    list of every shinobi as objects, no facts gathered one by one."""
    app, api = tokyo
    for n in ("Yamato", "Sai", "Ino", "Kiba", "Shino"):
        api.person(n)
    m = api.open_mission("C")
    calls = {"list": 0, "gather": 0, "columns": 0}
    original_list, original_gather = ShinobiRepository.list, fitness.gather_facts
    original_people = RosterRepository.people

    def counting(name, original):
        def call(*a, **kw):
            calls[name] += 1
            return original(*a, **kw)
        return call

    monkeypatch.setattr(ShinobiRepository, "list", counting("list", original_list))
    monkeypatch.setattr(fitness, "gather_facts", counting("gather", original_gather))
    monkeypatch.setattr(RosterRepository, "people", counting("columns", original_people))
    c = browser_for(app, "clerk")
    assert c.get(f"/missions/{m}").status_code == 200
    assert calls == {"list": 0, "gather": 0, "columns": 1}, calls


def test_the_team_form_lists_a_few_the_recommended_first_and_finds_the_rest_by_name(tokyo, monkeypatch):
    """At village scale the form cannot list everyone: the first few (the recommended team, then those fit to
    go, strongest first), how many there are, "Show more", and a search by name that reaches anyone."""
    from missiondesk.services import mission_view

    app, api = tokyo
    monkeypatch.setattr(mission_view, "TEAM_FORM_SHOWN", 3)
    for n in ("Yamato", "Sai", "Ino", "Kiba", "Shino", "Hinata"):
        api.person(n)
    m = api.open_mission("C")
    c = browser_for(app, "clerk")
    page = c.get(f"/missions/{m}").text
    def form(html: str) -> str:
        return html[html.index('id="team-h"'):html.index("</fieldset>", html.index('id="team-h"'))]

    listed = re.findall(r'name="shinobi_ids" value="(\d+)"', form(page))
    assert len(listed) == 3
    team = [p["shinobi_id"] for p in api.ok("clerk", "GET", f"/missions/{m}/recommendation",
                                            params={"departs_at": "2026-03-14T07:20:00Z"})["team"]]
    assert sorted(int(x) for x in listed[:len(team)]) == sorted(team)  # the recommended team first
    shown = re.search(r"Listed: 3 of (\d+)", page)
    assert shown and int(shown.group(1)) >= 6 and "Show more" in page
    more = c.get(f"/missions/{m}", params={"shown": 6}).text
    assert len(re.findall(r'name="shinobi_ids"', form(more))) == 6
    found = c.get(f"/missions/{m}", params={"find": "hina"}).text
    assert re.findall(r'name="shinobi_ids" value="\d+"[^>]*> ([^<]+) <', form(found)) == ["Hinata"]
    assert "Listed: 1 of 1 whose name holds “hina”" in found and "Show more" not in found
    assert c.get(f"/missions/{m}", params={"shown": 0}).status_code == 422
