"""The signed-in caller. Who may do what is decided by the Cedar policy (services/authz.py)."""
from __future__ import annotations

from dataclasses import dataclass

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
