"""The shapes of requests and responses. Shape only: meaning is checked by the domain."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ...domain.fitness import Verdict
from ...domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold
from ...domain.medical_records import Severity
from ...domain.missions import CasualtyStatus, Mission, Outcome
from ...domain.ranks import (
    AUTHORIZATIONS_NEEDED,
    Classification,
    MissionRank,
    MissionStatus,
    Role,
    ShinobiRank,
    ShinobiStatus,
)
from ...domain.risk import Threat
from ...domain.roster import Assignment, AssignmentStatus, Shinobi
from ...services.audit import AuditCheck
from ...services.gate import GateLogged

MAX_ID = 2**31 - 1  # ids are 32-bit on every engine
EARLIEST, LATEST = 1900, 9000  # years a record may be dated in


def in_range(t: datetime) -> datetime:
    if not EARLIEST <= t.year <= LATEST:
        raise ValueError(f"a time between the years {EARLIEST} and {LATEST}")
    return t


When = Annotated[AwareDatetime, AfterValidator(in_range)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Kind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


MAX_DEPTH = 16  # no body of the contract nests deeper than four; far deeper is an attack, not a request
MAX_ITEMS = 500  # the longest list a body may carry


def _check_body(value: Any) -> None:
    """Walk the body once, without recursion (a deep body must not exhaust the stack): refuse NUL characters
    in text and nesting deeper than MAX_DEPTH."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                raise ValueError("text may not contain NUL characters")
        elif isinstance(v, dict | list):
            if depth >= MAX_DEPTH:
                raise ValueError(f"the body nests deeper than {MAX_DEPTH} levels")
            stack.extend((x, depth + 1) for x in (v.values() if isinstance(v, dict) else v))


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _well_formed(cls, data: Any) -> Any:
        _check_body(data)
        return data


# -- errors: the one envelope of every 4xx and 5xx --------------------------------------------------------
class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[Any]


class ErrorEnvelope(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in ((400, "Bad request"), (401, "No or bad token"), (403, "A role that may not"),
                         (404, "Unknown, or not cleared to see"), (409, "Refused, or a clash with the current state"),
                         (410, "Gone (a destroyed brief)"), (422, "Invalid input"), (429, "Too many attempts"))
}


# -- auth ------------------------------------------------------------------------------------------
class TokenRequest(In):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type
    expires_at: AwareDatetime


# -- shinobi ---------------------------------------------------------------------------------------
class AccountCreate(In):
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,79}$")]
    password: Annotated[str, StringConstraints(max_length=1024)]
    roles: Annotated[list[Role], Field(max_length=4)] = []


class ShinobiCreate(In):
    name: Name
    rank: ShinobiRank
    clearance: Classification = Classification.PUBLIC
    divisions: Annotated[list[Slug], Field(max_length=20)] = []
    specialties: Annotated[list[Slug], Field(max_length=20)] = []
    account: AccountCreate | None = None


class ShinobiChange(In):
    """Only the fields given change."""

    name: Name | None = None
    rank: ShinobiRank | None = None
    clearance: Classification | None = None
    divisions: Annotated[list[Slug], Field(max_length=20)] | None = None
    specialties: Annotated[list[Slug], Field(max_length=20)] | None = None


class ShinobiRead(BaseModel):
    id: int
    name: str
    rank: ShinobiRank
    clearance: Classification
    divisions: list[str]
    specialties: list[str]
    status: ShinobiStatus
    partner_ids: list[int]
    username: str | None = None

    @classmethod
    def of(cls, s: Shinobi) -> ShinobiRead:
        return cls(id=s.id, name=s.name, rank=s.rank, clearance=s.clearance, divisions=list(s.divisions),
                   specialties=list(s.specialties), status=s.status, partner_ids=list(s.partner_ids),
                   username=s.username)


class PartnerCreate(In):
    partner_id: Id


class SleepCreate(In):
    start: When
    end: When


class SleepRead(BaseModel):
    id: int | None = None
    shinobi_id: int
    start: AwareDatetime
    end: AwareDatetime
    hours: float


# -- medical ---------------------------------------------------------------------------------------
class RestrictionCreate(In):
    kind: RestrictionKind
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    starts_at: When
    ends_at: When | None = None
    status: RestrictionStatus = RestrictionStatus.RECOMMENDED
    injury_id: Id | None = None


class RestrictionRead(BaseModel):
    id: int
    shinobi_id: int
    kind: RestrictionKind
    status: str
    reason: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None
    lifted_at: AwareDatetime | None
    injury_id: int | None = None
    note: str | None = None  # written on lifting, as a welfare hold's

    @classmethod
    def of(cls, r: Restriction) -> RestrictionRead:
        return cls(id=r.id, shinobi_id=r.shinobi_id, kind=r.kind,
                   status="lifted" if r.lifted_at is not None else r.status.value, reason=r.reason,
                   starts_at=r.starts_at, ends_at=r.ends_at, lifted_at=r.lifted_at, injury_id=r.injury_id,
                   note=r.lift_note)


class LiftRequest(In):
    at: When
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class HoldCreate(In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    since: When


class HoldLift(In):
    at: When
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class HoldRead(BaseModel):
    id: int
    shinobi_id: int
    reason: str
    since: AwareDatetime
    lifted_at: AwareDatetime | None
    note: str | None
    status: Literal["active", "lifted"]

    @classmethod
    def of(cls, h: WelfareHold) -> HoldRead:
        return cls(id=h.id, shinobi_id=h.shinobi_id, reason=h.reason, since=h.since, lifted_at=h.lifted_at,
                   note=h.lift_note, status="lifted" if h.lifted_at else "active")


# -- missions --------------------------------------------------------------------------------------
class MissionCreate(In):
    title: Name
    rank: MissionRank
    kind: Kind
    classification: Classification = Classification.PUBLIC
    reward_ryo: int | None = Field(default=None, le=10**12)
    min_team_size: int | None = Field(default=None, le=100)
    posted_at: When | None = None
    description: Text | None = None
    threat: Threat = Threat.NONE
    threat_count: Annotated[int, Field(ge=0, le=10_000)] = 0


class AssignmentRead(BaseModel):
    id: int
    mission_id: int
    shinobi_ids: list[int]
    departs_at: AwareDatetime
    created_at: AwareDatetime
    created_by: str | None
    overridden: bool
    override_justification: str | None
    active: bool  # sent and not yet reported (status "active")
    status: AssignmentStatus
    accepted_ids: list[int]  # members who said yes (all of them once sent)
    awaiting_ids: list[int]  # members whose answer to the proposal is awaited
    left_ids: list[int]  # members the gate has logged out for it

    @classmethod
    def of(cls, a: Assignment) -> AssignmentRead:
        return cls(id=a.id, mission_id=a.mission_id, shinobi_ids=list(a.shinobi_ids), departs_at=a.departs_at,
                   created_at=a.created_at, created_by=a.created_by,
                   overridden=a.override_justification is not None,
                   override_justification=a.override_justification, active=a.status is AssignmentStatus.ACTIVE,
                   status=a.status, accepted_ids=list(a.accepted_ids), awaiting_ids=list(a.awaiting_ids),
                   left_ids=list(a.left_ids))


class MissionRead(BaseModel):
    id: int
    title: str
    rank: MissionRank
    kind: str
    classification: Classification
    reward_ryo: int
    min_team_size: int
    status: MissionStatus
    posted_at: AwareDatetime
    description: str | None
    authorized_by: list[str]
    authorizations_needed: int
    threat: Threat
    threat_count: int
    suggested_reward_ryo: int | None = None
    team: AssignmentRead | None = None

    @classmethod
    def of(cls, m: Mission, assignment: Assignment | None = None, suggested: int | None = None) -> MissionRead:
        return cls(id=m.id, title=m.title, rank=m.rank, kind=m.kind, classification=m.classification,
                   reward_ryo=m.reward_ryo, min_team_size=m.min_team_size, status=m.status, posted_at=m.posted_at,
                   description=m.description, authorized_by=list(m.authorized_by),
                   authorizations_needed=AUTHORIZATIONS_NEEDED[m.rank], threat=m.threat,
                   threat_count=m.threat_count, suggested_reward_ryo=suggested,
                   team=AssignmentRead.of(assignment) if assignment else None)


class Override(In):
    justification: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class AssignmentCreate(In):
    shinobi_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    departs_at: When | None = None
    override: Override | None = None


class CasualtyIn(In):
    shinobi_id: Id
    status: CasualtyStatus
    injury: InjuryIn | None = None


class SpecimenIn(In):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ReportCreate(In):
    outcome: Outcome
    at: When
    summary: Text | None = None
    casualties: Annotated[list[CasualtyIn], Field(max_length=MAX_ITEMS)] = []
    specimens: Annotated[list[SpecimenIn], Field(max_length=MAX_ITEMS)] = []


# -- fitness ---------------------------------------------------------------------------------------
class ReasonRead(BaseModel):
    shinobi_id: int | None = None
    code: str
    message: str
    overridable: bool
    clears_at: AwareDatetime | None = None  # when the record behind it stops refusing; null when none says


class FatigueRead(BaseModel):
    level: Literal["fit", "caution", "unfit", "unknown"]
    kss: float | None
    effectiveness: float | None
    kss_with_inertia: float | None
    effectiveness_with_inertia: float | None
    hours_awake: float | None
    estimated: bool = False  # on a history estimated from the gate and audit logs: no sleep logged
    basis: str | None = None  # the records the estimate rests on, in words


class FitnessRead(BaseModel):
    shinobi_id: int
    mission_id: int | None
    at: AwareDatetime
    fit: bool
    reasons: list[ReasonRead]
    warnings: list[str]
    fatigue: FatigueRead

    @classmethod
    def of(cls, shinobi_id: int, mission_id: int | None, at, v: Verdict) -> FitnessRead:
        f = v.fatigue

        def r(x: float | None, n: int = 2) -> float | None:
            return None if x is None else round(x, n)

        return cls(shinobi_id=shinobi_id, mission_id=mission_id, at=at, fit=v.fit,
                   reasons=[ReasonRead(shinobi_id=x.shinobi_id, code=x.code.value, message=x.message,
                                       overridable=x.overridable, clears_at=x.clears_at) for x in v.reasons],
                   warnings=list(v.warnings),
                   fatigue=FatigueRead(level=cast(Any, f.level), kss=r(f.kss), effectiveness=r(f.effectiveness, 1),
                                       kss_with_inertia=r(f.kss_with_inertia),
                                       effectiveness_with_inertia=r(f.effectiveness_with_inertia, 1),
                                       hours_awake=r(f.hours_awake), estimated=f.estimated, basis=f.basis))


# -- gate ------------------------------------------------------------------------------------------
class GateEventCreate(In):
    direction: Literal["in", "out"]
    at: When
    shinobi_ids: Annotated[list[Id], Field(max_length=500)] = []
    detainee_ids: Annotated[list[Id], Field(max_length=500)] = []
    override: Override | None = None  # the hokage's, for members of a booked team refused at the gate


class GateFlagRead(BaseModel):
    code: str
    shinobi_id: int | None = None
    detainee_id: int | None = None


class GateEventsRead(BaseModel):
    event_ids: list[int]
    direction: Literal["in", "out"]
    at: AwareDatetime
    shinobi_ids: list[int]
    detainee_ids: list[int]
    flags: list[GateFlagRead]

    @classmethod
    def of(cls, g: GateLogged) -> GateEventsRead:
        return cls(event_ids=list(g.event_ids), direction=g.direction.value, at=g.at, shinobi_ids=list(g.shinobi_ids),
                   detainee_ids=list(g.detainee_ids),
                   flags=[GateFlagRead(code=f.code, shinobi_id=f.shinobi_id, detainee_id=f.detainee_id)
                          for f in g.flags])


class PersonRef(BaseModel):
    id: int
    name: str


# -- custody ---------------------------------------------------------------------------------------
class CustodyCreate(In):
    name: Name
    origin: Annotated[str, StringConstraints(max_length=200)] | None = None
    at: When
    escort_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    in_village: bool = False


class TransferCreate(In):
    to_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    at: When


class AudienceCreate(In):
    with_: Literal["hokage"] = Field(alias="with")
    at: When


class AudienceDecision(In):
    decision: Literal["granted", "declined"]
    at: When
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class CustodyEnd(In):
    outcome: Literal["released", "transferred_out"]
    at: When
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


# -- medical records -------------------------------------------------------------------------------
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class InjuryCreate(In):
    body_part: Short
    kind: Short
    severity: Severity
    at: When
    notes: Text | None = None
    mission_id: Id | None = None


class InjuryIn(In):
    body_part: Short = "unspecified"
    kind: Short = "reported injured"
    severity: Severity = Severity.UNKNOWN
    notes: Text | None = None


class TreatmentCreate(In):
    kind: Short = "healing_session"
    at: When
    injury_id: Id | None = None
    notes: Text | None = None


class MedicationCreate(In):
    drug: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)]
    amount: Annotated[float, Field(gt=0, le=1000)] = 1
    unit: Short = "dose"
    at: When
    injury_id: Id | None = None


class NoteCreate(In):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    at: When


CasualtyIn.model_rebuild()
ReportCreate.model_rebuild()


# -- the audit log ------------------------------------------------------------------------------------------
class AuditEntryRead(BaseModel):
    seq: int
    at: AwareDatetime
    actor: str | None
    action: str
    target: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class CheckpointRead(BaseModel):
    """A signed checkpoint, kept outside the database: the log's size and head hash at a time."""

    entries: int
    head_hash: str
    at: AwareDatetime


class AuditVerifyRead(BaseModel):
    ok: bool
    entries: int
    first_bad_seq: int | None
    first_bad_reason: str | None = Field(
        description="MISSING, OUT_OF_ORDER, LINK_BROKEN, HASH_MISMATCH, DUPLICATE_KEY or DETAILS_INVALID")
    problem: Literal["CHAIN_BROKEN", "TRUNCATED", "REWRITTEN", "CHECKPOINT_FORGED", "CHECKPOINT_INVALID"] | None
    checkpoints: Literal["not_configured", "none_yet", "checked"] = Field(
        description="not_configured: no key or folder, so no checkpoint guards the tail; none_yet: none written")
    checkpoint: CheckpointRead | None = Field(description="the newest checkpoint, held against (signature good)")
    walked_from: int = Field(0, description="the walk began after this seq (the checkpoint's), 0 when it walked "
                                            "the whole chain")
    message: str

    @classmethod
    def of(cls, c: AuditCheck) -> AuditVerifyRead:
        cp = c.checkpoint
        return cls(ok=c.ok, entries=c.entries, first_bad_seq=c.first_bad_seq, first_bad_reason=c.reason,
                   problem=cast(Any, c.problem), checkpoints=cast(Any, c.checkpoints),  # validated here
                   checkpoint=CheckpointRead(entries=cp.entries, head_hash=cp.head_hash, at=cp.at) if cp else None,
                   walked_from=c.walked_from, message=c.summary)


# -- one's own account (the password and the sessions) ---------------------------------------------------
class PasswordChange(In):
    current: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class PasswordChanged(BaseModel):
    sessions_revoked: int = Field(description="the account's other sessions, signed out by the change")


class SessionRead(BaseModel):
    id: int
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    source: str | None = Field(description="the address the session was issued to, when known")
    current: bool = Field(description="the session making this request")


class SessionsRevoke(In):
    all_but_current: bool = False
    id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SessionsRevoke:
        if (self.id is None) == (not self.all_but_current):
            raise ValueError('give {"all_but_current": true} or {"id": n}, one of them')
        return self


class SessionsRevoked(BaseModel):
    revoked: int


# -- the clerk's changes to a mission ------------------------------------------------------------------
class MissionChange(In):
    """Only the fields given change; `"description": null` clears it. The rank is not edited (a different rank
    is a different mission: cancel it and post anew), nor the posting time."""

    title: Name | None = None
    kind: Kind | None = None
    classification: Classification | None = None
    reward_ryo: int | None = Field(default=None, le=10**12)
    min_team_size: int | None = Field(default=None, le=100)
    description: Text | None = None
    threat: Threat | None = None
    threat_count: Annotated[int, Field(ge=0, le=10_000)] | None = None


class MissionCancel(In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
