"""Briefs, the tamper-evident audit log and the hardened login, on both engines."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from missiondesk.adapters.audit_checkpoints import CheckpointFile
from missiondesk.adapters.web.app import create_app
from missiondesk.domain.audit import SignedCheckpoint
from missiondesk.domain.errors import DomainError
from missiondesk.services import audit, auth

from ..conftest import BOOT_PASSWORD
from .api import Api

SECRET = "Target: the lightning nin. Leave nothing that points home."


def brief_mission(api: Api) -> int:
    m = api.open_mission("S", classification="top_secret", min_team_size=2)
    api.ok("hokage", "POST", f"/missions/{m}/brief", 201, json={"text": SECRET})
    return m


def test_briefs_need_to_know_and_every_read_is_kept(api: Api):
    m = brief_mission(api)
    for uncleared in ("genin", "clerk", "medic"):
        api.err(uncleared, "GET", f"/missions/{m}/brief", 404, "NOT_FOUND")
        api.err(uncleared, "POST", f"/missions/{m}/brief/destroy", 404, "NOT_FOUND", json={"reason": "x"})
    assert api.ok("elder", "GET", f"/missions/{m}/brief")["text"] == SECRET
    api.err("elder", "POST", f"/missions/{m}/brief", 409, "BRIEF_EXISTS", json={"text": "again"})
    reads = [e for e in api.audit("brief.read") if e["target"] == f"mission:{m}"]
    assert [e["actor"] for e in reads] == ["elder"]
    denied = {e["actor"] for e in api.audit("authz.denied") if e["target"] == f"mission:{m}"}
    assert denied == {"genin", "clerk", "medic"}
    api.err("medic", "POST", f"/missions/{m}/brief", 404, "NOT_FOUND", json={"text": "x"})
    b = api.mission("B", classification="public")
    api.err("medic", "POST", f"/missions/{b['id']}/brief", 403, "FORBIDDEN", json={"text": "x"})
    api.err("genin", "GET", f"/missions/{b['id']}/brief", 404, "NOT_FOUND")  # no brief at all


def test_a_read_that_cannot_be_recorded_does_not_happen(runtime, api: Api, monkeypatch):
    m = brief_mission(api)
    from missiondesk.adapters.db.repositories import AuditRepository

    real = AuditRepository.append

    def failing(self, **kw):
        if kw["action"] == "brief.read":
            raise RuntimeError("the audit table is unavailable")
        return real(self, **kw)

    monkeypatch.setattr(AuditRepository, "append", failing)
    with TestClient(create_app(runtime.uow, runtime.settings, runtime.policy), raise_server_exceptions=False) as c:
        r = c.get(f"/api/v1/missions/{m}/brief", headers={"Authorization": f"Bearer {api.tokens['elder']}"})
    assert r.status_code == 500 and SECRET not in r.text
    monkeypatch.setattr(AuditRepository, "append", real)
    assert not [e for e in api.audit("brief.read") if e["target"] == f"mission:{m}"]


def test_a_burned_brief_is_gone_for_good(runtime, api: Api, database_url):
    m = brief_mission(api)
    api.err("elder", "POST", f"/missions/{m}/brief/destroy", 422, "VALIDATION_ERROR", json={"reason": ""})
    gone = api.ok("elder", "POST", f"/missions/{m}/brief/destroy", 200, json={"reason": "burned by fire release"})
    assert gone["text"] is None and gone["destroyed_by"] == "elder"
    err = api.err("elder", "GET", f"/missions/{m}/brief", 410, "BRIEF_DESTROYED")
    assert err["details"][0]["reason"] == "burned by fire release"
    api.err("genin", "GET", f"/missions/{m}/brief", 404, "NOT_FOUND")
    assert api.ok("elder", "GET", f"/missions/{m}")["status"] == "open"
    (entry,) = [e for e in api.audit("brief.destroy") if e["target"] == f"mission:{m}"]
    assert entry["actor"] == "elder" and entry["details"]["reason"] == "burned by fire release"
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM brief WHERE text IS NOT NULL")).scalar() == 0
    if database_url.startswith("sqlite"):  # neither the database file nor its write-ahead log keeps it
        path = database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):
            try:
                with open(path + suffix, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            assert b"lightning nin" not in raw, f"the text survives in {path + suffix}"
    api.ok("hokage", "POST", f"/missions/{m}/brief", 201, json={"text": "a new plan"})
    assert api.ok("elder", "GET", f"/missions/{m}/brief")["text"] == "a new plan"


def tamperable_chain(runtime, n: int = 1000) -> None:
    now = datetime(2026, 3, 14, tzinfo=UTC)
    with runtime.uow.begin(write=True) as tx:
        have = tx.audit.head().seq
        for i in range(have, n):
            tx.audit.append(at=now + timedelta(seconds=i), actor="hokage", action="test.entry",
                            target=f"mission:{i}", details={"i": i})
        tx.commit()


def check(runtime):
    return audit.verify(runtime.uow)


EDITS = {"actor": "'mallory'", "action": "'brief.read'", "target": "'mission:1'", "details": "'{\"i\": -1}'",
         "prev_hash": "'" + "0" * 64 + "'", "hash": "'" + "f" * 64 + "'",
         "at": "at + interval '1 second'"}


@pytest.mark.parametrize("tamper,first_bad", [
    *[(f"UPDATE audit_entry SET {col} = {value} WHERE seq = 500", 500) for col, value in EDITS.items()],
    ("UPDATE audit_entry SET details = '{\"i\": -1}' WHERE seq = 2", 2),
    ("UPDATE audit_entry SET target = 'mission:1' WHERE seq = 1000", 1000),
    ("DELETE FROM audit_entry WHERE seq = 700", 700),
    ("DELETE FROM audit_entry WHERE seq = 1", 1),
], ids=lambda x: x if isinstance(x, int) else x.split(" WHERE")[0].replace("UPDATE audit_entry ", ""))
def test_tampering_is_caught_at_the_first_bad_seq(runtime, tamper, first_bad):
    tamperable_chain(runtime)
    assert check(runtime).ok
    if runtime.engine.dialect.name == "sqlite":
        tamper = tamper.replace("at + interval '1 second'", "strftime('%Y-%m-%d %H:%M:%f', at, '+1 second')")
    with runtime.engine.begin() as conn:
        conn.execute(text(tamper))
    result = check(runtime)
    assert not result.ok and result.first_bad_seq == first_bad


def test_a_swapped_pair_and_an_inserted_row_are_caught(runtime):
    tamperable_chain(runtime)
    cols = "at, actor, action, target, details, prev_hash, hash"
    with runtime.engine.begin() as conn:  # swap the contents of 300 and 301
        conn.execute(text("UPDATE audit_entry SET seq = -1 WHERE seq = 300"))
        conn.execute(text("UPDATE audit_entry SET seq = 300 WHERE seq = 301"))
        conn.execute(text("UPDATE audit_entry SET seq = 301 WHERE seq = -1"))
    assert check(runtime).first_bad_seq == 300
    with runtime.engine.begin() as conn:  # put them back, then insert a forged row at 600
        conn.execute(text("UPDATE audit_entry SET seq = -1 WHERE seq = 300"))
        conn.execute(text("UPDATE audit_entry SET seq = 300 WHERE seq = 301"))
        conn.execute(text("UPDATE audit_entry SET seq = 301 WHERE seq = -1"))
    assert check(runtime).ok
    with runtime.engine.begin() as conn:
        for seq in range(1000, 599, -1):
            conn.execute(text(f"UPDATE audit_entry SET seq = seq + 1 WHERE seq = {seq}"))
        conn.execute(text(f"INSERT INTO audit_entry (seq, {cols}) SELECT 600, at, 'mallory', action, target, "
                          f"details, prev_hash, 'forged' FROM audit_entry WHERE seq = 601"))
    assert check(runtime).first_bad_seq == 600


def test_truncation_is_caught_against_a_signed_checkpoint(runtime, tmp_path):
    tamperable_chain(runtime)
    key = b"an-audit-key-of-enough-length"
    saved = CheckpointFile(tmp_path / "cp.json")
    cp = audit.write_checkpoint(runtime.uow, saved, key, datetime.now(UTC), after=None)
    assert cp.checkpoint.entries == 1000 and audit.verify(runtime.uow, saved, key).ok
    with runtime.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq > 990"))
    assert check(runtime).ok  # the chain alone cannot tell
    result = audit.verify(runtime.uow, saved, key)
    assert not result.ok and result.problem == "TRUNCATED"
    forged = SignedCheckpoint(dataclasses.replace(cp.checkpoint, entries=990), cp.signature)
    (tmp_path / "cp.json").write_text(forged.to_text())
    assert audit.verify(runtime.uow, saved, key).problem == "CHECKPOINT_FORGED"
    (tmp_path / "cp.json").write_text(cp.to_text())
    assert audit.verify(runtime.uow, saved, b"another-key-entirely").problem == "CHECKPOINT_FORGED"


def test_concurrent_appends_never_fork_the_chain(runtime):
    import threading

    barrier = threading.Barrier(8)

    def writer(k: int) -> None:
        barrier.wait()
        for i in range(25):
            with runtime.uow.begin(write=True) as tx:
                tx.audit.append(at=datetime.now(UTC), actor=f"w{k}", action="test.race", target=None,
                                details={"i": i})
                tx.commit()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    result = check(runtime)
    assert result.ok and result.entries >= 200


@pytest.mark.parametrize("password,code", [
    ("password", "PASSWORD_TOO_COMMON"), ("Password2026!", "PASSWORD_TOO_COMMON"),
    ("qwertyuiop", "PASSWORD_TOO_COMMON"), ("konohagakure1", "PASSWORD_TOO_COMMON"),
    ("aaaaaaaaaaaa", "PASSWORD_TOO_COMMON"), ("short", "PASSWORD_TOO_SHORT"),
    ("itachi-uchiha-99", "PASSWORD_CONTAINS_USERNAME"),
])
def test_weak_passwords_are_refused(api: Api, password, code):
    api.err("hokage", "POST", "/shinobi", 422, code, json={
        "name": "Itachi", "rank": "jonin", "account": {"username": "itachi", "password": password}})


def test_logout_and_expiry_end_a_token(runtime):
    t0 = datetime.now(UTC)
    issued = auth.login(runtime.uow, username="hokage", password=BOOT_PASSWORD, now=t0, ttl=timedelta(minutes=5))
    caller = auth.authenticate(runtime.uow, issued.access_token, t0)
    auth.logout(runtime.uow, caller, issued.access_token, t0)
    with pytest.raises(DomainError):
        auth.authenticate(runtime.uow, issued.access_token, t0)
