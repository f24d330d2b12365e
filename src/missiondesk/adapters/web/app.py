"""The FastAPI application: the API under /api/v1, over the same services as the CLI."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from ...config import Settings
from ...domain.fitness import FitnessPolicy
from ...services.unit_of_work import UnitOfWork
from . import errors, pages
from .deps import Container
from .routes import audit, auth, briefs, custody, medical, missions, people, risk, shinobi
from .schemas import ERROR_RESPONSES
from .security import BodyLimit, SecurityHeaders


def create_app(uow: UnitOfWork, settings: Settings, policy: FitnessPolicy) -> FastAPI:
    app = FastAPI(title="missiondesk", version="0.1.0",
                  description="The mission office of a hidden village: roster, board, fitness-gated assignment.")
    app.state.container = Container(uow=uow, settings=settings, policy=policy)
    errors.install(app)
    pages.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # outermost: before a body is read whole
    app.mount("/static", StaticFiles(directory=str(Path(pages.__file__).parent / "static")), name="static")
    app.include_router(pages.router)
    api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

    @api.get("/health", tags=["health"])
    def health() -> dict:
        return {"status": "ok"}

    for module in (auth, shinobi, medical, missions, briefs, people, custody, risk, audit):
        api.include_router(module.router)
    app.include_router(api)
    return app
