from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ....services import auth
from ..deps import CurrentCaller, Deps, Now, bearer_token
from ..schemas import TokenRead, TokenRequest

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenRead)
def issue_token(body: TokenRequest, request: Request, c: Deps, now: Now) -> TokenRead:
    t = auth.login(c.uow, username=body.username, password=body.password, now=now, ttl=c.settings.token_ttl,
                   source=request.client.host if request.client else None)
    return TokenRead(access_token=t.access_token, token_type=t.token_type, expires_at=t.expires_at)


@router.post("/auth/logout", status_code=204)
def logout(caller: CurrentCaller, c: Deps, now: Now, token: str = Depends(bearer_token)) -> Response:
    auth.logout(c.uow, caller, token, now)
    return Response(status_code=204)


@router.get("/auth/me")
def me(caller: CurrentCaller) -> dict:
    return {"username": caller.username, "shinobi_id": caller.shinobi_id,
            "roles": sorted(r.value for r in caller.roles), "clearance": caller.clearance.value,
            "divisions": sorted(caller.divisions)}
