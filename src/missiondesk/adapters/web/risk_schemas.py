"""The shapes of the risk model and of a mission's recommended team."""
from __future__ import annotations

from pydantic import AwareDatetime, BaseModel

from ...domain.risk import RiskModel, casualty_cost
from ...services.risk import MIN_REPORTS_TO_FIT, Pick, Recommendation


class SuccessCoefficientsRead(BaseModel):
    intercept: float
    log_strength_ratio: float
    sensor: float


class CasualtyCoefficientsRead(BaseModel):
    intercept: float
    log_strength_ratio: float  # the casualty risk falls as the team outweighs the threat: shown with its sign
    medic: float


class ReliabilityBinRead(BaseModel):
    predicted: float
    observed: float
    count: int


class CalibrationRead(BaseModel):
    brier: float
    n: int
    reliability: list[ReliabilityBinRead]


class RiskModelRead(BaseModel):
    source: str  # "prior" or "fitted"
    reports: int  # the reports it was fitted from
    success: SuccessCoefficientsRead
    casualty: CasualtyCoefficientsRead
    calibration: dict[str, CalibrationRead]  # per equation ("success", "casualty"), once fitted; {} for the prior
    refit_from_reports: int

    @classmethod
    def of(cls, m: RiskModel) -> RiskModelRead:
        return cls(source=m.source, reports=m.reports,
                   success=SuccessCoefficientsRead(intercept=m.success[0], log_strength_ratio=m.success[1],
                                                   sensor=m.success[2]),
                   casualty=CasualtyCoefficientsRead(intercept=m.casualty[0], log_strength_ratio=-m.casualty[1],
                                                     medic=-m.casualty[2]),
                   calibration={name: CalibrationRead.model_validate(c) for name, c in m.calibration.items()},
                   refit_from_reports=MIN_REPORTS_TO_FIT)


class PickRead(BaseModel):
    shinobi_id: int
    name: str
    strength: float
    why: str

    @classmethod
    def of(cls, p: Pick) -> PickRead:
        return cls(shinobi_id=p.member.id, name=p.name, strength=round(p.strength, 2), why=p.why)


class ShortfallRead(BaseModel):
    needed: int
    eligible: int
    kept_out_by: dict[str, int]  # how many shinobi each reason keeps out


class RecommendationRead(BaseModel):
    mission_id: int
    departs_at: AwareDatetime
    model: str
    eligible: int
    team: list[PickRead]
    success_probability: float | None
    casualty_probability: float | None
    expected_value_ryo: int | None
    worth_sending: bool | None
    casualty_cost_ryo: int
    runners_up: list[PickRead]
    shortfall: ShortfallRead | None  # when no team can be made

    @classmethod
    def of(cls, r: Recommendation) -> RecommendationRead:
        est, ev = r.estimate, r.expected_value
        return cls(mission_id=r.mission.id, departs_at=r.departs_at, model=r.model, eligible=r.eligible,
                   team=[PickRead.of(p) for p in r.team],
                   success_probability=round(est.success, 4) if est else None,
                   casualty_probability=round(est.casualty, 4) if est else None,
                   expected_value_ryo=round(ev) if ev is not None else None,
                   worth_sending=ev > 0 if ev is not None else None,
                   casualty_cost_ryo=casualty_cost(r.mission.rank), runners_up=[PickRead.of(p) for p in r.runners_up],
                   shortfall=None if r.team else ShortfallRead(needed=r.mission.min_team_size, eligible=r.eligible,
                                                               kept_out_by=dict(r.shortfall)))
