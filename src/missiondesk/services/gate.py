"""The gate log: who went out, who came in, and who is inside now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ..domain.access import Caller
from ..domain.custody import Detainee, DetaineeStatus
from ..domain.errors import Invalid, NotFound
from ..domain.fitness import FitnessPolicy
from ..domain.gate import Direction, inside, last_direction
from ..domain.ranks import ShinobiStatus
from ..domain.roster import Shinobi
from . import authz
from .assignments import check_departure_at_gate, check_override, warn_if_at_risk
from .audit import record
from .custody import is_custody_keeper
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class GateEntry:
    direction: Direction
    at: datetime
    shinobi_ids: tuple[int, ...] = ()
    detainee_ids: tuple[int, ...] = ()
    override_justification: str | None = None  # the hokage's, for members of a booked team


@dataclass(frozen=True)
class GateFlag:
    code: str
    shinobi_id: int | None = None
    detainee_id: int | None = None


@dataclass(frozen=True)
class GateLogged:
    event_ids: tuple[int, ...]
    direction: Direction
    at: datetime
    shinobi_ids: tuple[int, ...]
    detainee_ids: tuple[int, ...]
    flags: tuple[GateFlag, ...]


def _flag(before: Direction, direction: Direction) -> str | None:
    if before is not direction:
        return None
    return "ALREADY_INSIDE" if direction is Direction.IN else "ALREADY_OUTSIDE"


@transactional(write=True)
def log_gate(tx: Transaction, caller: Caller, cmd: GateEntry, now: datetime, *, policy: FitnessPolicy) -> GateLogged:
    """Log the people through the gate. The gate does not argue with the people in front of it about
    where the log says they are: an arrival of someone already inside (or a departure of someone
    already out) is kept and flagged. But a member of a booked team going out is judged again at the
    event's time: if a rule blocks (and the hokage does not override), nobody in the event is logged."""
    authz.require(tx, caller, "logGate")
    check_override(tx, caller, cmd.override_justification)
    if not cmd.shinobi_ids and not cmd.detainee_ids:
        raise Invalid("name at least one person passing the gate", code="GATE_EMPTY")
    if len(set(cmd.shinobi_ids)) != len(cmd.shinobi_ids) or len(set(cmd.detainee_ids)) != len(cmd.detainee_ids):
        raise Invalid("a person is named twice", code="GATE_DUPLICATE")
    people = tx.shinobi.get_many(cmd.shinobi_ids)
    for sid in cmd.shinobi_ids:
        if sid not in people:
            raise NotFound("shinobi", sid)
    detainees = {d: tx.custody.get(d) for d in cmd.detainee_ids}
    for did, d in detainees.items():
        if d is None:
            raise NotFound("detainee", did)
    if cmd.direction is Direction.OUT:
        check_departure_at_gate(tx, caller, cmd.shinobi_ids, cmd.at, now, policy, cmd.override_justification)
    shinobi_events = tx.gate.events_for(cmd.shinobi_ids)
    detainee_events = tx.gate.events_for(cmd.detainee_ids, detainees=True)
    intake_inside = tx.custody.in_village_at_intake(cmd.detainee_ids)
    ids, flags = [], []
    for sid in cmd.shinobi_ids:
        flag = _flag(last_direction(shinobi_events[sid], cmd.at) or Direction.IN, cmd.direction)
        if flag:
            flags.append(GateFlag(flag, shinobi_id=sid))
        ids.append(tx.gate.add(direction=cmd.direction, at=cmd.at, shinobi_id=sid, by=caller.username, now=now,
                               flagged=flag))
        record(tx, now, caller, f"gate.{cmd.direction.value}", f"shinobi:{sid}", at=cmd.at, flagged=flag)
    for did in cmd.detainee_ids:
        default = Direction.IN if intake_inside[did] else Direction.OUT
        flag = _flag(last_direction(detainee_events[did], cmd.at) or default, cmd.direction)
        if flag:
            flags.append(GateFlag(flag, detainee_id=did))
        ids.append(tx.gate.add(direction=cmd.direction, at=cmd.at, detainee_id=did, by=caller.username, now=now,
                               flagged=flag))
        record(tx, now, caller, f"gate.{cmd.direction.value}", f"detainee:{did}", at=cmd.at, flagged=flag)
    warn_if_at_risk(tx, cmd.shinobi_ids, now, policy)  # a team member gone out (or back) before their departure
    tx.commit()
    return GateLogged(event_ids=tuple(ids), direction=cmd.direction, at=cmd.at, shinobi_ids=cmd.shinobi_ids,
                      detainee_ids=cmd.detainee_ids, flags=tuple(flags))


def shinobi_inside(s: Shinobi, events: list, t: datetime) -> bool:
    """No gate event, or the last one at or before `t` is "in"; the dead and missing are nowhere."""
    return s.status not in (ShinobiStatus.KIA, ShinobiStatus.MIA) and inside(events, t)


def detainee_inside(d: Detainee, events: list, in_village_at_intake: bool, t: datetime) -> bool:
    if d.status is not DetaineeStatus.HELD or t < d.detained_since:
        return False
    return inside(events, t, before_any=Direction.IN if in_village_at_intake else Direction.OUT)


@dataclass(frozen=True)
class Present:
    """Who is inside the village at a time."""

    shinobi: tuple[Shinobi, ...]
    detainees: tuple[Detainee, ...]  # empty for anyone but the hokage and the ANBU


@dataclass(frozen=True)
class GateLogEntry:
    id: int
    direction: Direction
    at: datetime
    shinobi_id: int | None  # one of the two is set
    detainee_id: int | None
    flagged: str | None  # ALREADY_INSIDE or ALREADY_OUTSIDE: kept, and flagged
    logged_by: str | None


@transactional(write=False)
def present(tx: Transaction, caller: Caller, now: datetime) -> Present:
    """Inside the village now. Detainees only for the hokage and the ANBU (an empty list for others)."""
    events = tx.gate.all_events()
    inside = [s for s in tx.shinobi.list() if shinobi_inside(s, events.get(s.id, []), now)]
    held: list[Detainee] = []
    if is_custody_keeper(tx, caller):
        candidates = tx.custody.list(status=DetaineeStatus.HELD)
        d_events = tx.gate.events_for([d.id for d in candidates], detainees=True)
        intake = tx.custody.in_village_at_intake(d.id for d in candidates)
        held = [d for d in candidates if detainee_inside(d, d_events[d.id], intake[d.id], now)]
    return Present(shinobi=tuple(inside), detainees=tuple(held))


@transactional(write=False)
def gate_log(tx: Transaction, caller: Caller, *, day: date | None, tz: tzinfo, shinobi_id: int | None = None,
             detainee_id: int | None = None) -> list[GateLogEntry]:
    """The gate log, oldest first; by village-local day and by person. Detainee events are the
    hokage's and the ANBU's to read; to others they do not exist."""
    keeper = is_custody_keeper(tx, caller)
    if detainee_id is not None and (not keeper or tx.custody.get(detainee_id) is None):
        raise NotFound("detainee", detainee_id)
    if shinobi_id is not None and tx.shinobi.get(shinobi_id) is None:
        raise NotFound("shinobi", shinobi_id)
    since = until = None
    if day is not None:
        since = datetime.combine(day, time(0), tzinfo=tz)
        until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return [GateLogEntry(id=r["id"], direction=Direction(r["direction"]), at=r["at"], shinobi_id=r["shinobi_id"],
                         detainee_id=r["detainee_id"], flagged=r["flagged"], logged_by=r["logged_by"])
            for r in tx.gate.log(since=since, until=until, shinobi_id=shinobi_id, detainee_id=detainee_id,
                                 include_detainees=keeper)]
