"""What the audit log keeps (issue 13, items 5 and 6): every change and refusal and the sensitive reads, not
the hokage's page views; and a refusal to see a hidden thing costs what a miss costs, its entry written off
the request path."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from fastapi.testclient import TestClient

from ..conftest import BOOT_PASSWORD
from .api import Api
from .test_web import browser_for


def test_the_hokage_browsing_the_office_leaves_no_entry_but_the_sensitive_reads(app, api: Api):
    m = api.mission("S", classification="top_secret", title="The strike")
    kakashi = api.person("Kakashi")
    hokage = browser_for(app, "hokage", BOOT_PASSWORD)
    before = len(api.audit())
    for path in ("/board", f"/missions/{m['id']}", "/roster", "/alerts", "/gate", "/memorial", "/risk", "/desk",
                 f"/shinobi/{kakashi}"):
        assert hokage.get(path).status_code == 200, path
    for path in ("/missions", f"/missions/{m['id']}", "/shinobi", "/gate/present", "/alerts"):
        api.ok("hokage", "GET", path)
    new = api.audit()[before:]
    # the first release wrote an authz.hokage_permit for nearly each of these (54 % of the demo's log)
    assert {e["action"] for e in new} <= {"medical.read"}, [e["action"] for e in new]
    assert all(e["target"] == f"shinobi:{kakashi}" and e["details"]["hokage_only"] for e in new)


def test_medical_and_custody_reads_are_on_the_record_for_everyone(api: Api):
    kakashi = api.person("Kakashi")
    api.ok("medic", "GET", f"/shinobi/{kakashi}/fitness")
    api.ok("hokage", "GET", f"/shinobi/{kakashi}/fitness")
    api.err("genin", "GET", f"/shinobi/{kakashi}/fitness", 403, "FORBIDDEN")
    reads = [(e["actor"], e["details"]["hokage_only"]) for e in api.audit("medical.read")
             if e["target"] == f"shinobi:{kakashi}"]
    assert reads == [("medic", False), ("hokage", True)]
    denied = [e["actor"] for e in api.audit("authz.denied") if e["target"] == f"shinobi:{kakashi}"]
    assert denied == ["genin"]


def test_a_hidden_mission_is_refused_with_the_transactions_of_a_miss(runtime, app, api: Api):
    """The request for a hidden mission opens the same transactions as the request for an absent one; the
    denial's entry is written by the security journal's thread, never by the request's own."""
    hidden = api.mission("S", classification="top_secret")["id"]
    begin = runtime.uow.begin
    opened: list[tuple[str, bool]] = []

    @contextmanager
    def watched(*, write: bool, exclusive: bool = True):
        opened.append((threading.current_thread().name, write))
        with begin(write=write, exclusive=exclusive) as tx:
            yield tx

    genin = TestClient(app)
    token = {"Authorization": f"Bearer {api.tokens['genin']}"}

    def probe(mission_id: int) -> list[bool]:
        opened.clear()
        for path in (f"/api/v1/missions/{mission_id}", f"/api/v1/missions/{mission_id}/brief"):
            assert genin.get(path, headers=token).status_code == 404
        assert genin.post(f"/api/v1/missions/{mission_id}/assignments", headers=token, json={
            "shinobi_ids": [1], "departs_at": "2026-12-31T06:00:00Z"}).status_code == 404
        return [write for name, write in opened if name != "missiondesk-security-journal"]

    runtime.uow.begin = watched
    try:
        assert probe(hidden) == probe(hidden + 1000)
        runtime.uow.flush_security()
    finally:
        runtime.uow.begin = begin
    denied = [e for e in api.audit("authz.denied") if e["target"] == f"mission:{hidden}"]
    assert len(denied) == 3 and {e["actor"] for e in denied} == {"genin"}


def test_every_404_takes_the_same_floor_and_other_answers_do_not_wait(app, api: Api):
    hidden = api.mission("S", classification="top_secret")["id"]
    client = TestClient(app)
    token = {"Authorization": f"Bearer {api.tokens['genin']}"}
    for path, status in ((f"/api/v1/missions/{hidden}", 404), ("/api/v1/missions/99999", 404),
                         ("/no-such-page", 404)):
        t0 = time.perf_counter()
        assert client.get(path, headers=token).status_code == status
        assert time.perf_counter() - t0 >= 0.025
    t0 = time.perf_counter()
    for _ in range(5):
        assert client.get("/api/v1/health").status_code == 200
    assert (time.perf_counter() - t0) / 5 < 0.025
