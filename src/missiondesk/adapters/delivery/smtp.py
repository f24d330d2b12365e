"""The e-mail channel: one alert, one message, handed to an SMTP server with the standard library's smtplib.

The server is named by one URL, which config reads from the environment and passes in:

    smtp://[user:password@]host[:port]              plain SMTP (port 25 unless given)
    smtp://[user:password@]host[:port]?starttls=1   plain, then upgraded with STARTTLS before anything is sent
    smtps://[user:password@]host[:port]             TLS from the first byte (port 465 unless given)

User and password are percent-decoded (a `@` in a password is written `%40`); the server's certificate is
checked against the system's trust store unless a `ssl_context` is given (tests give one that trusts their own
certificate).

Each `send` opens its own connection and closes it: alerts are few, and a connection that lives between sends
would need its own liveness checks and locking between worker threads, for no gain a human reader would see.

What the worker learns from a failure (`DeliveryFailed.retry`) follows SMTP's own split: a 4xx reply, a
dropped connection, a refused connection or a timeout may pass, so the worker tries again later; a 5xx reply
(an address refused, a sender or a credential rejected, a message refused) will be the same next time, so it
stops. Receivers de-duplicate by the `Message-ID`, which is the same on every attempt of one delivery.
"""
from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from missiondesk.services.channels import DeliveryFailed, Outbound

DEFAULT_TIMEOUT = 10.0
_TRUE = {"1", "true", "yes", "on"}


class SmtpUrlInvalid(ValueError):
    """The SMTP URL cannot name a server, or the sender is not one address (a configuration error, raised when
    the channel is made, not at the first alert)."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, as parsed from the URL (no password in its repr)."""

    host: str
    port: int
    tls: str  # "none" | "implicit" | "starttls"
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        login = f"{self.user}:***@" if self.user else ""
        return f"SmtpServer({login}{self.host}:{self.port}, tls={self.tls})"


def parse_smtp_url(url: str) -> SmtpServer:
    """The server a `smtp://` or `smtps://` URL names (see the module's docstring)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise SmtpUrlInvalid("the SMTP URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpUrlInvalid("the SMTP URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlInvalid("the SMTP URL's port is not a number from 0 to 65535") from None
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[-1].strip().lower() in _TRUE
    if scheme == "smtps" and starttls:
        raise SmtpUrlInvalid("smtps:// is TLS already: starttls=1 belongs to smtp://")
    tls = "implicit" if scheme == "smtps" else "starttls" if starttls else "none"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if scheme == "smtps" else 25),
        tls=tls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _one_line(value: str) -> str:
    """A header value on one line: a subject or a name with a line break would otherwise be refused by the
    e-mail library (header injection), and the alert would never go out."""
    return " ".join(value.split())


def _footer(message: Outbound) -> str:
    """What the reader needs to find the alert on the page and to tell a resend from a new alert: its kind,
    its id, the delivery, and the alert's fields (the same as the webhook's payload)."""
    id_key = "alert_id" if "alert_id" in message.payload else "id"
    alert_id = message.payload.get(id_key)
    lines = ["", "-- ", f"missiondesk alert {message.kind}" + (f" #{alert_id}" if alert_id is not None else "")]
    lines.append(f"delivery {message.delivery_id}, key {message.idempotency_key}")
    for key in sorted(set(message.payload) - {id_key, "kind"}):  # the two above are said already
        value = message.payload[key]
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        lines.append(f"{key}: {shown}")
    return "\n".join(lines) + "\n"


def build_message(message: Outbound, sender: str) -> EmailMessage:
    """The e-mail for one delivery. Its `Message-ID` comes from the idempotency key, so every attempt of one
    delivery is the same message to a receiver that de-duplicates."""
    email = EmailMessage()
    try:
        email["To"] = Address(display_name=_one_line(message.recipient_name), addr_spec=message.target.strip())
    except (ValueError, IndexError) as exc:  # the e-mail library's parse errors are ValueErrors (or worse)
        raise DeliveryFailed(f"not an e-mail address: {message.target!r}", retry=False) from exc
    email["From"] = sender
    email["Subject"] = _one_line(message.subject)
    sent_at = message.sent_at if message.sent_at.tzinfo else message.sent_at.replace(tzinfo=UTC)
    email["Date"] = format_datetime(sent_at)
    email["Message-ID"] = f"<{message.idempotency_key}@missiondesk>"
    email["X-Missiondesk-Idempotency-Key"] = message.idempotency_key
    email["X-Missiondesk-Kind"] = message.kind
    email.set_content(message.text.rstrip("\n") + "\n" + _footer(message))
    return email


def _failed(exc: smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused, step: str) -> DeliveryFailed:
    """A server's reply as the worker needs it: 4xx may pass (retry), 5xx will not."""
    text: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # one recipient per message: its reply decides; with none recorded, be hopeful
        code, text = next(iter(exc.recipients.values()), (450, b"recipient refused"))
    else:
        code, text = exc.smtp_code, exc.smtp_error
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return DeliveryFailed(f"SMTP {step}: {code} {_one_line(reply)}", retry=not 500 <= code < 600)


class SmtpChannel:
    """Sends each `Outbound` as one e-mail through the SMTP server the URL names (one connection per send)."""

    name = "email"

    def __init__(self, url: str, sender: str, *, timeout: float = DEFAULT_TIMEOUT,
                 ssl_context: ssl.SSLContext | None = None):
        self.server = parse_smtp_url(url)
        self.sender = sender
        self._envelope_sender = _one_address(sender)
        self.timeout = timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"SmtpChannel({self.server!r}, sender={self.sender!r})"

    def send(self, message: Outbound) -> None:
        email = build_message(message, self.sender)
        where = f"{self.server.host}:{self.server.port}"
        step = "connect"
        try:
            smtp = self._connect()
            try:
                if self.server.tls == "starttls":
                    step = "starttls"
                    smtp.starttls(context=self._context())
                if self.server.user:
                    step = "login"
                    smtp.login(self.server.user, self.server.password or "")
                step = "send"
                smtp.send_message(email, from_addr=self._envelope_sender,
                                  to_addrs=[email["To"].addresses[0].addr_spec])
            finally:
                _close_quietly(smtp)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _failed(exc, "recipient refused") from exc
        except smtplib.SMTPResponseException as exc:  # a 4xx or 5xx reply (greeting, login, sender, data)
            raise _failed(exc, step) from exc
        except smtplib.SMTPServerDisconnected as exc:
            raise DeliveryFailed(f"SMTP {step}: {where} closed the connection", retry=True) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # STARTTLS or AUTH asked of a server that offers neither: a configuration error, not a passing one
            raise DeliveryFailed(f"SMTP {step}: {where} does not offer it", retry=False) from exc
        except smtplib.SMTPException as exc:  # anything else smtplib raises: unforeseen, so hope it passes
            raise DeliveryFailed(f"SMTP {step}: {where}: {type(exc).__name__}", retry=True) from exc
        except OSError as exc:  # refused, unreachable, timed out (TimeoutError), TLS handshake failed (SSLError)
            raise DeliveryFailed(f"SMTP {step}: {where}: {type(exc).__name__}: {exc}", retry=True) from exc

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.server.tls == "implicit":
            return smtplib.SMTP_SSL(self.server.host, self.server.port, timeout=self.timeout,
                                    context=self._context())
        return smtplib.SMTP(self.server.host, self.server.port, timeout=self.timeout)


def _one_address(sender: str) -> str:
    """The address of a `From` such as `Mission office <office@konoha.example>` (the envelope's sender)."""
    probe = EmailMessage()
    try:
        probe["From"] = sender
        addresses = probe["From"].addresses
    except (ValueError, IndexError):
        addresses = ()
    if len(addresses) != 1 or probe["From"].defects or "@" not in addresses[0].addr_spec:
        raise SmtpUrlInvalid(f"the sender is not one e-mail address: {sender!r}")
    return addresses[0].addr_spec


def _close_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye, and close whatever the answer: once the server has accepted the message (or refused it),
    a failing QUIT changes nothing, and must not hide the reply that mattered."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
