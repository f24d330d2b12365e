"""The sign-in throttle's counts and the addresses each account signed in from."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from ...domain.throttle import Count, Key, Scope
from .rows import rowcount
from .tables import LoginSourceRow, LoginThrottleRow


class ThrottleRepository:
    def __init__(self, session: Session):
        self.session = session

    def counts(self, keys: Iterable[Key]) -> dict[Key, tuple[Count, bool]]:
        """Each key's count and whether a refusal during its current hold is already on the audit log."""
        keys = list(keys)
        out = {k: (Count(), False) for k in keys}
        rows = self.session.scalars(select(LoginThrottleRow).where(
            tuple_(LoginThrottleRow.scope, LoginThrottleRow.subject).in_([(k.scope.value, k.subject) for k in keys])))
        for r in rows:
            out[Key(Scope(r.scope), r.subject)] = (Count(r.failures, r.last_failure_at), r.noted)
        return out

    def save(self, key: Key, count: Count, *, noted: bool) -> None:
        assert count.last_failure is not None, "a count is kept from its first failure on"
        row = self.session.get(LoginThrottleRow, (key.scope.value, key.subject))
        if row is None:
            row = LoginThrottleRow(scope=key.scope.value, subject=key.subject)
            self.session.add(row)
        row.failures, row.last_failure_at, row.noted = count.failures, count.last_failure, noted
        self.session.flush()

    def forget(self, keys: Iterable[Key]) -> None:
        for k in keys:
            self.session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.scope == k.scope.value,
                                                                LoginThrottleRow.subject == k.subject))

    def prune(self, before: datetime) -> int:
        """Counts whose last failure is older than `before` are forgotten anyway: drop their rows, so that a
        flood of made-up usernames does not grow the table without bound."""
        return rowcount(self.session.execute(delete(LoginThrottleRow)
                                             .where(LoginThrottleRow.last_failure_at < before)))

    def known_source(self, username: str, source: str, since: datetime) -> bool:
        row = self.session.get(LoginSourceRow, (username, source))
        return row is not None and row.last_success_at >= since

    def signed_in_from(self, username: str, source: str, at: datetime) -> None:
        row = self.session.get(LoginSourceRow, (username, source))
        if row is None:
            self.session.add(LoginSourceRow(username=username, source=source, last_success_at=at))
        else:
            row.last_success_at = at
        self.session.flush()
