"""Migration 0005 (proposals and the departure check) on a village that already has rows: a database at
the previous release's schema (0004), filled with plain SQL, is brought to head on each engine and keeps
its rows, with the new columns derived as the migration says."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Connection, Engine, bindparam, inspect, text
from sqlalchemy.exc import IntegrityError

from missiondesk.adapters.db import migrate
from missiondesk.adapters.db.session import SqlUnitOfWork, make_engine
from missiondesk.adapters.db.tables import Base, UTCDateTime
from missiondesk.domain.roster import AssignmentStatus

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
KAKASHI, NARUTO, SAKURA, SAI, YAMATO, SHIKAMARU = 1, 2, 3, 4, 5, 6
ENDED_MISSION, GOING_MISSION, LATE_MISSION = 1, 2, 3
ENDED, GOING, LATE = 10, 20, 30  # assignment ids

ENDED_CREATED = T0 - timedelta(days=6)
ENDED_DEPARTS = T0 - timedelta(days=5)
GOING_CREATED = T0 - timedelta(days=1)
GOING_DEPARTS = T0 + timedelta(microseconds=250_001)  # odd microseconds: the copy must be exact
SAKURA_LEFT = GOING_DEPARTS  # her first departure, at the very moment the team departs
KAKASHI_LEFT = GOING_CREATED  # his, at the very moment the team was made (the earlier bound; >= holds)
# A team the office booked after the fact: it departed before it was made, and Yamato left as it departed.
LATE_CREATED = T0 - timedelta(hours=2)
LATE_DEPARTS = T0 - timedelta(hours=4, microseconds=7)
YAMATO_LEFT = LATE_DEPARTS

# What each engine says when the index in question refuses a row.
ONE_SENT_TEAM = r"UNIQUE constraint failed: assignment\.mission_id|uq_assignment_sent_mission"
ONE_ACTIVE_MEMBERSHIP = r"UNIQUE constraint failed: assignment_member\.shinobi_id|uq_assignment_member_active_shinobi"
ONE_TEAM_THE_OLD_WAY = r"UNIQUE constraint failed: assignment\.mission_id|uq_assignment_mission_id"
NO_SUCH_ASSIGNMENT = r"FOREIGN KEY constraint failed|fk_alert_assignment_id_assignment"

COUNTED = ("shinobi", "mission", "assignment", "assignment_member", "gate_event", "alert")


def _insert(conn: Connection, table: str, **values: Any) -> None:
    """A plain-SQL INSERT; datetimes bound as the project stores them (naive UTC on SQLite, timestamptz on
    PostgreSQL) and lists as JSON."""
    params = []
    for key, value in values.items():
        if isinstance(value, datetime):
            params.append(bindparam(key, type_=UTCDateTime()))
        elif isinstance(value, list):
            params.append(bindparam(key, type_=JSON()))
    cols = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks})").bindparams(*params), values)


def _seed_0004(engine: Engine) -> dict[str, int]:
    """Rows of the 0004 schema: an ended team and a going one, their members, gate events and an alert."""
    with engine.begin() as conn:
        for sid, name, rank in [(KAKASHI, "Kakashi", "jonin"), (NARUTO, "Naruto", "genin"), (SAKURA, "Sakura", "genin"),
                                (SAI, "Sai", "genin"), (YAMATO, "Yamato", "jonin"),
                                (SHIKAMARU, "Shikamaru", "chunin")]:
            _insert(conn, "shinobi", id=sid, name=name, rank=rank, clearance="public", status="active",
                    divisions=[], specialties=[], created_at=T0 - timedelta(days=30))
        for mid, title, status in [(ENDED_MISSION, "Escort Tazuna", "completed"),
                                   (GOING_MISSION, "Find the bells", "assigned"),
                                   (LATE_MISSION, "Scout the border", "assigned")]:
            _insert(conn, "mission", id=mid, title=title, rank="C", kind="escort", classification="public",
                    reward_ryo=50_000, min_team_size=2, status=status, posted_at=T0 - timedelta(days=10),
                    description=None, created_by="clerk", closed_at=None)
        _insert(conn, "assignment", id=ENDED, mission_id=ENDED_MISSION, departs_at=ENDED_DEPARTS,
                created_at=ENDED_CREATED, created_by="clerk", override_justification=None,
                ended_at=T0 - timedelta(days=2))
        _insert(conn, "assignment", id=GOING, mission_id=GOING_MISSION, departs_at=GOING_DEPARTS,
                created_at=GOING_CREATED, created_by="hokage", override_justification="short of hands",
                ended_at=None)
        _insert(conn, "assignment", id=LATE, mission_id=LATE_MISSION, departs_at=LATE_DEPARTS,
                created_at=LATE_CREATED, created_by="clerk", override_justification=None, ended_at=None)
        # Kakashi was on the ended team (no longer active) and is on the going one: the partial unique
        # index over active members must survive the table being rebuilt.
        for pos, sid in enumerate([KAKASHI, NARUTO]):
            _insert(conn, "assignment_member", assignment_id=ENDED, shinobi_id=sid, position=pos, active=False)
        for pos, sid in enumerate([SAKURA, SAI, KAKASHI]):
            _insert(conn, "assignment_member", assignment_id=GOING, shinobi_id=sid, position=pos, active=True)
        _insert(conn, "assignment_member", assignment_id=LATE, shinobi_id=YAMATO, position=0, active=True)
        gate = [
            (KAKASHI, "out", ENDED_DEPARTS),  # for the ended team, before the going one was made
            (NARUTO, "out", ENDED_DEPARTS),  # for the ended team: an inactive member gets no left_at
            (SAI, "out", GOING_CREATED - timedelta(hours=3)),  # before the going team existed: not a departure
            (SAKURA, "out", SAKURA_LEFT),  # her departure: the first out since the team was made
            (SAKURA, "in", SAKURA_LEFT + timedelta(hours=2)),
            (SAKURA, "out", SAKURA_LEFT + timedelta(hours=3)),  # a later one: MIN keeps the first
            (SAI, "in", T0 + timedelta(hours=1)),  # an `in` is no departure
            (KAKASHI, "out", KAKASHI_LEFT),  # exactly when the going team was made
            (YAMATO, "out", YAMATO_LEFT - timedelta(microseconds=1)),  # just before his late team departed
            (YAMATO, "out", YAMATO_LEFT),  # exactly when it departed, two hours before it was made
        ]
        for gid, (sid, direction, at) in enumerate(gate, start=1):
            _insert(conn, "gate_event", id=gid, direction=direction, at=at, shinobi_id=sid, logged_by="kotetsu",
                    logged_at=at, flagged=None, detainee_id=None)
        _insert(conn, "alert", id=1, recipient_id=YAMATO, kind="restriction_conflict", subject_shinobi_id=SAI,
                mission_id=GOING_MISSION, detainee_id=None, codes=["REST"], message="Sai is short of sleep",
                created_at=GOING_CREATED, read_at=None)
    return _counts(engine)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}


def _upgraded_from_0004_with_rows(database_url: str, to: str = "head") -> tuple[Engine, dict[str, int]]:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0004")
    counts = _seed_0004(engine)
    migrate.upgrade(engine, to)
    return engine, counts


def _members(conn: Connection) -> dict[tuple[int, int], dict[str, Any]]:
    q = text("SELECT assignment_id, shinobi_id, active, accepted_at, left_at, known_codes FROM assignment_member"
             ).columns(accepted_at=UTCDateTime(), left_at=UTCDateTime(), known_codes=JSON())
    return {(r.assignment_id, r.shinobi_id): r._asdict() for r in conn.execute(q)}


def test_0005_upgrades_a_0004_database_with_rows(database_url):
    engine, before = _upgraded_from_0004_with_rows(database_url, "0005")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0005"
            assignments = {r.id: r for r in conn.execute(
                text("SELECT id, mission_id, status, created_at FROM assignment").columns(created_at=UTCDateTime()))}
            assert {i: a.status for i, a in assignments.items()} == {ENDED: "closed", GOING: "active", LATE: "active"}

            members = _members(conn)
            assert set(members) == {(ENDED, KAKASHI), (ENDED, NARUTO), (GOING, SAKURA), (GOING, SAI), (GOING, KAKASHI),
                                    (LATE, YAMATO)}
            for (aid, _), m in members.items():
                assert m["accepted_at"] == assignments[aid].created_at
                assert m["known_codes"] == []
            assert members[(ENDED, KAKASHI)]["accepted_at"] == ENDED_CREATED
            assert members[(GOING, SAKURA)]["accepted_at"] == GOING_CREATED
            assert members[(LATE, YAMATO)]["accepted_at"] == LATE_CREATED
            assert {k: m["left_at"] for k, m in members.items()} == {
                (ENDED, KAKASHI): None, (ENDED, NARUTO): None,  # inactive members are left alone
                (GOING, SAKURA): SAKURA_LEFT, (GOING, SAI): None, (GOING, KAKASHI): KAKASHI_LEFT,
                (LATE, YAMATO): YAMATO_LEFT}
            assert {k: m["active"] for k, m in members.items()} == {
                (ENDED, KAKASHI): False, (ENDED, NARUTO): False,
                (GOING, SAKURA): True, (GOING, SAI): True, (GOING, KAKASHI): True, (LATE, YAMATO): True}

            assert "assignment_id" in {c["name"] for c in inspect(conn).get_columns("alert")}
            alerts = conn.execute(text("SELECT id, assignment_id, message FROM alert")).all()
            assert [(a.id, a.assignment_id, a.message) for a in alerts] == [(1, None, "Sai is short of sleep")]
            indexes = {ix["name"]: ix for ix in inspect(conn).get_indexes("assignment")}
            assert indexes["uq_assignment_sent_mission"]["unique"]
            assert "uq_assignment_mission_id" not in {u["name"] for u in inspect(conn).get_unique_constraints(
                "assignment")}
        assert _counts(engine) == before

        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # the pooled connection the migration ran on
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            fresh = make_engine(database_url)
            try:
                with fresh.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                    assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
                    assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            finally:
                fresh.dispose()
    finally:
        engine.dispose()


def _new_assignment(conn: Connection, aid: int, mission_id: int, status: str) -> None:
    _insert(conn, "assignment", id=aid, mission_id=mission_id, departs_at=T0 + timedelta(days=1), created_at=T0,
            created_by="naruto", override_justification=None, ended_at=None, status=status)


def test_after_0005_a_mission_gets_one_sent_team_and_any_number_of_proposals(database_url):
    engine, _ = _upgraded_from_0004_with_rows(database_url)
    try:
        for aid, mission_id, status in [(130, GOING_MISSION, "active"), (131, GOING_MISSION, "closed"),
                                        (132, ENDED_MISSION, "closed"), (133, ENDED_MISSION, "active")]:
            with pytest.raises(IntegrityError, match=ONE_SENT_TEAM), engine.begin() as conn:
                _new_assignment(conn, aid, mission_id, status)
        with engine.begin() as conn:  # proposals and declined ones are not counted
            for aid, mission_id, status in [(40, GOING_MISSION, "proposed"), (41, GOING_MISSION, "declined"),
                                            (42, GOING_MISSION, "proposed"), (43, ENDED_MISSION, "proposed"),
                                            (44, ENDED_MISSION, "declined")]:
                _new_assignment(conn, aid, mission_id, status)
            # a new proposal's members: no accepted_at yet, known_codes by the server default
            _insert(conn, "assignment_member", assignment_id=40, shinobi_id=NARUTO, position=0, active=False)
            _insert(conn, "assignment_member", assignment_id=40, shinobi_id=YAMATO, position=1, active=False,
                    accepted_at=T0)
        with engine.connect() as conn:
            members = _members(conn)
            assert members[(40, NARUTO)]["accepted_at"] is None and members[(40, NARUTO)]["known_codes"] == []
            assert members[(40, YAMATO)]["accepted_at"] == T0
            statuses = conn.execute(text("SELECT status, count(*) FROM assignment WHERE mission_id = :m "
                                         "GROUP BY status ORDER BY status"), {"m": GOING_MISSION}).all()
            assert [tuple(s) for s in statuses] == [("active", 1), ("declined", 1), ("proposed", 2)]
        # A new mission: its first sent team is allowed, a second is not.
        with engine.begin() as conn:
            _insert(conn, "mission", id=4, title="Rescue Gaara", rank="A", kind="rescue", classification="secret",
                    reward_ryo=900_000, min_team_size=3, status="open", posted_at=T0, threat="none", threat_count=0)
            _new_assignment(conn, 50, 4, "proposed")
            _new_assignment(conn, 51, 4, "active")
        with pytest.raises(IntegrityError, match=ONE_SENT_TEAM), engine.begin() as conn:
            _new_assignment(conn, 52, 4, "active")
        # The status defaults to active (the server default), so an insert without one is a sent team too.
        with pytest.raises(IntegrityError, match=ONE_SENT_TEAM), engine.begin() as conn:
            _insert(conn, "assignment", id=53, mission_id=4, departs_at=T0, created_at=T0)

        # A shinobi still cannot hold two active memberships: Sakura is active on the going team (even
        # though the gate has logged her out for it), Kakashi too (his ended membership is inactive), and
        # Yamato on the late team.
        for sid in (SAKURA, KAKASHI, YAMATO):
            with pytest.raises(IntegrityError, match=ONE_ACTIVE_MEMBERSHIP), engine.begin() as conn:
                _insert(conn, "assignment_member", assignment_id=51, shinobi_id=sid, position=0, active=True)
        with engine.begin() as conn:  # Shikamaru and Naruto are free
            _insert(conn, "assignment_member", assignment_id=51, shinobi_id=SHIKAMARU, position=0, active=True,
                    accepted_at=T0)
            _insert(conn, "assignment_member", assignment_id=51, shinobi_id=NARUTO, position=1, active=True,
                    accepted_at=T0)
        # a proposal's member marked active while active elsewhere
        with pytest.raises(IntegrityError, match=ONE_ACTIVE_MEMBERSHIP), engine.begin() as conn:
            _insert(conn, "assignment_member", assignment_id=42, shinobi_id=SHIKAMARU, position=0, active=True)

        # The alert's new reference is a foreign key.
        with engine.begin() as conn:
            conn.execute(text("UPDATE alert SET assignment_id = :a WHERE id = 1"), {"a": GOING})
        with pytest.raises(IntegrityError, match=NO_SUCH_ASSIGNMENT), engine.begin() as conn:
            conn.execute(text("UPDATE alert SET assignment_id = 999 WHERE id = 1"))
    finally:
        engine.dispose()


def test_the_repositories_read_a_migrated_village(database_url):
    engine, _ = _upgraded_from_0004_with_rows(database_url)
    try:
        with engine.begin() as conn:  # a proposal for the going mission does not hide its sent team
            _new_assignment(conn, 60, GOING_MISSION, "proposed")
            _insert(conn, "assignment_member", assignment_id=60, shinobi_id=YAMATO, position=0, active=False,
                    accepted_at=T0)
        uow = SqlUnitOfWork(engine)
        with uow.begin(write=False) as tx:
            going = tx.assignments.for_mission(GOING_MISSION)
            ended = tx.assignments.for_mission(ENDED_MISSION)
            late = tx.assignments.for_mission(LATE_MISSION)
            proposals = tx.assignments.proposals(mission_id=GOING_MISSION)
            booked = tx.assignments.booked([KAKASHI, NARUTO, SAKURA, SAI, YAMATO, SHIKAMARU])
            known = tx.assignments.known_codes(GOING)
        assert going is not None and going.id == GOING
        assert going.status is AssignmentStatus.ACTIVE
        assert going.shinobi_ids == (SAKURA, SAI, KAKASHI)
        assert set(going.accepted_ids) == {SAKURA, SAI, KAKASHI}
        assert going.left_ids == (SAKURA, KAKASHI)
        assert going.created_at == GOING_CREATED and going.departs_at == GOING_DEPARTS and going.ended_at is None
        assert going.awaiting_ids == ()
        assert ended is not None and ended.id == ENDED and ended.status is AssignmentStatus.CLOSED
        assert set(ended.accepted_ids) == {KAKASHI, NARUTO} and ended.left_ids == ()
        assert late is not None and late.status is AssignmentStatus.ACTIVE
        assert late.accepted_ids == (YAMATO,) and late.left_ids == (YAMATO,)
        assert [p.id for p in proposals] == [60] and proposals[0].status is AssignmentStatus.PROPOSED
        assert proposals[0].accepted_ids == (YAMATO,)
        # booked: active teams with a member the gate has not logged out (Sai on the going team; not the
        # late team, whose only member has left)
        assert [a.id for a in booked] == [GOING]
        assert known == {SAKURA: set(), SAI: set(), KAKASHI: set()}
    finally:
        engine.dispose()


def test_the_migrated_village_matches_the_tables(database_url):
    engine, _ = _upgraded_from_0004_with_rows(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    """As migrate.upgrade does it: on SQLite, foreign keys off around the batch rebuilds and checked before
    the commit."""
    cfg = migrate.alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, revision)
                if sqlite:
                    assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def test_0005_downgrades_to_0004_and_up_again(database_url):
    engine, before = _upgraded_from_0004_with_rows(database_url, "0005")
    try:
        with engine.begin() as conn:  # a proposal (dropped by the downgrade) and an alert naming a team
            _new_assignment(conn, 70, ENDED_MISSION, "declined")
            _new_assignment(conn, 71, GOING_MISSION, "proposed")
            _insert(conn, "assignment_member", assignment_id=71, shinobi_id=YAMATO, position=0, active=False)
            conn.execute(text("UPDATE alert SET assignment_id = :a WHERE id = 1"), {"a": GOING})
        _downgrade(engine, "0004")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"
            assert sorted(conn.execute(text("SELECT id FROM assignment")).scalars()) == [ENDED, GOING, LATE]
            assert "status" not in {c["name"] for c in inspect(conn).get_columns("assignment")}
            assert "assignment_id" not in {c["name"] for c in inspect(conn).get_columns("alert")}
        assert _counts(engine) == before
        # one team per mission, the old way: a plain unique constraint again
        with pytest.raises(IntegrityError, match=ONE_TEAM_THE_OLD_WAY), engine.begin() as conn:
            _insert(conn, "assignment", id=72, mission_id=GOING_MISSION, departs_at=T0, created_at=T0)

        migrate.upgrade(engine)
        with engine.connect() as conn:
            statuses = dict(conn.execute(text("SELECT id, status FROM assignment")).all())
            assert statuses == {ENDED: "closed", GOING: "active", LATE: "active"}
            left = {k: m["left_at"] for k, m in _members(conn).items() if m["left_at"] is not None}
            assert left == {(GOING, SAKURA): SAKURA_LEFT, (GOING, KAKASHI): KAKASHI_LEFT, (LATE, YAMATO): YAMATO_LEFT}
        assert _counts(engine) == before
    finally:
        engine.dispose()


def test_0006_replaces_the_lockout_with_the_throttle_and_back(database_url):
    engine, before = _upgraded_from_0004_with_rows(database_url, "0005")
    try:
        with engine.begin() as conn:
            _insert(conn, "login_failure", id=1, username="hokage", at=T0)
        migrate.upgrade(engine, "0006")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0006"
            tables = set(inspect(conn).get_table_names())
            assert {"login_throttle", "login_source"} <= tables and "login_failure" not in tables
        with engine.begin() as conn:
            _insert(conn, "login_throttle", scope="pair", subject="hokage\n10.0.0.5", failures=2, last_failure_at=T0,
                    noted=False)
        _downgrade(engine, "0005")
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert "login_failure" in tables and not {"login_throttle", "login_source"} & tables
        migrate.upgrade(engine)
        assert _counts(engine) == before
    finally:
        engine.dispose()
