"""Accounts and their bearer tokens."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Update, func, select, update

from ....domain.access import Caller
from ....domain.ranks import Classification, Role
from ....domain.roster import Account
from ..tables import AccountRow, ShinobiRow, TokenRow
from .base import _Repo


@dataclass(frozen=True)
class TokenInfo:
    """One bearer token of an account, as kept (the digest, never the token)."""

    id: int
    digest: str
    created_at: datetime
    expires_at: datetime
    source: str | None


class AccountRepository(_Repo):
    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AccountRow)) or 0

    def add(self, *, username: str, password_hash: str, roles: Iterable[Role], shinobi_id: int,
            now: datetime) -> int:
        row = AccountRow(username=username, password_hash=password_hash, roles=sorted(r.value for r in roles),
                         shinobi_id=shinobi_id, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def by_username(self, username: str) -> Account | None:
        row = self.session.scalar(select(AccountRow).where(AccountRow.username == username))
        return _account(row) if row else None

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        self.session.execute(update(AccountRow).where(AccountRow.id == account_id)
                             .values(password_hash=password_hash))

    def add_token(self, *, digest: str, account_id: int, now: datetime, expires_at: datetime,
                  source: str | None = None) -> None:
        self.session.add(TokenRow(digest=digest, account_id=account_id, created_at=now, expires_at=expires_at,
                                  source=source))
        self.session.flush()

    def live_tokens(self, account_id: int, now: datetime) -> list[TokenInfo]:
        """The account's tokens not expired nor revoked, newest first."""
        rows = self.session.scalars(select(TokenRow).where(TokenRow.account_id == account_id,
                                                           TokenRow.expires_at > now, TokenRow.revoked_at.is_(None))
                                    .order_by(TokenRow.id.desc()))
        return [TokenInfo(id=r.id, digest=r.digest, created_at=r.created_at, expires_at=r.expires_at, source=r.source)
                for r in rows]

    def revoke_tokens(self, account_id: int, now: datetime, *, token_id: int | None = None,
                      except_digest: str | None = None) -> int:
        """Revoke the account's live tokens (one of them by id, or all but `except_digest`); how many."""
        q = update(TokenRow).where(TokenRow.account_id == account_id, TokenRow.revoked_at.is_(None),
                                   TokenRow.expires_at > now)
        if token_id is not None:
            q = q.where(TokenRow.id == token_id)
        if except_digest is not None:
            q = q.where(TokenRow.digest != except_digest)
        return int(self._written(q.values(revoked_at=now)).rowcount or 0)

    def revoke_token(self, digest: str, now: datetime) -> bool:
        result = self._written(update(TokenRow).where(TokenRow.digest == digest, TokenRow.revoked_at.is_(None))
                               .values(revoked_at=now))
        return bool(result.rowcount)

    def _written(self, statement: Update) -> CursorResult[Any]:
        """An UPDATE's result, which says how many rows it matched."""
        return cast(CursorResult[Any], self.session.execute(statement))

    def caller_for_token(self, digest: str, now: datetime) -> Caller | None:
        return self._caller(select(AccountRow, ShinobiRow)
                            .join(TokenRow, TokenRow.account_id == AccountRow.id)
                            .join(ShinobiRow, ShinobiRow.id == AccountRow.shinobi_id)
                            .where(TokenRow.digest == digest, TokenRow.expires_at > now,
                                   TokenRow.revoked_at.is_(None)))

    def caller_for_account(self, account_id: int) -> Caller | None:
        return self._caller(select(AccountRow, ShinobiRow).join(ShinobiRow, ShinobiRow.id == AccountRow.shinobi_id)
                            .where(AccountRow.id == account_id))

    def _caller(self, query: Any) -> Caller | None:
        row = self.session.execute(query).first()
        if row is None:
            return None
        account, shinobi = row
        return Caller(account_id=account.id, username=account.username, shinobi_id=shinobi.id,
                      roles=frozenset(Role(r) for r in account.roles),
                      clearance=Classification(shinobi.clearance),
                      divisions=frozenset(shinobi.divisions or ()))

    def with_role(self, role: Role) -> list[int]:
        """The shinobi ids of every account holding `role`."""
        rows = self.session.execute(select(AccountRow.shinobi_id, AccountRow.roles).order_by(AccountRow.id))
        return [r.shinobi_id for r in rows if role.value in r.roles]

    def roles_of_shinobi(self, ids: Iterable[int]) -> dict[int, frozenset[Role]]:
        ids = list(ids)
        out: dict[int, frozenset[Role]] = {i: frozenset() for i in ids}
        if ids:
            for r in self.session.execute(select(AccountRow.shinobi_id, AccountRow.roles)
                                          .where(self._among(AccountRow.shinobi_id, ids))):
                out[r.shinobi_id] = frozenset(Role(x) for x in r.roles)
        return out


def _account(row: AccountRow) -> Account:
    return Account(id=row.id, username=row.username, password_hash=row.password_hash,
                   roles=frozenset(Role(r) for r in row.roles), shinobi_id=row.shinobi_id)
