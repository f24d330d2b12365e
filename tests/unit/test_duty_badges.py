"""The roster's duty badges of one person: every one that applies, in one order, the fatigue level last."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.fitness import BADGES, DUTY_BADGES, FATIGUE_LEVELS, badge_columns, duty_badges


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


people = st.lists(st.tuples(st.fixed_dictionaries({b: st.booleans() for b in DUTY_BADGES}),
                            st.sampled_from(FATIGUE_LEVELS)), max_size=30)


@given(people)
def test_the_roster_columns_give_each_person_the_badges_the_rule_gives(rows):
    """badge_columns (a whole roster at once) against the rule stated for one person, as the first release
    wrote it: the fallen alone; else every duty badge, then the level when a concern or when nothing else."""
    def stated(flags: dict[str, bool], level: str) -> tuple[str, ...]:
        if flags["fallen"]:
            return ("fallen",)
        out = tuple(b for b in DUTY_BADGES if flags[b])
        return out + (level,) if level in ("unfit", "caution") or not out else out

    masks = {b: np.array([f[b] for f, _ in rows], dtype=bool) for b in DUTY_BADGES}
    cols = badge_columns(masks, np.array([lv for _, lv in rows], dtype=object))
    for i, (flags, level) in enumerate(rows):
        assert tuple(b for b in BADGES if cols[b][i]) == stated(flags, level) == duty_badges(flags, level)
