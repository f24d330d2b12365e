from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import StringConstraints

from ....services import briefs
from ..deps import CurrentCaller, Deps, Now
from ..schemas import In, Text
from .common import PathId

router = APIRouter(tags=["briefs"])


class BriefCreate(In):
    text: Text


class BriefDestroy(In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


@router.post("/missions/{mission_id}/brief", status_code=201)
def write_brief(mission_id: PathId, body: BriefCreate, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return briefs.write_brief(c.uow, caller, mission_id, body.text, now)


@router.get("/missions/{mission_id}/brief")
def read_brief(mission_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return briefs.read_brief(c.uow, caller, mission_id, now)


@router.post("/missions/{mission_id}/brief/destroy")
def destroy_brief(mission_id: PathId, body: BriefDestroy, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return briefs.destroy_brief(c.uow, caller, mission_id, body.reason, now)
