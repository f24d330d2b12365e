"""The guarantees live in the database, not only in Python: the rows themselves refuse."""
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from missiondesk.domain.ranks import Classification, MissionRank, MissionStatus, ShinobiRank

NOW = datetime(2026, 3, 14, 6, 30, tzinfo=UTC)


def seed(tx):
    people = [tx.shinobi.add(name=f"S{i}", rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=[],
                             specialties=[], now=NOW) for i in range(3)]
    missions = [tx.missions.add(title=f"M{i}", rank=MissionRank.D, kind="chores", classification=Classification.PUBLIC,
                                reward_ryo=5000, min_team_size=1, status=MissionStatus.OPEN, posted_at=NOW,
                                description=None, by=None) for i in range(2)]
    return people, missions


def test_a_shinobi_cannot_hold_two_active_assignments(runtime):
    with runtime.uow.begin(write=True) as tx:
        people, missions = seed(tx)
        tx.assignments.add(mission_id=missions[0], shinobi_ids=[people[0]], departs_at=NOW, by=None,
                           justification=None, now=NOW)
        with pytest.raises(IntegrityError):
            tx.assignments.add(mission_id=missions[1], shinobi_ids=[people[0]], departs_at=NOW, by=None,
                               justification=None, now=NOW)


def test_a_mission_cannot_get_two_teams(runtime):
    with runtime.uow.begin(write=True) as tx:
        people, missions = seed(tx)
        tx.assignments.add(mission_id=missions[0], shinobi_ids=[people[0]], departs_at=NOW, by=None,
                           justification=None, now=NOW)
        with pytest.raises(IntegrityError):
            tx.assignments.add(mission_id=missions[0], shinobi_ids=[people[1]], departs_at=NOW, by=None,
                               justification=None, now=NOW)


def test_an_ended_assignment_frees_its_members(runtime):
    with runtime.uow.begin(write=True) as tx:
        people, missions = seed(tx)
        a = tx.assignments.add(mission_id=missions[0], shinobi_ids=[people[0]], departs_at=NOW, by=None,
                               justification=None, now=NOW)
        tx.assignments.end(a.id, NOW)
        tx.assignments.add(mission_id=missions[1], shinobi_ids=[people[0]], departs_at=NOW, by=None,
                           justification=None, now=NOW)
        assert tx.assignments.on_active_assignment(people) == {people[0]}


def test_a_failed_use_case_leaves_nothing_behind(runtime):
    with runtime.uow.begin(write=True) as tx:
        seed(tx)  # never committed
    with runtime.uow.begin(write=False) as tx:
        assert tx.shinobi.list() != [] and len(tx.shinobi.list()) == 1  # only the bootstrap hokage
