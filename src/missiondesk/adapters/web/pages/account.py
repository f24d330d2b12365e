"""Signing in and out."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import LockedOut, Unauthenticated
from ....services import (
    auth,
)
from ..deps import Container, clock, container
from ..security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, new_login_csrf, set_cookie
from .common import (
    Posted,
    render,
    see_other,
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
        return render(request, None, "login.html", http_status=status, next=_safe_next(next), login_csrf=expected,
                      error=e.message)
    response = see_other(_safe_next(next))
    set_cookie(request, response, SESSION_COOKIE, issued.access_token,
               max_age=int(c.settings.token_ttl.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, ctx: Posted) -> Response:
    auth.logout(ctx.uow, ctx.caller, ctx.token, ctx.now)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
