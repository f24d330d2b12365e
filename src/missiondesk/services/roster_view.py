"""The roster page in one read: every shinobi's duty badges counted, the filters applied, and one page of rows
built (cosmicpython's views.py: one function per screen, returning exactly what it shows)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..domain.access import Caller
from ..domain.fitness import BADGES, FitnessPolicy, badge_columns, duty_masks
from ..domain.ranks import FALLEN_STATUSES
from .fitness import Duty, read_roster
from .paging import Paged, Window
from .unit_of_work import Transaction, transactional

ROSTER_PAGE = 100  # rows on one page of the roster


@dataclass(frozen=True)
class RosterView:
    rows: Paged[Duty]  # this page's shinobi, by id, each with every badge that applies
    counts: dict[str, int]  # how many of the whole roster have each badge (one person counts under each)
    matching: int  # how many match the filters, on every page
    before: int  # how many of those come before this page


@transactional(write=False)
def roster_view(tx: Transaction, caller: Caller, *, at: datetime, policy: FitnessPolicy, badge: str = "",
                name: str = "", window: Window = Window(limit=ROSTER_PAGE)) -> RosterView:
    """The roster as its page shows it at `at`: those with the `badge` (any of theirs) whose name holds `name`
    (either may be empty), a page of them after the shinobi id `window.after`. The badges are the roster's
    rules read as columns (services/fitness.read_roster: the same as the team form's and the plan's); only the
    page's rows become objects."""
    read = read_roster(tx, [at], policy)
    people = read.people
    roster = read.facts(at, policy)
    fatigue = roster.fatigue(policy)
    levels = np.array(fatigue.levels() if len(people) else [], dtype=object)
    cols = badge_columns(duty_masks(roster, roster.duty(policy), np.array([s in FALLEN_STATUSES for s in people.status],
                                                                          dtype=bool)), levels)
    counts = {b: int(cols[b].sum()) for b in BADGES if cols[b].any()}
    keep = cols[badge].copy() if badge in cols else np.full(len(people), not badge, dtype=bool)
    if name:
        wanted = name.casefold()
        keep &= np.fromiter((wanted in n.casefold() for n in people.names), bool, len(people))
    matching = int(keep.sum())
    before = int((keep & (people.ids <= window.after)).sum()) if window.after is not None else 0
    if window.after is not None:
        keep &= people.ids > window.after
    index = np.flatnonzero(keep)
    shown = index[:window.limit]
    estimates = fatigue.take(shown).estimates() if len(shown) else []
    rows = []
    for k, i in enumerate(shown.tolist()):
        badges = tuple(b for b in BADGES if cols[b][i])
        rows.append(Duty(people.shinobi(i), badges[0], estimates[k], badges))
    next_after = int(people.ids[shown[-1]]) if len(index) > len(shown) else None
    return RosterView(Paged(rows, next_after), counts, matching, before)
