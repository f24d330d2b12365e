"""The web page: server-rendered with Jinja2 (htmx for the forms), over the same services as the API.

One module per area of the office, each with its own router; `common` holds what every page shares.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ....domain.errors import DomainError
from ..errors import status_for
from . import account, alerts, clerk, custody, duty, gate, medic, missions, office, people
from .common import HERE, SignInRequired, error_response, sign_in_response, templates, wants_page

__all__ = ["HERE", "install", "router", "templates"]

router = APIRouter(include_in_schema=False)
for _area in (account, clerk, medic, custody, missions, people, alerts, duty, gate, office):
    router.include_router(_area.router)


# -- errors on pages --------------------------------------------------------------------------------------
class HtmxRedirects:
    """A page part that answers with a redirect (a form's 303 after its change) takes the whole window there:
    htmx would follow a 303 inside the part and swap a whole page into it, so an htmx request's redirect is
    sent as a 200 with `HX-Redirect` instead (the same cookies and headers kept)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or ()) if scope["type"] == "http" else {}
        if headers.get(b"hx-request") != b"true" or headers.get(b"hx-boosted") == b"true":
            await self.app(scope, receive, send)
            return

        async def redirecting(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] in (301, 302, 303, 307, 308):
                kept = list(message.get("headers") or ())
                where = next((v for k, v in kept if k.lower() == b"location"), None)
                if where is not None:
                    kept = [(k, v) for k, v in kept if k.lower() != b"location"]
                    message = {**message, "status": 200, "headers": [*kept, (b"hx-redirect", where)]}
            await send(message)

        await self.app(scope, receive, redirecting)


def install(app) -> None:
    """Every page's failures in HTML: a domain error on a page, and (errors.py asks `page_problem`) an unknown
    route, a bad path or form, a fault, for a browser's request; for htmx, the error box in place."""
    @app.exception_handler(SignInRequired)
    def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return sign_in_response(request, exc.next_url)

    def page_error(request: Request, exc: DomainError) -> Response:
        return error_response(request, status_for(exc), exc.code, exc.message, exc.details)

    def page_problem(request: Request, status: int, code: str, message: str, details: list[Any]) -> Response | None:
        """The HTML answer to a failure outside the domain, or None where the caller is not a browser on a page."""
        if not wants_page(request):
            return None
        if status == 422 and details and all(d.get("loc", [None])[0] == "path" for d in details):
            status, code, message = 404, "NOT_FOUND", f"no page at {request.url.path}"  # /missions/abc
        return error_response(request, status, code, message, details)

    app.state.page_error = page_error
    app.state.page_problem = page_problem
    app.add_middleware(HtmxRedirects)
