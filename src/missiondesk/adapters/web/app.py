"""The FastAPI application: the API under /api/v1, over the same services as the CLI, and its explorer at /docs."""
from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from ...config import Settings
from ...domain.fitness import FitnessPolicy
from ...services.unit_of_work import UnitOfWork
from . import errors, pages
from .deps import Container
from .routes import alerts, audit, auth, briefs, custody, medical, missions, people, risk, shinobi
from .schemas import ERROR_RESPONSES
from .security import BodyLimit, SecurityHeaders, csp_for_page
from .timing import NotFoundFloor

# Swagger UI as the `fastapi-offline` package ships it (5.32.6 in 1.7.7, pinned in pyproject.toml): the API
# explorer loads nothing from another host, so it works offline and under the site's Content-Security-Policy
DOCS_ASSETS = files("fastapi_offline") / "static"
DOCS_ASSETS_URL = "/docs/assets"



class HealthRead(BaseModel):
    status: str  # "ok" once it serves

def create_app(uow: UnitOfWork, settings: Settings, policy: FitnessPolicy) -> FastAPI:
    app = FastAPI(title="missiondesk", version="0.1.0", docs_url=None, redoc_url=None,
                  description="The mission office of a hidden village: roster, board, fitness-gated assignment.")
    app.state.container = Container(uow=uow, settings=settings, policy=policy)
    errors.install(app)
    pages.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # before a body is read whole
    app.add_middleware(NotFoundFloor)  # outermost: a 404's time counts from the request's arrival
    app.mount("/static", StaticFiles(directory=str(pages.HERE / "static")), name="static")
    app.include_router(pages.router)
    install_docs(app)
    api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

    @api.get("/health", tags=["health"], response_model=HealthRead)
    def health() -> HealthRead:
        return HealthRead(status="ok")

    for module in (auth, shinobi, medical, missions, briefs, alerts, people, custody, risk, audit):
        api.include_router(module.router)
    app.include_router(api)
    return app


def install_docs(app: FastAPI) -> None:
    """/docs: Swagger UI from the app's own assets. The page is written once, here, and served as written, so
    its policy allows exactly its one inline script (FastAPI's call to SwaggerUIBundle) by hash. No /redoc:
    ReDoc writes its styles inline as it loads, before it could be handed a nonce, so it cannot run under
    the site's policy without 'unsafe-inline' styles."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=str(DOCS_ASSETS)), name="docs-assets")
    body = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API", oauth2_redirect_url=None,
        swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None}).body  # no badge fetched from swagger.io
    html = bytes(body).decode()
    headers = {"Content-Security-Policy": csp_for_page(html)}

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)
