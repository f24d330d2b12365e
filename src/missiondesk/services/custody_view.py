"""The custody pages as one read each: the list with the intake form, and one detainee's record.

One unit of work per page; the names are those the page shows (the detainees' custodians, the chain's), and
the custodians the forms offer are the ANBU who may hold a detainee now, found by their division in SQL: the
village of 10,000 is never read to name a dozen people or to offer seventy.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.access import Caller
from ..domain.custody import Detainee, DetaineeStatus
from ..domain.errors import NotFound
from ..domain.roster import Shinobi
from . import authz
from .custody import candidate_custodians, custody_resource, is_custody_keeper, visible_detainee
from .unit_of_work import Transaction, transactional


def _names(tx: Transaction, ids: Iterable[int]) -> dict[int, str]:
    return tx.shinobi.names(ids)


@dataclass(frozen=True)
class CustodyList:
    """The custody list: everyone taken into custody, newest first, and who may hold a detainee."""

    detainees: tuple[Detainee, ...]
    names: dict[int, str]  # the custodians the list names
    candidates: tuple[Shinobi, ...]  # the intake form's escorts: the ANBU who may hold a detainee now, by id
    may_take: bool


@transactional(write=False)
def custody_list(tx: Transaction, caller: Caller) -> CustodyList:
    """The custody list; to anyone but the hokage and the ANBU it does not exist (404)."""
    if not is_custody_keeper(tx, caller):
        raise NotFound("page", "custody")
    detainees = tuple(reversed(tx.custody.list()))
    may_take = authz.allowed(tx, caller, "takeCustody", authz.VILLAGE)
    return CustodyList(detainees=detainees, names=_names(tx, {c for d in detainees for c in d.custodian_ids}),
                       candidates=candidate_custodians(tx) if may_take else (), may_take=may_take)


@dataclass(frozen=True)
class CustodyRecord:
    """One detainee's page: the chain of custody, the audience requests, and what the reader may do."""

    detainee: Detainee
    names: dict[int, str]  # everyone the chain names
    candidates: tuple[Shinobi, ...]  # the hand-over form's: the ANBU who may hold a detainee now, by id
    may_hand_over: bool
    may_request_audience: bool
    may_decide_audience: bool


@transactional(write=False)
def custody_record(tx: Transaction, caller: Caller, detainee_id: int) -> CustodyRecord:
    """One detainee's page (NotFound, as if they did not exist, to anyone but the hokage and the ANBU)."""
    d = visible_detainee(tx, caller, detainee_id)
    held = d.status is DetaineeStatus.HELD
    may_hand_over = held and authz.allowed(tx, caller, "handOver", custody_resource(d))
    return CustodyRecord(
        detainee=d, names=_names(tx, {c for link in d.chain for c in link.custodian_ids}),
        candidates=candidate_custodians(tx) if may_hand_over else (), may_hand_over=may_hand_over,
        may_request_audience=held and authz.allowed(tx, caller, "requestAudience", custody_resource(d)),
        may_decide_audience=authz.allowed(tx, caller, "decideAudience", custody_resource(d)))


__all__ = ["CustodyList", "CustodyRecord", "custody_list", "custody_record"]
