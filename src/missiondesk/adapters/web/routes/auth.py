from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ....services import auth
from ..auth_schemas import MeRead
from ..deps import CurrentCaller, Deps, Now, bearer_token
from ..schemas import (
    PasswordChange,
    PasswordChanged,
    SessionRead,
    SessionsRevoke,
    SessionsRevoked,
    TokenRead,
    TokenRequest,
)

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


@router.get("/auth/me", response_model=MeRead)
def me(caller: CurrentCaller) -> MeRead:
    return MeRead.of(caller)


# -- one's own account ------------------------------------------------------------------------------------
@router.post("/auth/password", response_model=PasswordChanged)
def change_password(body: PasswordChange, caller: CurrentCaller, c: Deps, now: Now,
                    token: str = Depends(bearer_token)) -> PasswordChanged:
    """Change one's own password (the current one, then a new one as strong as passwords.py asks); every
    other session of the account is signed out, this one stays."""
    revoked = auth.change_password(c.uow, caller, token, current=body.current, new=body.new, now=now)
    return PasswordChanged(sessions_revoked=revoked)


@router.get("/auth/sessions", response_model=list[SessionRead])
def list_sessions(caller: CurrentCaller, c: Deps, now: Now, token: str = Depends(bearer_token)) -> list[SessionRead]:
    """One's own live sessions (tokens neither expired nor revoked), newest first."""
    return [SessionRead(id=s.id, issued_at=s.issued_at, expires_at=s.expires_at, source=s.source, current=s.current)
            for s in auth.list_sessions(c.uow, caller, token, now)]


@router.post("/auth/sessions/revoke", response_model=SessionsRevoked)
def revoke_sessions(body: SessionsRevoke, caller: CurrentCaller, c: Deps, now: Now,
                    token: str = Depends(bearer_token)) -> SessionsRevoked:
    """Sign one's other sessions out: `{"all_but_current": true}`, or one of them, `{"id": n}`."""
    return SessionsRevoked(revoked=auth.revoke_sessions(c.uow, caller, token, now, session_id=body.id,
                                                        all_but_current=body.all_but_current))
