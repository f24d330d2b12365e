"""The pure rules of alerts (domain/alerts.py): the ladder's timing, quiet hours, retries, shifts, inputs."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missiondesk.domain.alerts import (
    AlertPolicy,
    MedicShift,
    Preferences,
    QuietHours,
    check_channels,
    check_shift,
    check_webhook_url,
    on_duty,
)
from missiondesk.domain.errors import Invalid

DAWN = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)
TZ = ZoneInfo("Asia/Tokyo")


def test_the_ladder_is_due_at_ten_then_twenty_minutes_and_ends():
    p = AlertPolicy()
    assert p.step_due(DAWN, 0) == DAWN + timedelta(minutes=10)
    assert p.step_due(DAWN, 1) == DAWN + timedelta(minutes=20)
    assert p.step_due(DAWN, 2) is None
    short = AlertPolicy(escalate_after=timedelta(seconds=3), then_after=timedelta(seconds=5))
    assert short.step_due(DAWN, 1) == DAWN + timedelta(seconds=8)


def test_retries_double_up_to_the_cap_then_give_up():
    p = AlertPolicy(max_attempts=12)
    delays = [p.retry_at(DAWN, n) - DAWN for n in range(1, 12)]
    assert delays[:4] == [timedelta(seconds=s) for s in (2, 4, 8, 16)]
    assert max(delays) == p.retry_cap and delays == sorted(delays)
    assert p.retry_at(DAWN, 12) is None


@pytest.mark.parametrize("start,end,local,quiet", [
    ("22:00", "07:00", "23:30", True), ("22:00", "07:00", "06:59", True), ("22:00", "07:00", "07:00", False),
    ("22:00", "07:00", "21:59", False), ("13:00", "14:00", "13:30", True), ("13:00", "14:00", "14:00", False),
])
def test_quiet_hours_across_midnight_and_within_a_day(start, end, local, quiet):
    assert QuietHours.parse(start, end).contains(time.fromisoformat(local)) is quiet


def test_only_a_duty_of_care_call_breaks_the_quiet():
    prefs = Preferences(channels=("email",), email="a@b.c", quiet=QuietHours.parse("22:00", "07:00"))
    at = datetime(2026, 3, 14, 23, 30, tzinfo=TZ)  # 23:30 in the village
    assert prefs.send_at("DUTY_OF_CARE", at, TZ) == at
    assert prefs.send_at("TEAM_PROPOSAL", at, TZ) == datetime(2026, 3, 15, 7, 0, tzinfo=TZ)
    assert Preferences().send_at("TEAM_PROPOSAL", at, TZ) == at


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
       st.times(), st.times())
def test_the_quiet_ends_within_a_day_and_outside_the_hours(at, a, b):
    a, b = a.replace(second=0, microsecond=0), b.replace(second=0, microsecond=0)
    if a == b:
        return
    q = QuietHours(a, b)
    end = q.ends_after(at, TZ)
    assert at <= end <= at + timedelta(days=1)
    assert not q.contains(end.astimezone(TZ).time().replace(tzinfo=None))


@pytest.mark.parametrize("start,end", [("22:00", None), ("7am", "09:00"), ("06:00", "06:00")])
def test_quiet_hours_need_two_different_times(start, end):
    with pytest.raises(Invalid) as e:
        QuietHours.parse(start, end)
    assert e.value.code == "QUIET_HOURS_INVALID"


def test_channels_and_addresses():
    assert check_channels(("email", "webhook", "email"), "a@b.c") == ("email", "webhook")
    for channels, email, code in [(("pigeon",), None, "CHANNEL_UNKNOWN"), (("email",), None, "EMAIL_REQUIRED"),
                                  ((), "not-an-address", "EMAIL_INVALID"), ((), "a b@c.d", "EMAIL_INVALID")]:
        with pytest.raises(Invalid) as e:
            check_channels(channels, email)
        assert e.value.code == code
    assert check_webhook_url(" https://pager.example/x ") == "https://pager.example/x"
    with pytest.raises(Invalid):
        check_webhook_url("ftp://pager.example/x")


def test_who_is_on_call():
    shifts = [MedicShift(1, 10, DAWN - timedelta(hours=8), DAWN), MedicShift(2, 11, DAWN, DAWN + timedelta(hours=8)),
              MedicShift(3, 11, DAWN - timedelta(hours=1), DAWN + timedelta(hours=1)),
              MedicShift(4, 12, DAWN - timedelta(hours=2), DAWN + timedelta(hours=2))]
    assert on_duty(shifts, DAWN) == [11, 12]  # a shift ends as the next begins; one medic listed once
    with pytest.raises(Invalid):
        check_shift(DAWN, DAWN)
    with pytest.raises(Invalid) as e:
        check_shift(DAWN, DAWN + timedelta(days=8))
    assert e.value.code == "SHIFT_TOO_LONG"
