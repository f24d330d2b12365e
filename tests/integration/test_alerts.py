"""Issue 15: alerts that must be acknowledged, climb when nobody does, and leave the building by a worker that
loses nothing. The worker is driven one pass at a time (`run_once`) on the test's clock."""
from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest

from missiondesk.adapters.delivery import SmtpChannel, WebhookChannel, verify
from missiondesk.domain.alerts import AlertPolicy
from missiondesk.services import outbox
from missiondesk.services.channels import DeliveryFailed, Outbound
from missiondesk.services.outbox import Worker

from ..support_servers import SmtpInbox, WebhookReceiver
from .api import Api

DEPART = "2026-03-14T06:30:00Z"


class FakeChannel:
    """Records what it is handed; fails the next `failures` sends."""

    def __init__(self, name: str, failures: int = 0):
        self.name = name
        self.sent: list[Outbound] = []
        self.failures = failures

    def send(self, message: Outbound) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("the receiver is down")
        self.sent.append(message)


def worker(runtime, *channels, name: str = "w1") -> Worker:
    return Worker(uow=runtime.uow, clock=runtime.clock, policy=AlertPolicy(), tz=UTC,
                  channels=list(channels) or [FakeChannel("email"), FakeChannel("webhook")], name=name)


def at_risk(api: Api, *, partner_username: str = "kakashi", clearance: str = "secret") -> tuple[int, int, int]:
    """A medic under a rest order and her partner; an S mission she is refused: (medic, partner, mission)."""
    medic = api.person("Sakura", clearance="top_secret", username="sakura")
    partner = api.person("Kakashi", clearance=clearance, username=partner_username)
    api.ok("hokage", "POST", f"/shinobi/{medic}/partners", 201, json={"partner_id": partner})
    api.ok("hokage", "POST", f"/shinobi/{medic}/restrictions", 201,
           json={"kind": "rest", "reason": "chakra damage", "starts_at": "2026-03-14T03:40:00Z"})
    m = api.open_mission("S", classification="top_secret", min_team_size=2, title="The strike")
    return medic, partner, m


def refuse(api: Api, medic: int, mission: int) -> None:
    api.err("sakura", "POST", f"/missions/{mission}/assignments", 409, "ASSIGNMENT_REFUSED",
            json={"shinobi_ids": [medic], "departs_at": DEPART})


def duty_alerts(api: Api, who: str) -> list[dict]:
    return [a for a in api.ok(who, "GET", "/alerts") if a["kind"] == "DUTY_OF_CARE"]


def test_the_ladder_climbs_to_the_medic_on_duty_then_the_hokage(runtime, api: Api):
    medic, partner, m = at_risk(api)
    on_call = api.person("Shizune on call", username="oncall", roles=["medic"])
    now = runtime.clock.now()
    api.ok("clerk", "POST", "/medic-duty", 201, json={
        "shinobi_id": on_call, "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=12)).isoformat()})
    refuse(api, medic, m)
    (first,) = duty_alerts(api, "kakashi")
    assert first["must_acknowledge"] and first["escalation_step"] == 0 and first["acknowledged_at"] is None
    (copy,) = duty_alerts(api, "hokage")
    assert copy["office_copy"] and copy["escalation_step"] == 0 and "office's copy" in copy["message"]
    w = worker(runtime)
    runtime.clock.advance(minutes=9)
    w.run_once()
    assert duty_alerts(api, "oncall") == [] and len(duty_alerts(api, "hokage")) == 1
    runtime.clock.advance(minutes=2)  # 11 minutes: the medic on duty, not the other medic
    w.run_once()
    (rung1,) = duty_alerts(api, "oncall")
    assert rung1["escalation_step"] == 1 and "medic on duty" in rung1["message"] and rung1["must_acknowledge"]
    assert "strike" not in rung1["message"].lower()  # on call, but only `public`: the mission is not named
    assert duty_alerts(api, "medic") == [] and len(duty_alerts(api, "hokage")) == 1
    runtime.clock.advance(minutes=10)  # 21 minutes: the hokage
    w.run_once()
    rungs = sorted(a["escalation_step"] for a in duty_alerts(api, "hokage"))
    assert rungs == [0, 2]
    assert {a["ladder_id"] for a in duty_alerts(api, "hokage") + duty_alerts(api, "oncall")} == {first["ladder_id"]}
    runtime.clock.advance(hours=1)
    w.run_once()
    assert len(duty_alerts(api, "hokage")) == 2 and len(duty_alerts(api, "oncall")) == 1  # the last rung is the last
    escalated = api.audit("alert.escalated")
    assert [e["details"]["step"] for e in escalated] == [1, 2]
    assert escalated[0]["details"]["recipients"] == [on_call] and escalated[0]["details"]["medics_on_duty"]


def test_an_acknowledgement_of_any_copy_stops_the_ladder(runtime, api: Api):
    medic, partner, m = at_risk(api)
    refuse(api, medic, m)
    (mine,) = duty_alerts(api, "kakashi")
    api.err("hokage", "POST", f"/alerts/{mine['id']}/ack", 404, "NOT_FOUND")  # not the hokage's alert
    runtime.clock.advance(minutes=4)
    acked = api.ok("kakashi", "POST", f"/alerts/{mine['id']}/ack")
    assert acked["acknowledged_by"] == partner and acked["acknowledged_at"] is not None and acked["read_at"]
    assert api.ok("kakashi", "POST", f"/alerts/{mine['id']}/ack")["acknowledged_by"] == partner  # twice: same
    (copy,) = duty_alerts(api, "hokage")
    assert copy["acknowledged_by"] == partner  # every copy shows who stopped it
    runtime.clock.advance(hours=2)
    worker(runtime).run_once()
    assert duty_alerts(api, "medic") == [] and len(duty_alerts(api, "hokage")) == 1
    entries = api.audit("alert.acknowledged")
    assert [e["details"]["stopped_the_ladder"] for e in entries] == [True, False]
    assert api.audit("alert.escalated") == []


def test_nobody_on_call_tells_every_medic_and_the_hokage_acknowledging_stops_the_last_rung(runtime, api: Api):
    medic, partner, m = at_risk(api)
    refuse(api, medic, m)
    runtime.clock.advance(minutes=10, seconds=1)
    worker(runtime).run_once()
    (rung,) = duty_alerts(api, "medic")
    assert rung["escalation_step"] == 1 and "every medic is told" in rung["message"]
    (copy,) = duty_alerts(api, "hokage")
    api.ok("hokage", "POST", f"/alerts/{copy['id']}/ack")
    runtime.clock.advance(minutes=30)
    worker(runtime).run_once()
    assert len(duty_alerts(api, "hokage")) == 1
    assert duty_alerts(api, "kakashi")[0]["acknowledged_by"] == api.ok("hokage", "GET", "/auth/me")["shinobi_id"]


def test_alerts_off_a_ladder_are_acknowledged_alone(api: Api):
    genin = api.ok("genin", "GET", "/auth/me")["shinobi_id"]
    m = api.open_mission("C", min_team_size=2)
    friend = api.person("Friend", username="friend")
    api.ok("genin", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [genin, friend],
                                                                     "departs_at": DEPART})
    (proposal,) = api.ok("friend", "GET", "/alerts")
    assert proposal["kind"] == "TEAM_PROPOSAL" and not proposal["must_acknowledge"]
    acked = api.ok("friend", "POST", f"/alerts/{proposal['id']}/ack")
    assert acked["acknowledged_at"] is not None and acked["acknowledged_by"] is None
    api.err("friend", "POST", "/alerts/999999/ack", 404, "NOT_FOUND")


def test_preferences_and_webhooks_are_each_persons_own(api: Api):
    assert api.ok("genin", "GET", "/alert-preferences") == {"channels": [], "email": None, "quiet_hours": None,
                                                              "webhooks": []}
    api.err("genin", "PUT", "/alert-preferences", 422, "EMAIL_REQUIRED", json={"channels": ["email"]})
    api.err("genin", "PUT", "/alert-preferences", 422, "VALIDATION_ERROR", json={"channels": ["pigeon"]})
    api.err("genin", "PUT", "/alert-preferences", 422, "EMAIL_INVALID", json={"email": "konohamaru"})
    api.err("genin", "PUT", "/alert-preferences", 422, "VALIDATION_ERROR",
            json={"quiet_hours": {"from": "25:00", "to": "06:00"}})
    api.err("genin", "PUT", "/alert-preferences", 422, "QUIET_HOURS_INVALID",
            json={"quiet_hours": {"from": "06:00", "to": "06:00"}})
    saved = api.ok("genin", "PUT", "/alert-preferences", json={
        "channels": ["email", "webhook"], "email": "konohamaru@leaf.example",
        "quiet_hours": {"from": "22:00", "to": "06:30"}})
    assert saved["channels"] == ["email", "webhook"] and saved["quiet_hours"] == {"from": "22:00", "to": "06:30"}
    hook = api.ok("genin", "POST", "/webhooks", 201, json={"url": "https://pager.leaf.example/hook"})
    assert len(hook["secret"]) >= 32
    listed = api.ok("genin", "GET", "/alert-preferences")["webhooks"]
    assert listed == [{"id": hook["id"], "url": hook["url"], "created_at": hook["created_at"]}]  # no secret again
    api.err("genin", "POST", "/webhooks", 422, "URL_INVALID", json={"url": "file:///etc/passwd"})
    api.err("clerk", "DELETE", f"/webhooks/{hook['id']}", 404, "NOT_FOUND")  # not the clerk's
    api.ok("genin", "DELETE", f"/webhooks/{hook['id']}", 204)
    assert api.ok("genin", "GET", "/alert-preferences")["webhooks"] == []
    assert api.ok("clerk", "GET", "/alert-preferences")["email"] is None


def test_the_medics_roster(runtime, api: Api):
    medic = api.ok("medic", "GET", "/auth/me")["shinobi_id"]
    other = api.person("Other medic", username="medic2", roles=["medic"])
    genin = api.ok("genin", "GET", "/auth/me")["shinobi_id"]
    now = runtime.clock.now()
    shift = {"starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=8)).isoformat()}
    mine = api.ok("medic", "POST", "/medic-duty", 201, json={"shinobi_id": medic, **shift})
    api.err("medic", "POST", "/medic-duty", 403, "FORBIDDEN", json={"shinobi_id": other, **shift})
    api.err("genin", "POST", "/medic-duty", 403, "FORBIDDEN", json={"shinobi_id": genin, **shift})
    api.err("clerk", "POST", "/medic-duty", 422, "NOT_A_MEDIC", json={"shinobi_id": genin, **shift})
    api.err("clerk", "POST", "/medic-duty", 422, "INTERVAL_INVALID",
            json={"shinobi_id": other, "starts_at": shift["ends_at"], "ends_at": shift["starts_at"]})
    api.err("clerk", "POST", "/medic-duty", 422, "SHIFT_OVER", json={
        "shinobi_id": other, "starts_at": (now - timedelta(hours=9)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat()})
    theirs = api.ok("clerk", "POST", "/medic-duty", 201, json={"shinobi_id": other, **shift})
    assert [s["id"] for s in api.ok("genin", "GET", "/medic-duty")] == [mine["id"], theirs["id"]]
    api.err("medic", "DELETE", f"/medic-duty/{theirs['id']}", 403, "FORBIDDEN")
    api.ok("medic2", "DELETE", f"/medic-duty/{theirs['id']}", 204)
    api.err("clerk", "DELETE", f"/medic-duty/{theirs['id']}", 404, "NOT_FOUND")
    assert [s["id"] for s in api.ok("genin", "GET", "/medic-duty")] == [mine["id"]]
    assert [e["action"] for e in api.audit() if e["action"].startswith("medic_duty.")] == [
        "medic_duty.added", "medic_duty.added", "medic_duty.removed"]


def test_email_and_webhook_reach_people_written_for_each(runtime, api: Api):
    medic, partner, m = at_risk(api)
    with SmtpInbox() as inbox:
        api.ok("kakashi", "PUT", "/alert-preferences", json={"channels": ["email"], "email": "kakashi@leaf.example"})
        api.ok("hokage", "PUT", "/alert-preferences", json={"channels": ["webhook"]})
        with WebhookReceiver("not yet known", now=runtime.clock.now) as receiver:
            hook = api.ok("hokage", "POST", "/webhooks", 201, json={"url": receiver.url})
            receiver.secret = hook["secret"]  # the endpoint's secret, known once it is registered
            refuse(api, medic, m)
            w = worker(runtime, SmtpChannel(inbox.url, "desk@leaf.example"), WebhookChannel())
            assert w.run_once() == (0, 2)
            (mail,) = inbox.wait_for(1)
            (posted,) = receiver.wait_for(1)
    email = mail.message
    assert email["To"].endswith("<kakashi@leaf.example>") and "Sakura" in email["Subject"]
    body = email.get_content()
    assert "Sakura (MEDICAL_REST)" in body and "strike" not in body.lower()  # the partner is not cleared
    assert posted.ok_signature and posted.payload["kind"] == "DUTY_OF_CARE" and posted.payload["office_copy"]
    assert posted.payload["mission_id"] == m and "The strike" in posted.payload["message"]  # the hokage is
    assert verify(hook["secret"], posted.headers["x-missiondesk-signature"], posted.body, now=runtime.clock.now())
    keys = {mail.message["X-Missiondesk-Idempotency-Key"], posted.idempotency_key}
    assert len(keys) == 2 and None not in keys
    assert worker(runtime, SmtpChannel(inbox.url, "desk@leaf.example"), WebhookChannel()).run_once() == (0, 0)


def test_a_failed_delivery_is_tried_again_with_the_same_key_and_every_attempt_is_kept(runtime, api: Api):
    medic, partner, m = at_risk(api)
    api.ok("kakashi", "PUT", "/alert-preferences", json={"channels": ["email"], "email": "kakashi@leaf.example"})
    refuse(api, medic, m)
    flaky = FakeChannel("email", failures=2)
    w = worker(runtime, flaky)
    runtime.clock.freeze()
    assert w.run_once() == (0, 1) and flaky.sent == []
    assert w.run_once() == (0, 0)  # not due again yet: 2 s later
    runtime.clock.advance(seconds=2)
    assert w.run_once() == (0, 1) and flaky.sent == []  # the second failure: 4 s later
    runtime.clock.advance(seconds=3)
    assert w.run_once() == (0, 0)
    runtime.clock.advance(seconds=1)
    assert w.run_once() == (0, 1) and len(flaky.sent) == 1
    with runtime.uow.begin(write=False) as tx:
        (d,) = tx.outbox.for_alerts([duty_alerts(api, "kakashi")[0]["id"]])
        attempts = tx.outbox.attempts(d.id)
    assert d.status == "sent" and d.attempts == 3 and [ok for _, _, ok, _ in attempts] == [False, False, True]
    assert flaky.sent[0].idempotency_key == d.idempotency_key


def test_a_delivery_given_up_is_on_the_audit_log(runtime, api: Api):
    medic, partner, m = at_risk(api)
    api.ok("kakashi", "PUT", "/alert-preferences", json={"channels": ["email"], "email": "kakashi@leaf.example"})
    refuse(api, medic, m)

    class Refusing:
        name = "email"

        def send(self, message: Outbound) -> None:
            raise DeliveryFailed("550 no such mailbox", retry=False)

    worker(runtime, Refusing()).run_once()
    (entry,) = api.audit("delivery.failed")
    assert entry["target"] == f"shinobi:{partner}" and entry["details"]["attempts"] == 1
    assert "550" in entry["details"]["error"]


def test_quiet_hours_hold_back_everything_but_a_duty_of_care_call(runtime, api: Api):
    medic, partner, m = at_risk(api)
    # the village's clock reads 06:20 UTC: inside these quiet hours, which end at 07:00
    api.ok("kakashi", "PUT", "/alert-preferences", json={
        "channels": ["email"], "email": "kakashi@leaf.example", "quiet_hours": {"from": "22:00", "to": "07:00"}})
    kakashi = partner
    genin = api.ok("genin", "GET", "/auth/me")["shinobi_id"]
    c = api.open_mission("C", min_team_size=2)
    api.ok("genin", "POST", f"/missions/{c}/assignments", 201, json={"shinobi_ids": [genin, kakashi],
                                                                     "departs_at": "2026-03-14T09:00:00Z"})
    refuse(api, medic, m)
    email = FakeChannel("email")
    w = worker(runtime, email)
    w.run_once()
    assert [s.kind for s in email.sent] == ["DUTY_OF_CARE"]
    runtime.clock.advance(minutes=41)  # 07:01
    w.run_once()
    assert [s.kind for s in email.sent] == ["DUTY_OF_CARE", "TEAM_PROPOSAL"]


def test_a_report_schedules_welfare_reviews_the_medics_are_told_and_the_desk_lists_them(runtime, api: Api):
    survivor = api.person("Survivor", username="survivor", clearance="secret")
    fallen = api.person("Fallen", clearance="secret")
    m = api.open_mission("A", classification="secret", min_team_size=2, posted_at="2026-03-01T09:00:00Z")
    api.ok("hokage", "POST", f"/missions/{m}/assignments", 201,
           json={"shinobi_ids": [survivor, fallen], "departs_at": "2026-03-10T08:00:00Z"})
    api.ok("survivor", "POST", f"/missions/{m}/report", 201, json={
        "outcome": "failure", "at": "2026-03-13T12:00:00Z", "casualties": [{"shinobi_id": fallen, "status": "kia"}]})
    w = worker(runtime)
    w.run_once()
    assert api.ok("medic", "GET", "/welfare-reviews") == []
    runtime.clock.advance(days=2, hours=6)  # 72 hours after the hold began
    for who in ("medic", "clerk", "genin"):
        api.login(who)  # the tokens of the day before have expired
    assert w.run_once()[0] == 1
    (due,) = [a for a in api.ok("medic", "GET", "/alerts") if a["kind"] == "WELFARE_REVIEW_DUE"]
    assert due["subject_shinobi_id"] == survivor and "72 hours" in due["message"]
    (review,) = api.ok("medic", "GET", "/welfare-reviews")
    assert review["name"] == "Survivor" and review["label"] == "72 hours" and review["alerted_at"]
    assert api.ok("clerk", "GET", "/welfare-reviews")[0]["id"] == review["id"]  # the desk's list
    assert api.ok("genin", "GET", "/welfare-reviews") == []  # not theirs to read
    api.err("clerk", "POST", f"/welfare-reviews/{review['id']}/done", 403, "FORBIDDEN", json={"note": "fine"})
    api.err("genin", "POST", f"/welfare-reviews/{review['id']}/done", 404, "NOT_FOUND", json={"note": "fine"})
    done = api.ok("medic", "POST", f"/welfare-reviews/{review['id']}/done", json={"note": "sleeping, eating"})
    assert done["done_by"] == "medic" and done["note"] == "sleeping, eating"
    api.err("medic", "POST", f"/welfare-reviews/{review['id']}/done", 409, "REVIEW_DONE", json={"note": "again"})
    assert api.ok("medic", "GET", "/welfare-reviews") == [] and w.run_once()[0] == 0
    (hold,) = api.ok("medic", "GET", f"/shinobi/{survivor}/welfare-holds")
    api.ok("medic", "POST", f"/welfare-holds/{hold['id']}/lift", json={"at": runtime.clock.now().isoformat(),
                                                                       "note": "reviewed, back to duty"})
    runtime.clock.advance(days=30)
    api.login("medic")
    assert w.run_once()[0] == 0 and api.ok("medic", "GET", "/welfare-reviews") == []  # the 30-day one went with it


def test_workers_claim_each_delivery_once_and_a_dead_workers_claim_runs_out(runtime, api: Api):
    medic, partner, m = at_risk(api)
    for who in ("kakashi", "hokage"):
        api.ok(who, "PUT", "/alert-preferences", json={"channels": ["email"], "email": f"{who}@leaf.example"})
    for _ in range(6):
        refuse(api, medic, m)
    now = runtime.clock.now()
    policy = AlertPolicy()
    claimed: dict[str, list[int]] = {}

    def take(name: str) -> None:
        claimed[name] = [c.delivery_id for c in outbox.claim(runtime.uow, name, now, policy, UTC, limit=7)]

    threads = [threading.Thread(target=take, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed["a"]) + len(claimed["b"]) == 12 and not set(claimed["a"]) & set(claimed["b"])
    assert outbox.claim(runtime.uow, "c", now, policy, UTC) == []  # all held
    # "a" and "b" die without recording: after the lease, another worker takes them again
    again = outbox.claim(runtime.uow, "c", now + policy.lease + timedelta(seconds=1), policy, UTC)
    assert sorted(c.delivery_id for c in again) == sorted(claimed["a"] + claimed["b"])


@pytest.mark.parametrize("kind", ["email", "webhook"])
def test_no_channel_names_a_mission_its_reader_may_not_see(runtime, api: Api, kind):
    medic, partner, m = at_risk(api, clearance="public")
    api.ok("kakashi", "PUT", "/alert-preferences", json={"channels": [kind], "email": "kakashi@leaf.example"})
    if kind == "webhook":
        api.ok("kakashi", "POST", "/webhooks", 201, json={"url": "https://pager.leaf.example/kakashi"})
    refuse(api, medic, m)
    runtime.clock.advance(minutes=25)
    channel = FakeChannel(kind)
    worker(runtime, channel).run_once()
    (sent,) = channel.sent
    assert sent.payload["mission_id"] is None and "strike" not in (sent.text + sent.subject).lower()
    assert "a mission" in sent.text


def test_a_slow_receiver_makes_the_worker_hand_back_what_it_cannot_send_within_its_lease(runtime, api: Api):
    medic, partner, m = at_risk(api)
    api.ok("kakashi", "PUT", "/alert-preferences", json={"channels": ["email"], "email": "kakashi@leaf.example"})
    for _ in range(3):
        refuse(api, medic, m)
    runtime.clock.freeze()

    class Slow(FakeChannel):
        def send(self, message: Outbound) -> None:
            super().send(message)
            runtime.clock.advance(seconds=40)  # each send outlasts the lease, and no heartbeat renews it

    slow = Slow("email")
    w = worker(runtime, slow)
    t0 = runtime.clock.now()
    w.run_once()
    # the first went at once; the second only after a fresh claim (40 s > half the lease); and so on: each
    # message is written (sent_at) at the claim it went out under
    assert [s.sent_at - t0 for s in slow.sent] == [timedelta(seconds=n) for n in (0, 40, 80)]
    with runtime.uow.begin(write=False) as tx:
        claimed = [d for d in tx.outbox.for_alerts(a["id"] for a in duty_alerts(api, "kakashi"))]
    assert [d.status for d in claimed] == ["sent"] * 3
    assert len({s.idempotency_key for s in slow.sent}) == 3  # none twice


def test_a_live_workers_heartbeat_keeps_its_claim_through_a_slow_send(runtime, api: Api):
    medic, partner, m = at_risk(api)
    api.ok("kakashi", "PUT", "/alert-preferences", json={"channels": ["email"], "email": "kakashi@leaf.example"})
    refuse(api, medic, m)
    sending, done = threading.Event(), threading.Event()

    class Slow(FakeChannel):
        def send(self, message: Outbound) -> None:
            sending.set()
            done.wait(15)  # a receiver that takes longer than two leases to answer
            super().send(message)

    policy = AlertPolicy(lease=timedelta(seconds=2))  # renewed every 0.5 s: room for a busy machine
    slow = Slow("email")
    a = Worker(uow=runtime.uow, clock=runtime.clock, policy=policy, tz=UTC, channels=[slow], name="a", poll=0.1)
    a.start()
    try:
        assert sending.wait(10)
        deadline = threading.Event()
        for _ in range(25):  # 5 s: two and a half leases, renewed by a's heartbeat all along
            assert outbox.claim(runtime.uow, "b", runtime.clock.now(), policy, UTC) == []
            deadline.wait(0.2)
        done.set()
        for _ in range(50):
            if slow.sent:
                break
            deadline.wait(0.1)
    finally:
        done.set()
        a.stop()
    assert len(slow.sent) == 1
    with runtime.uow.begin(write=False) as tx:
        (d,) = tx.outbox.for_alerts([duty_alerts(api, "kakashi")[0]["id"]])
    assert d.status == "sent" and d.attempts == 1
