"""Backups: SQLite through its online backup API (integrity-checked), PostgreSQL through
pg_dump/pg_restore when they are installed. A restore first stages the backup as a database of its own
(a private copy for SQLite, a scratch database for PostgreSQL) so that it can be checked before it
replaces anything, and then restores that very copy."""
from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists, no shell
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Engine
from sqlalchemy.engine import make_url

from ...domain.errors import DomainError
from .session import SqlUnitOfWork, make_engine


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


@dataclass(frozen=True)
class Staged:
    """A backup opened as a database of its own (`uow`), to be checked; `restore()` then replaces the live
    database with this very copy, so what was checked is what is restored."""

    uow: SqlUnitOfWork
    restore: Callable[[], str]


@contextmanager
def staged(engine: Engine, source: Path) -> Iterator[Staged]:
    """Stage the backup in `source` beside the live database's engine without touching the live database:
    SQLite copies it (integrity-checked) into a private temporary file, PostgreSQL restores it into a scratch
    database on the same server, dropped afterwards. Nothing is replaced until `restore()` is called."""
    if not source.is_file():
        raise BackupFailed(f"no such backup: {source}")
    with tempfile.TemporaryDirectory(prefix="missiondesk-restore-") as folder:
        if engine.dialect.name == "sqlite":
            with _staged_sqlite(engine, source, Path(folder)) as s:
                yield s
        elif engine.dialect.name == "postgresql":
            with _staged_postgres(engine, source, Path(folder)) as s:
                yield s
        else:
            raise BackupFailed(f"no restore for {engine.dialect.name}")


@contextmanager
def _staged_sqlite(engine: Engine, source: Path, folder: Path) -> Iterator[Staged]:
    result = _integrity(source)
    if result != "ok":
        raise BackupFailed(f"the backup is damaged ({result}); nothing was restored")
    copy = folder / "backup.db"
    src, dest = sqlite3.connect(source), sqlite3.connect(copy)
    try:
        with dest:
            src.backup(dest)
    finally:
        src.close()
        dest.close()
    result = _integrity(copy)
    if result != "ok":
        raise BackupFailed(f"the backup is damaged ({result}); nothing was restored")
    check = make_engine(f"sqlite:///{copy}")

    def restore() -> str:
        check.dispose()  # the copy's write-ahead log folded back into it before it is read whole
        return _restore_sqlite(engine, copy)

    try:
        yield Staged(SqlUnitOfWork(check), restore)
    finally:
        check.dispose()


def _restore_sqlite(engine: Engine, copy: Path) -> str:
    engine.dispose()
    src, dest = sqlite3.connect(copy), sqlite3.connect(_sqlite_path(engine))
    try:
        with dest:
            src.backup(dest)
    finally:
        src.close()
        dest.close()
    return f"integrity_check {_integrity(_sqlite_path(engine))}"


@contextmanager
def _staged_postgres(engine: Engine, source: Path, folder: Path) -> Iterator[Staged]:
    copy = folder / "backup.dump"
    shutil.copyfile(source, copy)
    pg_restore = _tool("pg_restore")
    scratch = f"md_restore_check_{secrets.token_hex(6)}"
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{scratch}"')
    except Exception as e:
        raise BackupFailed(f"a PostgreSQL backup is checked in a scratch database before it is restored, and "
                           f"none could be created (the role needs CREATEDB): {e}; nothing was restored",
                           code="RESTORE_CHECK_FAILED") from None
    url: URL = make_url(engine.url).set(database=scratch)
    check: Engine | None = None
    try:
        run = subprocess.run([pg_restore, "--no-owner", "--exit-on-error", "--single-transaction",  # noqa: S603
                              "--dbname", url.set(drivername="postgresql").render_as_string(hide_password=False),
                              str(copy)], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BackupFailed(f"the backup cannot be read: pg_restore failed: {run.stderr.strip()[:500]}; "
                               f"nothing was restored")
        check = make_engine(url.render_as_string(hide_password=False))
        yield Staged(SqlUnitOfWork(check), lambda: _restore_postgres(engine, copy))
    finally:
        if check is not None:
            check.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _restore_postgres(engine: Engine, copy: Path) -> str:
    engine.dispose()
    run = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",  # noqa: S603
                          "--dbname", _libpq_url(engine), str(copy)], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise BackupFailed(f"pg_restore failed: {run.stderr.strip()[:500]}")
    return "pg_restore"

