"""The medic's forms on a shinobi's page, server side: each form makes the one service call, a refusal is shown in
place with its code and status, a role the policy does not allow sees no form and a forged post is refused."""
from __future__ import annotations

import re
from datetime import timedelta

from ..conftest import BOOT_PASSWORD
from .api import Api
from .test_web import browser_for, csrf_of


def local(t) -> str:
    """A datetime-local value in the village's zone (UTC in these tests)."""
    return t.strftime("%Y-%m-%dT%H:%M")


def page_of(c, sid: int) -> str:
    r = c.get(f"/shinobi/{sid}")
    assert r.status_code == 200, r.text
    return r.text


def post(c, path: str, sid: int, **fields):
    return c.post(path, data={"csrf": csrf_of(page_of(c, sid)), **fields}, follow_redirects=False)


def test_every_medic_form_reaches_the_record(app, api: Api):
    sid = api.person("Sakura")
    now = api.clock.now()
    medic = browser_for(app, "medic")
    html = page_of(medic, sid)
    for legend in ("Order rest or light duty", "Place a welfare hold", "Record an injury", "Record a treatment",
                   "Record a dose", "Write a medical note"):
        assert legend in html
    assert "File this order" not in html  # the hokage files

    r = post(medic, f"/shinobi/{sid}/restrictions", sid, kind="rest", reason="chakra exhaustion",
             starts_at=local(now), ends_at=local(now + timedelta(hours=12)))
    assert r.status_code == 303 and r.headers["location"] == f"/shinobi/{sid}#restrictions"
    [rest] = api.ok("hokage", "GET", f"/shinobi/{sid}/restrictions")
    assert rest["kind"] == "rest" and rest["status"] == "recommended" and rest["reason"] == "chakra exhaustion"
    assert rest["ends_at"] is not None

    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    assert "File this order" in page_of(hokage, sid)
    r = post(hokage, f"/shinobi/{sid}/restrictions/{rest['id']}/file", sid)
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/restrictions")[0]["status"] == "filed"

    r = post(medic, f"/shinobi/{sid}/restrictions/{rest['id']}/lift", sid, at=local(now + timedelta(hours=1)),
             note="rested well")
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/restrictions")[0]["status"] == "lifted"
    assert "Lifted at" in page_of(medic, sid)

    r = post(medic, f"/shinobi/{sid}/welfare-holds", sid, reason="lost her team", since=local(now))
    assert r.status_code == 303 and r.headers["location"].endswith("#holds")
    [hold] = api.ok("hokage", "GET", f"/shinobi/{sid}/welfare-holds")
    r = post(medic, f"/shinobi/{sid}/welfare-holds/{hold['id']}/lift", sid, at=local(now), note="")
    assert r.status_code == 422
    box = re.search(r'<p class="error" role="alert">([^<]*)</p>', r.text).group(1)
    assert "NOTE_REQUIRED" in box and "review" in box
    r = post(medic, f"/shinobi/{sid}/welfare-holds/{hold['id']}/lift", sid, at=local(now), note="review: fit")
    assert r.status_code == 303
    [hold] = api.ok("hokage", "GET", f"/shinobi/{sid}/welfare-holds")
    assert hold["status"] == "lifted" and hold["note"] == "review: fit"

    r = post(medic, f"/shinobi/{sid}/injuries", sid, body_part="left arm", kind="kunai cut", severity="minor",
             at=local(now), notes="")
    assert r.status_code == 303
    record = api.ok("hokage", "GET", f"/shinobi/{sid}/medical")
    [injury] = record["injuries"]
    assert injury["body_part"] == "left arm" and injury["severity"] == "minor"

    r = post(medic, f"/shinobi/{sid}/treatments", sid, kind="healing_session", at=local(now),
             injury_id=str(injury["id"]), notes="closed the cut")
    assert r.status_code == 303
    for i in range(3):
        r = post(medic, f"/shinobi/{sid}/medications", sid, drug="chakra_pill", amount="1", unit="pill",
                 at=local(now + timedelta(minutes=10 * i)))
        assert r.status_code == 303 and r.headers["location"].endswith("#medication")
    r = post(medic, f"/shinobi/{sid}/medical-notes", sid, text="Told to rest.", at=local(now))
    assert r.status_code == 303
    record = api.ok("hokage", "GET", f"/shinobi/{sid}/medical")
    assert [t["injury_id"] for t in record["treatments"]] == [injury["id"]]
    assert len(record["medications"]) == 3 and [n["text"] for n in record["notes"]] == ["Told to rest."]
    html = page_of(medic, sid)
    assert "3 chakra pills within 24 hours" in html and "closed the cut" in html


def test_a_refused_order_is_shown_in_place_with_its_code(app, api: Api):
    sid = api.person("Sai")
    now = api.clock.now()
    medic = browser_for(app, "medic")
    r = post(medic, f"/shinobi/{sid}/restrictions", sid, kind="rest", reason="tired", starts_at=local(now),
             ends_at=local(now - timedelta(hours=1)))
    assert r.status_code == 422
    box = re.search(r'<p class="error" role="alert">([^<]*)</p>', r.text).group(1)
    assert "INTERVAL_INVALID" in box
    assert 'value="tired"' in r.text  # what was typed is kept
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/restrictions") == []


def test_who_may_not_sees_no_form_and_a_forged_post_is_refused(app, api: Api):
    sid = api.person("Kakashi")
    now = api.clock.now()
    for who in ("clerk", "genin"):
        c = browser_for(app, who)
        html = page_of(c, sid)
        assert "Order rest or light duty" not in html and "Record an injury" not in html
        token = csrf_of(html)
        for path, data in ((f"/shinobi/{sid}/restrictions", {"kind": "rest", "reason": "x",
                                                              "starts_at": local(now)}),
                           (f"/shinobi/{sid}/welfare-holds", {"reason": "x", "since": local(now)}),
                           (f"/shinobi/{sid}/injuries", {"body_part": "x", "kind": "x", "severity": "minor",
                                                         "at": local(now)}),
                           (f"/shinobi/{sid}/treatments", {"kind": "x", "at": local(now)}),
                           (f"/shinobi/{sid}/medical-notes", {"text": "x", "at": local(now)})):
            r = c.post(path, data={"csrf": token, **data}, follow_redirects=False)
            assert r.status_code == 403, (who, path, r.status_code)
    # without the form's token, even a medic is refused
    medic = browser_for(app, "medic")
    r = medic.post(f"/shinobi/{sid}/restrictions", data={"kind": "rest", "reason": "x", "starts_at": local(now)},
                   follow_redirects=False)
    assert r.status_code == 403
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/restrictions") == []
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/medical")["injuries"] == []
    # filing is the hokage's
    rest = api.ok("medic", "POST", f"/shinobi/{sid}/restrictions", 201,
                  json={"kind": "rest", "reason": "x", "starts_at": now.isoformat()})
    r = post(medic, f"/shinobi/{sid}/restrictions/{rest['id']}/file", sid)
    assert r.status_code == 403
    assert api.ok("hokage", "GET", f"/shinobi/{sid}/restrictions")[0]["status"] == "recommended"


def test_the_page_says_who_recorded_filed_and_lifted_and_shows_missions_and_the_gate(app, api: Api):
    sid = api.person("Yamato", username="yamato")
    now = api.clock.now()
    rest = api.ok("medic", "POST", f"/shinobi/{sid}/restrictions", 201,
                  json={"kind": "rest", "reason": "wood release overuse", "starts_at": now.isoformat()})
    api.ok("hokage", "POST", f"/restrictions/{rest['id']}/file")
    lifted = api.ok("medic", "POST", f"/restrictions/{rest['id']}/lift", json={"at": now.isoformat(), "note": "fine"})
    assert lifted["note"] == "fine"  # kept and shown: it was written and never read again
    api.ok("medic", "POST", f"/shinobi/{sid}/treatments", 201, json={"kind": "healing_session",
                                                                    "at": now.isoformat()})
    m = api.open_mission("D", title="Weed the greenhouse")
    leaves = api.clock.now() + timedelta(minutes=5)
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [sid],
                                                                      "departs_at": leaves.isoformat()})
    api.clock.advance(minutes=10)
    api.ok("clerk", "POST", "/gate/events", (200, 201), json={"direction": "out", "at": leaves.isoformat(),
                                                              "shinobi_ids": [sid]})
    html = page_of(browser_for(app, "medic"), sid)
    item = re.search(rf'<li class="med-item state-lifted" id="restriction-{rest["id"]}">(.*?)</li>', html, re.S)
    text = re.sub(r"\s+", " ", item.group(1))
    assert "Recorded by medic" in text and "Filed by hokage" in text and "by medic: fine." in text
    assert "Lift this order" not in text
    assert "healing session</strong> by Shizune" in html
    clerk = page_of(browser_for(app, "clerk"), sid)
    assert 'id="missions"' in clerk and "Weed the greenhouse" in clerk and "under way" in clerk
    assert "went out" in clerk and 'id="med-h"' not in clerk  # a clerk reads duty, not the medical record
    own = page_of(browser_for(app, "yamato"), sid)
    assert 'id="med-h"' in own and "Order rest or light duty" not in own  # their own record, no medic's forms
    genin = page_of(browser_for(app, "genin"), sid)
    for section in ('id="missions"', 'id="gate-history"', 'id="med-h"', 'id="sleep"'):
        assert section not in genin
