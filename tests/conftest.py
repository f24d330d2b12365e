"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when
MISSIONDESK_TEST_POSTGRES names a server, e.g. postgresql://127.0.0.1:5432/test)."""
from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from missiondesk.adapters.db import migrate
from missiondesk.adapters.db.session import make_engine
from missiondesk.clock import ShiftedClock, parse_instant
from missiondesk.config import Settings
from missiondesk.runtime import Runtime, start
from missiondesk.services import passwords

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


# -- the order of the files on xdist's workers ---------------------------------------------------------------------
# scripts/test.sh runs the suite on two workers a file at a time (--dist loadfile) in collection order
# (--no-loadscope-reorder: xdist's own order puts the files with the most tests first, so these files of a few long
# tests came last, one worker running the exhaustive policy test alone while the other had nothing left). The
# longest files go first instead (the longest processing time first), each to the next free worker, and the many
# short files after them even out the end. The list is by measured time (--durations, 2026-12-03), longest first;
# a file missing from it only loses its place at the front.
LONGEST_FIRST = [
    "tests/e2e/test_every_page.py", "tests/e2e/test_holes.py", "tests/unit/test_policy.py",
    "tests/integration/test_recommend_properties.py", "tests/e2e/test_readme_tour.py",
    "tests/e2e/test_audit_checkpoints.py", "tests/e2e/test_races.py", "tests/e2e/test_browser_custody.py",
    "tests/e2e/test_browser_record.py", "tests/e2e/test_browser_clerk.py", "tests/e2e/test_browser_office.py",
    "tests/e2e/test_browser.py", "tests/e2e/test_browser_medic.py", "tests/e2e/test_browser_duty.py",
    "tests/e2e/test_browser_alerts.py", "tests/e2e/test_browser_docs.py", "tests/e2e/test_backup.py",
    "tests/integration/test_proposals.py", "tests/unit/test_roster_selection.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, the files of LONGEST_FIRST before the rest, each file's tests in their own order (every
    worker sorts alike, so their collections agree); a run without workers keeps pytest's order."""
    if not hasattr(config, "workerinput"):
        return
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest as collected


# -- password hashing at argon2's least cost ---------------------------------------------------------------------
# Every API test makes five accounts and signs four of them in: at OWASP's cost (passwords.py) that was most of
# its set-up. The tests in this process hash at argon2's minimum instead (t = 1, m = 8 KiB, p = 1): the same
# argon2id, the same code paths (hash, verify, the dummy for unknown names, rehash checks), a fraction of the
# time. The end-to-end tests' servers hash at that cost too (tests/e2e/conftest.py, Server starts `serve` through
# passwords.use_cost), so the accounts they seed here are hashed as those servers hash them (no sign-in there
# rehashes). Production's cost is held by tests/unit/test_password_cost.py, and run end to end by the README tour
# and test_cli.py's subprocesses (the installed `missiondesk`).


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of the test is set up, whatever its scope (the e2e modules seed theirs per module);
    again at each test, in case one went back to production's cost and did not come back."""
    if passwords._hasher.time_cost != 1 or passwords._hasher.memory_cost != 8:
        passwords.use_cost(time_cost=1, memory_cost=8, parallelism=1)


# -- databases ----------------------------------------------------------------------------------------------------
# `database_url` is an empty database, as the tests of migrations and of start-up need; but a test that takes
# `runtime` (itself or through `app`, `api`) gets a copy of a template migrated once per session instead, and
# `runtime` does not migrate it again. The tests of migrations take `database_url` alone and still migrate from
# nothing.
PG = os.environ.get("MISSIONDESK_TEST_POSTGRES")
# The URLs of databases that are fresh copies of the migrated template (the schema at head): `runtime` starts on
# them without running Alembic.
_AT_HEAD: set[str] = set()


def _pg_url(name: str) -> str:
    base = PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database for one test, empty or a copy of `template`, dropped afterwards."""
    import psycopg

    name = f"md_test_{secrets.token_hex(5)}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()  # no connection may stay open: SQLite folds its write-ahead log in, PostgreSQL copies


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once per session, for `database_url` to copy."""
    path = tmp_path_factory.mktemp("template") / "desk.db"
    _migrate(f"sqlite:///{path}")
    for suffix in ("-wal", "-shm"):  # the last connection's close folded the log into the file
        assert not Path(f"{path}{suffix}").exists(), f"the template left {path}{suffix} behind"
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head once per session, for `database_url` to copy
    (CREATE DATABASE … TEMPLATE); dropped at the session's end, whatever happened."""
    import psycopg

    name = f"md_tmpl_{secrets.token_hex(5)}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _migrate(_pg_url(name))
        yield name
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def _known_at_head(url: str, fresh_copy: bool) -> Iterator[str]:
    if fresh_copy:
        _AT_HEAD.add(url)
    try:
        yield url
    finally:
        _AT_HEAD.discard(url)


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> Iterator[str]:
    copy = "runtime" in request.fixturenames  # `runtime` would migrate it first thing anyway
    if request.param == "sqlite":
        path = tmp_path / "desk.db"
        if copy:
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
        with _known_at_head(f"sqlite:///{path}", copy) as url:
            yield url
        return
    if not PG:
        pytest.skip("PostgreSQL tests need MISSIONDESK_TEST_POSTGRES (e.g. postgresql://127.0.0.1:5432/test)")
    template = request.getfixturevalue("postgres_template") if copy else None
    with postgres_database(template) as url, _known_at_head(url, copy):
        yield url


@pytest.fixture
def runtime(database_url) -> Iterator[Runtime]:
    rt = start(Settings(database_url=database_url, bootstrap_user="hokage", bootstrap_name="Tsunade",
                        bootstrap_password=BOOT_PASSWORD, clock=TestClock()),
               migrate_schema=database_url not in _AT_HEAD)
    try:
        yield rt
    finally:
        rt.close()
