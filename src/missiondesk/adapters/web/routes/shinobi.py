from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ....domain.ranks import ShinobiRank, ShinobiStatus
from ....services import medical, roster
from ..deps import CurrentCaller, Deps, Now
from ..schemas import PartnerCreate, ShinobiChange, ShinobiCreate, ShinobiRead, SleepCreate, SleepRead
from .common import DEFAULT_PAGE, After, Limit, PathId, link_next, window

router = APIRouter(tags=["shinobi"])


@router.post("/shinobi", status_code=201, response_model=ShinobiRead)
def add_shinobi(body: ShinobiCreate, caller: CurrentCaller, c: Deps, now: Now) -> ShinobiRead:
    account = None
    if body.account is not None:
        account = roster.NewAccount(username=body.account.username, password=body.account.password,
                                    roles=tuple(body.account.roles))
    cmd = roster.AddShinobi(name=body.name, rank=body.rank, clearance=body.clearance,
                            divisions=tuple(body.divisions), specialties=tuple(body.specialties), account=account)
    return ShinobiRead.of(roster.add_shinobi(c.uow, caller, cmd, now))


@router.patch("/shinobi/{shinobi_id}", response_model=ShinobiRead)
def change_shinobi(shinobi_id: PathId, body: ShinobiChange, caller: CurrentCaller, c: Deps, now: Now) -> ShinobiRead:
    cmd = roster.ChangeShinobi(name=body.name, rank=body.rank, clearance=body.clearance,
                               divisions=tuple(body.divisions) if body.divisions is not None else None,
                               specialties=tuple(body.specialties) if body.specialties is not None else None)
    return ShinobiRead.of(roster.change_shinobi(c.uow, caller, shinobi_id, cmd, now, policy=c.policy))


@router.get("/shinobi", response_model=list[ShinobiRead])
def list_shinobi(caller: CurrentCaller, c: Deps, request: Request, response: Response,
                 status: ShinobiStatus | None = None, rank: ShinobiRank | None = None,
                 limit: Limit = DEFAULT_PAGE, after: After = None) -> list[ShinobiRead]:
    """The roster by id, `limit` at a time; the next page's URL in the `Link` header."""
    page = roster.list_shinobi_page(c.uow, caller, window(after, limit), status=status, rank=rank)
    link_next(request, response, page.next_after)
    return [ShinobiRead.of(s) for s in page.items]


@router.get("/shinobi/{shinobi_id}", response_model=ShinobiRead)
def get_shinobi(shinobi_id: PathId, caller: CurrentCaller, c: Deps) -> ShinobiRead:
    return ShinobiRead.of(roster.get_shinobi(c.uow, caller, shinobi_id))


@router.post("/shinobi/{shinobi_id}/partners", status_code=201, response_model=ShinobiRead,
             responses={200: {"model": ShinobiRead, "description": "Already partners: nothing changed"}})
def link_partner(shinobi_id: PathId, body: PartnerCreate, caller: CurrentCaller, c: Deps, now: Now,
                 response: Response) -> ShinobiRead:
    s, created = roster.link_partners(c.uow, caller, shinobi_id, body.partner_id, now)
    if not created:
        response.status_code = 200
    return ShinobiRead.of(s)


@router.post("/shinobi/{shinobi_id}/sleep", status_code=201, response_model=SleepRead)
def log_sleep(shinobi_id: PathId, body: SleepCreate, caller: CurrentCaller, c: Deps, now: Now) -> SleepRead:
    episode_id, e = medical.log_sleep(c.uow, caller, shinobi_id, body.start, body.end, now, policy=c.policy)
    return SleepRead(id=episode_id, shinobi_id=shinobi_id, start=e.start, end=e.end,
                     hours=round((e.end - e.start).total_seconds() / 3600, 2))


@router.get("/shinobi/{shinobi_id}/sleep", response_model=list[SleepRead])
def list_sleep(shinobi_id: PathId, caller: CurrentCaller, c: Deps) -> list[SleepRead]:
    return [SleepRead(shinobi_id=shinobi_id, start=e.start, end=e.end,
                      hours=round((e.end - e.start).total_seconds() / 3600, 2))
            for e in medical.list_sleep(c.uow, caller, shinobi_id)]
