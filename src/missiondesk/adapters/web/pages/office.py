"""The office: the memorial, the audit log, the desk, the board plan, the risk model."""
from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import DomainError, Forbidden, NotFound
from ....domain.ranks import MissionStatus
from ....domain.risk import PRIOR as RISK_PRIOR
from ....domain.risk import RiskModel, sigmoid
from ....services import (
    audit,
    authz,
    custody,
    fitness,
    missions,
    reports,
    risk,
    roster,
)
from ...audit_checkpoints import checkpointing
from .. import charts
from ..errors import status_for
from .common import (
    BADGE_WORDS,
    STALE_AFTER,
    Page,
    PageContext,
    Posted,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False)


@router.get("/memorial")
def memorial_page(request: Request, ctx: Page) -> HTMLResponse:
    return render(request, ctx, "memorial.html", entries=reports.memorial(ctx.uow, ctx.caller))


@router.get("/audit")
def audit_page(request: Request, ctx: Page, action: str = "", actor: str = "") -> HTMLResponse:
    entries = audit.list_entries(ctx.uow, ctx.caller, action=action or None, actor=actor or None)
    kept = checkpointing(ctx.c.settings)
    check = audit.verify_chain(ctx.uow, ctx.caller, kept.folder, kept.key)
    return render(request, ctx, "audit.html", entries=list(reversed(entries))[:300], check=check, action=action,
                  actor=actor)


@router.get("/desk")
def desk_page(request: Request, ctx: Page) -> HTMLResponse:
    if not authz.decide(ctx.caller, "readAudit", authz.VILLAGE).allowed:
        raise Forbidden("the desk is the hokage's")
    views = missions.list_missions(ctx.uow, ctx.caller)
    pending = [v.mission for v in views if v.mission.status is MissionStatus.PENDING_AUTHORIZATION]
    stale = [v.mission for v in views if v.mission.status is MissionStatus.OPEN
             and ctx.now - v.mission.posted_at > STALE_AFTER]
    duty = fitness.roster_duty(ctx.uow, ctx.caller, at=ctx.now, policy=ctx.c.policy)
    concern = [d for d in duty if d.badge in ("unfit", "caution", "resting", "on_hold")]
    audiences = [(d, r) for d in custody.list_detainees(ctx.uow, ctx.caller) for r in d.audience_requests
                 if r.status.value == "open"]
    return render(request, ctx, "desk.html", pending=pending, stale=stale, concern=concern, audiences=audiences,
                  badges=BADGE_WORDS)


@router.post("/desk/plan")
def desk_plan(request: Request, ctx: Posted) -> HTMLResponse:
    plan = risk.plan_board(ctx.uow, ctx.caller, departs_at=ctx.now + timedelta(hours=1), policy=ctx.c.policy,
                           time_limit=3.0)
    names = {s.id: s.name for s in roster.list_shinobi(ctx.uow, ctx.caller)}
    return render(request, ctx, "plan.html", plan=plan, names=names)


# -- the risk model and its calibration -------------------------------------------------------------------
def _odds(factor: float, what: str) -> str:
    change = "raises" if factor > 1.005 else "lowers" if factor < 0.995 else "hardly changes"
    return f"multiplies the odds of {what} by {factor:.2f} ({change} them)"


def _coefficients(m: RiskModel) -> list[dict[str, Any]]:
    """Each equation's coefficients, in use and as documented (the prior), with what they mean in words."""
    a0, a1, a2 = m.success
    b0, b1, b2 = m.casualty
    pa, pb = RISK_PRIOR.success, RISK_PRIOR.casualty
    return [
        {"equation": "success", "name": "a0", "what": "Starting point", "value": a0, "prior": pa[0],
         "words": f"an evenly matched team with no sensor succeeds {sigmoid(a0):.0%} of the time"},
        {"equation": "success", "name": "a1", "what": "Team strength against the opposition", "value": a1,
         "prior": pa[1], "words": "each doubling of the team's strength against the opposition "
                                  + _odds(2 ** a1, "success")},
        {"equation": "success", "name": "a2", "what": "A sensor on the team", "value": a2, "prior": pa[2],
         "words": "a sensor " + _odds(math.exp(a2), "success")},
        {"equation": "casualty", "name": "b0", "what": "Starting point", "value": b0, "prior": pb[0],
         "words": f"an even fight with no medic hurts someone {sigmoid(b0):.0%} of the time"},
        {"equation": "casualty", "name": "b1", "what": "Team strength against the opposition", "value": b1,
         "prior": pb[1], "words": "each doubling of the team's strength against the opposition "
                                  + _odds(2 ** -b1, "a casualty")},
        {"equation": "casualty", "name": "b2", "what": "A medic on the team", "value": b2, "prior": pb[2],
         "words": "a medic " + _odds(math.exp(-b2), "a casualty")},
    ]


def _calibration(m: RiskModel) -> list[dict[str, Any]]:
    out = []
    for name, title in (("success", "Success"), ("casualty", "Casualty")):
        cal = m.calibration.get(name)
        if not cal or not cal.get("n"):
            continue
        bins = cal["reliability"]
        rate = sum(b["observed"] * b["count"] for b in bins) / cal["n"]
        out.append({"name": name, "title": title, "brier": cal["brier"], "n": cal["n"], "bins": bins,
                    "rate": rate, "baseline": rate * (1 - rate),
                    "chart": charts.reliability_chart(bins, title=f"{title}: reliability", brier=cal["brier"],
                                                      n=cal["n"], chart_id=f"cal-{name}")})
    return out


def _risk_page(request: Request, ctx: PageContext, http_status: int = 200, error: str | None = None
               ) -> HTMLResponse:
    m = risk.describe_model(ctx.uow, ctx.caller)
    filed = risk.count_reports(ctx.uow, ctx.caller)
    kept_prior = [name for name, fitted, prior in (("success", m.success, RISK_PRIOR.success),
                                                   ("casualty", m.casualty, RISK_PRIOR.casualty))
                  if m.source == "fitted" and fitted == prior]
    return render(request, ctx, "risk.html", http_status=http_status, model=m, filed=filed, kept_prior=kept_prior,
                  needed=max(0, risk.MIN_REPORTS_TO_FIT - filed), min_reports=risk.MIN_REPORTS_TO_FIT,
                  coefficients=_coefficients(m), calibration=_calibration(m), error=error,
                  may_refit=authz.decide(ctx.caller, "refitRisk", authz.VILLAGE).allowed)


@router.get("/risk")
def risk_page(request: Request, ctx: Page) -> HTMLResponse:
    return _risk_page(request, ctx)


@router.post("/risk/refit")
def risk_refit(request: Request, ctx: Posted) -> Response:
    try:
        risk.refit(ctx.uow, ctx.caller, ctx.now, ctx.c.policy)
    except DomainError as e:
        if isinstance(e, NotFound | Forbidden):
            raise
        if e.code == "TOO_FEW_REPORTS" and e.details:
            have, need = e.details[0]["reports"], e.details[0]["needed"]
            so_far = "none is filed yet" if have == 0 else f"only {have} {'is' if have == 1 else 'are'} filed"
            words = (f"Not refitted: the model learns from at least {need} after-action reports, and {so_far}. "
                     f"File {need - have} more, then try again.")
        else:
            words = e.message
        return _risk_page(request, ctx, http_status=status_for(e), error=f"{words} ({e.code})")
    return see_other("/risk")
