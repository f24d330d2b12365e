"""The office: the memorial, the audit log, the desk, the board plan, the risk model."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import AssignmentRefused, DomainError, Forbidden, Invalid
from ....domain.fitness import OVERRIDABLE
from ....domain.risk import PRIOR as RISK_PRIOR
from ....domain.risk import RiskModel, sigmoid
from ....services import alerts as alerting
from ....services import (
    assignment_view,
    assignments,
    audit,
    authz,
    desk_view,
    plan_view,
    reports,
    risk,
    risk_view,
)
from ....services.assignments import AssignTeam
from ....services.paging import Window
from ...audit_checkpoints import checkpointing, file_name
from .. import charts
from ..errors import status_for
from ..schemas import MAX_ID
from .common import (
    CODE_WORDS,
    Page,
    PageContext,
    Posted,
    parse_local,
    render,
    see_other,
    shown_in_place,
)

router = APIRouter(include_in_schema=False)


@router.get("/memorial")
def memorial_page(request: Request, ctx: Page, after: int | None = None) -> HTMLResponse:
    """The stone, MEMORIAL_PAGE names at a time, by date of death: `after` is the last name's shinobi id."""
    after = after if after is not None and 0 <= after <= MAX_ID else None  # a cursor from elsewhere: start over
    page = reports.memorial_page(ctx.uow, ctx.caller, Window(after=after, limit=reports.MEMORIAL_PAGE))
    next_url = f"/memorial?{urlencode({'after': page.next_after})}" if page.next_after is not None else None
    return render(request, ctx, "memorial.html", entries=page.items, next_url=next_url,
                  first_url="/memorial" if after is not None else None)


# -- the audit log ------------------------------------------------------------------------------------------
WRITTEN = re.compile(r"checkpoint-\d{12}-\d{8}T\d{6}\d*Z\.json")  # a checkpoint's file name (file_name)
TARGET_PAGES = {"mission": "/missions/{}", "shinobi": "/shinobi/{}", "detainee": "/custody/{}"}


def target_link(target: str | None) -> str | None:
    """The page of an entry's target (`mission:12` → /missions/12), when it has one."""
    kind, _, ident = (target or "").partition(":")
    return TARGET_PAGES[kind].format(ident) if kind in TARGET_PAGES and ident.isdigit() else None


def _day(value: str, ctx: PageContext, field: str) -> datetime | None:
    """A date field (YYYY-MM-DD), as the start of that day in the village's zone."""
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{field}: not a date: {value!r}", code="VALIDATION_ERROR") from None
    return datetime.combine(d, time(0), tzinfo=ctx.c.settings.village_tz)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _audit_page(request: Request, ctx: PageContext, *, http_status: int = 200, before: str = "", after: str = "",
                action: str = "", actor: str = "", target: str = "", since: str = "", until: str = "",
                checkpoint: dict[str, Any] | None = None, walk_all: bool = False) -> HTMLResponse:
    filters = {"action": action, "actor": actor, "target": target, "since": since, "until": until}
    error = None
    try:
        start, end = _day(since, ctx, "from"), _day(until, ctx, "to")
        page = desk_view.audit_page(ctx.uow, ctx.caller, before=_int_or_none(before), after=_int_or_none(after),
                                    actor=actor or None, action=action or None, target=target or None, since=start,
                                    until=end + timedelta(days=1) if end else None)
    except DomainError as e:
        shown_in_place(e)
        error, http_status = e, status_for(e)
        page = desk_view.audit_page(ctx.uow, ctx.caller)
    kept = checkpointing(ctx.c.settings)
    page_check = audit.verify_for_page(ctx.uow, ctx.caller, kept.folder, kept.key, walk_all=walk_all)
    query = {k: v for k, v in filters.items() if v}
    return render(request, ctx, "audit.html", http_status=http_status, page=page, check=page_check.check,
                  log_entries=page_check.entries, walk_url=f"/audit?{urlencode({**query, 'verify': 'all'})}",
                  error=error,
                  filters=filters, link=target_link, tz=ctx.c.settings.village_tz, checkpoint=checkpoint,
                  may_checkpoint=authz.decide(ctx.caller, "checkpointAudit", authz.VILLAGE).allowed,
                  checkpoints_on=kept.on, missing=[n for n, v in (("MISSIONDESK_AUDIT_KEY", kept.key),
                                                                   ("MISSIONDESK_AUDIT_CHECKPOINTS", kept.folder))
                                                    if v is None],
                  newer_url=f"/audit?{urlencode({**query, 'after': page.newer_than})}"
                  if page.newer_than is not None else None,
                  older_url=f"/audit?{urlencode({**query, 'before': page.older_than})}"
                  if page.older_than is not None else None)


@router.get("/audit")
def audit_page(request: Request, ctx: Page, action: str = "", actor: str = "", target: str = "", since: str = "",
               until: str = "", before: str = "", after: str = "", written: str = "", verify: str = ""
               ) -> HTMLResponse:
    checkpoint = None
    kept = checkpointing(ctx.c.settings)
    if WRITTEN.fullmatch(written) and kept.folder is not None:
        checkpoint = {"where": str(kept.folder.folder / written)}
    return _audit_page(request, ctx, before=before, after=after, action=action, actor=actor, target=target,
                       since=since, until=until, checkpoint=checkpoint, walk_all=verify == "all")


@router.post("/audit/checkpoint")
def audit_checkpoint(request: Request, ctx: Posted) -> Response:
    """Sign the log's head now and keep it in the checkpoint folder (the hokage's), or say plainly that the
    folder or the key is not configured."""
    if not authz.decide(ctx.caller, "checkpointAudit", authz.VILLAGE).allowed:
        raise Forbidden("checkpointing the audit log is the hokage's")
    try:
        kept = checkpointing(ctx.c.settings)
        if kept.folder is None or kept.key is None:  # not kept.on
            missing = " and ".join(n for n, v in (("MISSIONDESK_AUDIT_KEY", kept.key),
                                                  ("MISSIONDESK_AUDIT_CHECKPOINTS", kept.folder)) if v is None)
            raise Invalid(f"no checkpoint was written: no signed checkpoints are kept here (set {missing} "
                          "when starting the server)", code="CHECKPOINTS_NOT_CONFIGURED")
        made = audit.write_checkpoint(ctx.uow, kept.folder, kept.key, ctx.now, after=kept.folder)
    except DomainError as e:
        shown_in_place(e)
        return _audit_page(request, ctx, http_status=status_for(e), checkpoint={"error": e})
    return see_other(f"/audit?{urlencode({'written': file_name(made) if made else ''})}")


# -- the hokage's desk and the plan for the board --------------------------------------------------------------
@router.get("/desk")
def desk_page(request: Request, ctx: Page) -> HTMLResponse:
    return _desk_page(request, ctx)


def _desk_page(request: Request, ctx: PageContext, http_status: int = 200, *, error: DomainError | None = None,
               review_id: int | None = None) -> HTMLResponse:
    d = desk_view.desk(ctx.uow, ctx.caller, ctx.now)
    return render(request, ctx, "desk.html", http_status=http_status, desk=d, tz=ctx.c.settings.village_tz,
                  may_plan=authz.decide(ctx.caller, "planBoard", authz.VILLAGE).allowed,
                  error=error, where="review" if error else "", review_id=review_id)


@router.post("/desk/reviews/{review_id}")
def desk_review(request: Request, ctx: Posted, review_id: int, note: Annotated[str, Form()] = "") -> Response:
    """Record an overdue welfare review from the desk's list (the medics record theirs on /medic-duty)."""
    try:
        alerting.complete_review(ctx.uow, ctx.caller, review_id, note, ctx.now)
    except DomainError as e:
        shown_in_place(e)
        return _desk_page(request, ctx, status_for(e), error=e, review_id=review_id)
    return see_other("/desk#reviews")


@router.post("/desk/plan")
def desk_plan(request: Request, ctx: Posted) -> HTMLResponse:
    v = plan_view.plan_screen(ctx.uow, ctx.caller, departs_at=ctx.now + timedelta(hours=1), policy=ctx.c.policy,
                              time_limit=3.0)
    return render(request, ctx, "plan.html", plan=v.plan, names=v.names, may_send=v.may_send)


@router.post("/desk/plan/send")
def desk_plan_send(request: Request, ctx: Posted, mission_id: Annotated[int, Form()],
                   shinobi_ids: Annotated[list[int], Form()], departs_at: Annotated[str, Form()]) -> Response:
    """Send one team of the plan: the same call as the mission's team form (every rule runs again)."""
    partial = request.headers.get("HX-Request") == "true"
    try:
        cmd = AssignTeam(shinobi_ids=tuple(shinobi_ids), departs_at=parse_local(departs_at, ctx))
        a = assignments.assign_team(ctx.uow, ctx.caller, mission_id, cmd, ctx.now, ctx.c.policy)
        result, status = assignment_view.SendResult(assignment=a), 200
    except AssignmentRefused as e:
        result, status = assignment_view.SendResult(refused=tuple(e.details), message=e.message), 409
    except DomainError as e:
        shown_in_place(e)
        result, status = assignment_view.SendResult(error=e), status_for(e)
    if result.ok and not partial:
        return see_other(f"/missions/{mission_id}")
    sent = assignment_view.sent_team(ctx.uow, ctx.caller, result)  # the names of those it names, no more
    return render(request, ctx, "desk_send.html" if partial else "desk_sent.html", http_status=status,
                  result=sent.result, names=sent.names, code_words=CODE_WORDS,
                  overridable={c.value for c in OVERRIDABLE}, mission_id=mission_id)


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
    v = risk_view.risk_screen(ctx.uow, ctx.caller)
    m, filed = v.model, v.filed
    kept_prior = [name for name, fitted, prior in (("success", m.success, RISK_PRIOR.success),
                                                   ("casualty", m.casualty, RISK_PRIOR.casualty))
                  if m.source == "fitted" and fitted == prior]
    return render(request, ctx, "risk.html", http_status=http_status, model=m, filed=filed, kept_prior=kept_prior,
                  needed=max(0, risk.MIN_REPORTS_TO_FIT - filed), min_reports=risk.MIN_REPORTS_TO_FIT,
                  coefficients=_coefficients(m), calibration=_calibration(m), error=error,
                  may_refit=v.may_refit)


@router.get("/risk")
def risk_page(request: Request, ctx: Page) -> HTMLResponse:
    return _risk_page(request, ctx)


@router.post("/risk/refit")
def risk_refit(request: Request, ctx: Posted) -> Response:
    try:
        risk.refit(ctx.uow, ctx.caller, ctx.now, ctx.c.policy)
    except DomainError as e:
        shown_in_place(e)
        if e.code == "TOO_FEW_REPORTS" and e.details:
            have, need = e.details[0]["reports"], e.details[0]["needed"]
            so_far = "none is filed yet" if have == 0 else f"only {have} {'is' if have == 1 else 'are'} filed"
            words = (f"Not refitted: the model learns from at least {need} after-action reports, and {so_far}. "
                     f"File {need - have} more, then try again.")
        else:
            words = e.message
        return _risk_page(request, ctx, http_status=status_for(e), error=f"{words} ({e.code})")
    return see_other("/risk")
