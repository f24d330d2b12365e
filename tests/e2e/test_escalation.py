"""Issue 15's proof of the ladder, on a real `missiondesk serve` on MISSIONDESK_CLOCK with short delays: the
partner is told at once (and by e-mail, through a real SMTP server), the medic on duty when nobody answers,
then the hokage; an acknowledgement stops the climb. The worker is the one `serve` runs."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import pytest

from ..conftest import DAWN
from ..support_servers import SmtpInbox
from .conftest import Server

PASSWORD = "escalation-password-1"
STEP = 2.0  # seconds: each rung's delay (MISSIONDESK_ESCALATE_TO_*_MINUTES)


class Desk:
    def __init__(self, server: Server):
        self.base = server.base + "/api/v1"
        self.tokens = {"hokage": server.token()}

    def call(self, who: str, method: str, path: str, expect: int | tuple[int, ...] = (200, 201), **kw):
        r = httpx.request(method, self.base + path, headers={"Authorization": f"Bearer {self.tokens[who]}"},
                          timeout=10, **kw)
        assert r.status_code in (expect if isinstance(expect, tuple) else (expect,)), f"{path}: {r.text}"
        return r.json() if r.content else None

    def person(self, name: str, username: str, roles: list[str] = (), clearance: str = "secret") -> int:
        sid = self.call("hokage", "POST", "/shinobi", json={
            "name": name, "rank": "jonin", "clearance": clearance,
            "account": {"username": username, "password": PASSWORD, "roles": list(roles)}})["id"]
        r = httpx.post(self.base + "/auth/token", json={"username": username, "password": PASSWORD})
        self.tokens[username] = r.json()["access_token"]
        return sid

    def duty(self, who: str) -> list[dict]:
        return [a for a in self.call(who, "GET", "/alerts") if a["kind"] == "DUTY_OF_CARE"]


def wait_until(check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def escalating(database_url, tmp_path):
    with SmtpInbox() as inbox:
        env = {"MISSIONDESK_ESCALATE_TO_MEDIC_MINUTES": str(STEP / 60),
               "MISSIONDESK_ESCALATE_TO_HOKAGE_MINUTES": str(STEP / 60),
               "MISSIONDESK_WORKER_POLL_SECONDS": "0.2", "MISSIONDESK_SMTP_URL": inbox.url}
        s = Server(database_url, tmp_path, env=env)
        try:
            yield Desk(s), inbox
        finally:
            s.stop()


def test_partner_then_medic_on_duty_then_hokage_and_an_acknowledgement_stops_it(escalating):
    desk, inbox = escalating
    sakura = desk.person("Haruno Sakura", "sakura", clearance="top_secret")
    kakashi = desk.person("Hatake Kakashi", "kakashi")
    desk.person("Homura", "elder", roles=["council"], clearance="top_secret")
    shizune = desk.person("Shizune", "shizune", roles=["medic"])
    desk.person("Another medic", "medic2", roles=["medic"])
    desk.call("hokage", "POST", f"/shinobi/{sakura}/partners", json={"partner_id": kakashi})
    desk.call("kakashi", "PUT", "/alert-preferences", json={"channels": ["email"], "email": "kakashi@leaf.example"})
    now = datetime.fromisoformat(DAWN)  # the server's clock started there a moment ago
    desk.call("hokage", "POST", "/medic-duty", json={
        "shinobi_id": shizune, "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=12)).isoformat()})
    desk.call("hokage", "POST", f"/shinobi/{sakura}/restrictions", json={
        "kind": "rest", "reason": "chakra damage", "starts_at": "2026-03-14T03:40:00Z"})
    mission = desk.call("hokage", "POST", "/missions", json={
        "title": "The strike", "rank": "S", "kind": "assassination", "classification": "top_secret",
        "min_team_size": 2})["id"]
    for signer in ("hokage", "elder"):
        desk.call(signer, "POST", f"/missions/{mission}/authorizations")

    def refuse() -> float:
        desk.call("sakura", "POST", f"/missions/{mission}/assignments", expect=409, json={
            "shinobi_ids": [sakura], "departs_at": "2026-03-14T06:30:00Z"})
        return time.monotonic()

    refused = refuse()
    (told,) = desk.duty("kakashi")
    assert told["must_acknowledge"] and told["escalation_step"] == 0
    (mail,) = inbox.wait_for(1, timeout=10)
    assert "Haruno Sakura" in mail.message.get_content() and mail.monotonic - refused < 5
    assert desk.duty("shizune") == []
    (rung1,) = wait_until(lambda: desk.duty("shizune"), timeout=STEP + 8)
    assert rung1["escalation_step"] == 1 and time.monotonic() - refused >= STEP * 0.9
    assert desk.duty("medic2") == []  # not on call
    wait_until(lambda: [a for a in desk.duty("hokage") if a["escalation_step"] == 2], timeout=STEP + 8)
    assert sorted(a["escalation_step"] for a in desk.duty("hokage")) == [0, 2]

    # again, and this time the partner answers at once: nobody else is woken
    refuse()
    newest = max(a["id"] for a in desk.duty("kakashi"))
    acked = desk.call("kakashi", "POST", f"/alerts/{newest}/ack")
    assert acked["acknowledged_by"] == kakashi
    time.sleep(STEP * 2 + 2)
    assert len(desk.duty("shizune")) == 1  # no second rung for the medic on duty
    assert sorted(a["escalation_step"] for a in desk.duty("hokage")) == [0, 0, 2]  # the new office copy alone
