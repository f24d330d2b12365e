"""The CLI drives the same services: a clerk's script, its refusals and its errors."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from missiondesk.adapters.cli import app

from ..conftest import BOOT_PASSWORD, DAWN


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MISSIONDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("MISSIONDESK_BOOTSTRAP_PASSWORD", BOOT_PASSWORD)
    monkeypatch.setenv("MISSIONDESK_CLOCK", DAWN)
    monkeypatch.delenv("MISSIONDESK_USER", raising=False)
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
        return result

    return run


def test_a_clerks_day(cli, monkeypatch):
    cli("migrate")
    out = cli("shinobi", "add", "Umino Iruka", "chunin", "--clearance", "confidential", "--username", "iruka",
              "--password", "chalk-and-scrolls", "--role", "clerk").output
    assert "shinobi 2: Umino Iruka (chunin, confidential)" in out
    cli("shinobi", "add", "Yamato", "jonin")
    cli("shinobi", "add", "Sai", "jonin")
    assert "mission 1" in cli("mission", "post", "Escort the caravan", "B", "escort", "--reward", "120000",
                              "--as", "iruka").output
    for sid in ("3", "4"):
        for day in range(7, 14):
            cli("sleep", "log", sid, f"2026-03-{day:02d}T23:00:00Z", f"2026-03-{day + 1:02d}T07:00:00Z")
    fit = cli("fitness", "3", "--mission", "1", "--at", "2026-03-14T10:00:00Z", "--as", "iruka").output
    assert "FIT" in fit and "level" in fit
    out = cli("assign", "1", "3", "4", "--departs-at", "2026-03-14T10:00:00Z", "--as", "iruka").output
    assert "assignment 1 (active): mission 1, team [3, 4]" in out
    r = cli("report", "1", "success", "--at", "2026-03-15T10:00:00Z", "--as", "iruka", code=1)
    assert "REPORT_IN_FUTURE" in r.stderr  # the clock reads 06:20 on the 14th
    monkeypatch.setenv("MISSIONDESK_CLOCK", "2026-03-15T11:00:00Z")  # the next day
    out = cli("report", "1", "success", "--at", "2026-03-15T10:00:00Z", "--as", "iruka").output
    assert "completed" in out
    assert "Escort the caravan" in cli("mission", "list").output


def test_refusals_and_errors_exit_non_zero(cli):
    cli("shinobi", "add", "Konohamaru", "genin")
    cli("mission", "post", "Guard the archive", "B", "guard", "--classification", "confidential", "--min-team", "1")
    r = cli("assign", "1", "2", "--departs-at", "2026-03-14T10:00:00Z", code=1)
    assert "ASSIGNMENT_REFUSED" in r.stderr and "RANK_TOO_LOW" in r.stderr and "CLEARANCE_INSUFFICIENT" in r.stderr
    r = cli("sleep", "log", "2", "2026-03-14T23:00:00", "2026-03-15T07:00:00Z", code=1)
    assert "VALIDATION_ERROR" in r.stderr and "offset" in r.stderr
    r = cli("fitness", "99", code=1)
    assert "NOT_FOUND" in r.stderr
    r = cli("mission", "post", "Too cheap", "S", "raid", "--reward", "-1", code=1)
    assert "REWARD_NEGATIVE" in r.stderr
    r = cli("mission", "list", "--as", "nobody", code=1)
    assert "UNKNOWN_ACCOUNT" in r.stderr
    r = cli("fitness", "2", "--at", "2026-03-14T10:00:00Z", "--mission", "1", code=3)
    assert "NOT FIT" in r.output and "RANK_TOO_LOW" in r.output and "CLEARANCE_INSUFFICIENT" in r.output


def test_fitness_exit_code_says_unfit(cli):
    cli("shinobi", "add", "Resting", "jonin")
    cli("shinobi", "restrict", "2", "rest", "flu", "--starts-at", "2026-03-13T00:00:00Z")
    r = cli("fitness", "2", "--at", "2026-03-14T10:00:00Z", code=3)
    assert "NOT FIT" in r.output and "MEDICAL_REST" in r.output


def test_demo_seeds_the_night(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--database", f"sqlite:///{tmp_path / 'demo.db'}", "--seed-only"])
    assert result.exit_code == 0, result.output
    assert "hokage" in result.output and "password:" in result.output


def test_the_gate_clerk_and_the_anbu_on_duty(cli):
    for name in ("Sakura", "Kakashi", "Guard"):
        cli("shinobi", "add", name, "jonin", "--clearance", "top_secret", "--division", "anbu")
    cli("shinobi", "add", "Iruka", "chunin", "--username", "iruka", "--password", "chalk-and-scrolls")
    out = cli("custody", "intake", "Foreign agent", "--escort", "2", "--escort", "3", "--origin", "Cloud",
              "--at", "2026-03-12T18:00:00Z").output
    assert "detainee 1: Foreign agent, held by [2, 3]" in out
    r = cli("gate", "in", "-s", "2", "-s", "3", "-d", "1", "--at", "2026-03-14T03:00:00Z")
    assert "shinobi 2, shinobi 3, detainee 1" in r.output
    assert "ALREADY_INSIDE" in r.stderr  # the shinobi never logged out: flagged, not refused
    cli("custody", "transfer", "1", "--to", "4", "--at", "2026-03-14T03:01:00Z", "--as", "hokage")
    chain = cli("custody", "show", "1").output
    assert chain.index("Sakura") < chain.index("Guard") and "held" in chain
    assert "Foreign agent" in cli("gate", "present").output
    assert "Foreign agent" not in cli("gate", "present", "--as", "iruka").output
    r = cli("custody", "show", "1", "--as", "iruka", code=1)
    assert "NOT_FOUND" in r.stderr
    r = cli("custody", "transfer", "1", "--to", "2", "--at", "2026-03-13T00:00:00Z", code=1)
    assert "CUSTODY_TIME_BEFORE_LAST_LINK" in r.stderr
    cli("custody", "release", "1", "--transferred-out", "--at", "2026-03-20T00:00:00Z")
    assert "transferred_out" in cli("custody", "show", "1").output


def test_audit_checkpoint_catches_a_truncated_tail(cli, tmp_path, monkeypatch):
    import sqlite3

    cli("shinobi", "add", "Yamato", "jonin")
    cli("shinobi", "add", "Sai", "jonin")
    r = cli("audit", "checkpoint", str(tmp_path / "cp.json"), code=1)
    assert "AUDIT_KEY_MISSING" in r.stderr
    monkeypatch.setenv("MISSIONDESK_AUDIT_KEY", "a-key-kept-off-the-database")
    cli("audit", "checkpoint", str(tmp_path / "cp.json"))
    assert "matches the checkpoint" in cli("audit", "verify", "--checkpoint", str(tmp_path / "cp.json")).output
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    assert "the chain holds" in cli("audit", "verify").output
    r = cli("audit", "verify", "--checkpoint", str(tmp_path / "cp.json"), code=1)
    assert "TRUNCATED" in r.stderr
    monkeypatch.setenv("MISSIONDESK_AUDIT_KEY", "another-key-entirely-here")
    r = cli("audit", "verify", "--checkpoint", str(tmp_path / "cp.json"), code=1)
    assert "CHECKPOINT_FORGED" in r.stderr


def test_audit_verify_walks_from_the_checkpoint_and_in_full_when_asked(cli, tmp_path, monkeypatch):
    import sqlite3

    for name in ("Yamato", "Sai", "Ino"):
        cli("shinobi", "add", name, "jonin")
    monkeypatch.setenv("MISSIONDESK_AUDIT_KEY", "a-key-kept-off-the-database")
    cp = str(tmp_path / "cp.json")
    cli("audit", "checkpoint", cp)
    cli("shinobi", "add", "Kiba", "chunin")
    with sqlite3.connect(tmp_path / "cli.db") as db:  # behind the checkpoint, not re-hashed
        db.execute("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1")
    quick = cli("audit", "verify", "--checkpoint", cp).output
    assert "the chain holds" in quick and "walked from entry" in quick
    r = cli("audit", "verify", "--checkpoint", cp, "--full", code=1)
    assert "CHAIN_BROKEN" in r.stderr and "seq 1" in r.stderr


def test_a_proposed_team_is_answered_and_the_gate_judges_it_again(cli):
    for name, user in (("Konohamaru", "konohamaru"), ("Udon", "udon"), ("Iruka", "iruka")):
        cli("shinobi", "add", name, "genin", "--username", user, "--password", "chalk-and-scrolls",
            *(["--role", "clerk"] if user == "iruka" else []))
    cli("mission", "post", "Weed the greenhouse", "D", "chores")
    out = cli("assign", "1", "2", "3", "--departs-at", "2026-03-14T09:00:00Z", "--as", "konohamaru").output
    assert "assignment 1 (proposed)" in out and "awaiting [3]" in out
    r = cli("assign", "1", "2", "--departs-at", "2026-03-13T09:00:00Z", "--as", "konohamaru", code=1)
    assert "DEPARTURE_IN_PAST" in r.stderr
    r = cli("assignment", "accept", "1", "--as", "iruka", code=1)
    assert "NOT_FOUND" in r.stderr  # not his to answer
    assert "assignment 1 (active)" in cli("assignment", "accept", "1", "--as", "udon").output
    cli("shinobi", "restrict", "3", "rest", "fever", "--starts-at", "2026-03-14T06:00:00Z")
    r = cli("gate", "out", "-s", "2", "-s", "3", "--at", "2026-03-14T06:15:00Z", "--as", "iruka", code=1)
    assert "ASSIGNMENT_REFUSED" in r.stderr and "MEDICAL_REST" in r.stderr
    assert "Udon" in cli("gate", "present").output and "Konohamaru" in cli("gate", "present").output
    out = cli("gate", "out", "-s", "2", "-s", "3", "--at", "2026-03-14T06:15:00Z",
              "--override", "the greenhouse will not wait").output
    assert "gate out: shinobi 2, shinobi 3" in out
    assert "Udon" not in cli("gate", "present").output and "Konohamaru" not in cli("gate", "present").output


def test_a_clock_that_names_no_instant_stops_the_service_before_it_starts(tmp_path):
    exe = shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")
    env = {**os.environ, "MISSIONDESK_CLOCK": "2026-03-14T06:20:00"}  # no offset
    r = subprocess.run([exe, "migrate", "--database", f"sqlite:///{tmp_path / 'x.db'}"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "CLOCK_INVALID" in r.stderr and "offset" in r.stderr, r.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_duty_of_care_call_is_acknowledged_and_the_worker_climbs_what_is_not(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    for name, user, extra in (("Sakura", "sakura", ["--clearance", "top_secret"]), ("Kakashi", "kakashi", []),
                              ("Shizune", "shizune", ["--role", "medic"])):
        cli("shinobi", "add", name, "jonin", "--username", user, "--password", "chalk-and-scrolls", *extra)
    cli("shinobi", "partner", "2", "3")
    cli("shinobi", "restrict", "2", "rest", "chakra damage", "--starts-at", "2026-03-14T03:40:00Z")
    cli("mission", "post", "The strike", "S", "assassination")
    r = cli("assign", "1", "2", "--departs-at", "2026-03-14T06:30:00Z", "--as", "sakura", code=1)
    assert "MEDICAL_REST" in r.stderr
    listed = cli("alerts", "list", "--as", "kakashi").output
    assert "DUTY_OF_CARE" in listed and "ACK NEEDED" in listed
    assert "(office copy)" in cli("alerts", "list").output  # the hokage's
    assert "0 escalation(s)" in cli("worker", "--once").output  # each command's clock starts at DAWN
    monkeypatch.setenv("MISSIONDESK_CLOCK", "2026-03-14T06:31:00Z")  # eleven minutes on, nobody has answered
    assert "1 escalation(s)" in cli("worker", "--once").output
    assert "DUTY_OF_CARE" in cli("alerts", "list", "--as", "shizune").output  # nobody on call: every medic
    alert_id = next(line.split()[1] for line in listed.splitlines() if "DUTY_OF_CARE" in line)
    assert f"alert {alert_id} acknowledged" in cli("alerts", "ack", alert_id, "--as", "kakashi").output
    assert "ACK NEEDED" not in cli("alerts", "list", "--as", "shizune").output
    assert "NOT_FOUND" in cli("alerts", "ack", alert_id, "--as", "shizune", code=1).stderr  # not hers


def test_plan_prints_the_teams_and_the_missions_left_out_with_why(cli):
    cli("shinobi", "add", "Yamato", "jonin")
    cli("shinobi", "add", "Sai", "jonin")
    cli("mission", "post", "Escort the caravan", "C", "escort", "--reward", "80000", "--min-team", "2")
    cli("mission", "post", "Hold the valley", "C", "guard", "--reward", "60000", "--min-team", "4")
    for sid in ("2", "3"):
        for day in range(7, 14):
            cli("sleep", "log", sid, f"2026-03-{day:02d}T23:00:00Z", f"2026-03-{day + 1:02d}T07:00:00Z")
    out = cli("plan", "--departs-at", "2026-03-14T10:00:00Z", "--time-limit", "2").output
    assert "1 · Escort the caravan" in out  # the team
    assert "Left out: cannot be staffed" in out
    assert "2 · Hold the valley" in out and "2 eligible for 4 places" in out
