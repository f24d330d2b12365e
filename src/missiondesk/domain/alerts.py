"""Alerts that must wake someone: the ladder, quiet hours, retries, the medics' roster. Pure rules, no I/O.

A DUTY_OF_CARE alert (an at-risk shinobi refused an A/S mission) goes at once to their partners and, as the
office's copy, to the hokage. If nobody acknowledges any of them, it climbs: after `escalate_after` to the
medic on duty (every medic, when the roster names nobody), after `then_after` more to the hokage. Each rung
is a new alert on the same ladder; an acknowledgement of any alert on it stops the climb.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from .errors import Invalid

DUTY_OF_CARE = "DUTY_OF_CARE"
WELFARE_REVIEW_DUE = "WELFARE_REVIEW_DUE"
ALWAYS_LOUD = frozenset({DUTY_OF_CARE})  # quiet hours never hold these back
MUST_ACKNOWLEDGE = frozenset({DUTY_OF_CARE})

CHANNELS = ("email", "webhook")  # beyond the page, which every alert is on

# a welfare hold placed by a report is reviewed this long after it began
WELFARE_REVIEWS = (("72 hours", timedelta(hours=72)), ("30 days", timedelta(days=30)))

# the rungs of a ladder, after the first alerts
MEDIC_ON_DUTY = 1
HOKAGE = 2
LAST_STEP = HOKAGE


@dataclass(frozen=True)
class AlertPolicy:
    escalate_after: timedelta = timedelta(minutes=10)  # first alerts → the medic on duty
    then_after: timedelta = timedelta(minutes=10)  # the medic on duty → the hokage
    retry_first: timedelta = timedelta(seconds=2)  # a failed delivery is tried again after this, doubling
    retry_cap: timedelta = timedelta(minutes=10)
    max_attempts: int = 15  # then the delivery is given up (failed), kept with every attempt
    # a claimed delivery not recorded by then is claimed again; a live worker renews its claims every third of
    # it (a heartbeat), so a slow receiver keeps its claim and a killed worker's is free within seconds
    lease: timedelta = timedelta(seconds=4)

    def step_due(self, started_at: datetime, step_done: int) -> datetime | None:
        """When the rung after `step_done` is due, or None when the last has been sent."""
        if step_done == 0:
            return started_at + self.escalate_after
        if step_done == MEDIC_ON_DUTY:
            return started_at + self.escalate_after + self.then_after
        return None

    def retry_at(self, now: datetime, attempts: int) -> datetime | None:
        """After `attempts` failed tries: when to try again, or None to give up."""
        if attempts >= self.max_attempts:
            return None
        delay = self.retry_first * 2 ** max(attempts - 1, 0)
        return now + min(delay, self.retry_cap)


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` village time (across midnight when end <= start), nothing but ALWAYS_LOUD."""
    start: time
    end: time

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> QuietHours | None:
        if not start and not end:
            return None
        if not start or not end:
            raise Invalid("quiet hours need both a start and an end (HH:MM)", code="QUIET_HOURS_INVALID")
        try:
            a, b = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            raise Invalid(f"quiet hours are HH:MM, not {start!r}–{end!r}", code="QUIET_HOURS_INVALID") from None
        if a == b:
            raise Invalid("quiet hours must not start and end at the same minute", code="QUIET_HOURS_INVALID")
        return cls(a.replace(second=0, microsecond=0), b.replace(second=0, microsecond=0))

    def contains(self, t: time) -> bool:
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def ends_after(self, at: datetime, tz: tzinfo) -> datetime:
        """The first moment at or after `at` outside these hours."""
        local = at.astimezone(tz)
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return at
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(at.tzinfo)


@dataclass(frozen=True)
class Preferences:
    """How one person is reached beyond the page."""
    channels: tuple[str, ...] = ()
    email: str | None = None
    quiet: QuietHours | None = None

    def wants(self, channel: str) -> bool:
        return channel in self.channels

    def send_at(self, kind: str, at: datetime, tz: tzinfo) -> datetime:
        """When a delivery of this kind, raised at `at`, may go out."""
        if self.quiet is None or kind in ALWAYS_LOUD:
            return at
        return self.quiet.ends_after(at, tz)


def check_channels(channels: tuple[str, ...], email: str | None) -> tuple[str, ...]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise Invalid(f"unknown channel(s) {', '.join(unknown)}: choose from {', '.join(CHANNELS)}",
                      code="CHANNEL_UNKNOWN")
    if "email" in channels and not email:
        raise Invalid("e-mail delivery needs an e-mail address", code="EMAIL_REQUIRED")
    if email is not None and ("@" not in email or email.startswith("@") or email.endswith("@") or " " in email):
        raise Invalid(f"{email!r} is not an e-mail address", code="EMAIL_INVALID")
    return tuple(dict.fromkeys(channels))


@dataclass(frozen=True)
class MedicShift:
    id: int
    shinobi_id: int
    starts_at: datetime
    ends_at: datetime
    created_by: str | None = None

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def check_shift(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise Invalid("a shift ends after it starts", code="INTERVAL_INVALID")
    if ends_at - starts_at > timedelta(days=7):
        raise Invalid("a shift is at most 7 days long", code="SHIFT_TOO_LONG")


def on_duty(shifts: list[MedicShift], at: datetime) -> list[int]:
    """The medics whose shift covers `at` (each once, in the order of their shifts)."""
    return list(dict.fromkeys(s.shinobi_id for s in shifts if s.covers(at)))


@dataclass(frozen=True)
class Ladder:
    id: int
    kind: str
    mission_id: int | None
    subjects: dict[int, tuple[str, ...]]  # shinobi id: the codes about them
    started_at: datetime
    step: int
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class WelfareReview:
    id: int
    hold_id: int
    shinobi_id: int
    label: str
    due_at: datetime
    alerted_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    note: str | None = None

    def overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at <= now


@dataclass(frozen=True)
class WebhookEndpoint:
    id: int
    shinobi_id: int
    url: str
    created_at: datetime
    secret: str = field(default="", repr=False)


def check_webhook_url(url: str) -> str:
    url = url.strip()
    if not (url.startswith("https://") or url.startswith("http://")) or len(url) > 500 or " " in url:
        raise Invalid("a webhook is an http:// or https:// URL of at most 500 characters", code="URL_INVALID")
    return url
