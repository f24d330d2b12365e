"""Wiring: settings → engine → migrations → unit of work → bootstrap account."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from .adapters.db import migrate
from .adapters.db.session import SqlUnitOfWork, make_engine
from .clock import Clock
from .config import Settings
from .domain.alerts import AlertPolicy
from .domain.fatigue import FatiguePolicy
from .domain.fitness import FitnessPolicy
from .services import auth


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    uow: SqlUnitOfWork

    @property
    def clock(self) -> Clock:
        return self.settings.clock

    @property
    def policy(self) -> FitnessPolicy:
        return FitnessPolicy(fatigue=FatiguePolicy(), tz=self.settings.village_tz)

    @property
    def alert_policy(self) -> AlertPolicy:
        return AlertPolicy(escalate_after=self.settings.escalate_after, then_after=self.settings.then_after)

    def close(self) -> None:
        self.uow.close()
        self.engine.dispose()


def start(settings: Settings, *, migrate_schema: bool = True, bootstrap: bool = True) -> Runtime:
    engine = make_engine(settings.database_url)
    if migrate_schema:
        migrate.upgrade(engine)
    uow = SqlUnitOfWork(engine, settings.clock)
    if bootstrap and settings.bootstrap_password:
        auth.bootstrap(uow, username=settings.bootstrap_user, name=settings.bootstrap_name,
                       password=settings.bootstrap_password, now=settings.clock.now())
    return Runtime(settings=settings, engine=engine, uow=uow)
