"""Custody, the gate log and the audience decision through the pages (TestClient), read back over the API."""
from __future__ import annotations

import re

import pytest

from ..conftest import BOOT_PASSWORD
from .api import PASSWORD, Api
from .test_web import browser_for, csrf_of


@pytest.fixture
def anbu(api: Api) -> dict[str, int]:
    """Two ANBU with accounts and one without; the clerk and the genin are not ANBU."""
    return {"kakashi": api.person("Kakashi", username="kakashi", divisions=["anbu"], clearance="top_secret"),
            "yamato": api.person("Yamato", username="yamato", divisions=["anbu"]),
            "sai": api.person("Sai", divisions=["anbu"])}


def page(app, user: str):
    return browser_for(app, user, BOOT_PASSWORD if user == "hokage" else PASSWORD)


def intake(api: Api, escorts: list[int], at: str = "2026-03-14T05:00:00Z", name: str = "Cloud spy") -> int:
    return api.ok("kakashi", "POST", "/custody", 201,
                  json={"name": name, "origin": "Kumo", "at": at, "escort_ids": escorts})["id"]


def test_custody_pages_are_need_to_know(app, api: Api, anbu):
    did = intake(api, [anbu["kakashi"]])
    for user in ("clerk", "genin", "medic", "elder"):
        c = page(app, user)
        for path in ("/custody", f"/custody/{did}", "/custody/9999"):
            r = c.get(path)
            assert r.status_code == 404 and "text/html" in r.headers["content-type"], (user, path)
            assert "Cloud spy" not in r.text
        assert "Cloud spy" not in c.get("/gate").text and 'name="detainee_ids"' not in c.get("/gate").text
    for user in ("kakashi", "hokage"):
        c = page(app, user)
        assert "Cloud spy" in c.get("/custody").text and c.get(f"/custody/{did}").status_code == 200
        assert c.get("/custody/9999").status_code == 404


def test_intake_from_the_page(app, api: Api, anbu):
    c = page(app, "kakashi")
    form = c.get("/custody").text
    assert 'action="/custody"' in form and 'for="intake-name"' in form
    r = c.post("/custody", data={"csrf": csrf_of(form), "name": "Foreign agent", "origin": "Hidden Cloud",
                                 "at": "2026-03-14T05:10", "escort_ids": [str(anbu["kakashi"]), str(anbu["sai"])]},
               follow_redirects=False)
    assert r.status_code == 303
    did = int(re.fullmatch(r"/custody/(\d+)", r.headers["location"]).group(1))
    d = api.ok("hokage", "GET", f"/custody/{did}")
    assert d["name"] == "Foreign agent" and d["origin"] == "Hidden Cloud" and d["status"] == "held"
    assert sorted(d["custodians"]) == sorted([anbu["kakashi"], anbu["sai"]])
    assert d["detained_since"].startswith("2026-03-14T05:10")
    # a refusal: shown in place with its code and status, nothing kept
    before = api.ok("hokage", "GET", "/custody")
    [outsider] = [s["id"] for s in api.ok("hokage", "GET", "/shinobi") if s["name"] == "Iruka"]
    r = c.post("/custody", data={"csrf": csrf_of(form), "name": "Second", "at": "2026-03-14T05:10",
                                 "escort_ids": [str(outsider)]})
    assert r.status_code == 422 and "CUSTODIAN_NOT_ANBU" in r.text and 'role="alert"' in r.text
    r = c.post("/custody", data={"csrf": csrf_of(form), "name": "Third", "at": "", "escort_ids": [str(anbu["sai"])]})
    assert r.status_code == 422 and "VALIDATION_ERROR" in r.text
    assert api.ok("hokage", "GET", "/custody") == before


def test_others_do_not_see_the_intake_and_a_forged_one_is_refused(app, api: Api, anbu):
    c = page(app, "clerk")
    token = csrf_of(c.get("/board").text)
    r = c.post("/custody", data={"csrf": token, "name": "Forged", "at": "2026-03-14T05:10",
                                 "escort_ids": [str(anbu["kakashi"])]})
    assert r.status_code == 403
    r = page(app, "kakashi").post("/custody", data={"name": "No token", "at": "2026-03-14T05:10",
                                                     "escort_ids": [str(anbu["kakashi"])]})
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    assert api.ok("hokage", "GET", "/custody") == []


def test_transfer_release_and_audience_from_the_detainee_page(app, api: Api, anbu):
    did = intake(api, [anbu["kakashi"]])
    c = page(app, "kakashi")
    html = c.get(f"/custody/{did}").text
    for action in ("transfer", "release", "audience"):
        assert f'action="/custody/{did}/{action}"' in html
    assert "/decision" not in html  # the decision is the hokage's
    token = csrf_of(html)
    # transfer
    r = c.post(f"/custody/{did}/transfer", data={"csrf": token, "at": "2026-03-14T05:30",
                                                 "to_ids": [str(anbu["yamato"]), str(anbu["sai"])]},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/custody/{did}"
    d = api.ok("hokage", "GET", f"/custody/{did}")
    assert [sorted(link["custodian_ids"]) for link in d["chain"]] == [
        [anbu["kakashi"]], sorted([anbu["yamato"], anbu["sai"]])]
    # Kakashi no longer holds the detainee: no hand-over form, and a forged one is refused (403)
    html = c.get(f"/custody/{did}").text
    assert f'action="/custody/{did}/transfer"' not in html and f'action="/custody/{did}/release"' not in html
    r = c.post(f"/custody/{did}/release", data={"csrf": token, "outcome": "released", "at": "2026-03-14T06:00"})
    assert r.status_code == 403
    # audience: the ANBU asks; the hokage is alerted
    r = c.post(f"/custody/{did}/audience", data={"csrf": token, "at": "2026-03-14T05:40"}, follow_redirects=False)
    assert r.status_code == 303
    [req] = api.ok("hokage", "GET", f"/custody/{did}")["audience_requests"]
    assert req["status"] == "open" and req["at"].startswith("2026-03-14T05:40")
    assert any(a["kind"] == "AUDIENCE_REQUEST" and a["detainee_id"] == did for a in api.ok("hokage", "GET", "/alerts"))
    # a transfer before the last link is shown in place
    y = page(app, "yamato")
    r = y.post(f"/custody/{did}/transfer", data={"csrf": csrf_of(y.get("/board").text), "at": "2026-03-14T05:00",
                                                 "to_ids": [str(anbu["kakashi"])]})
    assert r.status_code == 422 and "CUSTODY_TIME_BEFORE_LAST_LINK" in r.text and 'class="error"' in r.text
    # release, by a current custodian
    r = y.post(f"/custody/{did}/release", data={"csrf": csrf_of(y.get("/board").text), "outcome": "released",
                                                "at": "2026-03-14T06:10", "note": "sent home"},
               follow_redirects=False)
    assert r.status_code == 303
    d = api.ok("hokage", "GET", f"/custody/{did}")
    assert d["status"] == "released" and d["end_note"] == "sent home" and d["ended_at"].startswith("2026-03-14T06:10")
    # custody over: no more forms; a second release is a 409 in place
    html = y.get(f"/custody/{did}").text
    assert f'action="/custody/{did}/release"' not in html
    r = page(app, "hokage").post(f"/custody/{did}/release", data={
        "csrf": csrf_of(html), "outcome": "released", "at": "2026-03-14T06:15"})
    assert r.status_code in (403, 409)


def test_the_hokage_decides_an_audience_from_the_alert_and_from_the_page(app, api: Api, anbu):
    did = intake(api, [anbu["kakashi"]])
    first = api.ok("kakashi", "POST", f"/custody/{did}/audience-requests", 201,
                   json={"with": "hokage", "at": "2026-03-14T05:20:00Z"})["audience_requests"][-1]["id"]
    second = api.ok("kakashi", "POST", f"/custody/{did}/audience-requests", 201,
                    json={"with": "hokage", "at": "2026-03-14T05:25:00Z"})["audience_requests"][-1]["id"]
    # only the hokage sees the decision, on the alert and on the page; a forged decision by the ANBU is refused
    k = page(app, "kakashi")
    assert "/decision" not in k.get(f"/custody/{did}").text
    r = k.post(f"/custody/{did}/audience/{first}/decision", data={"csrf": csrf_of(k.get("/board").text),
                                                                   "decision": "granted"})
    assert r.status_code == 403
    h = page(app, "hokage")
    alerts = h.get("/alerts").text
    for rid in (first, second):
        assert f'action="/alerts/audience/{did}/{rid}"' in alerts
    r = h.post(f"/alerts/audience/{did}/{first}", data={"csrf": csrf_of(alerts), "decision": "granted",
                                                        "note": "this afternoon"}, follow_redirects=False)
    assert r.status_code == 303
    reqs = {q["id"]: q for q in api.ok("hokage", "GET", f"/custody/{did}")["audience_requests"]}
    assert reqs[first]["status"] == "granted" and reqs[first]["decided_by"] == "hokage"
    assert reqs[first]["note"] == "this afternoon" and reqs[second]["status"] == "open"
    alerts = h.get("/alerts").text
    assert f'action="/alerts/audience/{did}/{first}"' not in alerts and "granted" in alerts
    # deciding twice: the service's 409 in place
    r = h.post(f"/alerts/audience/{did}/{first}", data={"csrf": csrf_of(alerts), "decision": "declined"})
    assert r.status_code == 409 and "AUDIENCE_ALREADY_DECIDED" in r.text
    # from the detainee's page
    html = h.get(f"/custody/{did}").text
    assert f'action="/custody/{did}/audience/{second}/decision"' in html
    r = h.post(f"/custody/{did}/audience/{second}/decision", data={"csrf": csrf_of(html), "decision": "declined"},
               follow_redirects=False)
    assert r.status_code == 303
    reqs = {q["id"]: q for q in api.ok("hokage", "GET", f"/custody/{did}")["audience_requests"]}
    assert reqs[second]["status"] == "declined"
    # others see no decision form on their alerts
    assert "/alerts/audience/" not in page(app, "clerk").get("/alerts").text


def test_the_gate_log_by_day_and_by_person(app, api: Api, anbu):
    yamato = anbu["yamato"]
    did = intake(api, [anbu["kakashi"]], at="2026-03-13T05:00:00Z")
    api.ok("clerk", "POST", "/gate/events", 201, json={"direction": "out", "at": "2026-03-13T08:00:00Z",
                                                       "shinobi_ids": [yamato]})
    api.ok("clerk", "POST", "/gate/events", 201, json={"direction": "in", "at": "2026-03-14T04:00:00Z",
                                                       "shinobi_ids": [yamato]})
    api.ok("kakashi", "POST", "/gate/events", 201, json={"direction": "in", "at": "2026-03-14T04:30:00Z",
                                                         "detainee_ids": [did]})
    c = page(app, "clerk")
    today = c.get("/gate").text
    assert "2026-03-14" in today and "Yamato" in today and "04:00" in today
    assert 'href="/gate?day=2026-03-13' in today and 'href="/gate?day=2026-03-15' in today
    assert "Cloud spy" not in today and 'name="detainee_ids"' not in today
    yesterday = c.get("/gate", params={"day": "2026-03-13"}).text
    assert "08:00" in yesterday and "04:00" not in log_of(yesterday)
    mine = c.get("/gate", params={"shinobi_id": yamato}).text
    assert "08:00" in log_of(mine) and "04:00" in log_of(mine)
    # the keeper sees the detainee in the log and may pick them
    k = page(app, "kakashi")
    assert "Cloud spy" in log_of(k.get("/gate").text) and 'name="detainee_ids"' in k.get("/gate").text
    assert f'href="/gate?detainee_id={did}"' in k.get(f"/custody/{did}").text
    theirs = log_of(k.get("/gate", params={"detainee_id": did}).text)
    assert "Gate log: Cloud spy" in theirs and "04:30" in theirs and "08:00" not in theirs
    assert c.get("/gate", params={"day": "not-a-day"}).status_code == 422
    assert c.get("/gate", params={"detainee_id": did}).status_code == 404


def log_of(html: str) -> str:
    return re.search(r'<section aria-labelledby="log-h">.*?</section>', html, re.S).group(0)


def test_a_clerk_logs_a_detainee_at_the_gate_by_number_without_reading_custody(app, api: Api, anbu):
    """The API lets a clerk log a detainee's passage by id; the page does too, without listing who is held."""
    did = intake(api, [anbu["kakashi"]], at="2026-03-13T05:00:00Z")
    c = page(app, "clerk")
    form = c.get("/gate").text
    assert 'name="detainee_numbers"' in form and "Cloud spy" not in form
    token = csrf_of(form)
    r = c.post("/gate", data={"csrf": token, "direction": "in", "detainee_numbers": f"{did}"})
    assert r.status_code == 200 and "Logged in" in r.text
    events = api.ok("kakashi", "GET", "/gate/events", params={"detainee_id": did})
    assert [e["direction"] for e in events] == ["in"]
    r = c.post("/gate", data={"csrf": token, "direction": "out", "detainee_numbers": "4b"})
    assert r.status_code == 422 and "VALIDATION_ERROR" in r.text
    r = c.post("/gate", data={"csrf": token, "direction": "out", "detainee_numbers": "999"})
    assert r.status_code == 404 and "detainee 999 not found" in r.text and "NOT_FOUND" in r.text
    assert [e["direction"] for e in api.ok("kakashi", "GET", "/gate/events", params={"detainee_id": did})] == ["in"]
