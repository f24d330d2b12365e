"""When a record may say a thing happened (CONTRACT, "Departure times").

A paper scroll takes any date it is given; the office does not. A departure more than a quarter
of an hour before now is a record of what already happened, which only the office (a clerk or the
hokage) writes; nobody departs before the mission was posted; nobody logs sleep they have not had
yet; a report is not dated in the future, nor before its team left. Pure functions: `now` is the
service's clock, passed in.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .errors import Invalid

PAST_DEPARTURE_GRACE = timedelta(minutes=15)  # a form filled in at the gate, sent a little late
FUTURE_RECORD_GRACE = timedelta(minutes=5)  # clocks that disagree a little


def fmt_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M %Z").strip()


def is_past_departure(departs_at: datetime, now: datetime) -> bool:
    return departs_at < now - PAST_DEPARTURE_GRACE


def check_departure(departs_at: datetime, *, now: datetime, posted_at: datetime, office: bool) -> datetime:
    """A departure no earlier than the mission's posting, and in the past only on the office's word.

    Returns the time the rules judge it at: the departure itself for the office (a record of what
    happened); for anyone else no earlier than now, so that the quarter hour of grace given to a form
    sent a little late never lets a rest order recorded within it be slipped under."""
    if is_past_departure(departs_at, now) and not office:
        raise Invalid(f"the departure ({fmt_time(departs_at)}) is in the past; only a clerk or the hokage records "
                      "a departure that already happened", code="DEPARTURE_IN_PAST",
                      details=[{"departs_at": departs_at.isoformat(), "now": now.isoformat()}])
    if departs_at < posted_at:
        raise Invalid(f"the departure ({fmt_time(departs_at)}) is before the mission was posted "
                      f"({fmt_time(posted_at)})",
                      code="DEPARTURE_BEFORE_POSTING",
                      details=[{"departs_at": departs_at.isoformat(), "posted_at": posted_at.isoformat()}])
    return departs_at if office else max(departs_at, now)


def check_sleep(end: datetime, *, now: datetime, ahead_allowed: bool = False) -> None:
    """Sleep is logged once it is slept: an episode may not end more than five minutes from now
    (`ahead_allowed`: the hokage's word, which may stand for what a medic has ordered)."""
    if end > now + FUTURE_RECORD_GRACE and not ahead_allowed:
        raise Invalid(f"the sleep ends at {fmt_time(end)}, which has not come yet; log sleep once it is slept",
                      code="SLEEP_IN_FUTURE", details=[{"end": end.isoformat(), "now": now.isoformat()}])


def check_report_time(at: datetime, *, now: datetime) -> None:
    """An after-action report tells what happened: not dated in the future."""
    if at > now + FUTURE_RECORD_GRACE:
        raise Invalid(f"the report is dated {fmt_time(at)}, which has not come yet", code="REPORT_IN_FUTURE",
                      details=[{"at": at.isoformat(), "now": now.isoformat()}])
