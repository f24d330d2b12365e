from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain import risk
from missiondesk.domain.ranks import REWARD_BANDS, MissionRank, ShinobiRank
from missiondesk.domain.risk import Member, Threat

ranks = st.sampled_from(list(ShinobiRank))
members = st.builds(Member, id=st.integers(1, 10**6), rank=ranks,
                    specialties=st.lists(st.sampled_from(["sensor", "medical-ninjutsu", "escort", "taijutsu"]),
                                         max_size=2).map(tuple),
                    effectiveness=st.one_of(st.none(), st.floats(0, 110)))
teams = st.lists(members, min_size=1, max_size=6)
threats = st.sampled_from(list(Threat))


@given(teams, members, threats, st.integers(0, 30))
def test_another_member_never_lowers_success_nor_raises_casualty(team, extra, threat, count):
    before = risk.estimate(risk.PRIOR, team, "escort", threat, count)
    after = risk.estimate(risk.PRIOR, [*team, extra], "escort", threat, count)
    assert after.success >= before.success - 1e-12
    assert after.casualty <= before.casualty + 1e-12
    assert 0 < after.success < 1 and 0 < after.casualty < 1


@given(teams, threats, st.integers(0, 30))
def test_more_opposition_never_helps(team, threat, count):
    a = risk.estimate(risk.PRIOR, team, "escort", threat, count)
    b = risk.estimate(risk.PRIOR, team, "escort", threat, count + 1)
    assert b.success <= a.success + 1e-12 and b.casualty >= a.casualty - 1e-12


def test_a_medic_lowers_the_casualty_risk_and_a_sensor_raises_success():
    base = [Member(1, ShinobiRank.JONIN, effectiveness=95)]
    medic = [*base, Member(2, ShinobiRank.CHUNIN, ("medical-ninjutsu",), 95)]
    plain = [*base, Member(2, ShinobiRank.CHUNIN, (), 95)]
    sensor = [*base, Member(2, ShinobiRank.CHUNIN, ("sensor",), 95)]
    e = {k: risk.estimate(risk.PRIOR, t, "assassination", Threat.JONIN, 2)
         for k, t in (("medic", medic), ("plain", plain), ("sensor", sensor))}
    assert e["medic"].casualty < e["plain"].casualty
    assert e["sensor"].success > e["plain"].success


def test_the_priors_say_what_the_docstring_says():
    a0, a1, _ = risk.PRIOR.success
    assert abs(risk.sigmoid(a0) - 0.731) < 0.001            # an even fight succeeds 73% of the time
    assert abs(risk.sigmoid(a0 + a1 * 0.693) - 0.92) < 0.03   # twice the strength: about 94% (ln 2 ≈ 0.69)


@given(st.sampled_from(list(MissionRank)), st.floats(0.01, 0.99), st.floats(0.01, 0.99), st.floats(0, 0.2))
def test_the_suggested_reward_stays_in_band_and_rises_with_risk(rank, success, casualty, more):
    low, high = REWARD_BANDS[rank]
    a = risk.suggested_reward(rank, risk.Estimate(success, casualty, 1, 1))
    b = risk.suggested_reward(rank, risk.Estimate(max(0.0, success - more), min(1.0, casualty + more), 1, 1))
    assert low <= a <= (high or risk.S_SUGGESTION_CEILING)
    assert b >= a


def test_calibration_of_a_perfect_and_a_useless_forecast():
    perfect = risk.calibrate([1.0, 0.0, 1.0, 0.0], [True, False, True, False])
    assert perfect.brier == 0 and perfect.n == 4
    useless = risk.calibrate([0.5] * 4, [True, False, True, False])
    assert useless.brier == 0.25 and useless.bins == ((0.5, 0.5, 4),)
