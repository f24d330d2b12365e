"""Who may do what: roles, clearance and need-to-know, as pure functions."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden
from .ranks import Classification, Role


@dataclass(frozen=True)
class Caller:
    """The signed-in account, and the shinobi it belongs to."""

    account_id: int
    username: str
    shinobi_id: int
    roles: frozenset[Role]
    clearance: Classification
    divisions: frozenset[str] = frozenset()

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_hokage(self) -> bool:
        return Role.HOKAGE in self.roles

    @property
    def sees_all(self) -> bool:
        return self.has(Role.HOKAGE, Role.COUNCIL)


def can_see(clearance: Classification, roles: frozenset[Role], classification: Classification) -> bool:
    """Need-to-know: the hokage and council see all; others need clearance at or above it."""
    if roles & {Role.HOKAGE, Role.COUNCIL}:
        return True
    return clearance.order >= classification.order


def caller_can_see(caller: Caller, classification: Classification) -> bool:
    return can_see(caller.clearance, caller.roles, classification)


def require_role(caller: Caller, *roles: Role, action: str) -> None:
    """The hokage may do everything; otherwise the caller needs one of `roles`."""
    if caller.is_hokage or caller.has(*roles):
        return
    names = ", ".join(r.value for r in roles) or "hokage"
    raise Forbidden(f"{action} needs the role {names}" if roles else f"{action} is the hokage's alone")


def require_self_or_role(caller: Caller, shinobi_id: int, *roles: Role, action: str) -> None:
    if caller.shinobi_id == shinobi_id:
        return
    require_role(caller, *roles, action=action)
