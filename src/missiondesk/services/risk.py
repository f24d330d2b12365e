"""Risk, price and recommendation: the model in use, its refit from the village's reports, the
best team for one mission, and the plan for the whole board."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain import risk as model_
from ..domain.access import Caller
from ..domain.errors import Invalid
from ..domain.fatigue import estimate_roster
from ..domain.fitness import FitnessPolicy, assess
from ..domain.missions import Mission
from ..domain.ranks import MissionStatus, Role, ShinobiRank, ShinobiStatus
from ..domain.risk import Estimate, Member, RiskModel
from . import authz
from .audit import record
from .fitness import HISTORY, gather_facts, mission_facts
from .missions import visible_mission
from .unit_of_work import Transaction, transactional

MIN_REPORTS_TO_FIT = 30
CASUALTY_COST = 1_000_000  # ryo: what the office counts a casualty as, against a reward


def current_model(tx: Transaction) -> RiskModel:
    return tx.risk.latest() or model_.PRIOR


# -- fitting ---------------------------------------------------------------------------------------------
@transactional(write=True)
def refit(tx: Transaction, caller: Caller, now: datetime, policy: FitnessPolicy) -> RiskModel:
    """Refit both logistic models on the village's reports (scikit-learn), keep the result with its
    calibration (Brier score, reliability curve), and use it from now on."""
    authz.require(tx, caller, "refitRisk")
    history = tx.risk.history()
    if len(history) < MIN_REPORTS_TO_FIT:
        raise Invalid(f"{len(history)} reports so far; the model is refitted from {MIN_REPORTS_TO_FIT} on",
                      code="TOO_FEW_REPORTS", details=[{"reports": len(history), "needed": MIN_REPORTS_TO_FIT}])
    x_s, y_s, x_c, y_c = _features(tx, history, policy)
    from sklearn.linear_model import LogisticRegression

    fit_s = LogisticRegression(C=1.0).fit(x_s, y_s) if len(set(y_s)) > 1 else None
    fit_c = LogisticRegression(C=1.0).fit(x_c, y_c) if len(set(y_c)) > 1 else None
    prior = model_.PRIOR
    success = (float(fit_s.intercept_[0]), float(fit_s.coef_[0][0]), float(fit_s.coef_[0][1])) if fit_s \
        else prior.success
    casualty = (float(fit_c.intercept_[0]), float(-fit_c.coef_[0][0]), float(-fit_c.coef_[0][1])) if fit_c \
        else prior.casualty
    fitted = RiskModel(success=success, casualty=casualty, source="fitted", reports=len(history))
    cal = _calibration(fitted, x_s, y_s, x_c, y_c)
    fitted = RiskModel(success=success, casualty=casualty, source="fitted", reports=len(history), calibration=cal)
    tx.risk.add(fitted, now)
    record(tx, now, caller, "risk.refitted", None, reports=len(history), success=list(success),
           casualty=list(casualty), brier_success=cal["success"]["brier"], brier_casualty=cal["casualty"]["brier"])
    tx.commit()
    return fitted


def _features(tx: Transaction, history: list[dict[str, Any]], policy: FitnessPolicy):
    x_s, y_s, x_c, y_c = [], [], [], []
    ids = sorted({m[0] for h in history for m in h["members"]})
    earliest = min(h["departs_at"] for h in history)
    sleep = tx.shinobi.sleep_many(ids, ending_after=earliest - HISTORY)
    for h in history:
        effs = estimate_roster([sleep[m[0]] for m in h["members"]], h["departs_at"], policy.tz)
        team = [Member(id=m[0], rank=ShinobiRank(m[1]), specialties=m[2], effectiveness=f.effectiveness)
                for m, f in zip(h["members"], effs, strict=True)]
        s = sum(model_.strength(t, h["kind"]) for t in team)
        x = model_.ratio(s, model_.opposition(model_.Threat(h["threat"]), h["threat_count"]))
        x_s.append([x, float(any(t.sensor for t in team))])
        y_s.append(int(h["outcome"] == "success"))
        x_c.append([x, float(any(t.medic for t in team))])
        y_c.append(int(any(c["status"] in ("kia", "mia", "injured") for c in h["casualties"])))
    return x_s, y_s, x_c, y_c


def _calibration(m: RiskModel, x_s, y_s, x_c, y_c) -> dict[str, Any]:
    a0, a1, a2 = m.success
    b0, b1, b2 = m.casualty
    ps = [model_.sigmoid(a0 + a1 * x + a2 * f) for x, f in x_s]
    pc = [model_.sigmoid(b0 - b1 * x - b2 * f) for x, f in x_c]
    out = {}
    for name, p, y in (("success", ps, y_s), ("casualty", pc, y_c)):
        cal = model_.calibrate(p, [bool(v) for v in y])
        out[name] = {"brier": cal.brier, "n": cal.n,
                     "reliability": [{"predicted": a, "observed": b, "count": n} for a, b, n in cal.bins]}
    return out


@transactional(write=False)
def describe_model(tx: Transaction, caller: Caller) -> RiskModel:
    return current_model(tx)


# -- one mission: the best eligible team -------------------------------------------------------------------
@dataclass(frozen=True)
class Pick:
    member: Member
    name: str
    strength: float
    why: str


@dataclass(frozen=True)
class Recommendation:
    mission: Mission
    departs_at: datetime
    team: tuple[Pick, ...]
    estimate: Estimate | None
    expected_value: float | None
    runners_up: tuple[Pick, ...]
    eligible: int
    shortfall: dict[str, int]   # when no team: how many shinobi each reason keeps out
    model: str


def _why(m: Member, s: float, name: str, kind: str) -> str:
    parts = [f"{m.rank.value.replace('_', ' ')}, strength {s:.1f}"]
    parts.append("effectiveness unknown" if m.effectiveness is None else f"effectiveness {m.effectiveness:.0f}%")
    if kind in m.specialties:
        parts.append(f"a {kind} specialist")
    if m.medic:
        parts.append("a medic: lowers the casualty risk")
    if m.sensor:
        parts.append("a sensor: lowers the ambush risk")
    return f"{name}: " + "; ".join(parts)


def best_team(candidates: list[tuple[Member, float]], size: int, kind: str, model: RiskModel, mission: Mission
              ) -> tuple[list[tuple[Member, float]], Estimate, float]:
    """The strongest `size`, then each swap of the weakest for the best medic or sensor left out,
    kept when the expected value improves. Candidates come sorted strongest first."""
    team = candidates[:size]
    rest = candidates[size:]

    def ev(t: list[tuple[Member, float]]) -> tuple[float, Estimate]:
        e = model_.estimate(model, [m for m, _ in t], kind, mission.threat, mission.threat_count)
        return model_.expected_value(mission.reward_ryo, e, CASUALTY_COST), e

    best_value, best_e = ev(team)
    for want in ("medic", "sensor"):
        if any(getattr(m, want) for m, _ in team):
            continue
        extra = next((c for c in rest if getattr(c[0], want)), None)
        if extra is None or not team:
            continue
        trial = [*team[:-1], extra]
        value, e = ev(trial)
        if value > best_value:
            team, best_value, best_e = trial, value, e
    return team, best_e, best_value


def available(tx: Transaction) -> list:
    """Who the desk may propose: active shinobi, but not the village's office holders (the hokage and
    the council), whom a clerk does not send; a person may still name them in a team."""
    people = [s for s in tx.shinobi.list() if s.status is ShinobiStatus.ACTIVE]
    roles = tx.accounts.roles_of_shinobi(s.id for s in people)
    return [s for s in people if not roles[s.id] & {Role.HOKAGE, Role.COUNCIL}]


@transactional(write=False)
def recommend(tx: Transaction, caller: Caller, mission_id: int, *, departs_at: datetime, policy: FitnessPolicy
              ) -> Recommendation:
    """Only shinobi who would pass every fitness rule at `departs_at`; the best team among them."""
    mission = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "recommendTeam", authz.mission_resource(mission.id, mission.classification))
    model = current_model(tx)
    people = available(tx)
    facts = gather_facts(tx, [s.id for s in people], departs_at)
    fatigue = estimate_roster([f.sleep for f in facts], departs_at, policy.tz)
    mf = mission_facts(mission)
    blocked: Counter = Counter()
    candidates: list[tuple[Member, float]] = []
    names = {s.id: s.name for s in people}
    for s, f, est in zip(people, facts, fatigue, strict=True):
        verdict = assess(f, mf, departs_at, policy, est)
        if verdict.reasons:
            blocked.update({r.code.value for r in verdict.reasons})
            continue
        m = Member(id=s.id, rank=s.rank, specialties=s.specialties, effectiveness=est.effectiveness)
        candidates.append((m, model_.strength(m, mission.kind)))
    candidates.sort(key=lambda c: (-c[1], c[0].id))
    size = mission.min_team_size
    if len(candidates) < size:
        return Recommendation(mission, departs_at, (), None, None, (), len(candidates), dict(blocked), model.source)
    team, e, value = best_team(candidates, size, mission.kind, model, mission)
    chosen = {m.id for m, _ in team}
    picks = tuple(Pick(m, names[m.id], s, _why(m, s, names[m.id], mission.kind)) for m, s in team)
    runners = tuple(Pick(m, names[m.id], s, _why(m, s, names[m.id], mission.kind))
                    for m, s in candidates if m.id not in chosen)[:3]
    return Recommendation(mission, departs_at, picks, e, value, runners, len(candidates), dict(blocked), model.source)



# -- the whole board: a plan ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedTeam:
    mission: Mission
    shinobi_ids: tuple[int, ...]
    estimate: Estimate
    expected_value: float


@dataclass(frozen=True)
class Plan:
    departs_at: datetime
    teams: tuple[PlannedTeam, ...]
    left_empty: tuple[int, ...]
    value: float
    upper_bound: float
    gap: float
    eligible_pairs: int
    stats: dict[str, float]


@transactional(write=False)
def plan_board(tx: Transaction, caller: Caller, *, departs_at: datetime, policy: FitnessPolicy,
               time_limit: float = 5.0, progress: Any = None) -> Plan:
    """A proposed assignment of available shinobi to the open missions the caller may see, maximising
    the expected value (reward × P(success) − casualty cost × P(casualty), counted per member); every
    mission fully staffed or left empty, nobody twice. Nothing is assigned: each team goes through the
    normal assignment, with every check, when a person accepts it."""
    import numpy as np

    from ..domain.planning import solve_plan

    authz.require(tx, caller, "planBoard")
    board = authz.filter_allowed(tx, caller, "viewMission", tx.missions.list(status=MissionStatus.OPEN),
                                 lambda m: authz.mission_resource(m.id, m.classification))
    people = available(tx)
    facts = gather_facts(tx, [s.id for s in people], departs_at)
    fatigue = estimate_roster([f.sleep for f in facts], departs_at, policy.tz)
    model = current_model(tx)
    members = [Member(id=s.id, rank=s.rank, specialties=s.specialties, effectiveness=e.effectiveness)
               for s, e in zip(people, fatigue, strict=True)]
    eligible_for: dict[tuple, list[int]] = {}  # the fitness rules depend on the mission's rank and classification
    pm, ps, pv = [], [], []
    for mi, m in enumerate(board):
        key = (m.rank, m.classification)
        if key not in eligible_for:
            mf = mission_facts(m)
            eligible_for[key] = [i for i, (f, e) in enumerate(zip(facts, fatigue, strict=True))
                                 if not assess(f, mf, departs_at, policy, e).reasons]
        k = m.min_team_size
        for i in eligible_for[key]:
            e = model_.estimate(model, [members[i]] * k, m.kind, m.threat, m.threat_count)
            pm.append(mi)
            ps.append(i)
            pv.append(model_.expected_value(m.reward_ryo, e, CASUALTY_COST) / k)
    result = solve_plan([m.id for m in board], [m.min_team_size for m in board], [s.id for s in people],
                        np.asarray(pm, dtype=np.int64), np.asarray(ps, dtype=np.int64),
                        np.asarray(pv, dtype=np.float64), time_limit=time_limit, progress=progress)
    by_id = {m.id: m for m in board}
    index = {s.id: i for i, s in enumerate(people)}
    teams = []
    for mission_id, ids in sorted(result.assignment.items()):
        m = by_id[mission_id]
        e = model_.estimate(model, [members[index[s]] for s in ids], m.kind, m.threat, m.threat_count)
        teams.append(PlannedTeam(m, tuple(ids), e, model_.expected_value(m.reward_ryo, e, CASUALTY_COST)))
    empty = tuple(m.id for m in board if m.id not in result.assignment)
    return Plan(departs_at, tuple(teams), empty, result.value, result.upper_bound, result.gap, len(pv),
                dict(result.stats))
