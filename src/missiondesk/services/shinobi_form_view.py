"""The clerk's form for one shinobi as one read: the record, the names of their partners, and the people the
partner form offers.

The partner form does not list the village (10,000 options, 400 KB a page): it offers the first
`PARTNERS_SHOWN` by name of those whose name holds a search (everyone when there is none), "more" lists more,
and anyone may be named by their shinobi number. One unit of work, two small queries for the offer.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..domain.access import Caller
from ..domain.roster import Shinobi
from .roster import get_existing
from .unit_of_work import Transaction, transactional

PARTNERS_SHOWN = 50  # people the partner form offers at first; "more" and a name search reach the rest
PARTNERS_MOST = 1000  # the most it offers on one page, however many "more" asks for


@dataclass(frozen=True)
class ShinobiForm:
    shinobi: Shinobi
    names: dict[int, str]  # the names of the shinobi's partners
    partners: tuple[Shinobi, ...]  # whom the partner form offers: by name, not the shinobi nor their partners
    matching: int  # how many could be offered (those whose name holds the search), of which `partners`
    twins: frozenset[str] = frozenset()  # names more than one of `partners` bear: the form tells them apart


@transactional(write=False)
def shinobi_form(tx: Transaction, caller: Caller, shinobi_id: int, *, find: str = "",
                 shown: int = PARTNERS_SHOWN) -> ShinobiForm:
    """The shinobi (NotFound when there is none), their partners' names, and the first `shown` of those whose
    name holds `find` (any case) whom they could be linked with."""
    s = get_existing(tx, shinobi_id)
    besides = {s.id, *s.partner_ids}
    limit = max(1, min(shown, PARTNERS_MOST))
    offered = tx.shinobi.list_named(find, besides=besides, limit=limit, links=False)
    matching = tx.shinobi.count_named(find, besides=besides) if len(offered) >= limit else len(offered)
    names = tx.shinobi.names(s.partner_ids)
    seen = Counter(p.name for p in offered)
    return ShinobiForm(shinobi=s, names=names, partners=tuple(offered), matching=matching,
                       twins=frozenset(n for n, k in seen.items() if k > 1))


__all__ = ["PARTNERS_MOST", "PARTNERS_SHOWN", "ShinobiForm", "shinobi_form"]
