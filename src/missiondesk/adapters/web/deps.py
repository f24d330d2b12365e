"""Request dependencies: the service container, the clock and the signed-in caller."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ...config import Settings
from ...domain.access import Caller
from ...domain.errors import Unauthenticated
from ...domain.fitness import FitnessPolicy
from ...services import auth
from ...services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Container:
    uow: UnitOfWork
    settings: Settings
    policy: FitnessPolicy


def container(request: Request) -> Container:
    return request.app.state.container


def clock(c: Annotated[Container, Depends(container)]) -> datetime:
    """The service's "now", from its one clock (MISSIONDESK_CLOCK or the real time)."""
    return c.settings.clock.now()


_bearer = HTTPBearer(auto_error=False)


def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("sign in first: send Authorization: Bearer <token>")
    return credentials.credentials


def current_caller(token: Annotated[str, Depends(bearer_token)], c: Annotated[Container, Depends(container)],
                   now: Annotated[datetime, Depends(clock)]) -> Caller:
    return auth.authenticate(c.uow, token, now)


Deps = Annotated[Container, Depends(container)]
Now = Annotated[datetime, Depends(clock)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
