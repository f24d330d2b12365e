"""Domain errors: each carries a stable code; the adapters map codes to statuses."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A use case could not be carried out. `code` is stable; `message` is for people."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.details = details or []


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    """Also what a caller gets for something they are not cleared to see."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, ident: Any):
        super().__init__(f"{kind} {ident} not found", details=[{"kind": kind, "id": ident}])


class Gone(DomainError):
    code = "GONE"


class Invalid(DomainError):
    """Input whose shape is right but whose meaning is not (422)."""

    code = "VALIDATION_ERROR"


class Conflict(DomainError):
    """The request clashes with the current state (409)."""

    code = "CONFLICT"


class LockedOut(DomainError):
    """Too many attempts: come back later (429, with the seconds to wait)."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, details=[{"retry_after_seconds": retry_after}])
        self.retry_after = retry_after


class TooLarge(DomainError):
    """A request body over the configured limit (413)."""

    code = "PAYLOAD_TOO_LARGE"


class AssignmentRefused(DomainError):
    code = "ASSIGNMENT_REFUSED"
