"""The unit of work: one transaction per use case. Only services commit.

A service function is written against a `Transaction` (its repositories and `commit`) and
wrapped with `@transactional(write=...)`, which opens the transaction from the `UnitOfWork`
the adapter passes in, rolls back whatever was not committed, and retries a bounded number
of times when the engine reports a transient conflict (busy, serialization, deadlock).
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 5


class Transaction(Protocol):
    shinobi: Any
    accounts: Any
    medical: Any
    missions: Any
    assignments: Any
    alerts: Any
    gate: Any
    audit: Any
    custody: Any

    def commit(self) -> None: ...


class UnitOfWork(Protocol):
    def is_transient(self, exc: BaseException) -> bool: ...

    def begin(self, *, write: bool) -> AbstractContextManager[Transaction]: ...


def transactional(*, write: bool) -> Callable[[Callable[Concatenate[Transaction, P], R]],
                                              Callable[Concatenate[UnitOfWork, P], R]]:
    def wrap(fn: Callable[Concatenate[Transaction, P], R]) -> Callable[Concatenate[UnitOfWork, P], R]:
        @functools.wraps(fn)
        def run(uow: UnitOfWork, *args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    with uow.begin(write=write) as tx:
                        return fn(tx, *args, **kwargs)
                except Exception as exc:
                    if attempt == MAX_ATTEMPTS or not uow.is_transient(exc):
                        raise
                    time.sleep(0.01 * 2 ** attempt)
            raise AssertionError("unreachable")

        return run

    return wrap
