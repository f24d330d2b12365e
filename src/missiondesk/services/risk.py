"""Risk, price and recommendation: the model in use, its refit from the village's reports and the
best team for one mission (the plan for the whole board is `services/plans.py`)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from ..domain import risk as model_
from ..domain.access import Caller
from ..domain.errors import Invalid
from ..domain.fatigue import HISTORY_WINDOW, RosterFatigue, estimate_roster
from ..domain.fitness import FitnessPolicy, RosterFacts, RosterVerdict, assess_roster
from ..domain.missions import Mission
from ..domain.ranks import Role, ShinobiStatus
from ..domain.risk import Estimate, Member, PastMission, RiskModel
from ..domain.roster import RosterPeople, Shinobi
from . import authz
from .audit import record
from .fitness import mission_facts, read_roster
from .missions import visible_mission
from .unit_of_work import Transaction, transactional

MIN_REPORTS_TO_FIT = 30


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


def _features(tx: Transaction, history: list[PastMission], policy: FitnessPolicy):
    x_s, y_s, x_c, y_c = [], [], [], []
    ids = sorted({m.id for h in history for m in h.members})
    earliest = min(h.departs_at for h in history)
    sleep = tx.shinobi.sleep_many(ids, ending_after=earliest - HISTORY_WINDOW)
    for h in history:
        effs = estimate_roster([sleep[m.id] for m in h.members], h.departs_at, policy.tz)
        team = [replace(m, effectiveness=f.effectiveness) for m, f in zip(h.members, effs, strict=True)]
        s = sum(model_.strength(t, h.kind) for t in team)
        x = model_.ratio(s, model_.opposition(h.threat, h.threat_count))
        x_s.append([x, float(any(t.sensor for t in team))])
        y_s.append(int(h.succeeded))
        x_c.append([x, float(any(t.medic for t in team))])
        y_c.append(int(h.harmed))
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


@transactional(write=False)
def count_reports(tx: Transaction, caller: Caller) -> int:
    """How many reports a refit would learn from (those `refit` reads). Anyone signed in may know it,
    as anyone may read the model and the number it was fitted from."""
    return tx.risk.history_size()


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


# Who the desk may propose: active shinobi, but not the village's office holders (the hokage and the council),
# whom a clerk does not send; a person may still name them in a team.
OFFICE_HOLDERS = frozenset({Role.HOKAGE, Role.COUNCIL})


@dataclass(frozen=True, eq=False)
class Village:
    """Who the desk may propose, with their fitness facts and fatigue at one departure, as columns."""

    folk: RosterPeople
    roster: RosterFacts
    fatigue: RosterFatigue
    medic: np.ndarray
    sensor: np.ndarray

    @property
    def people(self) -> list[Shinobi]:
        return [self.folk.shinobi(i) for i in range(len(self.folk))]

    def matched(self, kind: str) -> np.ndarray:
        if not self.folk.specialty_sets:
            return np.zeros(0, dtype=bool)
        return np.array([kind in d for d in self.folk.specialty_sets], dtype=bool)[self.folk.specialty_set]

    def strength(self, kind: str) -> np.ndarray:
        return model_.strengths(self.roster.rank, self.fatigue.effectiveness, self.matched(kind))

    def member(self, i: int) -> Member:
        s = self.folk.shinobi(i)
        e = float(self.fatigue.effectiveness[i])
        return Member(id=s.id, rank=s.rank, specialties=s.specialties, effectiveness=None if e != e else e)

    def name(self, i: int) -> str:
        return self.folk.names[i]

    def take(self, index: np.ndarray) -> Village:
        """Only the shinobi at these (ascending) indexes, judged as they were."""
        return Village(self.folk.take(index), self.roster.take(index), self.fatigue.take(index),
                       self.medic[index], self.sensor[index])

    @classmethod
    def of(cls, people: list[Shinobi] | RosterPeople, roster: RosterFacts, policy: FitnessPolicy) -> Village:
        """Entry i of `people` is the shinobi of the roster's entry i."""
        folk = people if isinstance(people, RosterPeople) else RosterPeople.of(people)
        distinct = folk.specialty_sets
        medic = np.array([not model_.MEDIC_SPECIALTIES.isdisjoint(d) for d in distinct], dtype=bool)
        sensor = np.array([not model_.SENSOR_SPECIALTIES.isdisjoint(d) for d in distinct], dtype=bool)
        which = folk.specialty_set
        return cls(folk, roster, roster.fatigue(policy), medic[which] if distinct else np.zeros(0, bool),
                   sensor[which] if distinct else np.zeros(0, bool))


def village(tx: Transaction, departs_at: datetime, policy: FitnessPolicy) -> Village:
    read = read_roster(tx, [departs_at], policy, statuses=frozenset({ShinobiStatus.ACTIVE}),
                       without_roles=OFFICE_HOLDERS)
    return Village.of(read.people, read.facts(departs_at, policy), policy)


def choose(v: Village, mission: Mission, model: RiskModel, policy: FitnessPolicy
           ) -> tuple[RosterVerdict, np.ndarray, model_.Selection | None]:
    """Every fitness rule for the whole village, each one's strength for this mission, and the best
    team among the eligible (None when too few are)."""
    verdict = assess_roster(v.roster, mission_facts(mission), policy, v.fatigue)
    strength = v.strength(mission.kind)
    return verdict, strength, model_.select_team(mission, model, v.roster.ids, strength, v.medic, v.sensor,
                                                 verdict.eligible, model_.casualty_cost(mission.rank))


@transactional(write=False)
def recommend(tx: Transaction, caller: Caller, mission_id: int, *, departs_at: datetime, policy: FitnessPolicy
              ) -> Recommendation:
    """Only shinobi who would pass every fitness rule at `departs_at`; the best team among them."""
    mission = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "recommendTeam", authz.mission_resource(mission.id, mission.classification))
    return recommendation_for(village(tx, departs_at, policy), mission, departs_at, current_model(tx), policy)


def recommendation_for(v: Village, mission: Mission, departs_at: datetime, model: RiskModel,
                       policy: FitnessPolicy) -> Recommendation:
    """The best team of the village `v` for the mission, with the runners-up and why each was picked: what
    `recommend` answers, for a caller that has already read the village (the mission page)."""
    verdict, strength, chosen = choose(v, mission, model, policy)
    eligible = int(verdict.eligible.sum())
    if chosen is None:
        return Recommendation(mission, departs_at, (), None, None, (), eligible, verdict.count(), model.source)

    def pick(i: int) -> Pick:
        m, s, name = v.member(i), float(strength[i]), v.name(i)
        return Pick(m, name, s, _why(m, s, name, mission.kind))

    return Recommendation(mission, departs_at, tuple(pick(i) for i in chosen.team.tolist()), chosen.estimate,
                          chosen.value, tuple(pick(i) for i in chosen.runners_up.tolist()), eligible,
                          verdict.count(), model.source)
