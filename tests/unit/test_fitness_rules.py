"""The fitness rules, table-driven: each fact alone gives exactly its code, and all together all."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.fatigue import FatigueEstimate
from missiondesk.domain.fitness import (
    OVERRIDABLE,
    Code,
    FitnessPolicy,
    MissionFacts,
    ShinobiFacts,
    assess,
    assess_team,
)
from missiondesk.domain.gate import Direction, GateEvent
from missiondesk.domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold
from missiondesk.domain.ranks import Classification, MissionRank, MissionStatus, ShinobiRank, ShinobiStatus

DEPART = datetime(2026, 3, 14, 6, 30, tzinfo=UTC)
RESTED = FatigueEstimate(level="fit", kss=3.0, effectiveness=97.0, kss_with_inertia=3.0,
                         effectiveness_with_inertia=97.0, hours_awake=2.0)
EXHAUSTED = FatigueEstimate(level="unfit", kss=8.6, effectiveness=60.0, kss_with_inertia=9.0,
                            effectiveness_with_inertia=55.0, hours_awake=23.0)
UNKNOWN = FatigueEstimate(level="unknown", kss=None, effectiveness=None, kss_with_inertia=None,
                          effectiveness_with_inertia=None, hours_awake=None)
POLICY = FitnessPolicy()
JONIN = ShinobiFacts(id=1, name="Sakura", rank=ShinobiRank.JONIN, clearance=Classification.TOP_SECRET,
                     status=ShinobiStatus.ACTIVE)


def mission(rank="S", classification="public", status="open", size=2):
    return MissionFacts(id=9, rank=MissionRank(rank), classification=Classification(classification),
                        status=MissionStatus(status), min_team_size=size)


def rest(kind=RestrictionKind.REST, start=DEPART - timedelta(hours=3), end=None, lifted=None,
         status=RestrictionStatus.RECOMMENDED):
    return Restriction(id=1, shinobi_id=1, kind=kind, status=status, reason="r", starts_at=start, ends_at=end,
                       lifted_at=lifted)


def hold(since=DEPART - timedelta(days=100), lifted=None):
    return WelfareHold(id=1, shinobi_id=1, reason="squad lost", since=since, lifted_at=lifted)


def codes(facts, m=None, fatigue=RESTED):
    return {r.code for r in assess(facts, m if m is not None else mission(), DEPART, POLICY, fatigue).reasons}


CASES = [
    # (label, facts change, mission, fatigue, expected codes)
    ("fit", {}, mission(), RESTED, set()),
    ("genin on B", {"rank": ShinobiRank.GENIN}, mission("B"), RESTED, {Code.RANK_TOO_LOW}),
    ("chunin on B", {"rank": ShinobiRank.CHUNIN}, mission("B"), RESTED, set()),
    ("special jonin on A", {"rank": ShinobiRank.SPECIAL_JONIN}, mission("A"), RESTED, {Code.RANK_TOO_LOW}),
    ("academy on D", {"rank": ShinobiRank.ACADEMY}, mission("D"), RESTED, {Code.RANK_TOO_LOW}),
    ("kia", {"status": ShinobiStatus.KIA}, mission(), RESTED, {Code.NOT_AVAILABLE}),
    ("detained", {"status": ShinobiStatus.DETAINED}, mission(), RESTED, {Code.NOT_AVAILABLE}),
    ("retired", {"status": ShinobiStatus.RETIRED}, mission(), RESTED, {Code.NOT_AVAILABLE}),
    ("on another mission", {"on_assignment": True}, mission(), RESTED, {Code.ALREADY_ASSIGNED}),
    ("out of the village", {"last_gate_direction": "out"}, mission(), RESTED, {Code.NOT_IN_VILLAGE}),
    ("back in the village", {"last_gate_direction": "in"}, mission(), RESTED, set()),
    ("uncleared", {"clearance": Classification.SECRET}, mission(classification="top_secret"), RESTED,
     {Code.CLEARANCE_INSUFFICIENT}),
    ("rest recommended", {"restrictions": (rest(),)}, mission("D"), RESTED, {Code.MEDICAL_REST}),
    ("rest filed", {"restrictions": (rest(status=RestrictionStatus.FILED),)}, mission("D"), RESTED,
     {Code.MEDICAL_REST}),
    ("rest starts after departure", {"restrictions": (rest(start=DEPART + timedelta(minutes=1)),)}, mission(),
     RESTED, set()),
    ("rest lifted before departure", {"restrictions": (rest(lifted=DEPART),)}, mission(), RESTED, set()),
    ("rest ended before departure", {"restrictions": (rest(end=DEPART - timedelta(hours=1)),)}, mission(),
     RESTED, set()),
    ("light duty on B", {"restrictions": (rest(RestrictionKind.LIGHT_DUTY),)}, mission("B"), RESTED,
     {Code.MEDICAL_RESTRICTION}),
    ("light duty on C", {"restrictions": (rest(RestrictionKind.LIGHT_DUTY),)}, mission("C"), RESTED, set()),
    ("hold on S", {"holds": (hold(),)}, mission("S"), RESTED, {Code.WELFARE_HOLD}),
    ("hold on A", {"holds": (hold(),)}, mission("A"), RESTED, {Code.WELFARE_HOLD}),
    ("hold on B", {"holds": (hold(),)}, mission("B"), RESTED, set()),
    ("hold lifted", {"holds": (hold(lifted=DEPART - timedelta(days=1)),)}, mission("S"), RESTED, set()),
    ("hold placed after departure", {"holds": (hold(since=DEPART + timedelta(hours=1)),)}, mission("S"),
     RESTED, set()),
    ("exhausted on S", {}, mission("S"), EXHAUSTED, {Code.FATIGUE_UNFIT}),
    ("exhausted on D", {}, mission("D"), EXHAUSTED, {Code.FATIGUE_UNFIT}),
    ("unknown fatigue is never a reason", {}, mission("S"), UNKNOWN, set()),
]


@pytest.mark.parametrize("label,change,m,fatigue,expected", CASES, ids=[c[0] for c in CASES])
def test_each_fact_gives_its_code(label, change, m, fatigue, expected):
    assert codes(replace(JONIN, **change), m, fatigue) == expected


@pytest.mark.parametrize("rank,kss,e,refused", [
    ("S", 6.99, 85.0, False), ("S", 7.0, 95.0, True), ("S", 3.0, 84.9, True),
    ("A", 6.9, 86.0, False), ("B", 7.9, 77.5, False), ("B", 8.0, 90.0, True), ("C", 5.0, 77.4, True),
    ("D", 8.4, 70.0, False), ("D", 8.5, 90.0, True), ("D", 3.0, 69.9, True),
])
def test_fatigue_refusal_is_by_mission_rank(rank, kss, e, refused):
    f = FatigueEstimate(level="caution", kss=kss, effectiveness=e, kss_with_inertia=kss,
                        effectiveness_with_inertia=e, hours_awake=10.0)
    assert (Code.FATIGUE_UNFIT in codes(JONIN, mission(rank), f)) is refused


def test_the_night_of_the_incident_gives_every_reason_at_once():
    sakura = replace(JONIN, restrictions=(rest(),), holds=(hold(),))
    verdict = assess_team([sakura], mission("S", "top_secret", size=2), DEPART, POLICY, [EXHAUSTED])
    found = {(r.shinobi_id, r.code) for r in verdict.reasons}
    assert found == {(1, Code.MEDICAL_REST), (1, Code.FATIGUE_UNFIT), (1, Code.WELFARE_HOLD),
                     (None, Code.TEAM_TOO_SMALL)}
    assert verdict.blocking(override=True) == ()
    assert {r.code for r in verdict.blocking(override=False)} == {r.code for r in verdict.reasons}


def test_unknown_fatigue_is_a_warning():
    v = assess(JONIN, mission(), DEPART, POLICY, UNKNOWN)
    assert v.fit and v.warnings and "unknown" in v.warnings[0]


@pytest.mark.parametrize("status", ["pending_authorization", "assigned", "completed", "failed", "cancelled"])
def test_a_mission_not_open_refuses_the_team(status):
    v = assess_team([JONIN, replace(JONIN, id=2)], mission(status=status), DEPART, POLICY, [RESTED, RESTED])
    assert [r.code for r in v.team_reasons] == [Code.MISSION_NOT_OPEN]
    assert v.blocking(override=True) == v.team_reasons


def test_the_override_never_lifts_status_assignment_clearance_or_state():
    assert OVERRIDABLE.isdisjoint({Code.NOT_AVAILABLE, Code.ALREADY_ASSIGNED, Code.CLEARANCE_INSUFFICIENT,
                                   Code.MISSION_NOT_OPEN})


FACTS = st.fixed_dictionaries({}, optional={
    "rank": st.sampled_from(list(ShinobiRank)), "clearance": st.sampled_from(list(Classification)),
    "status": st.sampled_from(list(ShinobiStatus)), "on_assignment": st.booleans(),
    "last_gate_direction": st.sampled_from([None, "in", "out"]),
    "restrictions": st.lists(st.builds(rest, kind=st.sampled_from(list(RestrictionKind))), max_size=2).map(tuple),
    "holds": st.lists(st.builds(hold), max_size=1).map(tuple),
    # the gate log around the departure: trips, returns, repeats, events after it
    "gate": st.lists(st.tuples(st.integers(-10 * 24 * 60, 120), st.booleans()), max_size=5).map(
        lambda evs: tuple(GateEvent(i + 1, Direction.IN if inward else Direction.OUT, DEPART + timedelta(minutes=m))
                          for i, (m, inward) in enumerate(evs))),
})


@given(FACTS, st.sampled_from(list(MissionRank)), st.sampled_from(list(Classification)),
       st.sampled_from([RESTED, EXHAUSTED, UNKNOWN]))
def test_fit_exactly_when_no_reason_and_each_reason_once(change, rank, classification, fatigue):
    v = assess(replace(JONIN, **change), mission(rank.value, classification.value), DEPART, POLICY, fatigue)
    assert v.fit == (not v.reasons)
    assert len({r.code for r in v.reasons}) == len(v.reasons)
    assert all(r.shinobi_id == JONIN.id and r.message for r in v.reasons)


def gate(*events: tuple[datetime, str]) -> tuple[GateEvent, ...]:
    return tuple(GateEvent(i + 1, Direction(d), t) for i, (t, d) in enumerate(events))


WEEK_AWAY = gate((datetime(2026, 3, 7, 6, tzinfo=UTC), "out"), (datetime(2026, 3, 14, 3, tzinfo=UTC), "in"))


def test_back_from_a_week_away_at_three_rests_and_is_off_duty_each_until_a_time():
    v = assess(replace(JONIN, gate=WEEK_AWAY), mission("D", size=1), DEPART, POLICY, RESTED)
    by = {r.code: r for r in v.reasons}
    assert set(by) == {Code.REST_PERIOD, Code.DUTY_LIMIT}
    assert by[Code.REST_PERIOD].clears_at == datetime(2026, 3, 14, 13, tzinfo=UTC)
    assert by[Code.DUTY_LIMIT].clears_at == datetime(2026, 3, 15, 9, tzinfo=UTC)
    assert "165 h outside" in by[Code.REST_PERIOD].message and "3.5 h" in by[Code.DUTY_LIMIT].message
    assert {Code.REST_PERIOD, Code.DUTY_LIMIT} <= OVERRIDABLE
    # the same rules without a mission: they need none
    assert {r.code for r in assess(replace(JONIN, gate=WEEK_AWAY), None, DEPART, POLICY, RESTED).reasons} == set(by)


def test_when_a_rest_order_clears():
    def clears(*restrictions):
        (r,) = assess(replace(JONIN, restrictions=restrictions), mission("D", size=1), DEPART, POLICY, RESTED).reasons
        return r.clears_at

    noon = DEPART + timedelta(hours=6)
    assert clears(rest(end=noon)) == noon
    assert clears(rest()) is None  # open-ended: no record says
    assert clears(rest(end=noon), rest(start=noon, end=noon + timedelta(days=1))) == noon + timedelta(days=1)
    assert clears(rest(end=noon, lifted=DEPART + timedelta(hours=1))) == DEPART + timedelta(hours=1)
    (hold_reason,) = assess(replace(JONIN, holds=(hold(),)), mission("S", size=1), DEPART, POLICY, RESTED).reasons
    assert hold_reason.clears_at is None  # after a welfare review
