"""The roster's duty badges of one person: every one that applies, in one order, the fatigue level last."""
import pytest

from missiondesk.domain.fitness import DUTY_BADGES, duty_badges


@pytest.mark.parametrize(("flags", "level", "expected"), [
    ({}, "fit", ("fit",)),
    ({}, "unknown", ("unknown",)),
    ({"on_hold": True, "resting": True, "rest_period": True}, "unfit", ("resting", "rest_period", "on_hold", "unfit")),
    ({"off_duty": True, "away": False}, "caution", ("off_duty", "caution")),
    ({"on_mission": True}, "fit", ("on_mission",)),  # fit says nothing beside a reason
    ({"fallen": True, "on_hold": True}, "unfit", ("fallen",)),  # the fallen: that badge alone
    (dict.fromkeys(DUTY_BADGES[1:], True), "unknown", DUTY_BADGES[1:]),
])
def test_duty_badges(flags, level, expected):
    assert duty_badges(flags, level) == expected
