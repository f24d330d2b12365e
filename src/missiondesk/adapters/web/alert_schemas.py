"""The shapes of alerts and of what carries them: acknowledgement, preferences, webhooks, the medics' roster,
welfare reviews."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from ...domain.alerts import MedicShift, WebhookEndpoint
from ...services.alerts import AlertView, ContactView, ReviewView
from .schemas import Id, In, Text, When

HHMM = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class AlertRead(BaseModel):
    id: int
    kind: str
    subject_shinobi_id: int | None
    detainee_id: int | None
    mission_id: int | None  # only when the reader may see the mission
    assignment_id: int | None  # a proposal to answer, or a booked team at risk
    codes: list[str]
    created_at: AwareDatetime
    message: str
    read_at: AwareDatetime | None
    must_acknowledge: bool  # on a ladder: it climbs until someone acknowledges any alert on it
    ladder_id: int | None  # the alerts of one duty-of-care call, its escalations included, share it
    acknowledged_at: AwareDatetime | None  # by anyone on the ladder (or this alert's own, off a ladder)
    acknowledged_by: int | None  # the shinobi who stopped the ladder
    escalation_step: int | None  # 0 the first alerts, 1 the medic on duty, 2 the hokage
    office_copy: bool  # the hokage's copy of a duty-of-care call

    @classmethod
    def of(cls, v: AlertView) -> AlertRead:
        a = v.alert
        return cls(id=a.id, kind=a.kind, subject_shinobi_id=a.subject_shinobi_id, detainee_id=a.detainee_id,
                   mission_id=v.mission_id, assignment_id=a.assignment_id, codes=list(a.codes),
                   created_at=a.created_at, message=a.message, read_at=a.read_at,
                   must_acknowledge=a.ladder_id is not None, ladder_id=a.ladder_id, acknowledged_at=v.acknowledged_at,
                   acknowledged_by=v.acknowledged_by, escalation_step=a.step, office_copy=a.office_copy)


class QuietHoursIn(In):
    start: HHMM = Field(alias="from")
    end: HHMM = Field(alias="to")


class PreferencesIn(In):
    channels: Annotated[list[Literal["email", "webhook"]], Field(max_length=2)] = []
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] | None = None
    quiet_hours: QuietHoursIn | None = None  # village time; never for DUTY_OF_CARE


class QuietHoursRead(BaseModel):
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")


class WebhookRead(BaseModel):
    id: int
    url: str
    created_at: AwareDatetime

    @classmethod
    def of(cls, w: WebhookEndpoint) -> WebhookRead:
        return cls(id=w.id, url=w.url, created_at=w.created_at)


class WebhookCreated(WebhookRead):
    secret: str  # shown once: sign-checking key for this endpoint (adapters/delivery/webhook.py)

    @classmethod
    def of(cls, w: WebhookEndpoint) -> WebhookCreated:
        return cls(id=w.id, url=w.url, created_at=w.created_at, secret=w.secret)


class WebhookCreate(In):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class PreferencesRead(BaseModel):
    channels: list[str]
    email: str | None
    quiet_hours: QuietHoursRead | None
    webhooks: list[WebhookRead]

    @classmethod
    def of(cls, v: ContactView) -> PreferencesRead:
        p = v.preferences
        quiet = QuietHoursRead(start=p.quiet.start.strftime("%H:%M"), end=p.quiet.end.strftime("%H:%M")) \
            if p.quiet else None
        return cls(channels=list(p.channels), email=p.email, quiet_hours=quiet,
                   webhooks=[WebhookRead.of(w) for w in v.webhooks])


class MedicShiftCreate(In):
    shinobi_id: Id
    starts_at: When
    ends_at: When


class MedicShiftRead(BaseModel):
    id: int
    shinobi_id: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: str | None

    @classmethod
    def of(cls, s: MedicShift) -> MedicShiftRead:
        return cls(id=s.id, shinobi_id=s.shinobi_id, starts_at=s.starts_at, ends_at=s.ends_at,
                   created_by=s.created_by)


class ReviewDone(In):
    note: Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1)]


class WelfareReviewRead(BaseModel):
    id: int
    hold_id: int
    shinobi_id: int
    name: str
    label: str
    due_at: AwareDatetime
    alerted_at: AwareDatetime | None
    done_at: AwareDatetime | None
    done_by: str | None
    note: str | None

    @classmethod
    def of(cls, v: ReviewView) -> WelfareReviewRead:
        r = v.review
        return cls(id=r.id, hold_id=r.hold_id, shinobi_id=r.shinobi_id, name=v.name, label=r.label, due_at=r.due_at,
                   alerted_at=r.alerted_at, done_at=r.done_at, done_by=r.done_by, note=r.note)
