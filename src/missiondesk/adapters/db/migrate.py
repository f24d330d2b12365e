"""Migrations: the Alembic scripts in this package, run on `serve` start."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (head), inside one transaction where the engine allows it.

    On SQLite, changing a table that others reference means rebuilding it (Alembic's batch mode),
    which SQLite allows only with foreign keys off: they are turned off for the migration, every
    reference is checked before it commits (a dangling one rolls the whole migration back), and
    they are on again after it."""
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None  # a live connection has its driver's
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, where SQLite heeds it
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if sqlite:
                    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise RuntimeError(f"the migration left references to missing rows: {dangling[:5]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")
