"""A list read a page at a time: the items after a cursor, in the list's own stable order, and the cursor of
the next page. The cursor is the id of the last item given (keyset paging: a page costs the same wherever it
starts, and an item added or removed meanwhile moves no other item to another page)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGE = 1000  # the most items one request gets
DEFAULT_PAGE = 100  # what it gets when it names no limit (GET /audit keeps the first release's 1000)


@dataclass(frozen=True)
class Window:
    """Which page: the items after `after` (an id; None from the start), at most `limit` of them."""

    after: int | None = None
    limit: int = MAX_PAGE

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE:
            raise ValueError(f"a page holds 1 to {MAX_PAGE} items")


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page, and the cursor of the next (None on the last page)."""

    items: list[T]
    next_after: int | None = None

    @classmethod
    def cut(cls, rows: list[T], window: Window, key: Callable[[T], int]) -> Paged[T]:
        """`rows` read with one more than the window's limit: that one, when it is there, says a next page
        exists."""
        if len(rows) > window.limit:
            items = rows[:window.limit]
            return cls(items, key(items[-1]))
        return cls(list(rows), None)


__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "Paged", "Window"]
