"""The one table from domain error to HTTP status, and the handlers that write the envelope."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...domain.errors import (
    AssignmentRefused,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    LockedOut,
    NotFound,
    TooLarge,
    Unauthenticated,
)

log = logging.getLogger("missiondesk")

STATUS: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Gone: 410,
    Invalid: 422,
    Conflict: 409,
    AssignmentRefused: 409,
    LockedOut: 429,
    TooLarge: 413,
}

HTTP_CODES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
              409: "CONFLICT", 410: "GONE", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
              422: "VALIDATION_ERROR", 429: "TOO_MANY_REQUESTS"}


def status_for(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def envelope(status: int, code: str, message: str, details: list[Any] | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, headers=headers,
                        content={"error": {"code": code, "message": message, "details": details or []}})


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def _domain(request: Request, exc: DomainError) -> Response:
        status = status_for(exc)
        page_error = getattr(request.app.state, "page_error", None)
        if page_error is not None and not request.url.path.startswith("/api/"):
            return page_error(request, exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, LockedOut):
            headers = {"Retry-After": str(exc.retry_after)}
        return envelope(status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "message": e.get("msg")}
                   for e in exc.errors()]
        first = details[0] if details else {"loc": [], "message": "invalid request"}
        where = ".".join(str(p) for p in first["loc"][1:]) or "request"
        message = f"{where}: {first['message']}"
        return _page(request, 422, "VALIDATION_ERROR", message, details) or envelope(
            422, "VALIDATION_ERROR", message, details)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        page = _page(request, exc.status_code, code, str(exc.detail), [])
        if page is not None:
            page.headers.update(getattr(exc, "headers", None) or {})
            return page
        return envelope(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("value out of range reached the database: %s", exc)
        return envelope(422, "VALUE_OUT_OF_RANGE", "a number or time in the request is out of range")

    @app.exception_handler(IntegrityError)
    def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error after retries: %s", exc.orig)
        return envelope(409, "CONFLICT", "the request clashed with a concurrent change; try again")

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error", exc_info=exc)
        message = "something went wrong on our side; nothing was changed"
        try:
            page = _page(request, 500, "INTERNAL_ERROR", message, [])
        except Exception:  # noqa: BLE001 - the error page itself failed: the envelope still goes out
            page = None
        return page or envelope(500, "INTERNAL_ERROR", message)


def _page(request: Request, status: int, code: str, message: str, details: list[Any]) -> Response | None:
    """The pages' HTML answer (pages.install sets `page_problem`) when a browser asked for a page, else None:
    the API and every client that does not accept HTML keep the JSON envelope."""
    page_problem = getattr(request.app.state, "page_problem", None)
    return page_problem(request, status, code, message, details) if page_problem is not None else None
