"""The shape of who the caller is (GET /auth/me)."""
from __future__ import annotations

from pydantic import BaseModel

from ...domain.access import Caller


class MeRead(BaseModel):
    username: str
    shinobi_id: int
    roles: list[str]  # sorted
    clearance: str
    divisions: list[str]  # sorted

    @classmethod
    def of(cls, c: Caller) -> MeRead:
        return cls(username=c.username, shinobi_id=c.shinobi_id, roles=sorted(r.value for r in c.roles),
                   clearance=c.clearance.value, divisions=sorted(c.divisions))
