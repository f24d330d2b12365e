"""Sign-in throttling (OWASP ASVS V2.2.1): growing delays, counted by account *and* by source address.

A hard lock of an account everywhere after five wrong passwords lets anyone keep the hokage out. Here
every failure is counted under three keys, each with its own allowance and its own growing delay:

- the account from one address: a guesser at one machine slows down fast (3 free, then 1 s, 2 s, 4 s …
  up to 15 minutes), and nobody else is touched by it;
- the address, whatever account it names: password spraying from one machine (10 free, the same growth);
- the account from every address it never signed in from: a guesser with many machines (10 free, then
  growing, but never more than a minute). An address this account signed in from lately (30 days: the
  office) is not held by it, so an attacker cannot keep the account's owner out from where they work.

The delay is not a sleep: an attempt before the key's next allowed time is refused at once (429, with
`Retry-After`), without its password being checked. A key's failures are forgotten an hour after the last
one, and a right password clears the account's keys. Pure: the counts come from the caller.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Scope(StrEnum):
    PAIR = "pair"  # the account, from one address
    SOURCE = "source"  # one address, any account
    ACCOUNT = "account"  # the account, from addresses it never signed in from


@dataclass(frozen=True)
class Rule:
    free: int  # failures allowed before any delay
    base: timedelta  # the first delay; each further failure doubles it
    cap: timedelta

    def delay(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        return min(self.cap, self.base * 2 ** min(failures - self.free, 40))


@dataclass(frozen=True)
class ThrottlePolicy:
    pair: Rule = Rule(free=3, base=timedelta(seconds=1), cap=timedelta(minutes=15))
    source: Rule = Rule(free=10, base=timedelta(seconds=1), cap=timedelta(minutes=15))
    account: Rule = Rule(free=10, base=timedelta(seconds=1), cap=timedelta(minutes=1))
    forget: timedelta = timedelta(hours=1)  # failures are forgotten this long after the last one
    known_for: timedelta = timedelta(days=30)  # a sign-in makes its address known to the account this long

    def rule(self, scope: Scope) -> Rule:
        return {Scope.PAIR: self.pair, Scope.SOURCE: self.source, Scope.ACCOUNT: self.account}[scope]


@dataclass(frozen=True)
class Key:
    scope: Scope
    subject: str

    @staticmethod
    def all_for(username: str, source: str, *, known_source: bool) -> list[Key]:
        """The keys an attempt counts under: the account from an address it signed in from is not held by
        the account-wide key."""
        keys = [Key(Scope.PAIR, f"{username}\n{source}"), Key(Scope.SOURCE, source)]
        if not known_source:
            keys.append(Key(Scope.ACCOUNT, username))
        return keys


@dataclass(frozen=True)
class Count:
    failures: int = 0
    last_failure: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: timedelta = timedelta(0)
    held_by: tuple[Scope, ...] = field(default_factory=tuple)

    @property
    def retry_after_seconds(self) -> int:
        return max(1, int(self.retry_after.total_seconds() + 0.999))


def current(count: Count, now: datetime, policy: ThrottlePolicy) -> Count:
    """The count as it stands now: forgotten once the last failure is `forget` old."""
    if count.last_failure is None or now - count.last_failure > policy.forget:
        return Count()
    return count


def judge(counts: dict[Key, Count], now: datetime, policy: ThrottlePolicy = ThrottlePolicy()) -> Verdict:
    """May an attempt under these keys be made now? If not, how long until every key allows it."""
    waits: dict[Scope, timedelta] = {}
    for key, count in counts.items():
        c = current(count, now, policy)
        if c.last_failure is None:
            continue
        delay = policy.rule(key.scope).delay(c.failures)
        if delay <= timedelta(0):
            continue  # within the free attempts: nothing to wait for, whenever the last failure was
        # a racing request's claim may carry a failure a moment after this request's `now`
        wait = min(c.last_failure, now) + delay - now
        if wait > timedelta(0):
            waits[key.scope] = wait
    if not waits:
        return Verdict(allowed=True)
    return Verdict(allowed=False, retry_after=max(waits.values()), held_by=tuple(sorted(waits)))


def after_failure(count: Count, now: datetime, policy: ThrottlePolicy = ThrottlePolicy()) -> Count:
    return Count(failures=current(count, now, policy).failures + 1, last_failure=now)
