"""The worker wired: the channels the settings allow, the service clock, the alert policy.

`serve` runs one on its own thread (unless told not to); `missiondesk worker` runs one as its own process, as
many as wanted, on any machine that reaches the database (on SQLite, the same machine).
"""
from __future__ import annotations

from ..config import Settings
from ..runtime import Runtime
from ..services.channels import Channel
from ..services.outbox import Worker


def channels_for(settings: Settings) -> list[Channel]:
    """Webhooks always (a person's own endpoints); e-mail when MISSIONDESK_SMTP_URL names a server."""
    from .delivery import SmtpChannel, WebhookChannel

    out: list[Channel] = [WebhookChannel()]
    if settings.smtp_url:
        out.append(SmtpChannel(settings.smtp_url, settings.smtp_from))
    return out


def make_worker(rt: Runtime, name: str | None = None) -> Worker:
    worker = Worker(uow=rt.uow, clock=rt.clock, policy=rt.alert_policy, tz=rt.settings.village_tz,
                    channels=channels_for(rt.settings), poll=rt.settings.worker_poll)
    if name:
        worker.name = name
    return worker


def describe(settings: Settings) -> str:
    email = "e-mail through the SMTP server in MISSIONDESK_SMTP_URL" if settings.smtp_url else \
        "no e-mail (set MISSIONDESK_SMTP_URL to send it)"
    return (f"alerts: delivered by webhooks and {email}; unacknowledged duty-of-care alerts climb to the medic on "
            f"duty after {settings.escalate_after.total_seconds() / 60:g} min, to the hokage "
            f"{settings.then_after.total_seconds() / 60:g} min later")
