import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from missiondesk.adapters.web.app import create_app
from missiondesk.adapters.web.deps import Container

from ..conftest import BOOT_PASSWORD
from .api import Api

_BUILT: dict[int, FastAPI] = {}  # by body limit: the one setting an app takes in when it is built


@pytest.fixture
def app(runtime):
    """The app over this test's runtime. Building one costs 0.2-0.25 s (FastAPI copies and analyses every route as
    it includes a router: a fifth of a second of set-up for each of some 600 tests); its routes reach the runtime
    only through `app.state.container`, so each worker builds one per body limit and each test gets it with a
    container of its own."""
    built = _BUILT.get(runtime.settings.max_body_bytes)
    if built is None:
        built = _BUILT[runtime.settings.max_body_bytes] = create_app(runtime.uow, runtime.settings, runtime.policy)
    built.state.container = Container(uow=runtime.uow, settings=runtime.settings, policy=runtime.policy)
    return built


@pytest.fixture
def api(app) -> Api:
    with TestClient(app) as client:
        a = Api(client, BOOT_PASSWORD, clock=app.state.container.settings.clock)
        a.person("Homura", username="elder", roles=["council"], clearance="top_secret")
        a.person("Iruka", rank="chunin", username="clerk", roles=["clerk"], clearance="confidential")
        a.person("Shizune", username="medic", roles=["medic"], clearance="secret")
        a.person("Konohamaru", rank="genin", username="genin")
        yield a
