"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when
MISSIONDESK_TEST_POSTGRES names a server, e.g. postgresql://127.0.0.1:5432/test)."""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from missiondesk.config import Settings
from missiondesk.runtime import Runtime, start

BOOT_PASSWORD = "tsunade-test-pass"
PG = os.environ.get("MISSIONDESK_TEST_POSTGRES")


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"md_test_{secrets.token_hex(5)}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
        return
    if not PG:
        pytest.skip("PostgreSQL tests need MISSIONDESK_TEST_POSTGRES (e.g. postgresql://127.0.0.1:5432/test)")
    with postgres_database() as url:
        yield url


@pytest.fixture
def runtime(database_url) -> Iterator[Runtime]:
    rt = start(Settings(database_url=database_url, bootstrap_user="hokage", bootstrap_name="Tsunade",
                        bootstrap_password=BOOT_PASSWORD))
    try:
        yield rt
    finally:
        rt.close()
