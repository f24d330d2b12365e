from datetime import UTC, datetime, timedelta

import pytest

from missiondesk.domain.medical_records import CHAKRA_PILL, Dose, pill_warning, pills_in_worst_window

T = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)


def pills(*hours: float, drug: str = CHAKRA_PILL) -> list[Dose]:
    return [Dose(drug=drug, amount=1, at=T + timedelta(hours=h)) for h in hours]


@pytest.mark.parametrize("hours,around,expected", [
    ((0, 1), 1, 2),                 # the two pills of the night: no warning
    ((0, 1, 2), 2, 3),              # a third within 24 h
    ((0, 1, 25), 25, 1),            # exactly 24 h later: the window (1 h, 25 h] holds one
    ((0, 2, 25), 25, 2),            # the first fell out of the window
    ((0, 23.9, 1), 1, 3),           # entered out of order
    ((10, 0, 5), 0, 3),             # a dose entered late, before the others: later windows count
])
def test_pills_in_the_worst_window(hours, around, expected):
    assert pills_in_worst_window(pills(*hours), T + timedelta(hours=around)) == expected


def test_the_warning_is_for_more_than_two():
    assert pill_warning(pills(0, 1), T + timedelta(hours=1)) is None
    assert "3 chakra pills" in pill_warning(pills(0, 1, 2), T + timedelta(hours=2))
    assert pill_warning(pills(0, 1, 2, drug="soldier_pill"), T + timedelta(hours=2)) is None
