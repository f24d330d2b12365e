"""The gate log: who went out, who came in, and who is inside now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.access import Caller, require_role
from ..domain.errors import Invalid, NotFound
from ..domain.gate import Direction, last_direction
from ..domain.ranks import Role, ShinobiStatus
from ..domain.roster import Shinobi
from .audit import record
from .unit_of_work import Transaction, transactional

ANBU = "anbu"


def _may_keep_gate(caller: Caller) -> None:
    if ANBU not in caller.divisions:
        require_role(caller, Role.CLERK, action="logging the gate")


@dataclass(frozen=True)
class GateEntry:
    direction: Direction
    at: datetime
    shinobi_ids: tuple[int, ...] = ()
    detainee_ids: tuple[int, ...] = ()


@transactional(write=True)
def log_gate(tx: Transaction, caller: Caller, cmd: GateEntry, now: datetime) -> dict[str, Any]:
    """Log the people through the gate. The gate does not argue with the people in front of it:
    an arrival of someone already inside (or a departure of someone already out) is kept and flagged."""
    _may_keep_gate(caller)
    if not cmd.shinobi_ids and not cmd.detainee_ids:
        raise Invalid("name at least one person passing the gate", code="GATE_EMPTY")
    if len(set(cmd.shinobi_ids)) != len(cmd.shinobi_ids):
        raise Invalid("a shinobi is named twice", code="GATE_DUPLICATE")
    if cmd.detainee_ids:
        raise NotFound("detainee", cmd.detainee_ids[0])
    people = tx.shinobi.get_many(cmd.shinobi_ids)
    for sid in cmd.shinobi_ids:
        if sid not in people:
            raise NotFound("shinobi", sid)
    events = tx.gate.events_for(cmd.shinobi_ids)
    ids, flags = [], []
    for sid in cmd.shinobi_ids:
        before = last_direction(events[sid], cmd.at) or Direction.IN
        flag = None
        if before is cmd.direction:
            flag = "ALREADY_INSIDE" if cmd.direction is Direction.IN else "ALREADY_OUTSIDE"
            flags.append({"shinobi_id": sid, "code": flag})
        ids.append(tx.gate.add(direction=cmd.direction, at=cmd.at, shinobi_id=sid, by=caller.username, now=now,
                               flagged=flag))
        record(tx, now, caller, f"gate.{cmd.direction.value}", f"shinobi:{sid}", at=cmd.at, flagged=flag)
    tx.commit()
    return {"event_ids": ids, "direction": cmd.direction.value, "at": cmd.at,
            "shinobi_ids": list(cmd.shinobi_ids), "detainee_ids": [], "flags": flags}


@transactional(write=False)
def present(tx: Transaction, caller: Caller, now: datetime) -> dict[str, list[Shinobi]]:
    """Inside the village now: no gate event, or the last one at or before now is "in"."""
    events = tx.gate.all_shinobi_events()
    inside = [s for s in tx.shinobi.list()
              if s.status not in (ShinobiStatus.KIA, ShinobiStatus.MIA)
              and (last_direction(events.get(s.id, ()), now) or Direction.IN) is Direction.IN]
    return {"shinobi": inside, "detainees": []}
