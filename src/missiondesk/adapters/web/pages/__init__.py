"""The web page: server-rendered with Jinja2 (htmx for the forms), over the same services as the API.

One module per area of the office, each with its own router; `common` holds what every page shares.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import DomainError
from ..errors import status_for
from . import account, alerts, clerk, custody, gate, medic, missions, office, people
from .common import HERE, SignInRequired, render, see_other, templates

__all__ = ["HERE", "install", "router", "templates"]

router = APIRouter(include_in_schema=False)
for _area in (account, clerk, medic, custody, missions, people, alerts, gate, office):
    router.include_router(_area.router)


# -- errors on pages --------------------------------------------------------------------------------------
def install(app) -> None:
    @app.exception_handler(SignInRequired)
    def _sign_in(_request: Request, exc: SignInRequired) -> Response:
        return see_other(f"/login?next={quote(exc.next_url)}")

    def page_error(request: Request, exc: DomainError) -> HTMLResponse:
        status = status_for(exc)
        titles = {403: "Not allowed", 404: "Not found", 410: "Gone", 409: "Refused", 422: "Check the form"}
        return render(request, None, "error.html", http_status=status, title=titles.get(status, "Error"), error=exc)

    app.state.page_error = page_error
