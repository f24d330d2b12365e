"""Backup and restore on both engines: what was there comes back, and the audit chain verifies."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from missiondesk.adapters.cli import app
from missiondesk.config import normalise_url

from ..conftest import BOOT_PASSWORD


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def count(url: str, table: str) -> int:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as c:
            return c.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608 - test's own table names
    finally:
        engine.dispose()


def test_backup_then_restore_brings_everything_back(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MISSIONDESK_BOOTSTRAP_PASSWORD", BOOT_PASSWORD)
    monkeypatch.delenv("MISSIONDESK_USER", raising=False)
    db = ["--database", database_url]
    run("shinobi", "add", "Yamato", "jonin", *db)
    run("mission", "post", "Weed the greenhouse", "D", "chores", *db)
    file = tmp_path / "village.backup"
    out = run("backup", str(file), *db).output
    assert "audit chain ok" in out and file.stat().st_size > 0
    shinobi, audit = count(database_url, "shinobi"), count(database_url, "audit_entry")
    run("shinobi", "add", "Sai", "jonin", *db)  # after the backup: gone after the restore
    assert count(database_url, "shinobi") == shinobi + 1
    out = run("restore", str(file), "--yes", *db).output
    assert "audit chain ok" in out
    assert count(database_url, "shinobi") == shinobi and count(database_url, "audit_entry") == audit
    run("shinobi", "add", "Sai", "jonin", *db)  # and the desk works on
    assert "the chain holds" in run("audit", "verify", *db).output


def test_a_damaged_backup_restores_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("MISSIONDESK_BOOTSTRAP_PASSWORD", BOOT_PASSWORD)
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run("shinobi", "add", "Yamato", "jonin", "--database", url)
    bad = tmp_path / "bad.backup"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    r = run("restore", str(bad), "--yes", "--database", url, code=1)
    assert "BACKUP_FAILED" in r.stderr or "file is not a database" in r.stderr.lower()
    assert count(url, "shinobi") == 2
    r = run("restore", str(tmp_path / "missing.backup"), "--yes", "--database", url, code=1)
    assert "no such backup" in r.stderr


def test_a_backup_never_lands_on_the_live_database_nor_overwrites_unasked(tmp_path, monkeypatch):
    """The first release, pointed at the live SQLite file, deleted it, and the server wrote on into a deleted file."""
    monkeypatch.setenv("MISSIONDESK_BOOTSTRAP_PASSWORD", BOOT_PASSWORD)
    live = tmp_path / "live.db"
    url = f"sqlite:///{live}"
    run("shinobi", "add", "Yamato", "jonin", "--database", url)
    for target in (live, tmp_path / "live.db-wal", tmp_path / "sub" / ".." / "live.db"):
        r = run("backup", str(target), "--database", url, code=1)
        assert "BACKUP_TARGET_IS_LIVE" in r.stderr
    r = run("backup", str(live), "--force", "--database", url, code=1)  # not even with --force
    assert "BACKUP_TARGET_IS_LIVE" in r.stderr
    assert count(url, "shinobi") == 2 and live.stat().st_size > 0
    copy = tmp_path / "copy.backup"
    copy.write_text("an older backup, kept")
    r = run("backup", str(copy), "--database", url, code=1)
    assert "BACKUP_TARGET_EXISTS" in r.stderr and copy.read_text() == "an older backup, kept"
    run("backup", str(copy), "--force", "--database", url)
    assert count(f"sqlite:///{copy}", "shinobi") == 2
    assert not list(tmp_path.glob(".*partial*"))  # the temporary file is gone
