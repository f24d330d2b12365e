"""The browser's side of security: the session cookie, CSRF tokens, and the response headers.

The session cookie holds the same kind of bearer token the API issues (it expires, logout
revokes it). The CSRF token of a form is derived from the session token (SHA-256 of it with a
fixed label), so a page from another site, which cannot read the HttpOnly cookie, cannot forge it.
Sign-in, which has no session yet, uses a double-submit cookie.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

SESSION_COOKIE = "md_session"
LOGIN_CSRF_COOKIE = "md_login_csrf"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNGUARDED = ("/docs", "/redoc")  # FastAPI's API explorer loads its own scripts


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(UNGUARDED):
            for k, v in HEADERS.items():
                response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/") or request.cookies.get(SESSION_COOKIE):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(b"missiondesk-csrf:" + session_token.encode()).hexdigest()[:40]


def csrf_ok(session_token: str | None, submitted: str | None) -> bool:
    return bool(session_token and submitted) and hmac.compare_digest(csrf_for(session_token), submitted)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)
