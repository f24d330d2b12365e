"""Custody of detainees: a chain of custodians in time order, audience requests, release."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import Conflict, Invalid


class DetaineeStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    TRANSFERRED_OUT = "transferred_out"


class AudienceStatus(StrEnum):
    OPEN = "open"
    GRANTED = "granted"
    DECLINED = "declined"


@dataclass(frozen=True)
class Link:
    """From `at`, these shinobi hold the detainee (until the next link or the release)."""

    id: int
    custodian_ids: tuple[int, ...]
    at: datetime
    by: str | None = None


@dataclass(frozen=True)
class AudienceRequest:
    id: int
    with_: str
    at: datetime
    status: AudienceStatus = AudienceStatus.OPEN
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Detainee:
    id: int
    name: str
    origin: str | None
    status: DetaineeStatus
    detained_since: datetime
    chain: tuple[Link, ...] = ()
    audience_requests: tuple[AudienceRequest, ...] = ()
    ended_at: datetime | None = None
    end_note: str | None = None

    @property
    def custodian_ids(self) -> tuple[int, ...]:
        return self.chain[-1].custodian_ids if self.chain and self.status is DetaineeStatus.HELD else ()

    def held_for(self, now: datetime) -> timedelta:
        end = self.ended_at if self.ended_at is not None else now
        return max(end - self.detained_since, timedelta(0))

    def custodians_at(self, t: datetime) -> tuple[int, ...]:
        if t < self.detained_since or (self.ended_at is not None and t >= self.ended_at):
            return ()
        current: tuple[int, ...] = ()
        for link in self.chain:
            if link.at <= t:
                current = link.custodian_ids
        return current


def check_custodians(ids: tuple[int, ...]) -> None:
    if not ids:
        raise Invalid("name at least one custodian", code="CUSTODIANS_REQUIRED")
    if len(set(ids)) != len(ids):
        raise Invalid("a custodian is named twice", code="CUSTODIAN_DUPLICATE")


def check_transfer(d: Detainee, custodian_ids: tuple[int, ...], at: datetime) -> None:
    """A transfer continues the chain: the detainee is still held, and time moves forward."""
    check_custodians(custodian_ids)
    if d.status is not DetaineeStatus.HELD:
        raise Conflict(f"detainee {d.id} is {d.status.value}; a custody chain ends there",
                       code="DETAINEE_NOT_HELD")
    last = d.chain[-1].at if d.chain else d.detained_since
    if at <= last:
        raise Invalid(f"a transfer must come after the last link ({last.isoformat()})",
                      code="CUSTODY_TIME_BEFORE_LAST_LINK", details=[{"last_link_at": last.isoformat()}])
    if set(custodian_ids) == set(d.custodian_ids):
        raise Invalid("the detainee is already held by exactly these custodians", code="CUSTODY_UNCHANGED")


def check_release(d: Detainee, at: datetime) -> None:
    if d.status is not DetaineeStatus.HELD:
        raise Conflict(f"detainee {d.id} is already {d.status.value}", code="DETAINEE_NOT_HELD")
    last = d.chain[-1].at if d.chain else d.detained_since
    if at < last:
        raise Invalid(f"a release cannot come before the last link ({last.isoformat()})",
                      code="CUSTODY_TIME_BEFORE_LAST_LINK")


def check_audience_request(d: Detainee, at: datetime) -> None:
    if d.status is not DetaineeStatus.HELD:
        raise Conflict(f"detainee {d.id} is {d.status.value}", code="DETAINEE_NOT_HELD")
    if at < d.detained_since:
        raise Invalid("an audience request cannot come before the intake", code="TIME_BEFORE_INTAKE")


def check_decision(r: AudienceRequest, at: datetime) -> None:
    if r.status is not AudienceStatus.OPEN:
        raise Conflict(f"audience request {r.id} was already {r.status.value}", code="AUDIENCE_ALREADY_DECIDED")
    if at < r.at:
        raise Invalid("a decision cannot come before the request", code="TIME_BEFORE_REQUEST")
