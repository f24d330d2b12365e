from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import StringConstraints

from ....services import briefs
from ..brief_schemas import BriefRead, BriefWrittenRead
from ..deps import CurrentCaller, Deps, Now
from ..schemas import In, Text
from .common import PathId

router = APIRouter(tags=["briefs"])


class BriefCreate(In):
    text: Text


class BriefDestroy(In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


@router.post("/missions/{mission_id}/brief", status_code=201, response_model=BriefWrittenRead)
def write_brief(mission_id: PathId, body: BriefCreate, caller: CurrentCaller, c: Deps, now: Now) -> BriefWrittenRead:
    return BriefWrittenRead.of(briefs.write_brief(c.uow, caller, mission_id, body.text, now))


@router.get("/missions/{mission_id}/brief", response_model=BriefRead)
def read_brief(mission_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> BriefRead:
    return BriefRead.of(briefs.read_brief(c.uow, caller, mission_id, now))


@router.post("/missions/{mission_id}/brief/destroy", response_model=BriefRead)
def destroy_brief(mission_id: PathId, body: BriefDestroy, caller: CurrentCaller, c: Deps, now: Now) -> BriefRead:
    return BriefRead.of(briefs.destroy_brief(c.uow, caller, mission_id, body.reason, now))
