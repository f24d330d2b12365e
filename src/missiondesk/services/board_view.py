"""The board page in one read: every mission the caller may see, filtered and sorted on their plain columns,
and one page of them read whole (cosmicpython's views.py: one function per screen)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.access import Caller
from ..domain.missions import Mission, MissionLine
from ..domain.ranks import MissionRank, MissionStatus
from . import authz
from .unit_of_work import Transaction, transactional

BOARD_PAGE = 50  # missions on one page of the board
SORTS: dict[str, Callable[[MissionLine], Any]] = {
    "rank": lambda m: ("SABCD".index(m.rank.value), m.posted_at, m.id),
    "age": lambda m: (m.posted_at, m.id),
    "reward": lambda m: (-m.reward_ryo, m.id),
    "title": lambda m: (m.title.lower(), m.id),
}


@dataclass(frozen=True)
class BoardView:
    missions: list[Mission]  # this page's, in the order asked
    total: int  # how many the caller may see with these filters
    first: int  # the place of the first shown among them (0-based)
    page: int
    pages: int


@transactional(write=False)
def board_view(tx: Transaction, caller: Caller, *, rank: MissionRank | None = None,
               status: MissionStatus | None = None, sort: str = "rank", page: int = 1,
               size: int = BOARD_PAGE) -> BoardView:
    """Page `page` (from 1; past the last, the last) of the missions the caller may see, of that rank and
    status, sorted by `sort` (rank, age, reward, title; ties by id)."""
    lines = authz.filter_allowed(tx, caller, "viewMission", tx.missions.lines(rank=rank, status=status),
                                 lambda m: authz.mission_resource(m.id, m.classification))
    lines.sort(key=SORTS.get(sort, SORTS["rank"]))
    pages = max(1, -(-len(lines) // size))
    page = min(max(1, page), pages)
    shown = lines[(page - 1) * size:page * size]
    whole = tx.missions.get_many(m.id for m in shown)
    return BoardView([whole[m.id] for m in shown], len(lines), (page - 1) * size, page, pages)
