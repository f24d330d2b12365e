"""The storage layer: migrations match the tables, SQLite runs as configured, tokens expire."""
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from missiondesk.adapters.db.tables import Base
from missiondesk.domain.errors import Unauthenticated
from missiondesk.services import auth

from ..conftest import BOOT_PASSWORD


def test_migrations_create_exactly_the_tables(runtime):
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_migrating_twice_is_harmless(runtime):
    from missiondesk.adapters.db import migrate

    migrate.upgrade(runtime.engine)
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM account")).scalar() == 1


def test_sqlite_runs_in_wal_with_foreign_keys(runtime):
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_tokens_expire_and_the_bootstrap_runs_once(runtime):
    t0 = datetime(2026, 3, 14, tzinfo=UTC)
    issued = auth.login(runtime.uow, username="hokage", password=BOOT_PASSWORD, now=t0, ttl=timedelta(hours=1))
    assert auth.authenticate(runtime.uow, issued.access_token, t0 + timedelta(minutes=59)).username == "hokage"
    with pytest.raises(Unauthenticated):
        auth.authenticate(runtime.uow, issued.access_token, t0 + timedelta(hours=1))
    assert auth.bootstrap(runtime.uow, username="other", name="Other", password="long-password", now=t0) is False
