"""The clerk's forms: shinobi and accounts, partners, missions (post, edit, cancel), briefs.

Each form turns its fields into the same command the API route makes and calls the one service function; a
refusal re-renders the form with the service's message and code (the status it would have on the API), and a
success goes (303) to the page that shows the result. Who sees a form is asked of the policy when rendering; the
service decides again on submit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.access import Caller
from ....domain.errors import DomainError, Forbidden, Invalid
from ....domain.missions import Mission
from ....domain.ranks import REWARD_BANDS, Classification, MissionRank, Role, ShinobiRank
from ....domain.risk import Threat
from ....domain.roster import Shinobi
from ....services import authz, briefs, missions, roster, shinobi_form_view
from ..errors import status_for
from . import missions as mission_pages
from .common import Page, PageContext, Posted, parse_local, render, see_other, shown_in_place, templates

router = APIRouter(include_in_schema=False)

MAX_TITLE, MAX_KIND, MAX_TEXT = 200, 60, 20_000  # as the API's schemas


def clerk_may(me: Caller | None, action: str, thing: Any = None) -> bool:
    """For the partial templates: may the signed-in user do `action` to this mission, this shinobi, or the
    village (the policy alone; nothing read)."""
    if me is None:
        return False
    if thing is None:
        target = authz.VILLAGE
    elif hasattr(thing, "classification") and hasattr(thing, "rank") and hasattr(thing, "kind"):
        target = authz.mission_resource(thing.id, thing.classification)
    else:
        target = authz.shinobi_resource(thing.id)
    return authz.decide(me, action, target).allowed


templates.env.globals["clerk_may"] = clerk_may


def _may(ctx: PageContext, action: str, target: authz.Resource = authz.VILLAGE) -> bool:
    return authz.decide(ctx.caller, action, target).allowed


def _clearance(c: Classification) -> authz.Resource:
    return authz.Resource("Clearance", c.value, {"classification": c.order})


def _require_may(ctx: PageContext, action: str, target: authz.Resource = authz.VILLAGE) -> None:
    if not _may(ctx, action, target):
        raise Forbidden(f"your role may not {authz._words(action)}")


# -- reading a form's fields (their shape; the meaning is the service's) -----------------------------------------
def _text(value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise Invalid(f"{field}: at most {limit:,} characters", code="VALIDATION_ERROR")
    if "\x00" in value:
        raise Invalid(f"{field}: text may not contain NUL characters", code="VALIDATION_ERROR")
    return value


def _int(value: str, field: str, low: int = 0, high: int = 10**12) -> int | None:
    value = value.strip().replace(",", "").replace("_", "")
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        raise Invalid(f"{field}: a whole number, please", code="VALIDATION_ERROR") from None
    if not low <= n <= high:
        raise Invalid(f"{field}: between {low:,} and {high:,}", code="VALIDATION_ERROR")
    return n


def _choice(enum: Any, value: str, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise Invalid(f"{field}: choose one of {', '.join(e.value for e in enum)}", code="VALIDATION_ERROR") from None


def _slugs(value: str, field: str) -> tuple[str, ...]:
    items = tuple(x.strip().lower() for x in value.replace(";", ",").split(",") if x.strip())
    if len(items) > 20:
        raise Invalid(f"{field}: at most 20", code="VALIDATION_ERROR")
    for x in items:
        if not (x[:1].isalpha() and x.isascii() and len(x) <= 40 and all(c.isalnum() or c in "_-" for c in x)):
            raise Invalid(f"{field}: {x!r} is not a plain word (letters, digits, - and _)", code="VALIDATION_ERROR")
    return items


def _when(value: str, ctx: PageContext) -> datetime | None:
    """A datetime-local field in the village's zone; empty is None. A bad value is a 422, as on the API."""
    if not value.strip():
        return None
    try:
        return parse_local(value.strip(), ctx)
    except DomainError as e:
        raise Invalid(e.message, code="VALIDATION_ERROR") from None


def _local(ctx: PageContext, t: datetime) -> str:
    return t.astimezone(ctx.c.settings.village_tz).strftime("%Y-%m-%dT%H:%M")


# -- post a mission ---------------------------------------------------------------------------------------------
MISSION_FIELDS = ("title", "rank", "kind", "classification", "reward_ryo", "min_team_size", "threat", "threat_count",
                  "description", "posted_at")


def _mission_form(request: Request, ctx: PageContext, *, form: dict[str, str], mission: Mission | None = None,
                  http_status: int = 200, error: DomainError | None = None) -> HTMLResponse:
    return render(request, ctx, "clerk_mission_form.html", http_status=http_status, form=form, m=mission,
                  error=error, ranks=list(MissionRank), threats=list(Threat),
                  classifications=[c for c in Classification
                                   if _may(ctx, "viewMission", authz.mission_resource(0, c))],
                  bands={r.value: REWARD_BANDS[r] for r in MissionRank})


@router.get("/missions/new")
def new_mission(request: Request, ctx: Page) -> HTMLResponse:
    _require_may(ctx, "postMission")
    return _mission_form(request, ctx, form={"rank": "D", "classification": "public", "threat": "none",
                                             "threat_count": "0"})


@router.post("/missions/new")
def post_mission(request: Request, ctx: Posted, title: Annotated[str, Form()] = "",
                 rank: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
                 classification: Annotated[str, Form()] = "public", reward_ryo: Annotated[str, Form()] = "",
                 min_team_size: Annotated[str, Form()] = "", threat: Annotated[str, Form()] = "none",
                 threat_count: Annotated[str, Form()] = "0", description: Annotated[str, Form()] = "",
                 posted_at: Annotated[str, Form()] = "") -> Response:
    form = {"title": title, "rank": rank, "kind": kind, "classification": classification, "reward_ryo": reward_ryo,
            "min_team_size": min_team_size, "threat": threat, "threat_count": threat_count,
            "description": description, "posted_at": posted_at}
    try:
        cmd = missions.PostMission(
            title=_text(title, "title", MAX_TITLE), rank=_choice(MissionRank, rank, "rank"),
            kind=_text(kind, "kind", MAX_KIND),
            classification=_choice(Classification, classification, "classification"),
            reward_ryo=_int(reward_ryo, "reward"), min_team_size=_int(min_team_size, "team size", 0, 100),
            posted_at=_when(posted_at, ctx),
            description=_text(description, "description", MAX_TEXT).strip() or None,
            threat=_choice(Threat, threat, "opposition"), threat_count=_int(threat_count, "opposition count", 0,
                                                                            10_000) or 0)
        v = missions.post_mission(ctx.uow, ctx.caller, cmd, ctx.now)
    except DomainError as e:
        return _mission_form(request, ctx, form=form, http_status=status_for(e), error=shown_in_place(e))
    return see_other(f"/missions/{v.mission.id}")


# -- edit and cancel a mission ----------------------------------------------------------------------------------
@router.get("/missions/{mission_id}/edit")
def edit_mission_form(request: Request, ctx: Page, mission_id: int) -> HTMLResponse:
    m = missions.get_mission(ctx.uow, ctx.caller, mission_id).mission
    _require_may(ctx, "editMission", authz.mission_resource(m.id, m.classification))
    form = {"title": m.title, "rank": m.rank.value, "kind": m.kind, "classification": m.classification.value,
            "reward_ryo": str(m.reward_ryo), "min_team_size": str(m.min_team_size), "threat": m.threat.value,
            "threat_count": str(m.threat_count), "description": m.description or ""}
    return _mission_form(request, ctx, form=form, mission=m)


@router.post("/missions/{mission_id}/edit")
def edit_mission(request: Request, ctx: Posted, mission_id: int, title: Annotated[str, Form()] = "",
                 kind: Annotated[str, Form()] = "", classification: Annotated[str, Form()] = "",
                 reward_ryo: Annotated[str, Form()] = "", min_team_size: Annotated[str, Form()] = "",
                 threat: Annotated[str, Form()] = "", threat_count: Annotated[str, Form()] = "",
                 description: Annotated[str, Form()] = "") -> Response:
    """Every field of the form is sent; the service changes (and the audit log names) only those that differ."""
    form = {"title": title, "kind": kind, "classification": classification, "reward_ryo": reward_ryo,
            "min_team_size": min_team_size, "threat": threat, "threat_count": threat_count,
            "description": description}
    try:
        cmd = missions.EditMission(
            title=_text(title, "title", MAX_TITLE), kind=_text(kind, "kind", MAX_KIND),
            classification=_choice(Classification, classification, "classification"),
            reward_ryo=_int(reward_ryo, "reward"), min_team_size=_int(min_team_size, "team size", 0, 100),
            description=_text(description, "description", MAX_TEXT),
            threat=_choice(Threat, threat, "opposition"),
            threat_count=_int(threat_count, "opposition count", 0, 10_000) or 0)
        missions.edit_mission(ctx.uow, ctx.caller, mission_id, cmd, ctx.now)
    except DomainError as e:
        shown_in_place(e)
        m = missions.get_mission(ctx.uow, ctx.caller, mission_id).mission
        form["rank"] = m.rank.value
        return _mission_form(request, ctx, form=form, mission=m, http_status=status_for(e), error=e)
    return see_other(f"/missions/{mission_id}")


@router.post("/missions/{mission_id}/cancel")
def cancel_mission(request: Request, ctx: Posted, mission_id: int, reason: Annotated[str, Form()] = "") -> Response:
    try:
        missions.cancel_mission(ctx.uow, ctx.caller, mission_id, _text(reason, "reason", 2000), ctx.now)
    except DomainError as e:
        return mission_pages._mission_page(request, ctx, mission_id, http_status=status_for(e),
                                           clerk_error=shown_in_place(e), clerk_form="cancel", cancel_reason=reason)
    return see_other(f"/missions/{mission_id}")


# -- write a brief ----------------------------------------------------------------------------------------------
@router.post("/missions/{mission_id}/brief/write")
def write_brief(request: Request, ctx: Posted, mission_id: int, text: Annotated[str, Form()] = "") -> Response:
    try:
        briefs.write_brief(ctx.uow, ctx.caller, mission_id, _text(text, "the brief", MAX_TEXT), ctx.now)
    except DomainError as e:
        return mission_pages._mission_page(request, ctx, mission_id, http_status=status_for(e),
                                           clerk_error=shown_in_place(e), clerk_form="brief", brief_text=text)
    return see_other(f"/missions/{mission_id}#brief-h")


# -- add a shinobi ----------------------------------------------------------------------------------------------
def _shinobi_form(request: Request, ctx: PageContext, *, form: dict[str, Any] | None = None,
                  view: shinobi_form_view.ShinobiForm | None = None, http_status: int = 200,
                  error: DomainError | None = None, partner_error: DomainError | None = None, find: str = "",
                  shown: int = shinobi_form_view.PARTNERS_SHOWN, partner: dict[str, str] | None = None
                  ) -> HTMLResponse:
    """The form to add a shinobi (no `view`), or to edit one and link partners (`view`: the one read of
    services/shinobi_form_view; `form`: the fields as sent, else the record's)."""
    s = view.shinobi if view is not None else None
    return render(request, ctx, "clerk_shinobi_form.html", http_status=http_status,
                  form=form if form is not None else _shinobi_fields(s) if s is not None else {}, s=s, error=error,
                  partner_error=partner_error, ranks=list(ShinobiRank),
                  clearances=[c for c in Classification if _may(ctx, "grantClearance", _clearance(c))],
                  grantable_roles=list(Role) if _may(ctx, "grantRoles") else [],
                  may_link=s is not None and _may(ctx, "linkPartners", authz.shinobi_resource(s.id)),
                  may_edit=s is not None and _may(ctx, "editShinobi", authz.shinobi_resource(s.id))
                  and _may(ctx, "grantClearance", _clearance(s.clearance)),  # a clerk edits only those they could add
                  partners=view.partners if view is not None else (), matching=view.matching if view else 0,
                  names=view.names if view is not None else {}, twins=view.twins if view else frozenset(),
                  find=find, partner=partner or {},
                  more_url=_more_partners_url(view.shinobi.id, find, shown)
                  if view and view.matching > len(view.partners) and shown < shinobi_form_view.PARTNERS_MOST else None)


def _more_partners_url(shinobi_id: int, find: str, shown: int) -> str:
    """The partner form offering more people."""
    more = min(shown + shinobi_form_view.PARTNERS_SHOWN, shinobi_form_view.PARTNERS_MOST)
    return f"/shinobi/{shinobi_id}/edit?{urlencode({'find': find, 'shown': more})}#partners-h"


@router.get("/shinobi/new")
def new_shinobi(request: Request, ctx: Page) -> HTMLResponse:
    _require_may(ctx, "addShinobi")
    return _shinobi_form(request, ctx, form={"rank": "genin", "clearance": "public", "roles": []})


@router.post("/shinobi/new")
def add_shinobi(request: Request, ctx: Posted, name: Annotated[str, Form()] = "", rank: Annotated[str, Form()] = "",
                clearance: Annotated[str, Form()] = "public", divisions: Annotated[str, Form()] = "",
                specialties: Annotated[str, Form()] = "", username: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "", roles: Annotated[list[str] | None, Form()] = None) -> Response:
    form = {"name": name, "rank": rank, "clearance": clearance, "divisions": divisions, "specialties": specialties,
            "username": username, "roles": list(roles or [])}
    try:
        account = None
        if username.strip() or password:
            if not username.strip() or not password:
                raise Invalid("an account needs both a username and a password (or leave both empty)",
                              code="VALIDATION_ERROR")
            account = roster.NewAccount(username=_text(username.strip(), "username", 80), password=password,
                                        roles=tuple(_choice(Role, r, "roles") for r in (roles or [])[:4]))
        cmd = roster.AddShinobi(name=_text(name, "name", MAX_TITLE).strip(), rank=_choice(ShinobiRank, rank, "rank"),
                                clearance=_choice(Classification, clearance, "clearance"),
                                divisions=_slugs(divisions, "divisions"),
                                specialties=_slugs(specialties, "specialties"),
                                account=account)
        s = roster.add_shinobi(ctx.uow, ctx.caller, cmd, ctx.now)
    except DomainError as e:
        return _shinobi_form(request, ctx, form=form, http_status=status_for(e), error=shown_in_place(e))
    return see_other(f"/shinobi/{s.id}")


# -- edit a shinobi, link partners ---------------------------------------------------------------------------------
def _shinobi_fields(s: Shinobi) -> dict[str, Any]:
    return {"name": s.name, "rank": s.rank.value, "clearance": s.clearance.value,
            "divisions": ", ".join(s.divisions), "specialties": ", ".join(s.specialties)}


def _form_view(ctx: PageContext, shinobi_id: int, find: str = "", shown: int = shinobi_form_view.PARTNERS_SHOWN
               ) -> shinobi_form_view.ShinobiForm:
    return shinobi_form_view.shinobi_form(ctx.uow, ctx.caller, shinobi_id, find=find, shown=shown)


@router.get("/shinobi/{shinobi_id}/edit")
def edit_shinobi_form(request: Request, ctx: Page, shinobi_id: int, find: str = "",
                      shown: int = Query(shinobi_form_view.PARTNERS_SHOWN, ge=1,
                                         le=shinobi_form_view.PARTNERS_MOST)) -> HTMLResponse:
    """`find` offers, in the partner form, those whose name holds it; `shown` how many it offers."""
    if not (_may(ctx, "editShinobi", authz.shinobi_resource(shinobi_id))
            or _may(ctx, "linkPartners", authz.shinobi_resource(shinobi_id))):
        roster.get_shinobi(ctx.uow, ctx.caller, shinobi_id)  # a shinobi who does not exist is not found (404)
        raise Forbidden("your role may not edit shinobi")
    find = find[:100]
    return _shinobi_form(request, ctx, view=_form_view(ctx, shinobi_id, find, shown), find=find, shown=shown)


@router.post("/shinobi/{shinobi_id}/edit")
def edit_shinobi(request: Request, ctx: Posted, shinobi_id: int, name: Annotated[str, Form()] = "",
                 rank: Annotated[str, Form()] = "", clearance: Annotated[str, Form()] = "",
                 divisions: Annotated[str, Form()] = "", specialties: Annotated[str, Form()] = "") -> Response:
    """The whole record is sent; only what differs from it is changed (a clerk who leaves a clearance above their
    own as it is, or the `anbu` division in place, is not refused for what they did not touch)."""
    form = {"name": name, "rank": rank, "clearance": clearance, "divisions": divisions, "specialties": specialties}
    s = roster.get_shinobi(ctx.uow, ctx.caller, shinobi_id)
    try:
        new_rank, new_clearance = _choice(ShinobiRank, rank, "rank"), _choice(Classification, clearance, "clearance")
        new_divisions, new_specialties = _slugs(divisions, "divisions"), _slugs(specialties, "specialties")
        cmd = roster.ChangeShinobi(
            name=_text(name, "name", MAX_TITLE) if name.strip() != s.name else None,
            rank=new_rank if new_rank is not s.rank else None,
            clearance=new_clearance if new_clearance is not s.clearance else None,
            divisions=new_divisions if sorted(set(new_divisions)) != sorted(s.divisions) else None,
            specialties=new_specialties if sorted(set(new_specialties)) != sorted(s.specialties) else None)
        roster.change_shinobi(ctx.uow, ctx.caller, shinobi_id, cmd, ctx.now, policy=ctx.c.policy)
    except DomainError as e:
        shown_in_place(e)
        return _shinobi_form(request, ctx, form=form, view=_form_view(ctx, shinobi_id), http_status=status_for(e),
                             error=e)
    return see_other(f"/shinobi/{shinobi_id}")


@router.post("/shinobi/{shinobi_id}/partners")
def link_partner(request: Request, ctx: Posted, shinobi_id: int, partner_id: Annotated[str, Form()] = "",
                 partner_number: Annotated[str, Form()] = "", find: Annotated[str, Form()] = "") -> Response:
    """The partner chosen from those the form offers (`partner_id`), or named by their shinobi number
    (`partner_number`); `find`: the search the form was offered from, kept on a refusal."""
    find = find[:100]
    try:
        chosen = _int(partner_id, "partner", 1, 2**31 - 1)
        numbered = _int(partner_number, "the partner's shinobi number", 1, 2**31 - 1)
        if chosen is not None and numbered is not None and chosen != numbered:
            raise Invalid("choose one partner: from the list or by number, not both", code="VALIDATION_ERROR")
        other = numbered if numbered is not None else chosen
        if other is None:
            raise Invalid("choose a partner", code="VALIDATION_ERROR")
        roster.link_partners(ctx.uow, ctx.caller, shinobi_id, other, ctx.now)
    except DomainError as e:
        shown_in_place(e)
        return _shinobi_form(request, ctx, view=_form_view(ctx, shinobi_id, find), http_status=status_for(e),
                             partner_error=e, find=find, partner={"number": partner_number.strip()[:12]})
    return see_other(f"/shinobi/{shinobi_id}")
