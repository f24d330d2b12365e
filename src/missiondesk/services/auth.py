"""Accounts and sign-in: bootstrap, bearer tokens that expire, logout; each account's own password and sessions."""
from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.access import Caller
from ..domain.errors import Invalid, LockedOut, NotFound, Unauthenticated
from ..domain.ranks import Classification, Role, ShinobiRank
from ..domain.roster import Account
from ..domain.throttle import Count, Key, Scope, ThrottlePolicy, Verdict, after_failure, judge
from . import passwords
from .audit import record
from .ports import existing
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


UNKNOWN_SOURCE = "unknown"  # an attempt whose address the adapter could not tell (the CLI, a test client)


def login(uow: UnitOfWork, *, username: str, password: str, now: datetime, ttl: timedelta,
          source: str | None = None, policy: ThrottlePolicy = ThrottlePolicy()) -> IssuedToken:
    """A bearer token for a right password, throttled by account and by source address with growing delays
    (domain/throttle.py): an attempt before its keys allow one is refused (429) without its password being
    checked. The counts live in the database, so they hold across app servers; every failure, and the first
    refusal of each hold, is on the audit log.

    The password is checked (argon2, tens of milliseconds) outside any transaction, so that guessers never
    hold the writers' lock. A read looks the account and the counts up (a held attempt ends there, writing
    nothing); a short write claims the attempt, counting it as a failure under the lock, so that concurrent
    guesses at several servers are counted exactly; a second short write records the outcome."""
    source = (source or UNKNOWN_SOURCE)[:100]
    account, keys, held = _look_up(uow, username, source, now, policy)
    if held is not None:
        raise held
    failures = _claim(uow, username, keys, now, policy)
    ok = passwords.verify_password(account.password_hash if account else None, password)
    if account is None or not ok:
        # the claim already counted it; its entry goes to the security journal, off the writers' lock
        uow.note_security([{"at": now, "actor": None, "action": "auth.login_failed", "target": f"account:{username}",
                            "details": {"username": username, "source": source, "failures": failures}}])
        raise LoginFailed("unknown username or wrong password")
    rehashed = passwords.hash_password(password) if passwords.needs_rehash(account.password_hash) else None
    return _issue_token(uow, account, source, keys, now, ttl, rehashed)


def _keys(tx: Transaction, username: str, source: str, now: datetime, policy: ThrottlePolicy) -> list[Key]:
    known = tx.throttle.known_source(username, source, since=now - policy.known_for)
    return Key.all_for(username, source, known_source=known)


def wait_words(seconds: int) -> str:
    """How long to wait, in words: minutes rounded up ("14 minutes"), or the seconds under a minute."""
    if seconds < 60:
        return f"{max(1, seconds)} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _refusal(verdict: Verdict, now: datetime) -> LockedOut:
    seconds = verdict.retry_after_seconds
    return LockedOut(f"too many failed sign-ins; try again in {wait_words(seconds)}", retry_after=seconds)


@transactional(write=False)
def _look_up(tx: Transaction, username: str, source: str, now: datetime, policy: ThrottlePolicy
             ) -> tuple[Account | None, list[Key], LockedOut | None]:
    """The account, the keys the attempt counts under, and the refusal when a key holds it and that hold is
    already on the audit log (nothing to write: the attempt ends here)."""
    keys = _keys(tx, username, source, now, policy)
    counts = tx.throttle.counts(keys)
    verdict = judge({k: c for k, (c, _) in counts.items()}, now, policy)
    if not verdict.allowed and all(noted for k, (_, noted) in counts.items() if k.scope in verdict.held_by):
        return None, keys, _refusal(verdict, now)
    return tx.accounts.by_username(username), keys, None


def _subject(keys: list[Key], scope: Scope) -> str:
    return next(k.subject for k in keys if k.scope == scope)


@transactional(write=True)
def _claim(tx: Transaction, username: str, keys: list[Key], now: datetime, policy: ThrottlePolicy
           ) -> dict[str, int]:
    """Judge the attempt again under the lock; count it as a failure on every key (undone if the password is
    right), or refuse it, noting the first refusal of each hold on the audit log. The failures counted on
    each key, this attempt's included."""
    counts = tx.throttle.counts(keys)
    verdict = judge({k: c for k, (c, _) in counts.items()}, now, policy)
    if not verdict.allowed:
        refusal = _refusal(verdict, now)
        if not all(noted for k, (_, noted) in counts.items() if k.scope in verdict.held_by):
            for k in keys:
                if k.scope in verdict.held_by:
                    tx.throttle.save(k, counts[k][0], noted=True)
            record(tx, now, None, "auth.login_throttled", f"account:{username}", username=username,
                   source=_subject(keys, Scope.SOURCE), held_by=[s.value for s in verdict.held_by],
                   retry_after_seconds=refusal.retry_after)
            tx.commit()
        raise refusal
    failures = {}
    for k in keys:
        counted = after_failure(counts[k][0], now, policy)
        tx.throttle.save(k, counted, noted=False)
        failures[k.scope.value] = counted.failures
    tx.throttle.prune(before=now - policy.forget)
    tx.commit()
    return failures


@transactional(write=True)
def _issue_token(tx: Transaction, account: Account, source: str, keys: list[Key], now: datetime, ttl: timedelta,
                 rehashed: str | None) -> IssuedToken:
    """The right password: the account's own counts are cleared (the claim on the address is undone), the
    address becomes one the account signs in from, and a token is issued."""
    counts = tx.throttle.counts(keys)
    for k in keys:
        if k.scope == Scope.SOURCE:
            c = counts[k][0]
            if c.failures > 1 and c.last_failure is not None:
                tx.throttle.save(k, Count(c.failures - 1, c.last_failure), noted=counts[k][1])
            else:
                tx.throttle.forget([k])
        else:
            tx.throttle.forget([k])
    tx.throttle.signed_in_from(account.username, source, now)
    if rehashed is not None:
        tx.accounts.set_password_hash(account.id, rehashed)
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    tx.accounts.add_token(digest=_digest(token), account_id=account.id, now=now, expires_at=expires,
                          source=None if source == UNKNOWN_SOURCE else source)
    record(tx, now, account.username, "auth.login", f"account:{account.username}", source=source)
    tx.commit()
    return IssuedToken(access_token=token, expires_at=expires)


@transactional(write=False)
def authenticate(tx: Transaction, token: str, now: datetime) -> Caller:
    return signed_in_caller(tx, token, now)


def signed_in_caller(tx: Transaction, token: str, now: datetime) -> Caller:
    """`authenticate` inside a transaction already open (the pages read their frame with it)."""
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
    return existing(tx.accounts.caller_for_account(account.id))


# -- one's own account: the password and the sessions ----------------------------------------------------
@dataclass(frozen=True)
class SignedInSession:
    """One live token of the caller's account: when issued, when it expires, the address it went to."""

    id: int
    issued_at: datetime
    expires_at: datetime
    source: str | None
    current: bool


@transactional(write=False)
def list_sessions(tx: Transaction, caller: Caller, token: str, now: datetime) -> list[SignedInSession]:
    """The caller's own live sessions, newest first; `current` marks the one asking."""
    mine = _digest(token)
    return [SignedInSession(id=t.id, issued_at=t.created_at, expires_at=t.expires_at, source=t.source,
                            current=t.digest == mine)
            for t in tx.accounts.live_tokens(caller.account_id, now)]


@transactional(write=True)
def revoke_sessions(tx: Transaction, caller: Caller, token: str, now: datetime, *, session_id: int | None = None,
                    all_but_current: bool = False) -> int:
    """Sign the caller's other sessions out: one by id (404 when it is not a live session of theirs), or every
    one but the session asking. How many were revoked; audited as `account.sessions_revoked`."""
    if (session_id is None) == (not all_but_current):
        raise Invalid("name one session by id, or ask for all but this one", code="VALIDATION_ERROR")
    if session_id is not None:
        live = {t.id for t in tx.accounts.live_tokens(caller.account_id, now)}
        if session_id not in live:
            raise NotFound("session", session_id)
        revoked = tx.accounts.revoke_tokens(caller.account_id, now, token_id=session_id)
    else:
        revoked = tx.accounts.revoke_tokens(caller.account_id, now, except_digest=_digest(token))
    record(tx, now, caller, "account.sessions_revoked", f"account:{caller.username}", revoked=revoked,
           session_id=session_id, all_but_current=all_but_current)
    tx.commit()
    return revoked


class WrongPassword(Invalid):
    code = "WRONG_PASSWORD"


def change_password(uow: UnitOfWork, caller: Caller, token: str, *, current: str, new: str, now: datetime) -> int:
    """Change the caller's own password: the current one must be right and the new one strong (passwords.py)
    and different. Every other session of the account is signed out; this one stays. Audited as
    `account.password_changed` (a wrong current password as `account.password_change_failed`). The passwords
    are checked (argon2) outside any transaction. Returns how many other sessions were revoked."""
    account = _account_of(uow, caller)
    if not passwords.verify_password(account.password_hash if account else None, current):
        _password_change_failed(uow, caller, now)
        raise WrongPassword("the current password is wrong")
    if new == current:
        raise Invalid("the new password is the same as the current one", code="PASSWORD_UNCHANGED")
    passwords.check_strength(new, caller.username)
    return _set_password(uow, caller, token, passwords.hash_password(new), now)


@transactional(write=False)
def _account_of(tx: Transaction, caller: Caller) -> Account | None:
    return tx.accounts.by_username(caller.username)


@transactional(write=True)
def _password_change_failed(tx: Transaction, caller: Caller, now: datetime) -> None:
    record(tx, now, caller, "account.password_change_failed", f"account:{caller.username}")
    tx.commit()


@transactional(write=True)
def _set_password(tx: Transaction, caller: Caller, token: str, password_hash: str, now: datetime) -> int:
    if tx.accounts.caller_for_token(_digest(token), now) is None:  # signed out meanwhile
        raise Unauthenticated("the token is unknown, expired or revoked", code="INVALID_TOKEN")
    tx.accounts.set_password_hash(caller.account_id, password_hash)
    revoked = tx.accounts.revoke_tokens(caller.account_id, now, except_digest=_digest(token))
    record(tx, now, caller, "account.password_changed", f"account:{caller.username}", sessions_revoked=revoked)
    tx.commit()
    return revoked
