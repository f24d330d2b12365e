import pytest
from fastapi.testclient import TestClient

from missiondesk.adapters.web.app import create_app

from ..conftest import BOOT_PASSWORD
from .api import Api


@pytest.fixture
def app(runtime):
    return create_app(runtime.uow, runtime.settings, runtime.policy)


@pytest.fixture
def api(app) -> Api:
    with TestClient(app) as client:
        a = Api(client, BOOT_PASSWORD, clock=app.state.container.settings.clock)
        a.person("Homura", username="elder", roles=["council"], clearance="top_secret")
        a.person("Iruka", rank="chunin", username="clerk", roles=["clerk"], clearance="confidential")
        a.person("Shizune", username="medic", roles=["medic"], clearance="secret")
        a.person("Konohamaru", rank="genin", username="genin")
        yield a
