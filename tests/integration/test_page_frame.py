"""A page is its sign-in and its screen: the frame every page shows (who is signed in, the alert badge, the custody
menu) is read with the sign-in, in the same unit of work, and `render` reads nothing more; the screen is its
view's one read. A page rendered after a posted form reads its frame again, as the form may have changed it."""
import threading

import pytest

from ..conftest import BOOT_PASSWORD
from .api import Api
from .test_web import browser_for


@pytest.fixture
def begins(runtime, monkeypatch):
    """Counts the transactions the unit of work opens for requests (not the security journal's, which writes a
    sensitive read's audit entry off the request path, in its own thread, whenever it gets to it)."""
    opened: list[bool] = []
    begin = runtime.uow.begin

    def counting(*, write: bool, exclusive: bool = True):
        if threading.current_thread().name != "missiondesk-security-journal":
            opened.append(write)
        return begin(write=write, exclusive=exclusive)

    monkeypatch.setattr(runtime.uow, "begin", counting)
    return opened


@pytest.mark.parametrize(("who", "path"), [
    ("hokage", "/board"), ("hokage", "/roster"), ("hokage", "/alerts"), ("hokage", "/gate"), ("hokage", "/memorial"),
    ("hokage", "/desk"), ("clerk", "/board"), ("clerk", "/roster"), ("clerk", "/gate"), ("medic", "/medic-duty"),
    ("hokage", "/custody"), ("hokage", "/shinobi/{me}")])
def test_a_page_opens_its_sign_in_and_its_screen(app, api: Api, begins, who, path):
    me = api.person("Walker", username="walker")
    api.open_mission("D")
    c = browser_for(app, who, BOOT_PASSWORD) if who == "hokage" else browser_for(app, who)
    begins.clear()
    r = c.get(path.format(me=me))
    assert r.status_code == 200, r.text[:500]
    assert len(begins) == 2 and not any(begins), (path, begins)  # the sign-in with its frame, then the screen


def unread_on(html: str) -> str:
    return html.split('id="alert-unread"')[1].split(">")[1].split("<")[0]


def test_the_badge_counts_what_the_sign_in_saw(app, api: Api, begins):
    """A refused attempt (on a welfare hold) alerts the partner: on the partner's next page the badge says 1."""
    a = api.person("Asker", username="asker")
    p = api.person("Partner", username="partner")
    api.ok("hokage", "POST", f"/shinobi/{a}/partners", json={"partner_id": p})
    c = browser_for(app, "partner")
    assert unread_on(c.get("/board").text) == "0"
    api.ok("medic", "POST", f"/shinobi/{a}/welfare-holds", 201,
           json={"reason": "loss", "since": "2026-01-01T00:00:00Z"})
    m = api.open_mission("S")
    api.ok("asker", "POST", f"/missions/{m}/assignments", 409, json={"shinobi_ids": [a]})
    assert unread_on(c.get("/board").text) == "1"
