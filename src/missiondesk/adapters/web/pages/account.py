"""Signing in and out; one's own account: the password, the sessions, and how one is reached by alerts."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.alerts import CHANNELS, WebhookEndpoint
from ....domain.errors import DomainError, Invalid, LockedOut, Unauthenticated
from ....services import alerts as alerting
from ....services import (
    auth,
)
from ..deps import Container, clock, container
from ..errors import status_for
from ..security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, new_login_csrf, set_cookie
from .common import (
    Page,
    PageContext,
    Posted,
    render,
    see_other,
    shown_in_place,
)

router = APIRouter(include_in_schema=False)


# -- signing in and out -------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = "/board") -> HTMLResponse:  # noqa: A002 - the query's name
    token = new_login_csrf()
    response = render(request, None, "login.html", next=_safe_next(next), login_csrf=token, error=None)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _safe_next(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") else "/board"


@router.post("/login")
def login(request: Request, c: Annotated[Container, Depends(container)], now: Annotated[datetime, Depends(clock)],
          username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/board") -> Response:  # noqa: A002
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not csrf or expected != csrf:
        return render(request, None, "login.html", http_status=403, next=_safe_next(next), login_csrf=expected or "",
                      error="The sign-in form expired. Please try again.")
    try:
        issued = auth.login(c.uow, username=username, password=password, now=now, ttl=c.settings.token_ttl,
                            source=request.client.host if request.client else None)
    except (Unauthenticated, LockedOut) as e:
        status = 429 if isinstance(e, LockedOut) else 401
        response = render(request, None, "login.html", http_status=status, next=_safe_next(next),
                          login_csrf=expected, error=e.message, code=e.code)
        if isinstance(e, LockedOut):
            response.headers["Retry-After"] = str(e.retry_after)
        return response
    signed_in = see_other(_safe_next(next))
    set_cookie(request, signed_in, SESSION_COOKIE, issued.access_token,
               max_age=int(c.settings.token_ttl.total_seconds()))
    signed_in.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return signed_in


@router.post("/logout")
def logout(request: Request, ctx: Posted) -> Response:
    auth.logout(ctx.uow, ctx.caller, ctx.token, ctx.now)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- one's own account: the password, the sessions, how one is reached -----------------------------------------
def _account_page(request: Request, ctx: PageContext, http_status: int = 200, *, error: DomainError | None = None,
                  where: str = "", done: str = "", typed: dict | None = None,
                  new_webhook: WebhookEndpoint | None = None) -> HTMLResponse:
    sessions = auth.list_sessions(ctx.uow, ctx.caller, ctx.token, ctx.now)
    contact = alerting.my_contact(ctx.uow, ctx.caller)
    prefs = contact.preferences
    reach = typed or {"email": prefs.email or "", "channels": list(prefs.channels),
                      "quiet_from": prefs.quiet.start.strftime("%H:%M") if prefs.quiet else "",
                      "quiet_to": prefs.quiet.end.strftime("%H:%M") if prefs.quiet else ""}
    tz = ctx.c.settings.village_tz
    return render(request, ctx, "account.html", http_status=http_status, sessions=sessions, error=error,
                  where=where, done=done, tz=tz, zone=str(getattr(tz, "key", tz)), reach=reach,
                  channels=CHANNELS, webhooks=contact.webhooks, new_webhook=new_webhook)


def _refused(request: Request, ctx: PageContext, e: DomainError, where: str) -> HTMLResponse:
    shown_in_place(e)
    return _account_page(request, ctx, status_for(e), error=e, where=where)


DONE = {"password": "Your password is changed; your other sessions are signed out.",
        "others": "Your other sessions are signed out.", "one": "That session is signed out.",
        "reach": "Saved: this is how your alerts reach you.", "webhook-removed": "The webhook is removed."}


@router.get("/account")
def account_page(request: Request, ctx: Page, done: str = "") -> HTMLResponse:
    return _account_page(request, ctx, done=DONE.get(done, ""))


@router.post("/account/password")
def account_password(request: Request, ctx: Posted, current: Annotated[str, Form()] = "",
                     new: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> Response:
    if new != confirm:
        e = Invalid("the new password and its confirmation differ", code="PASSWORD_MISMATCH")
        return _account_page(request, ctx, status_for(e), error=e, where="password")
    try:
        auth.change_password(ctx.uow, ctx.caller, ctx.token, current=current, new=new, now=ctx.now)
    except DomainError as e:
        return _refused(request, ctx, e, "password")
    return see_other("/account?done=password")


@router.post("/account/sessions/revoke")
def account_revoke(request: Request, ctx: Posted, session_id: Annotated[int | None, Form()] = None) -> Response:
    try:
        auth.revoke_sessions(ctx.uow, ctx.caller, ctx.token, ctx.now, session_id=session_id,
                             all_but_current=session_id is None)
    except DomainError as e:
        return _refused(request, ctx, e, "sessions")
    return see_other("/account?done=" + ("others" if session_id is None else "one"))


@router.post("/account/alerts")
def account_alerts(request: Request, ctx: Posted, email: Annotated[str, Form()] = "",
                   channels: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI's form default
                   quiet_from: Annotated[str, Form()] = "", quiet_to: Annotated[str, Form()] = "") -> Response:
    """How alerts reach me beyond the page: the e-mail address, the channels, the quiet hours (village time)."""
    try:
        alerting.set_preferences(ctx.uow, ctx.caller, tuple(channels), email, quiet_from or None, quiet_to or None,
                                 ctx.now)
    except DomainError as e:
        shown_in_place(e)
        typed = {"email": email, "channels": channels, "quiet_from": quiet_from, "quiet_to": quiet_to}
        return _account_page(request, ctx, status_for(e), error=e, where="reach", typed=typed)
    return see_other("/account?done=reach#reach")


@router.post("/account/webhooks")
def account_webhook_add(request: Request, ctx: Posted, url: Annotated[str, Form()] = "") -> Response:
    """A webhook for my alerts: its signing secret is on this answer alone (not on the next visit)."""
    try:
        hook = alerting.add_webhook(ctx.uow, ctx.caller, url, ctx.now)
    except DomainError as e:
        return _refused(request, ctx, e, "webhooks")
    response = _account_page(request, ctx, new_webhook=hook)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/webhooks/{webhook_id}/remove")
def account_webhook_remove(ctx: Posted, webhook_id: int) -> Response:
    alerting.remove_webhook(ctx.uow, ctx.caller, webhook_id, ctx.now)  # another's, or gone: the 404 page
    return see_other("/account?done=webhook-removed#webhooks")
