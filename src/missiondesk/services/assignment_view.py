"""What a screen shows once a team has been sent (the mission's team form, the board plan's Send button): the
assignment made, or every reason it was refused, or the error that stopped it, and the names of the people it
names, read for them alone: the village of 10,000 is never read to name a team of four.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.access import Caller
from ..domain.errors import DomainError
from ..domain.roster import Assignment
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class SendResult:
    """The outcome of sending a team: `assignment` when it was made (proposed or sent); else the refusal's
    reasons (`refused`, each a reason's details, and its `message`), or the `error` that stopped it."""

    assignment: Assignment | None = None
    refused: tuple[Mapping[str, Any], ...] = ()
    message: str = ""
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.assignment is not None

    def named(self) -> set[int]:
        """The shinobi the result names: the team and those it awaits, or those a reason is about."""
        if self.assignment is not None:
            return {*self.assignment.shinobi_ids, *self.assignment.awaiting_ids}
        return {d["shinobi_id"] for d in self.refused if isinstance(d.get("shinobi_id"), int)}


@dataclass(frozen=True)
class SentTeam:
    """The result box: the outcome and the names of everyone it names."""

    result: SendResult
    names: dict[int, str]


@transactional(write=False)
def sent_team(tx: Transaction, caller: Caller, result: SendResult) -> SentTeam:
    """The result box for this outcome: one read of the names it shows (as the roster shows them to anyone
    signed in)."""
    return SentTeam(result, tx.shinobi.names(result.named()))


__all__ = ["SendResult", "SentTeam", "sent_team"]
