from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain import missions as rules
from missiondesk.domain.errors import Conflict, Invalid
from missiondesk.domain.missions import Casualty, CasualtyStatus, Mission
from missiondesk.domain.ranks import Classification, MissionRank, MissionStatus

T = datetime(2026, 3, 14, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("rank,requested,expected", [
    ("D", None, 1), ("C", None, 2), ("B", None, 2), ("A", None, 3), ("S", None, 4),
    ("D", 1, 1), ("B", 1, 1), ("A", 2, 2), ("S", 2, 2), ("S", 6, 6),
])
def test_team_sizes(rank, requested, expected):
    assert rules.team_size_for(MissionRank(rank), requested) == expected


@pytest.mark.parametrize("rank,requested", [("A", 1), ("S", 1), ("D", 0), ("C", -3)])
def test_team_sizes_refused(rank, requested):
    with pytest.raises(Invalid) as e:
        rules.team_size_for(MissionRank(rank), requested)
    assert e.value.code == "TEAM_SIZE_INVALID"


@pytest.mark.parametrize("rank,requested,code", [
    ("D", -1, "REWARD_NEGATIVE"), ("D", 4_999, "REWARD_OUT_OF_BAND"), ("D", 50_001, "REWARD_OUT_OF_BAND"),
    ("S", 999_999, "REWARD_OUT_OF_BAND"), ("A", 1_000_001, "REWARD_OUT_OF_BAND"),
])
def test_rewards_refused(rank, requested, code):
    with pytest.raises(Invalid) as e:
        rules.reward_for(MissionRank(rank), requested)
    assert e.value.code == code


@pytest.mark.parametrize("rank,requested,expected", [
    ("D", None, 5_000), ("D", 50_000, 50_000), ("S", 3_000_000, 3_000_000), ("B", 120_000, 120_000),
])
def test_rewards_in_band(rank, requested, expected):
    assert rules.reward_for(MissionRank(rank), requested) == expected


def mission(rank: str, signed=(), status=MissionStatus.PENDING_AUTHORIZATION) -> Mission:
    return Mission(id=1, title="t", rank=MissionRank(rank), kind="k", classification=Classification.PUBLIC,
                   reward_ryo=1, min_team_size=2, status=status, posted_at=T, authorized_by=tuple(signed))


def test_initial_status_by_rank():
    assert [rules.initial_status(MissionRank(r)).value for r in "DCBAS"] == [
        "open", "open", "open", "pending_authorization", "pending_authorization"]


def test_a_opens_on_one_signature_s_on_two_distinct():
    assert rules.authorize(mission("A"), "homura") is MissionStatus.OPEN
    assert rules.authorize(mission("S"), "homura") is MissionStatus.PENDING_AUTHORIZATION
    assert rules.authorize(mission("S", ["homura"]), "koharu") is MissionStatus.OPEN
    with pytest.raises(Conflict) as e:
        rules.authorize(mission("S", ["homura"]), "homura")
    assert e.value.code == "ALREADY_AUTHORIZED"
    with pytest.raises(Conflict) as e:
        rules.authorize(mission("B", status=MissionStatus.OPEN), "homura")
    assert e.value.code == "AUTHORIZATION_NOT_NEEDED"


def test_report_checks():
    team = frozenset({1, 2, 3})
    rules.check_report(team, T, T, (Casualty(1, CasualtyStatus.KIA),))
    with pytest.raises(Invalid, match="before"):
        rules.check_report(team, T, T - timedelta(minutes=1), ())
    with pytest.raises(Invalid) as e:
        rules.check_report(team, T, T, (Casualty(9, CasualtyStatus.KIA),))
    assert e.value.code == "CASUALTY_NOT_ON_TEAM"
    with pytest.raises(Invalid) as e:
        rules.check_report(team, T, T, (Casualty(1, CasualtyStatus.KIA), Casualty(1, CasualtyStatus.MIA)))
    assert e.value.code == "CASUALTY_DUPLICATE"


@given(st.sets(st.integers(1, 30), min_size=1, max_size=14), st.data())
def test_survivors_of_a_loss_are_held_and_no_one_else(team, data):
    statuses = data.draw(st.dictionaries(st.sampled_from(sorted(team)), st.sampled_from(list(CasualtyStatus))))
    casualties = tuple(Casualty(s, c) for s, c in statuses.items())
    held = rules.survivors_to_hold(frozenset(team), casualties)
    lost = {s for s, c in statuses.items() if c in rules.LOST}
    if lost:
        assert held == frozenset(team) - lost
    else:
        assert held == frozenset()
