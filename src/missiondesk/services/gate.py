"""The gate log: who went out, who came in, and who is inside now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

import numpy as np

from ..domain.access import Caller
from ..domain.custody import Detainee, DetaineeStatus
from ..domain.errors import Invalid, NotFound
from ..domain.fitness import FitnessPolicy
from ..domain.gate import Direction, GateLogEntry, inside, last_direction
from ..domain.ranks import FALLEN_STATUSES, ShinobiRank
from ..domain.roster import RANK_BY_ORDER, RosterPeople
from . import authz
from .assignments import check_departure_at_gate, check_override, warn_if_at_risk
from .audit import record
from .custody import is_custody_keeper
from .paging import Paged, Window
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


FALLEN = FALLEN_STATUSES  # nowhere: neither inside nor outside


def detainee_inside(d: Detainee, events: list, in_village_at_intake: bool, t: datetime) -> bool:
    if d.status is not DetaineeStatus.HELD or t < d.detained_since:
        return False
    return inside(events, t, before_any=Direction.IN if in_village_at_intake else Direction.OUT)


class Inside(NamedTuple):
    """A shinobi inside the village: what the list of those inside shows of each (some 9,000 at 10,000 shinobi:
    a tuple each, not a whole Shinobi)."""

    id: int
    name: str
    rank: ShinobiRank


@dataclass(frozen=True)
class Present:
    """Who is inside the village at a time."""

    shinobi: tuple[Inside, ...]  # by id
    detainees: tuple[Detainee, ...]  # empty for anyone but the hokage and the ANBU
    next_after: int | None = None  # when the shinobi were read a page at a time and more follow


def living_inside(tx: Transaction, now: datetime) -> tuple[RosterPeople, np.ndarray]:
    """Every shinobi, and which of them are inside at `now`: no gate event, or the last one at or before `now`
    (ties by entry) an arrival, as domain/gate.inside says of one person; the dead and missing are nowhere.
    Read as the roster's gate columns (one row per shinobi who has an event), no event object built."""
    people = tx.roster.people()
    last = tx.roster.gate(since=now, until=now)
    where = np.searchsorted(people.ids, last.owner_ids)  # both by shinobi id; every event's shinobi is on the roster
    logged_in = np.ones(len(people), dtype=bool)  # no event yet: inside
    logged_in[where] = last.flag
    living = np.fromiter((s not in FALLEN for s in people.status), bool, len(people))
    return people, logged_in & living


@transactional(write=False)
def present(tx: Transaction, caller: Caller, now: datetime, window: Window | None = None) -> Present:
    """Inside the village now, by shinobi id (only the page after `window` when one is given: the detainees are
    not paged). Detainees only for the hokage and the ANBU (an empty list for others)."""
    people, mask = living_inside(tx, now)
    index = np.flatnonzero(mask)
    next_after = None
    if window is not None:
        if window.after is not None:
            index = index[people.ids[index] > window.after]
        if len(index) > window.limit:
            index = index[:window.limit]
            next_after = int(people.ids[index[-1]])
    ranks = [RANK_BY_ORDER[r] for r in people.rank[index].tolist()]
    return Present(shinobi=tuple(map(Inside, people.ids[index].tolist(), [people.names[i] for i in index.tolist()],
                                     ranks)),
                   detainees=detainees_inside(tx, caller, now), next_after=next_after)


def detainees_inside(tx: Transaction, caller: Caller, now: datetime) -> tuple[Detainee, ...]:
    """The detainees held inside now: for the hokage and the ANBU; nobody for others."""
    if not is_custody_keeper(tx, caller):
        return ()
    candidates = tx.custody.list(status=DetaineeStatus.HELD)
    d_events = tx.gate.events_for([d.id for d in candidates], detainees=True)
    intake = tx.custody.in_village_at_intake(d.id for d in candidates)
    return tuple(d for d in candidates if detainee_inside(d, d_events[d.id], intake[d.id], now))


@transactional(write=False)
def gate_log(tx: Transaction, caller: Caller, *, day: date | None, tz: tzinfo, shinobi_id: int | None = None,
             detainee_id: int | None = None, window: Window = Window()) -> Paged[GateLogEntry]:
    """The gate log, oldest first (by time, ties by entry), a page at a time: the events after the event
    `window.after` in that order; by village-local day and by person. Detainee events are the hokage's and the
    ANBU's to read; to others they do not exist (nor does a cursor naming one)."""
    return read_log(tx, caller, day=day, tz=tz, shinobi_id=shinobi_id, detainee_id=detainee_id, window=window)


def read_log(tx: Transaction, caller: Caller, *, day: date | None, tz: tzinfo, shinobi_id: int | None,
             detainee_id: int | None, window: Window) -> Paged[GateLogEntry]:
    """`gate_log` inside a transaction already open (the gate page's view reads it with the rest)."""
    keeper = is_custody_keeper(tx, caller)
    if detainee_id is not None and (not keeper or tx.custody.get(detainee_id) is None):
        raise NotFound("detainee", detainee_id)
    if shinobi_id is not None and tx.shinobi.get(shinobi_id) is None:
        raise NotFound("shinobi", shinobi_id)
    after = None
    if window.after is not None:
        after = tx.gate.position(window.after, include_detainees=keeper)
        if after is None:
            raise Invalid(f"after: {window.after} is not an event of the gate log", code="VALIDATION_ERROR",
                          details=[{"loc": ["query", "after"], "type": "unknown_cursor"}])
    since = until = None
    if day is not None:
        since = datetime.combine(day, time(0), tzinfo=tz)
        until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    rows = tx.gate.log(since=since, until=until, shinobi_id=shinobi_id, detainee_id=detainee_id,
                       include_detainees=keeper, after=after, limit=window.limit + 1)
    return Paged.cut(rows, window, key=lambda e: e.id)
