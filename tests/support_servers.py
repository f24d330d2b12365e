"""Real local servers for the delivery channels, for tests and benchmarks: an SMTP inbox and a webhook receiver.

Each listens on 127.0.0.1 on a port of its own (the system picks a free one), serves from a background thread,
records what it receives (thread-safe), and stops when asked or at the end of a `with` block:

    with SmtpInbox() as inbox:
        SmtpChannel(inbox.url, "office@konoha.example").send(message)
        [mail] = inbox.wait_for(1, timeout=2)
        mail.message["Subject"], mail.message.get_content(), mail.monotonic

    with WebhookReceiver(secret="s3cret") as hooks:
        WebhookChannel().send(replace(message, target=hooks.url, secret="s3cret"))
        [hook] = hooks.wait_for(1, timeout=2)
        hook.ok_signature, hook.idempotency_key, hook.payload

Both can be told to fail the next k requests (`fail_next`) with a reply of the caller's choice: a 451 or a 503
by default (temporary, the worker should retry), a 5xx or a 400 to test the permanent path.

Public API (keep it small: other tests and bench/alerts.py use it):
    SmtpInbox(*, auth=None, refuse=(), tls_context=None, implicit_tls=False)
        .url  .messages  .wait_for(n, timeout)  .fail_next(k, reply)  .stop()     -> ReceivedMail
    WebhookReceiver(secret, *, now=None)
        .url  .received  .wait_for(n, timeout)  .fail_next(k, status, headers)  .stop()  -> ReceivedHook
    unused_port() -> int: a port nothing listens on (for "connection refused")
"""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from missiondesk.adapters.delivery.webhook import SIGNATURE_HEADER, verify

__all__ = ["ReceivedHook", "ReceivedMail", "SmtpInbox", "WebhookReceiver", "unused_port"]

HOST = "127.0.0.1"


def unused_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (bound by the system, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class _Record:
    """A thread-safe list that can be waited on: what both servers keep."""

    def __init__(self) -> None:
        self._items: list = []
        self._changed = threading.Condition()

    def add(self, item) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def copy(self) -> list:
        with self._changed:
            return list(self._items)

    def wait_for(self, n: int, timeout: float, what: str) -> list:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) >= n, timeout):
                raise TimeoutError(f"{len(self._items)} {what} after {timeout} s, expected {n}")
            return list(self._items)


class _Failures:
    """The next k requests answered with a chosen reply instead of the normal one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left = 0
        self._reply: Any = None

    def set(self, k: int, reply: Any) -> None:
        with self._lock:
            self._left, self._reply = k, reply

    def take(self) -> Any:
        """The reply to fail this request with, or None to serve it normally."""
        with self._lock:
            if self._left <= 0:
                return None
            self._left -= 1
            return self._reply


# --- SMTP ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    message: EmailMessage  # parsed with email.policy.default: message["Subject"], message.get_content()
    mail_from: str  # the envelope's sender (MAIL FROM)
    rcpt_tos: tuple[str, ...]  # the envelope's recipients (RCPT TO)
    monotonic: float  # time.monotonic() when the DATA was accepted
    wall: float  # time.time() then
    login: str | None = None  # the user the client logged in as (SmtpInbox(auth=...)), None without a login


class _InboxHandler:
    """aiosmtpd's handler: runs on the server's event loop thread."""

    def __init__(self, inbox: SmtpInbox):
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.inbox._refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        failure = self.inbox._failures.take()
        if failure is not None:
            return failure
        # lines end in \n, as in a mailbox file: the wire's \r\n would otherwise stay in get_content()
        content = envelope.content.replace(b"\r\n", b"\n")
        message = BytesParser(policy=policy.default).parsebytes(content)
        login = getattr(session.auth_data, "login", None) if session.authenticated else None
        self.inbox._record.add(ReceivedMail(message, envelope.mail_from, tuple(envelope.rcpt_tos), time.monotonic(),
                                            time.time(), login.decode() if login is not None else None))
        return "250 2.0.0 Accepted"


class _Controller(Controller):
    """aiosmtpd's threaded controller on a socket bound beforehand: port 0 gives a free port with no race."""

    def __init__(self, handler, sock: socket.socket, **kwargs):
        super().__init__(handler, hostname=HOST, port=sock.getsockname()[1], **kwargs)
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpInbox:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts.

    auth: (user, password) to offer a login (PLAIN or LOGIN, without TLS: it is a test server); a wrong one is
        refused with 535, and each message records who logged in (`ReceivedMail.login`).
    refuse: addresses whose RCPT TO is refused with a permanent 550.
    tls_context: a server-side SSLContext; STARTTLS is then offered, or, with implicit_tls, spoken from the
        first byte (an smtps:// server).
    """

    def __init__(self, *, auth: tuple[str, str] | None = None, refuse: Iterable[str] = (),
                 tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False):
        self._record = _Record()
        self._failures = _Failures()
        self._refused = {address.lower() for address in refuse}
        # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on each accepted connection: with protocol 0 it
        # does not, and Nagle held each line of aiosmtpd's EHLO reply back (42 ms an e-mail, bench/alerts.py)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))
        options: dict[str, Any] = {"server_hostname": "inbox.test", "ident": "missiondesk test inbox"}
        if auth is not None:
            user, password = auth

            def authenticate(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and data.login == user.encode() and \
                    data.password == password.encode()
                # handled=False: aiosmtpd answers the failure (535) itself
                return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

            # offered without TLS, and checked when tried, but not required (aiosmtpd warns on every connection
            # of a server that requires a login in clear): a test looks at ReceivedMail.login
            options.update(authenticator=authenticate, auth_require_tls=False)
        if tls_context is not None and implicit_tls:
            options["ssl_context"] = tls_context
        elif tls_context is not None:
            options["tls_context"] = tls_context
        self.port = sock.getsockname()[1]
        self.url = f"{'smtps' if implicit_tls else 'smtp'}://{HOST}:{self.port}"
        self._controller = _Controller(_InboxHandler(self), sock, **options)
        self._controller.start()

    @property
    def messages(self) -> list[ReceivedMail]:
        """What has arrived so far, in order (a copy)."""
        return self._record.copy()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """All messages once at least n have arrived; TimeoutError if they have not within `timeout` seconds."""
        return self._record.wait_for(n, timeout, "messages")

    def fail_next(self, k: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the next k messages' DATA with `reply` (an SMTP reply line) instead of accepting them."""
        self._failures.set(k, reply)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpInbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- Webhooks ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedHook:
    ok_signature: bool  # verify() said yes, with the receiver's secret and its now()
    idempotency_key: str | None
    payload: dict | None  # the body as JSON, None if it was not JSON
    headers: dict[str, str] = field(repr=False)  # names in lower case
    monotonic: float  # time.monotonic() when the request was read
    body: bytes = field(repr=False)  # the raw body, as signed
    path: str = "/"


def _real_now() -> datetime:
    return datetime.now(UTC)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that checks each POST's signature and keeps it: 204 when the signature
    verifies, 401 when it does not (every request is recorded either way), or the reply `fail_next` asked for.

    secret: the endpoint's signing secret. now: the receiver's clock for the replay window (default the real
    time; a test on the service's shifted clock passes that clock's now).
    """

    def __init__(self, secret: str, *, now: Callable[[], datetime] | None = None):
        self.secret = secret
        self.now = now or _real_now
        self._record = _Record()
        self._failures = _Failures()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://{HOST}:{self.port}/hooks/missiondesk"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"webhook-receiver-{self.port}", daemon=True)
        self._thread.start()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._receive(self, body)

            def log_message(self, format, *args) -> None:  # quiet: pytest shows what matters
                pass

        return Handler

    def _receive(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        received = time.monotonic()
        headers = {name.lower(): value for name, value in request.headers.items()}
        ok = verify(self.secret, headers.get(SIGNATURE_HEADER.lower(), ""), body, now=self.now())
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        self._record.add(ReceivedHook(ok, headers.get("idempotency-key"), payload, headers, received, body,
                                      request.path))
        failure = self._failures.take()
        status, extra = failure if failure is not None else (204 if ok else 401, {})
        request.send_response(status)
        for name, value in extra.items():
            request.send_header(name, value)
        request.send_header("Content-Length", "0")
        request.end_headers()

    @property
    def received(self) -> list[ReceivedHook]:
        """Every request so far, in order, good signatures or not (a copy)."""
        return self._record.copy()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedHook]:
        """All requests once at least n have arrived; TimeoutError if they have not within `timeout` seconds."""
        return self._record.wait_for(n, timeout, "requests")

    def fail_next(self, k: int = 1, status: int = 503, headers: dict[str, str] | None = None) -> None:
        """Answer the next k requests with `status` (and these headers, e.g. a Location) whatever they carry."""
        self._failures.set(k, (status, dict(headers or {})))

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
