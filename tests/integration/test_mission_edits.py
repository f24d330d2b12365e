"""Editing and cancelling a mission over the API (PATCH /missions/{id}, POST /missions/{id}/cancel), on both
engines: who may, while it is on the board, what the audit log keeps, and that a refusal changes nothing. The
rules alone (a mission waiting for authorisation edited or cancelled, and more) run on the in-memory unit of work,
in tests/unit/test_services_on_fake.py."""
from __future__ import annotations

from .api import Api


def test_a_clerk_edits_an_open_mission_and_the_audit_says_what_changed(api: Api):
    m = api.mission("C", title="Guard the bridge", description="Old words")
    body = {"title": "Guard the great bridge", "reward_ryo": 60_000, "min_team_size": 3, "threat": "chunin",
            "threat_count": 4, "classification": "confidential", "kind": "defense"}
    edited = api.ok("clerk", "PATCH", f"/missions/{m['id']}", 200, json=body)
    assert {k: edited[k] for k in body} == body
    assert edited["rank"] == "C" and edited["status"] == "open" and edited["description"] == "Old words"
    assert api.ok("hokage", "GET", f"/missions/{m['id']}") == edited
    [entry] = [e for e in api.audit("mission.edited") if e["target"] == f"mission:{m['id']}"]
    assert entry["actor"] == "clerk"
    assert entry["details"]["changed"]["title"] == {"from": "Guard the bridge", "to": "Guard the great bridge"}
    assert entry["details"]["changed"]["reward_ryo"]["to"] == 60_000
    assert set(entry["details"]["changed"]) == set(body)
    # null clears the description; a field given as it already is changes nothing and is not on the record
    cleared = api.ok("clerk", "PATCH", f"/missions/{m['id']}", 200,
                     json={"description": None, "title": "Guard the great bridge"})
    assert cleared["description"] is None
    [_, second] = [e for e in api.audit("mission.edited") if e["target"] == f"mission:{m['id']}"]
    assert set(second["details"]["changed"]) == {"description"}


def test_who_may_edit_and_what_is_refused(api: Api):
    m = api.mission("B", classification="public")
    path = f"/missions/{m['id']}"
    before = api.snapshot()
    api.err("genin", "PATCH", path, 403, "FORBIDDEN", json={"title": "Mine now"})
    api.err("medic", "PATCH", path, 403, "FORBIDDEN", json={"title": "Mine now"})
    api.err("elder", "PATCH", path, 403, "FORBIDDEN", json={"title": "Mine now"})
    api.err(None, "PATCH", path, 401, "UNAUTHENTICATED", json={"title": "Mine now"})
    # the clerk (confidential) may not classify it above their own clearance
    api.err("clerk", "PATCH", path, 422, "CLASSIFICATION_ABOVE_CLEARANCE", json={"classification": "secret"})
    api.err("clerk", "PATCH", path, 422, "REWARD_OUT_OF_BAND", json={"reward_ryo": 5})
    api.err("clerk", "PATCH", path, 422, "TEAM_SIZE_INVALID", json={"min_team_size": 0})
    api.err("clerk", "PATCH", path, 422, "VALIDATION_ERROR", json={"rank": "S"})  # the rank is not edited
    api.err("clerk", "PATCH", path, 422, "VALIDATION_ERROR", json={"title": "  "})
    assert api.snapshot() == before
    # a mission the clerk may not see does not exist for them
    hidden = api.mission("B", classification="secret")
    api.err("clerk", "PATCH", f"/missions/{hidden['id']}", 404, "NOT_FOUND", json={"title": "x"})
    api.err("clerk", "PATCH", "/missions/999999", 404, "NOT_FOUND", json={"title": "x"})


def test_an_assigned_or_closed_mission_is_not_edited_or_cancelled(api: Api):
    sid = api.person("Guy", rank="jonin")
    m = api.open_mission("D")
    api.ok("clerk", "POST", f"/missions/{m}/assignments", 201, json={"shinobi_ids": [sid]})
    api.err("clerk", "PATCH", f"/missions/{m}", 409, "MISSION_NOT_EDITABLE", json={"title": "Too late"})
    api.err("clerk", "POST", f"/missions/{m}/cancel", 409, "MISSION_NOT_CANCELLABLE", json={"reason": "Too late"})
    gone = api.mission("D")
    api.ok("clerk", "POST", f"/missions/{gone['id']}/cancel", 200, json={"reason": "The client withdrew"})
    api.err("clerk", "PATCH", f"/missions/{gone['id']}", 409, "MISSION_NOT_EDITABLE", json={"title": "Again"})
    api.err("clerk", "POST", f"/missions/{gone['id']}/cancel", 409, "MISSION_NOT_CANCELLABLE",
            json={"reason": "Again"})


def test_a_clerk_cancels_a_mission_with_a_reason_and_a_proposed_team_is_declined(api: Api):
    m = api.mission("C")
    me = next(s["id"] for s in api.ok("hokage", "GET", "/shinobi") if s["name"] == "Konohamaru")
    other = api.person("Udon", rank="genin")
    proposal = api.ok("genin", "POST", f"/missions/{m['id']}/assignments", 201, json={"shinobi_ids": [me, other]})
    assert proposal["status"] == "proposed"
    api.err("genin", "POST", f"/missions/{m['id']}/cancel", 403, "FORBIDDEN", json={"reason": "I changed my mind"})
    api.err("clerk", "POST", f"/missions/{m['id']}/cancel", 422, "VALIDATION_ERROR", json={"reason": " "})
    api.err("clerk", "POST", f"/missions/{m['id']}/cancel", 422, "VALIDATION_ERROR", json={})
    done = api.ok("clerk", "POST", f"/missions/{m['id']}/cancel", 200, json={"reason": "The client withdrew"})
    assert done["status"] == "cancelled"
    assert api.ok("hokage", "GET", f"/missions/{m['id']}")["status"] == "cancelled"
    assert api.ok("genin", "GET", f"/assignments/{proposal['id']}")["status"] == "declined"
    [entry] = [e for e in api.audit("mission.cancelled") if e["target"] == f"mission:{m['id']}"]
    assert entry["actor"] == "clerk" and entry["details"]["reason"] == "The client withdrew"
    assert entry["details"]["status_before"] == "open" and entry["details"]["proposals_declined"] == [proposal["id"]]
    alerts = [a for a in api.ok("genin", "GET", "/alerts") if a["kind"] == "MISSION_CANCELLED"]
    assert len(alerts) == 1 and alerts[0]["mission_id"] == m["id"]


def test_the_cli_edits_and_cancels_through_the_same_services(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from missiondesk.adapters.cli import app

    from ..conftest import BOOT_PASSWORD, DAWN

    monkeypatch.setenv("MISSIONDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("MISSIONDESK_BOOTSTRAP_PASSWORD", BOOT_PASSWORD)
    monkeypatch.setenv("MISSIONDESK_CLOCK", DAWN)
    monkeypatch.delenv("MISSIONDESK_USER", raising=False)
    runner = CliRunner()

    def cli(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
        return result

    cli("migrate")
    cli("mission", "post", "Guard the archive", "C", "guard")
    out = cli("mission", "edit", "1", "--title", "Guard the old archive", "--reward", "50000").output
    assert "Guard the old archive" in out and "50,000 ryo" in out
    assert "REWARD_OUT_OF_BAND" in cli("mission", "edit", "1", "--reward", "1", code=1).stderr
    # the field's own names (reward_ryo, min_team_size); the short ones stay as aliases
    out = cli("mission", "edit", "1", "--reward-ryo", "60000", "--min-team-size", "3").output
    assert "60,000 ryo" in out and "team ≥ 3" in out
    assert "cancelled" in cli("mission", "cancel", "1", "--reason", "The archive burned").output
    assert "MISSION_NOT_EDITABLE" in cli("mission", "edit", "1", "--title", "Again", code=1).stderr
    listed = cli("mission", "list").output
    assert "Guard the old archive" in listed and "cancelled" in listed
