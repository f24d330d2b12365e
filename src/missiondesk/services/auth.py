"""Accounts and sign-in: bootstrap, bearer tokens that expire, logout."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.access import Caller
from ..domain.errors import LockedOut, Unauthenticated
from ..domain.ranks import Classification, Role, ShinobiRank
from ..domain.roster import Account
from . import passwords
from .audit import record
from .unit_of_work import Transaction, UnitOfWork, transactional


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_at: datetime
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional(write=True)
def bootstrap(tx: Transaction, *, username: str, name: str, password: str, now: datetime) -> bool:
    """Create the first hokage account when no account exists yet. True when created."""
    if tx.accounts.count() > 0:
        return False
    passwords.check_strength(password, username)
    shinobi_id = tx.shinobi.add(name=name, rank=ShinobiRank.KAGE, clearance=Classification.TOP_SECRET,
                                divisions=[], specialties=[], now=now)
    tx.accounts.add(username=username, password_hash=passwords.hash_password(password), roles=[Role.HOKAGE],
                    shinobi_id=shinobi_id, now=now)
    record(tx, now, None, "account.bootstrapped", f"shinobi:{shinobi_id}", username=username)
    tx.commit()
    return True


class LoginFailed(Unauthenticated):
    code = "INVALID_CREDENTIALS"


LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)


def login(uow: UnitOfWork, *, username: str, password: str, now: datetime, ttl: timedelta) -> IssuedToken:
    """A bearer token for a right password. After LOCKOUT_FAILURES failures for one username within
    LOCKOUT_WINDOW, every attempt is refused (429) until the window passes; the count lives in the
    database, so it holds across app servers. Every attempt is on the audit log.

    The password is checked (argon2, tens of milliseconds) outside any transaction, so that guessers never
    hold the writers' lock: a read looks the account up, then a short write records the outcome, judging
    the lockout again under the lock."""
    account = _account_for(uow, username)
    ok = passwords.verify_password(account.password_hash if account else None, password)
    if account is None or not ok:
        _record_failure(uow, username, now)
        raise LoginFailed("unknown username or wrong password")
    rehashed = passwords.hash_password(password) if passwords.needs_rehash(account.password_hash) else None
    return _issue_token(uow, account, now, ttl, rehashed)


@transactional(write=False)
def _account_for(tx: Transaction, username: str) -> Account | None:
    return tx.accounts.by_username(username)


def _refuse_if_locked(tx: Transaction, username: str, now: datetime) -> list[datetime]:
    """The failures within the window; LockedOut (kept on the audit log) when there are too many."""
    recent = tx.accounts.login_failures(username, since=now - LOCKOUT_WINDOW)
    if len(recent) >= LOCKOUT_FAILURES:
        until = recent[-LOCKOUT_FAILURES] + LOCKOUT_WINDOW
        record(tx, now, None, "auth.login_locked", f"account:{username}", username=username, until=until)
        tx.commit()
        raise LockedOut(f"too many failed sign-ins; try again after {until.isoformat()}",
                        retry_after=max(1, int((until - now).total_seconds()) + 1))
    return recent


@transactional(write=True)
def _record_failure(tx: Transaction, username: str, now: datetime) -> None:
    recent = _refuse_if_locked(tx, username, now)
    tx.accounts.add_login_failure(username, now)
    record(tx, now, None, "auth.login_failed", f"account:{username}", username=username,
           failures_in_window=len(recent) + 1)
    tx.commit()


@transactional(write=True)
def _issue_token(tx: Transaction, account: Account, now: datetime, ttl: timedelta, rehashed: str | None
                 ) -> IssuedToken:
    _refuse_if_locked(tx, account.username, now)
    tx.accounts.clear_login_failures(account.username)
    if rehashed is not None:
        tx.accounts.set_password_hash(account.id, rehashed)
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    tx.accounts.add_token(digest=_digest(token), account_id=account.id, now=now, expires_at=expires)
    record(tx, now, account.username, "auth.login", f"account:{account.username}")
    tx.commit()
    return IssuedToken(access_token=token, expires_at=expires)


@transactional(write=False)
def authenticate(tx: Transaction, token: str, now: datetime) -> Caller:
    caller = tx.accounts.caller_for_token(_digest(token), now)
    if caller is None:
        raise Unauthenticated("the token is unknown, expired or revoked", code="INVALID_TOKEN")
    return caller


@transactional(write=True)
def logout(tx: Transaction, caller: Caller, token: str, now: datetime) -> None:
    tx.accounts.revoke_token(_digest(token), now)
    record(tx, now, caller, "auth.logout", f"account:{caller.username}")
    tx.commit()


@transactional(write=False)
def caller_for_username(tx: Transaction, username: str) -> Caller:
    """The CLI acts as a named account: it already holds the database, so it is trusted to say who."""
    account = tx.accounts.by_username(username)
    if account is None:
        raise Unauthenticated(f"no account named {username!r}", code="UNKNOWN_ACCOUNT")
    return tx.accounts.caller_for_account(account.id)
