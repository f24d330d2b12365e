"""Settings from the environment, read once at the edge and passed inward."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .clock import Clock, SystemClock, clock_from

DEFAULT_DATABASE = "sqlite:///missiondesk.db"


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and relative SQLite paths."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///")).resolve()
        return f"sqlite:///{path}"
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    village_tz: ZoneInfo = ZoneInfo("UTC")
    token_ttl: timedelta = timedelta(hours=12)
    bootstrap_user: str = "hokage"
    bootstrap_name: str = "Hokage"
    bootstrap_password: str | None = None
    clock: Clock = field(default_factory=SystemClock, compare=False)
    max_body_bytes: int = 1024 * 1024  # a request body larger than this is refused (413) before it is read whole
    # the audit log's signed checkpoints: the key signs them (HMAC-SHA-256, 16 characters or more), the folder
    # keeps them outside the database; `serve` writes one after this many entries or minutes, keeping the last few
    audit_key: str | None = field(default=None, repr=False)
    audit_checkpoints: Path | None = None
    audit_checkpoint_entries: int = 100
    audit_checkpoint_every: timedelta = timedelta(minutes=10)
    audit_checkpoints_kept: int = 100
    # alerts: the ladder's delays (domain/alerts.py), how e-mail leaves (smtp://, smtps://, ?starttls=1), how
    # often a worker looks for work
    escalate_after: timedelta = timedelta(minutes=10)
    then_after: timedelta = timedelta(minutes=10)
    smtp_url: str | None = field(default=None, repr=False)  # may hold a password
    smtp_from: str = "missiondesk@localhost"
    worker_poll: float = 0.5

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        env = os.environ
        return cls(
            database_url=normalise_url(database_url or env.get("MISSIONDESK_DATABASE_URL") or DEFAULT_DATABASE),
            village_tz=ZoneInfo(env.get("MISSIONDESK_VILLAGE_TZ", "UTC")),
            token_ttl=timedelta(minutes=int(env.get("MISSIONDESK_TOKEN_TTL_MINUTES", "720"))),
            bootstrap_user=env.get("MISSIONDESK_BOOTSTRAP_USER", "hokage"),
            bootstrap_name=env.get("MISSIONDESK_BOOTSTRAP_NAME", "Hokage"),
            bootstrap_password=env.get("MISSIONDESK_BOOTSTRAP_PASSWORD") or None,
            clock=clock_from(env.get("MISSIONDESK_CLOCK")),
            max_body_bytes=int(env.get("MISSIONDESK_MAX_BODY_BYTES", str(1024 * 1024))),
            audit_key=env.get("MISSIONDESK_AUDIT_KEY") or None,
            audit_checkpoints=Path(env["MISSIONDESK_AUDIT_CHECKPOINTS"]).expanduser().resolve()
            if env.get("MISSIONDESK_AUDIT_CHECKPOINTS") else None,
            audit_checkpoint_entries=int(env.get("MISSIONDESK_AUDIT_CHECKPOINT_ENTRIES", "100")),
            audit_checkpoint_every=timedelta(minutes=float(env.get("MISSIONDESK_AUDIT_CHECKPOINT_MINUTES", "10"))),
            audit_checkpoints_kept=int(env.get("MISSIONDESK_AUDIT_CHECKPOINTS_KEPT", "100")),
            escalate_after=timedelta(minutes=float(env.get("MISSIONDESK_ESCALATE_TO_MEDIC_MINUTES", "10"))),
            then_after=timedelta(minutes=float(env.get("MISSIONDESK_ESCALATE_TO_HOKAGE_MINUTES", "10"))),
            smtp_url=env.get("MISSIONDESK_SMTP_URL") or None,
            smtp_from=env.get("MISSIONDESK_SMTP_FROM", "missiondesk@localhost"),
            worker_poll=float(env.get("MISSIONDESK_WORKER_POLL_SECONDS", "0.5")),
        )
