"""The browser's side of security: the session cookie, CSRF tokens, and the response headers.

The session cookie holds the same kind of bearer token the API issues (it expires, logout
revokes it). The CSRF token of a form is derived from the session token (SHA-256 of it with a
fixed label), so a page from another site, which cannot read the HttpOnly cookie, cannot forge it.
Sign-in, which has no session yet, uses a double-submit cookie.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...domain.errors import TooLarge

SESSION_COOKIE = "md_session"
LOGIN_CSRF_COOKIE = "md_login_csrf"

CSP_DIRECTIVES = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
                  "connect-src": "'self'", "form-action": "'self'", "base-uri": "'none'", "object-src": "'none'",
                  "frame-ancestors": "'none'"}
CSP = "; ".join(f"{k} {v}" for k, v in CSP_DIRECTIVES.items())
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def csp_for_page(html: str) -> str:
    """The site's policy for a fixed page that carries inline `<script>` or `<style>` blocks (the API explorer's,
    which FastAPI writes): each block is allowed by its SHA-256 and nothing else inline is. The page must be
    served exactly as given here."""
    directives = dict(CSP_DIRECTIVES)
    for tag, body in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        directives[f"{tag}-src"] += f" 'sha256-{digest}'"
    return "; ".join(f"{k} {v}" for k, v in directives.items())


class SecurityHeaders(BaseHTTPMiddleware):
    """The headers of every response; a response that brings its own Content-Security-Policy keeps it."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for k, v in HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/") or request.cookies.get(SESSION_COOKIE):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(b"missiondesk-csrf:" + session_token.encode()).hexdigest()[:40]


def csrf_ok(session_token: str | None, submitted: str | None) -> bool:
    if not session_token or not submitted:
        return False
    return hmac.compare_digest(csrf_for(session_token), submitted)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


class BodyLimit:
    """Refuse a request body over `max_bytes` with 413 and the error envelope, before it is read whole: at
    once when `Content-Length` says so, else as soon as the streamed bytes pass it (the 413 is sent then,
    the app sees the client gone, and nothing it sends after goes out)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen, refused, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not started:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is out: nothing else goes
            started = True
            await send(message)

        await self.app(scope, counted, guarded)

    def _message(self) -> str:
        return f"the request body is larger than {self.max_bytes:,} bytes"

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": {"code": TooLarge.code, "message": self._message(), "details": []}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
