"""The gate page in one read: how many are inside and outside, one page of the shinobi the clerk looks for (by
name, and by where they are), the detainees inside, and one page of the log (cosmicpython's views.py: one
function per screen, returning exactly what it shows)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import numpy as np

from ..domain.access import Caller
from ..domain.custody import Detainee
from ..domain.ranks import ShinobiStatus
from ..domain.roster import Shinobi
from .custody import is_custody_keeper
from .gate import FALLEN, GateLogEntry, detainees_inside, living_inside, read_log
from .paging import Paged, Window
from .unit_of_work import Transaction, transactional

PEOPLE_PAGE = 100  # shinobi on one page of the gate's list
LOG_PAGE = 100  # events on one page of the log
WHERE = ("inside", "outside", "fallen")  # where a shinobi is: the list's filter, and each row's word
MAY_PASS = (ShinobiStatus.ACTIVE, ShinobiStatus.ON_MISSION)  # offered on the log form


@dataclass(frozen=True)
class Passer:
    shinobi: Shinobi  # without divisions, partners or username
    where: str  # inside, outside, or fallen (KIA or MIA: nowhere)

    @property
    def may_pass(self) -> bool:
        return self.shinobi.status in MAY_PASS


@dataclass(frozen=True)
class GateView:
    inside: int  # shinobi inside the village now
    outside: int  # living shinobi outside it
    detainees_inside: tuple[Detainee, ...]  # for the hokage and the ANBU; empty for others
    detainees: tuple[Detainee, ...]  # everyone taken into custody, for the hokage and the ANBU; empty for others
    people: Paged[Passer]  # this page's shinobi whose name holds the filter, by id
    matching: int  # how many match the filters, on every page
    log: Paged[GateLogEntry]  # this page of the log, oldest first
    names: dict[int, str]  # the shinobi named on the page: the log's, the people's, the one whose log it is


@transactional(write=False)
def gate_view(tx: Transaction, caller: Caller, *, now: datetime, tz: tzinfo, day: date | None = None,
              shinobi_id: int | None = None, detainee_id: int | None = None, name: str = "", where: str = "",
              people: Window = Window(limit=PEOPLE_PAGE), log: Window = Window(limit=LOG_PAGE),
              named: tuple[int, ...] = ()) -> GateView:
    """The gate as its page shows it at `now`: the shinobi whose name holds `name` and who are `where` (inside,
    outside or fallen; either may be empty), a page after the shinobi id `people.after`; the log of `day` or of
    one person, a page after the event `log.after` (gate.gate_log's rules); the names of the `named` too (those
    a failed form had chosen)."""
    roster, inside = living_inside(tx, now)
    n = len(roster)
    fallen = np.fromiter((s in FALLEN for s in roster.status), bool, n)
    words = np.where(inside, 0, np.where(fallen, 2, 1))  # index into WHERE
    keep = words == WHERE.index(where) if where in WHERE else np.ones(n, dtype=bool)
    if name:
        wanted = name.casefold()
        keep &= np.fromiter((wanted in x.casefold() for x in roster.names), bool, n)
    matching = int(keep.sum())
    if people.after is not None:
        keep &= roster.ids > people.after
    index = np.flatnonzero(keep)
    shown = index[:people.limit]
    rows = [Passer(roster.shinobi(i), WHERE[int(words[i])]) for i in shown.tolist()]
    page = Paged(rows, int(roster.ids[shown[-1]]) if len(index) > len(shown) else None)

    entries = read_log(tx, caller, day=day, tz=tz, shinobi_id=shinobi_id, detainee_id=detainee_id, window=log)
    wanted_ids = {e.shinobi_id for e in entries.items if e.shinobi_id is not None} | set(named)
    if shinobi_id is not None:
        wanted_ids.add(shinobi_id)
    at = np.searchsorted(roster.ids, np.fromiter(wanted_ids, np.int64, len(wanted_ids)))
    names = {int(roster.ids[i]): roster.names[i] for i in at.tolist() if i < n and roster.ids[i] in wanted_ids}
    names.update((p.shinobi.id, p.shinobi.name) for p in rows)
    keeper = is_custody_keeper(tx, caller)
    return GateView(inside=int(inside.sum()), outside=int((~inside & ~fallen).sum()),
                    detainees_inside=detainees_inside(tx, caller, now),
                    detainees=tuple(tx.custody.list()) if keeper else (), people=page, matching=matching,
                    log=entries, names=names)
