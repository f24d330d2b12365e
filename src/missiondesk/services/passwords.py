"""Password hashing: argon2id (argon2-cffi), parameters at or above OWASP's floor."""
from __future__ import annotations

import os
import re
import threading
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..domain.errors import Invalid, LockedOut

# argon2id with OWASP's first recommended setting: m = 19 MiB, t = 2, p = 1 (about 40 ms here).
_PRODUCTION = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_hasher = _PRODUCTION  # the one in use: production's, unless a test chose a cheaper cost (use_cost)
MIN_LENGTH = 8
_DUMMY_PASSWORD = "not-a-real-password-at-all"  # noqa: S105 - hashed for unknown usernames, no secret


@cache
def _dummy(hasher: PasswordHasher) -> str:
    """The hash verified for unknown usernames, made by `hasher` (so at its cost), so that timing does not tell
    who exists. Made at the first check of a password and kept, not at import: importing this module (a CLI
    command, a test process) does not pay for an argon2 hash it may never verify."""
    return hasher.hash(_DUMMY_PASSWORD)


def use_cost(time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    """For tests only: hash and verify with argon2id at this cost (memory_cost in KiB) instead of OWASP's, so
    that a suite making hundreds of accounts does not spend its minutes in argon2; the dummy hash is made with
    it too. Nothing outside the tests calls it, and no setting or environment variable reaches it: a weaker
    hash is never one switch away in production."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def use_production_cost() -> None:
    """For tests only: back to OWASP's parameters (and their dummy hash) after use_cost."""
    global _hasher
    _hasher = _PRODUCTION


@cache
def _common() -> frozenset[str]:
    text = resources.files("missiondesk.data").joinpath("common-passwords.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _stem(password: str) -> str:
    return re.sub(r"[\d\W_]+$", "", password.lower())


def check_strength(password: str, username: str | None = None) -> None:
    """OWASP ASVS 2.1: at least 8 characters, not a common password, not the username."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"passwords need at least {MIN_LENGTH} characters", code="PASSWORD_TOO_SHORT")
    lowered = password.lower()
    if lowered in _common() or _stem(password) in _common() or len(set(lowered)) <= 2:
        raise Invalid("this password is among the most common ones; choose another", code="PASSWORD_TOO_COMMON")
    if username and len(username) >= 4 and username.lower() in lowered:
        raise Invalid("a password may not contain the username", code="PASSWORD_CONTAINS_USERNAME")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# At most this many passwords are checked at once in one process (argon2 takes a core for tens of
# milliseconds): a crowd of guessers queues here instead of taking every core from the office's own requests.
CONCURRENT_CHECKS = max(1, int(os.environ.get("MISSIONDESK_PASSWORD_CHECKS", "1")))
CHECK_WAIT_SECONDS = 5.0
_checks = threading.BoundedSemaphore(CONCURRENT_CHECKS)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True for the right password. Waits for one of CONCURRENT_CHECKS slots; LockedOut (429, a second to wait)
    when none frees up within CHECK_WAIT_SECONDS, rather than holding a worker without end."""
    if not _checks.acquire(timeout=CHECK_WAIT_SECONDS):
        raise LockedOut("sign-in is busy; try again in a second", retry_after=1)
    try:
        hasher = _hasher
        dummy = _dummy(hasher)  # made at the process's first check, of a known name or not: its time tells nothing
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
    finally:
        _checks.release()


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
