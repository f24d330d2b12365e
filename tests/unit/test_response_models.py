"""Every API route declares the shape it answers with: a Pydantic read model (or a list of them), never a bare
dict, so the contract is in the code and in /openapi.json. Routes answering 204 have no body."""
from __future__ import annotations

import typing

from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from missiondesk.adapters.web.app import create_app
from missiondesk.config import Settings
from missiondesk.domain.fitness import FitnessPolicy

# adapters/web/app.py answers GET /api/v1/health with a dict; that module is another change's to type
NOT_YET: set[tuple[str, str]] = set()


def is_read_model(t: object) -> bool:
    """A BaseModel subclass, or a list of one."""
    if typing.get_origin(t) is list:
        (t,) = typing.get_args(t)
    return isinstance(t, type) and issubclass(t, BaseModel)


def api_routes() -> list[tuple[str, str, APIRoute]]:
    app = create_app(None, Settings(database_url="sqlite://"), FitnessPolicy())  # no request runs: no database
    out = []
    for ctx in iter_route_contexts(app.routes):  # the routers' routes, with /api/v1 on their path
        route = ctx.original_route
        if isinstance(route, APIRoute) and (ctx.path or "").startswith("/api/v1/"):
            out += [(method, ctx.path, route) for method in sorted(route.methods)]
    return out


def test_every_api_route_declares_a_read_model():
    routes = api_routes()
    assert len(routes) > 50, "the walk found too few API routes: has the app's router changed?"
    missing = [f"{method} {path} -> {route.response_model!r}" for method, path, route in routes
               if route.status_code != 204 and (method, path) not in NOT_YET
               and not is_read_model(route.response_model)]
    assert not missing, "API routes without a response_model:\n" + "\n".join(missing)


def test_the_check_tells_a_model_from_a_dict():
    class Thing(BaseModel):
        x: int

    assert is_read_model(Thing) and is_read_model(list[Thing])
    assert not any(is_read_model(t) for t in (None, dict, list[dict], dict[str, Thing], int))
