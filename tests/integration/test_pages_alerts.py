"""Issue 15 on the page, server side: an alert acknowledged from /alerts stops its ladder; how one is reached
(preferences, webhooks with their secret shown once) on /account; the medics' roster on /medic-duty with its
forms for those the policy allows; the overdue welfare reviews on the desk and recorded from the page; the live
badge's event stream. Each form makes the one service call and the record is read back over the API."""
from __future__ import annotations

import json
import re
from datetime import UTC, timedelta

from fastapi.testclient import TestClient

from missiondesk.adapters.web.pages import alerts as alert_pages
from missiondesk.domain.alerts import AlertPolicy
from missiondesk.services import alerts as alerting
from missiondesk.services import auth
from missiondesk.services.outbox import Worker

from ..conftest import BOOT_PASSWORD
from .api import Api
from .test_web import browser_for, csrf_of

DEPART = "2026-03-14T06:30:00Z"


def at_risk(api: Api) -> tuple[int, int, int]:
    """Sakura under a rest order, Kakashi her partner, an S mission: (sakura, kakashi, mission)."""
    sakura = api.person("Sakura", clearance="top_secret", username="sakura")
    kakashi = api.person("Kakashi", clearance="top_secret", username="kakashi")
    api.ok("hokage", "POST", f"/shinobi/{sakura}/partners", 201, json={"partner_id": kakashi})
    api.ok("hokage", "POST", f"/shinobi/{sakura}/restrictions", 201,
           json={"kind": "rest", "reason": "chakra damage", "starts_at": "2026-03-14T03:40:00Z"})
    return sakura, kakashi, api.open_mission("S", classification="top_secret", min_team_size=2, title="The strike")


def refuse(api: Api, sakura: int, mission: int) -> None:
    """She asks for the S mission alone and is refused: a DUTY_OF_CARE ladder starts."""
    api.err("sakura", "POST", f"/missions/{mission}/assignments", 409, "ASSIGNMENT_REFUSED",
            json={"shinobi_ids": [sakura], "departs_at": DEPART})


def duty_alerts(api: Api, who: str) -> list[dict]:
    return [a for a in api.ok(who, "GET", "/alerts") if a["kind"] == "DUTY_OF_CARE"]


def item(html: str, alert_id: int) -> str:
    """The <li> of one alert on the page."""
    m = re.search(rf'<li id="alert-{alert_id}"[^>]*>(.*?)</li>', html, re.S)
    assert m, f"alert {alert_id} is not on the page"
    return m.group(1)


def page(c: TestClient, path: str) -> str:
    r = c.get(path)
    assert r.status_code == 200, r.text
    return r.text


def error_box(html: str) -> str:
    return re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S).group(1)


# -- acknowledging ------------------------------------------------------------------------------------------------
def test_acknowledging_on_the_page_stops_the_ladder(runtime, app, api: Api):
    sakura, kakashi, mission = at_risk(api)
    refuse(api, sakura, mission)
    refuse(api, sakura, mission)  # a second ladder, left unanswered: it climbs, the answered one does not
    first, second = sorted(duty_alerts(api, "kakashi"), key=lambda a: a["id"])
    assert first["must_acknowledge"] and first["acknowledged_at"] is None

    partner = browser_for(app, "kakashi")
    html = page(partner, "/alerts")
    for a in (first, second):
        li = item(html, a["id"])
        assert "Needs acknowledging" in li and f'action="/alerts/{a["id"]}/ack"' in li and "To the partners" in li
    assert html.index(f'id="alert-{second["id"]}"') < html.index(f'id="alert-{first["id"]}"')
    assert 'data-awaiting="2"' in html
    office = page(browser_for(app, "hokage", BOOT_PASSWORD), "/alerts")
    copies = duty_alerts(api, "hokage")
    assert len(copies) == 2 and all("The office's copy" in item(office, c["id"]) for c in copies)

    r = partner.post(f"/alerts/{first['id']}/ack", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/alerts#alert-{first['id']}"
    acked = next(a for a in duty_alerts(api, "kakashi") if a["id"] == first["id"])
    assert acked["acknowledged_by"] == kakashi and acked["acknowledged_at"] is not None and acked["read_at"]
    copy = min(duty_alerts(api, "hokage"), key=lambda a: a["id"])
    assert copy["acknowledged_by"] == kakashi  # the office's copy on the same ladder is answered too
    html = page(partner, "/alerts")
    li = item(html, first["id"])
    assert "Needs acknowledging" not in li and 'action="/alerts/' + str(first["id"]) + '/ack"' not in li
    assert re.search(r"Acknowledged by Kakashi at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(you\)", li)
    assert "Needs acknowledging" in item(html, second["id"])
    office = page(browser_for(app, "hokage", BOOT_PASSWORD), "/alerts")
    assert re.search(r"Acknowledged by Kakashi at \d{4}-\d\d-\d\d \d\d:\d\d UTC", item(office, copy["id"]))

    # another's alert is not found, as on the API; a forged form is refused
    r = partner.post(f"/alerts/{copy['id']}/ack", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 404
    r = partner.post(f"/alerts/{second['id']}/ack", data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    assert next(a for a in duty_alerts(api, "kakashi") if a["id"] == second["id"])["acknowledged_at"] is None

    # eleven minutes on, the worker climbs the unanswered ladder alone: to the medics (nobody is on the roster)
    runtime.clock.advance(minutes=11)
    Worker(uow=runtime.uow, clock=runtime.clock, policy=AlertPolicy(), tz=UTC, channels=[]).run_once()
    escalated = duty_alerts(api, "medic")
    assert len(escalated) == 1 and escalated[0]["escalation_step"] == 1
    assert escalated[0]["acknowledged_at"] is None and escalated[0]["id"] > second["id"]
    medic_page = page(browser_for(app, "medic"), "/alerts")
    assert "Escalated to the medic on duty" in item(medic_page, escalated[0]["id"])
    assert "Needs acknowledging" in item(medic_page, escalated[0]["id"])


# -- how I am reached --------------------------------------------------------------------------------------------
def test_the_preferences_form_saves_and_refuses_in_place(app, api: Api):
    c = browser_for(app, "genin")
    html = page(c, "/account")
    assert "How alerts reach you" in html and "DUTY_OF_CARE" in html and "ignores them" in html
    token = csrf_of(html)

    r = c.post("/account/alerts", data={"csrf": token, "email": "", "channels": ["email"]}, follow_redirects=False)
    assert r.status_code == 422
    assert "EMAIL_REQUIRED" in error_box(r.text) and 'id="reach-error"' in r.text
    r = c.post("/account/alerts", data={"csrf": token, "email": "k@leaf.example", "channels": ["email"],
                                        "quiet_from": "22:00"}, follow_redirects=False)
    assert r.status_code == 422 and "QUIET_HOURS_INVALID" in error_box(r.text)
    assert 'value="k@leaf.example"' in r.text and 'value="22:00"' in r.text  # what was typed is kept
    assert api.ok("genin", "GET", "/alert-preferences") == {"channels": [], "email": None, "quiet_hours": None,
                                                            "webhooks": []}

    r = c.post("/account/alerts", data={"csrf": token, "email": "k@leaf.example", "channels": ["email", "webhook"],
                                        "quiet_from": "22:00", "quiet_to": "06:30"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=reach#reach"
    saved = api.ok("genin", "GET", "/alert-preferences")
    assert saved["channels"] == ["email", "webhook"] and saved["email"] == "k@leaf.example"
    assert saved["quiet_hours"] == {"from": "22:00", "to": "06:30"}
    html = page(c, "/account?done=reach")
    assert "Saved: this is how your alerts reach you." in html
    assert 'value="email" checked' in html and 'value="webhook" checked' in html
    assert 'id="quiet-from" name="quiet_from" type="time" value="22:00"' in html

    r = c.post("/account/alerts", data={"csrf": token, "email": ""}, follow_redirects=False)  # page only again
    assert r.status_code == 303
    assert api.ok("genin", "GET", "/alert-preferences")["channels"] == []


def test_a_webhook_secret_is_shown_once(runtime, app, api: Api):
    c = browser_for(app, "genin")
    token = csrf_of(page(c, "/account"))
    r = c.post("/account/webhooks", data={"csrf": token, "url": "ftp://leaf.example/hook"}, follow_redirects=False)
    assert r.status_code == 422 and "URL_INVALID" in error_box(r.text) and 'id="webhook-error"' in r.text
    assert api.ok("genin", "GET", "/alert-preferences")["webhooks"] == []

    r = c.post("/account/webhooks", data={"csrf": token, "url": "https://leaf.example/hook"}, follow_redirects=False)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    shown = re.search(r'id="webhook-secret".*?<code>([^<]+)</code>', r.text, re.S).group(1)
    [hook] = api.ok("genin", "GET", "/alert-preferences")["webhooks"]
    assert hook["url"] == "https://leaf.example/hook"
    [kept] = alerting.my_contact(runtime.uow, auth.caller_for_username(runtime.uow, "genin")).webhooks
    assert kept.secret == shown and len(shown) >= 32
    assert "Keep it now" in r.text

    again = page(c, "/account")
    assert shown not in again and 'id="webhook-secret"' not in again
    assert f'id="webhook-{hook["id"]}"' in again and "https://leaf.example/hook" in again

    # someone else's webhook is not found; one's own is removed
    other = browser_for(app, "clerk")
    r = other.post(f"/account/webhooks/{hook['id']}/remove", data={"csrf": csrf_of(page(other, "/account"))},
                   follow_redirects=False)
    assert r.status_code == 404
    assert len(api.ok("genin", "GET", "/alert-preferences")["webhooks"]) == 1
    r = c.post(f"/account/webhooks/{hook['id']}/remove", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=webhook-removed#webhooks"
    assert api.ok("genin", "GET", "/alert-preferences")["webhooks"] == []


# -- the medics' roster -----------------------------------------------------------------------------------------
def local(t) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def shift_form(html: str) -> str | None:
    m = re.search(r'<form method="post" action="/medic-duty" [^>]*>(.*?)</form>', html, re.S)
    return m.group(1) if m else None


def test_the_medics_roster_as_clerk_medic_and_genin(app, api: Api):
    medics = {s["name"]: s["id"] for s in api.ok("hokage", "GET", "/shinobi")}
    shizune = medics["Shizune"]
    tsunade = api.person("Tsunade Jr", username="medic2", roles=["medic"])
    now = api.clock.now()

    clerk = browser_for(app, "clerk")
    html = page(clerk, "/medic-duty")
    assert "Nobody is on the roster now" in html and "No shift on the roster." in html
    form = shift_form(html)
    assert form and f'value="{shizune}"' in form and f'value="{tsunade}"' in form
    token = csrf_of(html)
    r = clerk.post("/medic-duty", data={"csrf": token, "shinobi_id": str(shizune), "starts_at": local(now),
                                        "ends_at": local(now + timedelta(days=8))}, follow_redirects=False)
    assert r.status_code == 422 and "SHIFT_TOO_LONG" in error_box(r.text) and 'id="add-error"' in r.text
    assert api.ok("clerk", "GET", "/medic-duty") == []
    r = clerk.post("/medic-duty", data={"csrf": token, "shinobi_id": str(shizune),
                                        "starts_at": local(now - timedelta(hours=1)),
                                        "ends_at": local(now + timedelta(hours=11))}, follow_redirects=False)
    assert r.status_code == 303
    [shift] = api.ok("clerk", "GET", "/medic-duty")
    assert shift["shinobi_id"] == shizune and shift["created_by"] == "clerk"
    assert r.headers["location"] == f"/medic-duty#shift-{shift['id']}"
    html = page(clerk, "/medic-duty")
    li = re.search(rf'<li id="shift-{shift["id"]}" class="on-call">(.*?)</li>', html, re.S).group(1)
    assert "On call now:" in li and "Shizune" in li and "added by clerk" in li and "Remove" in li
    assert "On call now: Shizune." in html

    # a medic puts only herself on call, and may not touch another's shift
    medic = browser_for(app, "medic2")
    html = page(medic, "/medic-duty")
    form = shift_form(html)
    assert form and f'value="{tsunade}"' in form and f'value="{shizune}"' not in form
    assert f'action="/medic-duty/{shift["id"]}/remove"' not in html
    token = csrf_of(html)
    r = medic.post("/medic-duty", data={"csrf": token, "shinobi_id": str(shizune), "starts_at": local(now),
                                        "ends_at": local(now + timedelta(hours=2))}, follow_redirects=False)
    assert r.status_code == 403
    r = medic.post(f"/medic-duty/{shift['id']}/remove", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 403
    r = medic.post("/medic-duty", data={"csrf": token, "shinobi_id": str(tsunade),
                                        "starts_at": local(now + timedelta(hours=11)),
                                        "ends_at": local(now + timedelta(hours=23))}, follow_redirects=False)
    assert r.status_code == 303
    mine = [s for s in api.ok("clerk", "GET", "/medic-duty") if s["shinobi_id"] == tsunade]
    assert len(mine) == 1 and mine[0]["created_by"] == "medic2"
    html = page(medic, "/medic-duty")
    assert f'action="/medic-duty/{mine[0]["id"]}/remove"' in html
    r = medic.post(f"/medic-duty/{mine[0]['id']}/remove", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert [s["id"] for s in api.ok("clerk", "GET", "/medic-duty")] == [shift["id"]]

    # a genin sees who is on call, with no form; a forged post is refused as on the API
    genin = browser_for(app, "genin")
    html = page(genin, "/medic-duty")
    assert "On call now: Shizune." in html and shift_form(html) is None and "/remove" not in html
    token = csrf_of(html)
    r = genin.post("/medic-duty", data={"csrf": token, "shinobi_id": str(shizune), "starts_at": local(now),
                                        "ends_at": local(now + timedelta(hours=2))}, follow_redirects=False)
    assert r.status_code == 403
    r = genin.post(f"/medic-duty/{shift['id']}/remove", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 403
    assert len(api.ok("clerk", "GET", "/medic-duty")) == 1

    # the clerk takes the shift off
    r = clerk.post(f"/medic-duty/{shift['id']}/remove", data={"csrf": csrf_of(page(clerk, "/medic-duty"))},
                   follow_redirects=False)
    assert r.status_code == 303 and api.ok("clerk", "GET", "/medic-duty") == []
    assert "Nobody is on the roster now" in page(clerk, "/medic-duty")


# -- overdue welfare reviews ------------------------------------------------------------------------------------
def lost_squad(api: Api) -> int:
    """A mission four months ago that killed two of three: the survivor's hold asks for two reviews, both
    overdue now. Returns the survivor."""
    survivor = api.person("Survivor", clearance="secret")
    fallen = [api.person(f"Fallen {i}", clearance="secret") for i in range(2)]
    m = api.open_mission("A", classification="secret", min_team_size=3, title="Northern outpost",
                         posted_at="2025-10-20T09:00:00Z")
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": [survivor, *fallen], "departs_at": "2025-10-25T08:00:00Z"})
    api.ok("hokage", "POST", f"/missions/{m}/report", 201, json={
        "outcome": "failure", "at": "2025-11-02T12:00:00Z",
        "casualties": [{"shinobi_id": s, "status": "kia"} for s in fallen]})
    return survivor


def reviews_on(html: str) -> dict[int, str]:
    return {int(i): body for i, body in re.findall(r'<li id="review-(\d+)">(.*?)</li>', html, re.S)}


def test_the_desk_lists_overdue_reviews_and_a_medic_records_one(app, api: Api):
    survivor = lost_squad(api)
    due = api.ok("medic", "GET", "/welfare-reviews")
    assert [(r["shinobi_id"], r["label"]) for r in due] == [(survivor, "72 hours"), (survivor, "30 days")]
    first, second = due

    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    desk = page(hokage, "/desk")
    listed = reviews_on(desk)
    assert set(listed) == {first["id"], second["id"]}
    assert "Survivor" in listed[first["id"]] and "the 72 hours review, due since 2025-11-05 12:00 UTC" in listed[
        first["id"]] and "Record review" in listed[first["id"]]
    assert "Welfare reviews overdue (2)" in desk

    medic = browser_for(app, "medic")
    html = page(medic, "/medic-duty")
    assert set(reviews_on(html)) == {first["id"], second["id"]}
    token = csrf_of(html)
    r = medic.post(f"/medic-duty/reviews/{first['id']}", data={"csrf": token, "note": "  "}, follow_redirects=False)
    assert r.status_code == 422 and "NOTE_REQUIRED" in reviews_on(r.text)[first["id"]]
    r = medic.post(f"/medic-duty/reviews/{first['id']}", data={"csrf": token, "note": "Sleeping again; talks."},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/medic-duty#reviews"
    assert [x["id"] for x in api.ok("medic", "GET", "/welfare-reviews")] == [second["id"]]
    reviewed = api.audit("welfare_review.done")
    assert [(e["actor"], e["details"]["review_id"]) for e in reviewed] == [("medic", first["id"])]
    r = medic.post(f"/medic-duty/reviews/{first['id']}", data={"csrf": token, "note": "again"},
                   follow_redirects=False)
    assert r.status_code == 409 and "REVIEW_DONE" in r.text
    assert set(reviews_on(page(hokage, "/desk"))) == {second["id"]}

    # the hokage records the other from the desk (a note first)
    r = hokage.post(f"/desk/reviews/{second['id']}", data={"csrf": csrf_of(desk), "note": ""}, follow_redirects=False)
    assert r.status_code == 422 and "NOTE_REQUIRED" in reviews_on(r.text)[second["id"]] and "<h1>The Hokage" in r.text
    r = hokage.post(f"/desk/reviews/{second['id']}", data={"csrf": csrf_of(desk), "note": "Fit for B work."},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/desk#reviews"
    assert api.ok("medic", "GET", "/welfare-reviews") == []
    assert "None overdue." in page(hokage, "/desk")

    # a clerk may read them but not record them; a genin neither sees nor finds them
    survivor2 = lost_squad(api)
    [left, _] = [r for r in api.ok("medic", "GET", "/welfare-reviews") if r["shinobi_id"] == survivor2]
    clerk = browser_for(app, "clerk")
    html = page(clerk, "/medic-duty")
    assert 'id="reviews"' not in html
    r = clerk.post(f"/medic-duty/reviews/{left['id']}", data={"csrf": csrf_of(html), "note": "x"},
                   follow_redirects=False)
    assert r.status_code == 403
    genin = browser_for(app, "genin")
    html = page(genin, "/medic-duty")
    assert 'id="reviews"' not in html
    r = genin.post(f"/medic-duty/reviews/{left['id']}", data={"csrf": csrf_of(html), "note": "x"},
                   follow_redirects=False)
    assert r.status_code == 404
    assert len(api.ok("medic", "GET", "/welfare-reviews")) == 2


# -- the live badge ------------------------------------------------------------------------------------------------
def events(lines, count: int) -> list[dict]:
    """The next `count` data events from an open event stream's lines."""
    got = []
    for line in lines:
        if line.startswith("data: "):
            got.append(json.loads(line[len("data: "):]))
            if len(got) == count:
                return got
    raise AssertionError(f"the stream ended after {got}")


def test_the_event_stream_sends_the_counts_at_once_and_when_they_change(app, api: Api, monkeypatch):
    monkeypatch.setattr(alert_pages, "CHECK_EVERY", 0.05)
    sakura, kakashi, mission = at_risk(api)
    refuse(api, sakura, mission)
    [mine] = duty_alerts(api, "kakashi")
    partner = browser_for(app, "kakashi")
    html = page(partner, "/board")
    assert '<script src="/static/live.js" defer></script>' in html
    assert re.search(r'id="alert-unread"[^>]*>1<', html)

    with partner.stream("GET", "/events/alerts") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"  # through the app's middlewares
        lines = r.iter_lines()
        [first] = events(lines, 1)
        assert first == {"unread": 1, "awaiting_ack": 1, "newest_id": mine["id"]}
        api.ok("kakashi", "POST", f"/alerts/{mine['id']}/ack")
        [after] = events(lines, 1)
        assert after == {"unread": 0, "awaiting_ack": 0, "newest_id": mine["id"]}
        refuse(api, sakura, mission)
        [new] = events(lines, 1)
        assert new["unread"] == 1 and new["awaiting_ack"] == 1 and new["newest_id"] > mine["id"]


def test_the_badge_s_summary_is_read_in_one_statement(runtime, api: Api):
    """Three statements on PostgreSQL read three moments: the stream once sent the new alert's id with the unread
    count from before it (the stream test above failed so under load)."""
    from sqlalchemy import event

    sakura, kakashi, mission = at_risk(api)

    def summary() -> tuple[tuple[int, int, int], int]:
        statements: list[str] = []

        def note(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        with runtime.uow.begin(write=False) as tx:
            event.listen(runtime.uow.engine, "before_cursor_execute", note)
            try:
                got = tx.alerts.summary(kakashi)
            finally:
                event.remove(runtime.uow.engine, "before_cursor_execute", note)
        return got, len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    assert summary() == ((0, 0, 0), 1)
    refuse(api, sakura, mission)
    [mine] = duty_alerts(api, "kakashi")
    assert summary() == ((1, 1, mine["id"]), 1)
    api.ok("kakashi", "POST", f"/alerts/{mine['id']}/ack")
    assert summary() == ((0, 0, mine["id"]), 1)


def test_the_event_stream_is_refused_without_a_session(app, api: Api):
    anonymous = TestClient(app)
    r = anonymous.get("/events/alerts")
    assert r.status_code == 401 and "event-stream" not in r.headers.get("content-type", "")
    anonymous.cookies.set("md_session", "not-a-token")
    assert anonymous.get("/events/alerts").status_code == 401
    genin = browser_for(app, "genin")
    session = genin.cookies.get("md_session")
    with genin.stream("GET", "/events/alerts") as r:
        assert r.status_code == 200
    genin.post("/logout", data={"csrf": csrf_of(page(genin, "/board"))}, follow_redirects=False)
    genin.cookies.set("md_session", session)  # the signed-out session's cookie, kept by someone
    assert genin.get("/events/alerts").status_code == 401


def test_the_list_fragment_is_the_list_alone(app, api: Api):
    sakura, kakashi, mission = at_risk(api)
    refuse(api, sakura, mission)
    [mine] = duty_alerts(api, "kakashi")
    r = browser_for(app, "kakashi").get("/alerts/list", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.strip().startswith('<div id="alert-list"') and "<h1>" not in r.text and "<html" not in r.text
    assert f'data-newest-id="{mine["id"]}"' in r.text and 'data-awaiting="1"' in r.text
    assert f'id="alert-{mine["id"]}"' in r.text


def test_what_waits_for_an_acknowledgement_stays_on_top_and_the_rest_come_a_page_at_a_time(app, api: Api,
                                                                                         monkeypatch):
    monkeypatch.setattr(alerting, "ALERTS_PAGE", 2)
    sakura, _kakashi, mission = at_risk(api)
    for _ in range(5):
        refuse(api, sakura, mission)
    newest_first = [a["id"] for a in api.ok("kakashi", "GET", "/alerts")]
    for alert_id in newest_first[2:]:  # the three oldest acknowledged: two still wait
        api.ok("kakashi", "POST", f"/alerts/{alert_id}/ack")
    c = browser_for(app, "kakashi")
    shown = re.compile(r'<li id="alert-(\d+)"')

    first = c.get("/alerts").text
    assert [int(i) for i in shown.findall(first)] == newest_first[:2] + newest_first[2:4]
    assert "2 alerts to acknowledge" in first and f'data-newest-id="{newest_first[0]}"' in first
    older = re.search(r'<a href="([^"]+)" rel="next">Older alerts</a>', first).group(1)
    second = c.get(older).text
    assert [int(i) for i in shown.findall(second)] == newest_first[:2] + newest_first[4:]
    assert 'rel="next"' not in second and '<a href="/alerts">Newest</a>' in second
    assert f'data-newest-id="{newest_first[0]}"' in second  # the live refresh compares the real newest
    assert [int(i) for i in shown.findall(c.get("/alerts/list").text)] == newest_first[:4]
