"""The repositories' base: a session, and `column IN ids` for many ids."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, any_, func, literal, select
from sqlalchemy.orm import Session

_MANY = 100  # ids from which `_among` passes one array instead of a placeholder per id


class _Repo:
    def __init__(self, session: Session):
        self.session = session

    def _among(self, column: Any, ids: Iterable[Any]) -> Any:
        """`column IN ids`. A long list goes as one parameter (SQLite: a JSON array read by json_each;
        PostgreSQL: an array, `= ANY`), not one placeholder each: a whole village is 10,000 ids, and
        compiling that many placeholders cost more than the query."""
        ids = list(ids)
        if len(ids) < _MANY:
            return column.in_(ids)
        if self.session.get_bind().dialect.name == "sqlite":
            each = func.json_each(json.dumps(ids)).table_valued("value")
            return column.in_(select(each.c.value))
        return column == any_(literal(ids, ARRAY(column.type)))
