"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when
MISSIONDESK_TEST_POSTGRES names a server, e.g. postgresql://127.0.0.1:5432/test)."""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from hypothesis import settings

from missiondesk.clock import ShiftedClock, parse_instant
from missiondesk.config import Settings
from missiondesk.runtime import Runtime, start

# CI runs every property on a fixed seed (`MISSIONDESK_HYPOTHESIS_PROFILE=ci`, set by .ci/run): a red CI is then
# a change of this project, not a new corner found by chance. The random search runs at every local run, and a
# corner it finds is kept as an @example beside the property.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("MISSIONDESK_HYPOTHESIS_PROFILE", "default"))

BOOT_PASSWORD = "tsunade-test-pass"
# The tests live through the incident's night, as the shared acceptance files do: the service's clock
# starts at its dawn and runs on (MISSIONDESK_CLOCK for a server in a subprocess).
DAWN = "2026-03-14T06:20:00Z"


class TestClock:
    """The service's clock in tests: starts at DAWN and runs on in real time, and a test may move it
    forward (`advance(days=1)`) to live through what follows."""

    __test__ = False

    def __init__(self, start: str = DAWN):
        self._clock = ShiftedClock(parse_instant(start))
        self.offset = timedelta()

    def now(self) -> datetime:
        return (self._frozen or self._clock.now()) + self.offset

    _frozen: datetime | None = None

    def freeze(self) -> None:
        """Stop the real time passing (the clock still moves by `advance`): for a test that counts on no
        second going by, such as a throttle's one-second wait."""
        self._frozen = self._clock.now()

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)
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
                        bootstrap_password=BOOT_PASSWORD, clock=TestClock()))
    try:
        yield rt
    finally:
        rt.close()
