"""Delivery channels: how an alert leaves the building (e-mail, a signed webhook), as the worker sees them.

The alert itself, on the page, is not a channel here: its row is the page's record, and the live page reads
it (server-sent events). Every other way out is a `Channel`: one method that sends one `Outbound` message or
raises `DeliveryFailed`. The real ones live in adapters/delivery/ (SMTP, webhooks); tests use a fake that
records what it was handed. The worker (services/outbox.py) sends each delivery at least once and retries a
failure with backoff; a receiver de-duplicates by the message's `idempotency_key`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Outbound:
    """One delivery of one alert to one recipient by one channel, written for that recipient: `text` and
    `payload` never name a mission they may not see."""
    delivery_id: int
    idempotency_key: str  # the same on every attempt of this delivery
    channel: str  # "email" | "webhook"
    target: str  # an e-mail address, or the webhook's URL
    recipient_name: str
    kind: str  # the alert's kind: DUTY_OF_CARE, WELFARE_REVIEW_DUE, …
    subject: str  # one line (the e-mail's subject)
    text: str  # the alert's message
    payload: dict[str, Any]  # the webhook's JSON body (also in the e-mail as the alert's fields)
    sent_at: datetime  # the service clock when this attempt was made (the webhook's timestamp)
    secret: str | None = None  # the webhook endpoint's signing secret


class DeliveryFailed(Exception):
    """This attempt did not deliver. `retry` False: it never will (a refused address, a 4xx that is not 408/429)."""

    def __init__(self, reason: str, *, retry: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Channel(Protocol):
    name: str  # "email" | "webhook"

    def send(self, message: Outbound) -> None: ...
