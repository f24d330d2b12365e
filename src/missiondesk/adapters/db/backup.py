"""Backups: SQLite through its online backup API (integrity-checked), PostgreSQL through
pg_dump/pg_restore when they are installed."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists, no shell
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from ...domain.errors import DomainError


class BackupFailed(DomainError):
    code = "BACKUP_FAILED"


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupFailed("an in-memory database has nothing to back up")
    return Path(database)


def _integrity(path: Path) -> str:
    try:
        db = sqlite3.connect(path)
        try:
            return db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        return str(e)


def _libpq_url(engine: Engine) -> str:
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupFailed(f"{name} is not installed; install PostgreSQL's client tools (Debian: "
                           f"postgresql-client) to back up or restore a PostgreSQL database", code="TOOL_MISSING")
    return found


def _check_target(engine: Engine, target: Path, force: bool) -> None:
    """Never the live database (nor its journal files), and nothing overwritten unless asked."""
    if engine.dialect.name == "sqlite":
        live = _sqlite_path(engine).resolve()
        if target.resolve() in {live, *(live.with_name(live.name + s) for s in ("-wal", "-shm", "-journal"))}:
            raise BackupFailed(f"{target} is the live database; back up to another file",
                               code="BACKUP_TARGET_IS_LIVE")
    if target.exists() and not force:
        raise BackupFailed(f"{target} exists; pass --force to replace it", code="BACKUP_TARGET_EXISTS")
    if target.is_dir():
        raise BackupFailed(f"{target} is a folder; name a file", code="BACKUP_TARGET_INVALID")


def backup(engine: Engine, target: Path, *, force: bool = False) -> str:
    """Write a consistent copy of the live database to `target`; returns what was checked. The copy is written
    to a temporary file beside the target and renamed over it only once complete and checked, so a failed
    backup leaves the target (and the live database) as they were."""
    _check_target(engine, target, force)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        checked = _write(engine, partial)
        os.replace(partial, target)
        return checked
    finally:
        partial.unlink(missing_ok=True)


def _write(engine: Engine, target: Path) -> str:
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        target.unlink(missing_ok=True)
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)  # the online backup API: a consistent snapshot while the server runs
        finally:
            dest.close()
            source.close()
        result = _integrity(target)
        if result != "ok":
            raise BackupFailed(f"the backup failed its integrity check: {result}")
        return "integrity_check ok"
    if engine.dialect.name == "postgresql":
        run = subprocess.run([_tool("pg_dump"), "--format=custom", "--file", str(target), _libpq_url(engine)],  # noqa: S603
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BackupFailed(f"pg_dump failed: {run.stderr.strip()[:500]}")
        return "pg_dump custom format"
    raise BackupFailed(f"no backup for {engine.dialect.name}")


def restore(engine: Engine, source: Path) -> str:
    """Replace the database's contents with the backup in `source` (stop the app servers first)."""
    if not source.exists():
        raise BackupFailed(f"no such backup: {source}")
    if engine.dialect.name == "sqlite":
        result = _integrity(source)
        if result != "ok":
            raise BackupFailed(f"the backup is damaged ({result}); nothing was restored")
        engine.dispose()
        src, dest = sqlite3.connect(source), sqlite3.connect(_sqlite_path(engine))
        try:
            with dest:
                src.backup(dest)
        finally:
            src.close()
            dest.close()
        return f"integrity_check {_integrity(_sqlite_path(engine))}"
    if engine.dialect.name == "postgresql":
        engine.dispose()
        run = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",  # noqa: S603
                              "--dbname", _libpq_url(engine), str(source)], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BackupFailed(f"pg_restore failed: {run.stderr.strip()[:500]}")
        return "pg_restore"
    raise BackupFailed(f"no restore for {engine.dialect.name}")
