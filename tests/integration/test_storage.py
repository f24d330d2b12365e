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


def test_an_older_database_with_data_is_migrated_on_start(database_url):
    """A village on the first schema, with rows in it, is brought to head by `start` and keeps its rows."""
    from alembic import command

    from missiondesk.adapters.db.migrate import alembic_config
    from missiondesk.config import Settings, normalise_url
    from missiondesk.runtime import start
    from missiondesk.services import missions

    url = normalise_url(database_url)
    cfg = alembic_config(url)
    command.upgrade(cfg, "0001")
    from sqlalchemy import create_engine

    old = create_engine(url)
    with old.begin() as conn:
        conn.execute(text("INSERT INTO shinobi (id, name, rank, clearance, status, divisions, specialties, created_at) "
                          "VALUES (1, 'Hiruzen', 'kage', 'top_secret', 'active', '[]', '[]', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO mission (id, title, rank, kind, classification, reward_ryo, min_team_size, "
                          "status, posted_at) VALUES (1, 'Old scroll', 'D', 'chores', 'public', 5000, 1, 'open', "
                          "'2026-01-01 00:00:00')"))
    old.dispose()
    rt = start(Settings(database_url=url, bootstrap_user="hokage", bootstrap_name="Tsunade",
                        bootstrap_password=BOOT_PASSWORD))
    try:
        hokage = auth.caller_for_username(rt.uow, "hokage")
        view = missions.get_mission(rt.uow, hokage, 1)
        assert view.mission.title == "Old scroll" and view.mission.threat.value == "none"
        with rt.engine.connect() as conn:
            from alembic.script import ScriptDirectory

            head = ScriptDirectory.from_config(cfg).get_current_head()
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    finally:
        rt.close()


def test_a_long_id_list_reads_the_same_rows_as_short_ones(runtime):
    """From 100 ids on, `IN` goes as one array parameter (json_each on SQLite, = ANY on PostgreSQL)."""
    from missiondesk.domain.ranks import Classification, ShinobiRank

    t0 = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    with runtime.uow.begin(write=True) as tx:
        ids = [tx.shinobi.add(name=f"S{i}", rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=[],
                              specialties=[], now=t0) for i in range(130)]
        for sid in ids[::3]:
            tx.shinobi.add_sleep(sid, t0, t0 + timedelta(hours=7), by=None, now=t0)
        tx.commit()
    asked = [*ids, 10**6]  # one unknown id too
    with runtime.uow.begin(write=False) as tx:
        whole = tx.shinobi.sleep_many(asked)
        parts = {k: v for i in range(0, len(asked), 40) for k, v in tx.shinobi.sleep_many(asked[i:i + 40]).items()}
        people = tx.shinobi.get_many(asked)
    assert whole == parts and sum(map(len, whole.values())) == len(ids[::3])
    assert sorted(people) == sorted(ids)
