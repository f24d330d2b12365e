"""When a record may say a thing happened: departures, sleep and reports against the service's clock."""
from datetime import UTC, datetime, timedelta

import pytest

from missiondesk.clock import ShiftedClock, SystemClock, clock_from
from missiondesk.domain import timing
from missiondesk.domain.errors import Invalid

NOW = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)
POSTED = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize("departs_at,office,judged_at,code", [
    (NOW + 10 * M, False, NOW + 10 * M, None),  # ahead: judged when it leaves
    (NOW - 10 * M, False, NOW, None),  # a form sent a little late: judged as leaving now
    (NOW - 15 * M, False, NOW, None),  # the edge of the grace
    (NOW - 16 * M, False, None, "DEPARTURE_IN_PAST"),
    (datetime(2025, 1, 1, tzinfo=UTC), False, None, "DEPARTURE_IN_PAST"),  # the past comes first for her
    (NOW - 16 * M, True, NOW - 16 * M, None),  # the office records what happened, judged then
    (datetime(2026, 3, 7, 6, tzinfo=UTC), True, datetime(2026, 3, 7, 6, tzinfo=UTC), None),
    (datetime(2025, 1, 1, tzinfo=UTC), True, None, "DEPARTURE_BEFORE_POSTING"),
    (POSTED - M, True, None, "DEPARTURE_BEFORE_POSTING"),
    (POSTED, True, POSTED, None),
])
def test_departures(departs_at, office, judged_at, code):
    if code is None:
        assert timing.check_departure(departs_at, now=NOW, posted_at=POSTED, office=office) == judged_at
    else:
        with pytest.raises(Invalid) as e:
            timing.check_departure(departs_at, now=NOW, posted_at=POSTED, office=office)
        assert e.value.code == code


@pytest.mark.parametrize("end,ahead,refused", [
    (NOW, False, False), (NOW + 5 * M, False, False), (NOW + 6 * M, False, True),
    (NOW + timedelta(hours=8), False, True), (NOW + timedelta(hours=8), True, False),
])
def test_sleep_is_logged_once_slept(end, ahead, refused):
    if refused:
        with pytest.raises(Invalid) as e:
            timing.check_sleep(end, now=NOW, ahead_allowed=ahead)
        assert e.value.code == "SLEEP_IN_FUTURE"
    else:
        timing.check_sleep(end, now=NOW, ahead_allowed=ahead)


def test_a_report_is_not_dated_ahead():
    timing.check_report_time(NOW + 5 * M, now=NOW)
    with pytest.raises(Invalid) as e:
        timing.check_report_time(NOW + 6 * M, now=NOW)
    assert e.value.code == "REPORT_IN_FUTURE"


def test_the_clock_starts_where_it_is_told_and_runs_on():
    c = clock_from("2026-03-14T06:20:00Z")
    assert isinstance(c, ShiftedClock)
    first, second = c.now(), c.now()
    assert NOW <= first <= second < NOW + timedelta(seconds=5) and first.tzinfo is not None
    assert isinstance(clock_from(None), SystemClock) and isinstance(clock_from("  "), SystemClock)
    assert clock_from("2026-03-14T08:20:00+02:00").now() >= NOW  # the same instant, another offset
    for bad in ("2026-03-14T06:20:00", "dawn"):
        with pytest.raises(ValueError, match="MISSIONDESK_CLOCK"):
            clock_from(bad)
