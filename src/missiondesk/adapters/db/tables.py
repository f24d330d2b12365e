"""Table rows. Separate from domain objects; the repositories convert between them."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class ShinobiRow(Base):
    __tablename__ = "shinobi"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str] = mapped_column(String(20))
    clearance: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    divisions: Mapped[list[Any]] = mapped_column(default=list)
    specialties: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class AccountRow(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), unique=True)
    created_at: Mapped[datetime]


class TokenRow(Base):
    __tablename__ = "token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the bearer token
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(String(100))  # the address it was issued to, when known


class PartnerRow(Base):
    """One row per direction, so each shinobi's partners are one indexed lookup."""

    __tablename__ = "partner"
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    linked_at: Mapped[datetime]


class SleepEpisodeRow(Base):
    __tablename__ = "sleep_episode"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    logged_by: Mapped[str | None] = mapped_column(String(80))
    logged_at: Mapped[datetime]
    __table_args__ = (Index("ix_sleep_episode_shinobi_end", "shinobi_id", "end_at"),)


class SleepDigestRow(Base):
    """A shinobi's recent sleep log packed in one row (adapters/db/sleep_digest.py), written with each episode."""

    __tablename__ = "sleep_digest"
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    episodes: Mapped[bytes] = mapped_column(LargeBinary)
    complete_after_us: Mapped[int] = mapped_column(BigInteger)


class GateDigestRow(Base):
    """A shinobi's recent gate log packed in one row (adapters/db/gate_digest.py), written with each event."""

    __tablename__ = "gate_digest"
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    events: Mapped[bytes] = mapped_column(LargeBinary)
    complete_after_us: Mapped[int] = mapped_column(BigInteger)


class RosterVersionRow(Base):
    """One row: moved on by triggers (migration 0013) with every change to shinobi, account, sleep_digest and
    gate_digest, in the writing transaction; the roster's columns are kept in the process under it."""

    __tablename__ = "roster_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class RestrictionRow(Base):
    __tablename__ = "restriction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lift_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    injury_id: Mapped[int | None] = mapped_column(ForeignKey("injury.id"))
    filed_by: Mapped[str | None] = mapped_column(String(80))
    filed_at: Mapped[datetime | None]


class WelfareHoldRow(Base):
    __tablename__ = "welfare_hold"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"))
    lifted_at: Mapped[datetime | None]
    lift_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class MissionRow(Base):
    __tablename__ = "mission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str] = mapped_column(String(1))
    kind: Mapped[str] = mapped_column(String(60))
    classification: Mapped[str] = mapped_column(String(20))
    reward_ryo: Mapped[int] = mapped_column(BigInteger)
    min_team_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), index=True)
    posted_at: Mapped[datetime]
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None]
    threat: Mapped[str] = mapped_column(String(20), server_default="none")
    threat_count: Mapped[int] = mapped_column(Integer, server_default="0")


class AuthorizationRow(Base):
    __tablename__ = "mission_authorization"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("mission_id", "account_id", name="uq_mission_authorization_mission_account"),)


class AssignmentRow(Base):
    """A team for a mission: `proposed` until every member has accepted, then `active` (sent), `closed`
    after the report, or `declined`. One team is sent per mission, ever: the partial unique index keeps
    a mission to one `active` or `closed` assignment whatever races the acceptances run; proposals
    and declined ones are not counted."""

    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    departs_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(80))
    override_justification: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    __table_args__ = (
        Index("uq_assignment_sent_mission", "mission_id", unique=True,
              sqlite_where=sql("status IN ('active', 'closed')"),
              postgresql_where=sql("status IN ('active', 'closed')")),
    )


class AssignmentMemberRow(Base):
    """A member of a team. `active` from the moment the team is sent until the mission is reported;
    the partial unique index keeps any shinobi on at most one active assignment, whatever races the
    requests run. `accepted_at`: when the member said yes (the proposer and an office-sent team at
    once); `left_at`: when the gate logged them out for it; `known_codes`: the reasons already known
    for them (overridden at booking, or told to the office since), so that a later record alerts the
    office once for each new reason."""

    __tablename__ = "assignment_member"
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    accepted_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    known_codes: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    __table_args__ = (
        Index("uq_assignment_member_active_shinobi", "shinobi_id", unique=True,
              sqlite_where=sql("active"), postgresql_where=sql("active")),
        Index("ix_assignment_member_shinobi_id", "shinobi_id"),
    )


class ReportRow(Base):
    __tablename__ = "report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    summary: Mapped[str | None] = mapped_column(Text)
    casualties: Mapped[list[Any]] = mapped_column(default=list)
    specimens: Mapped[list[Any]] = mapped_column(default=list)
    filed_by: Mapped[str | None] = mapped_column(String(80))
    filed_at: Mapped[datetime]


class MemorialRow(Base):
    __tablename__ = "memorial"
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    died_at: Mapped[datetime]
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"))
    rank: Mapped[str] = mapped_column(String(20))


class AlertRow(Base):
    __tablename__ = "alert"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_shinobi_id: Mapped[int | None] = mapped_column(ForeignKey("shinobi.id"))
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"))
    detainee_id: Mapped[int | None] = mapped_column(ForeignKey("detainee.id"))
    codes: Mapped[list[Any]] = mapped_column(default=list)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    # an alert that must be acknowledged belongs to a ladder (alert_ladder); `step` is the rung that sent it
    # (0 the first alerts, 1 the medic on duty, 2 the hokage); the office's copy is the hokage's at rung 0
    ladder_id: Mapped[int | None] = mapped_column(ForeignKey("alert_ladder.id"), index=True)
    step: Mapped[int | None] = mapped_column(Integer)
    office_copy: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_at: Mapped[datetime | None]


class AlertLadderRow(Base):
    """One duty-of-care call that someone must acknowledge: who it is about, on which mission, and how far
    it has climbed. The worker raises it a rung when it is due (started_at plus the policy's delays), in a
    transaction that claims the row; an acknowledgement of any alert on it stops it."""

    __tablename__ = "alert_ladder"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"))
    subjects: Mapped[dict[str, Any]] = mapped_column(default=dict)  # shinobi id (as text): the codes about them
    started_at: Mapped[datetime]
    step: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("shinobi.id"))
    acknowledged_alert_id: Mapped[int | None] = mapped_column(Integer)
    finished_at: Mapped[datetime | None]  # acknowledged, or the last rung sent
    __table_args__ = (Index("ix_alert_ladder_open", "finished_at", "started_at"),)


class WelfareReviewRow(Base):
    """A review a welfare hold placed by a report asks for (72 hours, 30 days after it began): the medics are
    alerted when it falls due, the desk lists it while it is overdue, and it is done when a medic records it
    (or the hold is lifted)."""

    __tablename__ = "welfare_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("welfare_hold.id"), index=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"))
    label: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    alerted_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_welfare_review_due", "done_at", "due_at"),)


class DeliveryRow(Base):
    """The outbox: one alert to one recipient by one channel, written with the alert; a worker claims it
    (`claimed_by` until `claimed_until`), sends it, and records the attempt. `due_at` is the next try."""

    __tablename__ = "delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(500))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoint.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, sent, failed
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    __table_args__ = (Index("ix_delivery_status_due_at", "status", "due_at"),)


class DeliveryAttemptRow(Base):
    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    at: Mapped[datetime]
    worker: Mapped[str] = mapped_column(String(100))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class AlertPreferenceRow(Base):
    """How one person wants to be reached beyond the page: which channels, an e-mail address, quiet hours
    (village time; never for DUTY_OF_CARE)."""

    __tablename__ = "alert_preference"
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)
    channels: Mapped[list[Any]] = mapped_column(default=list)
    email: Mapped[str | None] = mapped_column(String(320))
    quiet_from: Mapped[str | None] = mapped_column(String(5))
    quiet_to: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime]


class WebhookEndpointRow(Base):
    """A URL one person's alerts are posted to, signed with its own secret."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class MedicShiftRow(Base):
    """The medics' duty roster: who is on call from when to when (an escalation's second rung)."""

    __tablename__ = "medic_shift"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_medic_shift_ends_at", "ends_at"),)


class GateEventRow(Base):
    __tablename__ = "gate_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime]
    shinobi_id: Mapped[int | None] = mapped_column(ForeignKey("shinobi.id"))
    detainee_id: Mapped[int | None] = mapped_column(ForeignKey("detainee.id"))
    logged_by: Mapped[str | None] = mapped_column(String(80))
    logged_at: Mapped[datetime]
    flagged: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (Index("ix_gate_event_shinobi_at", "shinobi_id", "at"),
                      Index("ix_gate_event_detainee_at", "detainee_id", "at"),
                      Index("ix_gate_event_at", "at"))


class DetaineeRow(Base):
    __tablename__ = "detainee"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    detained_since: Mapped[datetime]
    in_village: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None]
    end_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class CustodyLinkRow(Base):
    """One link of a chain of custody: from `at`, these custodians hold the detainee."""

    __tablename__ = "custody_link"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    detainee_id: Mapped[int] = mapped_column(ForeignKey("detainee.id"), index=True)
    at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class CustodyCustodianRow(Base):
    __tablename__ = "custody_custodian"
    link_id: Mapped[int] = mapped_column(ForeignKey("custody_link.id"), primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), primary_key=True)


class AudienceRequestRow(Base):
    __tablename__ = "audience_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    detainee_id: Mapped[int] = mapped_column(ForeignKey("detainee.id"), index=True)
    with_: Mapped[str] = mapped_column("with", String(20))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)


class InjuryRow(Base):
    __tablename__ = "injury"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    body_part: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("mission.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime]


class TreatmentRow(Base):
    __tablename__ = "treatment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    medic_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"))
    injury_id: Mapped[int | None] = mapped_column(ForeignKey("injury.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]


class MedicationRow(Base):
    __tablename__ = "medication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    drug: Mapped[str] = mapped_column(String(100))
    amount: Mapped[float]
    unit: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    injury_id: Mapped[int | None] = mapped_column(ForeignKey("injury.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime]


class MedicalNoteRow(Base):
    __tablename__ = "medical_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shinobi_id: Mapped[int] = mapped_column(ForeignKey("shinobi.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime]


class BriefRow(Base):
    """A mission's classified brief. `text` is erased (NULL) when the brief is destroyed; who, when
    and why stay. At most one brief per mission is not destroyed."""

    __tablename__ = "brief"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"))
    text: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    destroyed_at: Mapped[datetime | None]
    destroyed_by: Mapped[str | None] = mapped_column(String(80))
    destroy_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("uq_brief_live_mission", "mission_id", unique=True,
              sqlite_where=sql("destroyed_at IS NULL"), postgresql_where=sql("destroyed_at IS NULL")),
    )


class LoginThrottleRow(Base):
    """Failed sign-ins counted under one key (an account from one address, an address, an account), in the
    database so that every app server sees the same count; `noted` once a refusal during the current hold
    is on the audit log (the further ones are not written one by one)."""

    __tablename__ = "login_throttle"
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime]
    noted: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_login_throttle_last_failure_at", "last_failure_at"),)


class LoginSourceRow(Base):
    """An address an account signed in from, and when last: the account-wide throttle does not hold it."""

    __tablename__ = "login_source"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_success_at: Mapped[datetime]


class RiskModelRow(Base):
    """The risk model fitted from the village's reports; the newest row is in use."""

    __tablename__ = "risk_model"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fitted_at: Mapped[datetime]
    reports: Mapped[int] = mapped_column(Integer)
    success: Mapped[list[Any]]
    casualty: Mapped[list[Any]]
    calibration: Mapped[dict[str, Any]]


class AuditRow(Base):
    """The append-only audit log; `seq` is contiguous and each `hash` chains the last."""

    __tablename__ = "audit_entry"
    # an account's acts in a time window: the estimate's awake moments, read for the roster (services/fitness)
    __table_args__ = (Index("ix_audit_entry_actor_at", "actor", "at"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str | None] = mapped_column(String(80), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
