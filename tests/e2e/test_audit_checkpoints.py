"""A real `missiondesk serve` writes signed audit checkpoints into its folder on its own, every N entries,
and one more when it stops; GET /audit/verify and `missiondesk audit verify` hold the log to the newest."""
from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from missiondesk.adapters.cli import app
from missiondesk.config import normalise_url
from missiondesk.domain.audit import SignedCheckpoint, signature_ok

from .conftest import Server

KEY = "a-key-kept-off-the-database"


def checkpoints(folder) -> list[SignedCheckpoint]:
    return [SignedCheckpoint.from_text(p.read_text()) for p in sorted(folder.glob("checkpoint-*.json"))]


def wait_for(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_checkpoints_the_log_on_its_own(database_url, tmp_path, monkeypatch):
    folder = tmp_path / "checkpoints"
    monkeypatch.setenv("MISSIONDESK_AUDIT_KEY", KEY)
    monkeypatch.setenv("MISSIONDESK_AUDIT_CHECKPOINTS", str(folder))
    monkeypatch.setenv("MISSIONDESK_AUDIT_CHECKPOINT_ENTRIES", "5")
    monkeypatch.setenv("MISSIONDESK_AUDIT_CHECKPOINT_MINUTES", "60")
    server = Server(database_url, tmp_path)
    try:
        first = wait_for(lambda: checkpoints(folder))  # the log the server started on, vouched for at once
        headers = {"Authorization": f"Bearer {server.token()}"}
        with httpx.Client(base_url=server.base + "/api/v1", headers=headers, timeout=30) as c:
            for burst in range(1, 3):  # two bursts of new entries, each checkpointed without being asked
                for i in range(6):
                    r = c.post("/shinobi", json={"name": f"Genin {burst}.{i}", "rank": "genin",
                                                 "clearance": "public", "divisions": [], "specialties": []})
                    assert r.status_code == 201, r.text
                grown = wait_for(lambda n=burst: len(checkpoints(folder)) > n and checkpoints(folder))
            v = c.get("/audit/verify").json()
        assert v["ok"] and v["checkpoints"] == "checked" and v["problem"] is None
        assert v["checkpoint"]["entries"] == max(cp.checkpoint.entries for cp in checkpoints(folder))
        counts = [cp.checkpoint.entries for cp in grown]
        assert counts[0] == first[0].checkpoint.entries and counts == sorted(counts)
        assert all(b - a >= 5 for a, b in zip(counts, counts[1:], strict=False))
        assert all(signature_ok(cp.checkpoint, cp.signature, KEY.encode()) for cp in grown)
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # nothing half-written left
    finally:
        server.stop()
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            head = conn.execute(text("SELECT max(seq) FROM audit_entry")).scalar()
        assert checkpoints(folder)[-1].checkpoint.entries == head  # the last one, written as it stopped

        monkeypatch.setenv("MISSIONDESK_DATABASE_URL", database_url)
        out = CliRunner().invoke(app, ["audit", "verify"])
        assert out.exit_code == 0 and "matches the checkpoint" in out.output, out.output
        with engine.begin() as conn:  # the intruder's cut: the newest entries gone
            conn.execute(text("DELETE FROM audit_entry WHERE seq > :n"), {"n": head - 2})
        out = CliRunner().invoke(app, ["audit", "verify"])
        assert out.exit_code == 1 and "TRUNCATED" in out.stderr, (out.output, out.stderr)
    finally:
        engine.dispose()


def test_serve_says_when_no_checkpoints_are_kept(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("MISSIONDESK_AUDIT_KEY", raising=False)
    monkeypatch.delenv("MISSIONDESK_AUDIT_CHECKPOINTS", raising=False)
    server = Server(database_url, tmp_path)
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        v = httpx.get(server.base + "/api/v1/audit/verify", headers=headers).json()
        assert v["ok"] and v["checkpoints"] == "not_configured" and v["checkpoint"] is None
    finally:
        server.stop()
    server.log = open(tmp_path / "server.log")  # noqa: SIM115 - read back what serve printed
    assert "audit checkpoints: off" in server.log.read()
    server.log.close()
