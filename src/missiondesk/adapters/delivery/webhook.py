"""The webhook channel: one alert, one signed HTTP POST of its JSON payload to the endpoint's URL.

What a receiver gets, and how it checks it
------------------------------------------
    POST <the endpoint's URL>
    Content-Type: application/json
    User-Agent: missiondesk-webhook/1
    Idempotency-Key: <the same on every attempt of one delivery: de-duplicate by it>
    X-Missiondesk-Delivery: <the delivery's id>
    X-Missiondesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

    <the payload: compact JSON, keys sorted, UTF-8>

The signature is HMAC-SHA256, keyed by the endpoint's secret (UTF-8), over the bytes `"<t>."` followed by the
body exactly as received, written in lower-case hex. `t` is when the attempt was made (the service's clock).
A receiver recomputes it over the raw body (before any JSON parsing), compares in constant time, and refuses a
`t` too far from its own clock (five minutes here), so a captured request cannot be replayed later. Several
`v1=` entries may appear while a secret is being rotated; any one matching is enough. In Python:

    from missiondesk.adapters.delivery.webhook import verify
    ok = verify(secret, request.headers["X-Missiondesk-Signature"], raw_body, now=your_clock.now())

Outcomes, as the worker sees them
---------------------------------
A 2xx answer is delivered. 408, 429 and 5xx answers, a refused or dropped connection and a timeout may pass:
`DeliveryFailed(retry=True)`, and the worker tries again with backoff. Any other answer (a 4xx, or a 3xx: a
redirect is not followed, since the signed request was meant for the URL the office registered, and that URL
will redirect again next time) is `DeliveryFailed(retry=False)`. No failure's reason names the secret, nor the
URL's path or query (some services put a token there); only its scheme, host and port.

HTTP is the standard library's urllib: httpx is only a test dependency of this project, and one POST needs
nothing more. `timeout` bounds the connection and each read, not the whole exchange.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from http.client import HTTPException
from urllib.parse import urlsplit

from missiondesk.services.channels import DeliveryFailed, Outbound

SIGNATURE_HEADER = "X-Missiondesk-Signature"
USER_AGENT = "missiondesk-webhook/1"
DEFAULT_TOLERANCE = timedelta(minutes=5)
_RETRY_STATUSES = frozenset({408, 429})
_MAX_BODY_READ = 64 * 1024  # what we read of an answer before closing: it is not used, only drained


def encode_payload(payload: dict) -> bytes:
    """The body as sent and signed: compact, sorted, UTF-8 JSON, so one payload is always the same bytes."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `v1` signature: lower-case hex HMAC-SHA256 of `b"<timestamp>." + body`, keyed by the secret."""
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The whole `X-Missiondesk-Signature` value: `t=<timestamp>,v1=<signature>`."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: datetime,
           tolerance: timedelta = DEFAULT_TOLERANCE) -> bool:
    """True when `header` (an `X-Missiondesk-Signature` value) signs `body` with `secret` and its timestamp is
    within `tolerance` of `now`, either side. False for anything else, malformed headers included: a receiver
    answers 401 and need not know why."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    when = now if now.tzinfo else now.replace(tzinfo=UTC)
    if abs(when.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = sign(secret, timestamp, body)
    # every candidate is compared (no early exit), each in constant time
    matches = [hmac.compare_digest(expected.encode(), candidate.encode("utf-8", "replace"))
               for candidate in signatures]
    return any(matches)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx comes back as the answer (an HTTPError), never followed: see the module's docstring."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects())


def _where(url: str) -> str:
    """The URL without its path, query or credentials: safe to put in a reason that is logged and shown."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


class WebhookChannel:
    """POSTs each `Outbound`'s payload, signed with its endpoint's secret, to its `target` URL."""

    name = "webhook"

    def __init__(self, timeout: float = 5.0, opener: urllib.request.OpenerDirector | None = None):
        self.timeout = timeout
        self._opener = opener or _opener()

    def send(self, message: Outbound) -> None:
        try:
            where = _where(message.target)
            scheme = urlsplit(message.target).scheme.lower()
        except ValueError:  # e.g. a port that is not a number
            raise DeliveryFailed("webhook: the endpoint's URL cannot be read", retry=False) from None
        if scheme not in ("http", "https"):
            raise DeliveryFailed(f"webhook: not an http(s) URL: {scheme or 'no scheme'}", retry=False)
        if not message.secret:
            raise DeliveryFailed(f"webhook {where}: the endpoint has no signing secret", retry=False)
        body = encode_payload(message.payload)
        sent_at = message.sent_at if message.sent_at.tzinfo else message.sent_at.replace(tzinfo=UTC)
        timestamp = int(sent_at.timestamp())
        # the scheme is http(s), checked above: no file:// or custom handler can be reached
        request = urllib.request.Request(message.target, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": message.idempotency_key,
            "X-Missiondesk-Delivery": str(message.delivery_id),
            SIGNATURE_HEADER: signature_header(message.secret, timestamp, body),
        })
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                answer.read(_MAX_BODY_READ)
                status = answer.status
        except urllib.error.HTTPError as exc:  # any answer that is not 2xx (3xx included: not followed)
            with exc:
                status = exc.code
        except urllib.error.URLError as exc:  # refused, unreachable, name unknown, TLS failed, connect timeout
            raise DeliveryFailed(f"webhook {where}: {_reason(exc.reason)}", retry=True) from exc
        except (TimeoutError, HTTPException, OSError) as exc:  # a read timed out, the answer was cut or garbled
            raise DeliveryFailed(f"webhook {where}: {_reason(exc)}", retry=True) from exc
        if 200 <= status < 300:
            return
        retry = status in _RETRY_STATUSES or 500 <= status < 600
        raise DeliveryFailed(f"webhook {where}: answered {status}", retry=retry)


def _reason(reason: object) -> str:
    return f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
