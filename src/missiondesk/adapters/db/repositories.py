"""Repositories: rows in, domain objects out. They never commit."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ARRAY, Text, any_, cast, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from ...domain.access import Caller
from ...domain.audit import GENESIS, AuditEntry, canonical, chain_hash, load_details
from ...domain.custody import AudienceRequest, AudienceStatus, Detainee, DetaineeStatus, Link
from ...domain.fatigue import SleepEpisode
from ...domain.gate import Direction, GateEvent
from ...domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold
from ...domain.medical_records import Dose
from ...domain.missions import Mission, MissionLine
from ...domain.ranks import Classification, MissionRank, MissionStatus, Role, ShinobiRank, ShinobiStatus
from ...domain.risk import RiskModel, Threat
from ...domain.roster import Account, Assignment, AssignmentStatus, MemorialEntry, Shinobi
from . import gate_digest, sleep_digest
from .tables import (
    AccountRow,
    AssignmentMemberRow,
    AssignmentRow,
    AudienceRequestRow,
    AuditRow,
    AuthorizationRow,
    BriefRow,
    CustodyCustodianRow,
    CustodyLinkRow,
    DetaineeRow,
    GateEventRow,
    InjuryRow,
    MedicalNoteRow,
    MedicationRow,
    MemorialRow,
    MissionRow,
    PartnerRow,
    ReportRow,
    RestrictionRow,
    RiskModelRow,
    ShinobiRow,
    SleepEpisodeRow,
    TokenRow,
    TreatmentRow,
    WelfareHoldRow,
)

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


_RANK = {r.value: r for r in ShinobiRank}  # a dict lookup, not an Enum call per row
_CLEARANCE = {c.value: c for c in Classification}
_STATUS = {s.value: s for s in ShinobiStatus}
# Read as plain rows, not ORM objects: a village of 10,000 is read on every recommendation and plan.
_SHINOBI_COLUMNS = (ShinobiRow.id, ShinobiRow.name, ShinobiRow.rank, ShinobiRow.clearance, ShinobiRow.status,
                    ShinobiRow.divisions, ShinobiRow.specialties)


class ShinobiRepository(_Repo):
    def add(self, *, name: str, rank: ShinobiRank, clearance: Classification, divisions: list[str],
            specialties: list[str], now: datetime) -> int:
        row = ShinobiRow(name=name, rank=rank.value, clearance=clearance.value, status=ShinobiStatus.ACTIVE.value,
                         divisions=divisions, specialties=specialties, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, shinobi_id: int) -> Shinobi | None:
        found = self.get_many([shinobi_id])
        return found.get(shinobi_id)

    def get_many(self, ids: Iterable[int], *, links: bool = True) -> dict[int, Shinobi]:
        """By id; `links=False` skips partners and usernames (the fitness rules need neither)."""
        ids = list(set(ids))
        if not ids:
            return {}
        rows = self.session.execute(select(*_SHINOBI_COLUMNS).where(self._among(ShinobiRow.id, ids))).all()
        return self._convert(rows, links=links)

    def list(self, *, status: ShinobiStatus | None = None, rank: ShinobiRank | None = None, links: bool = True,
             after: int | None = None, limit: int | None = None) -> list[Shinobi]:
        """By id; from after the id `after`, at most `limit` of them, when given."""
        q = select(*_SHINOBI_COLUMNS).order_by(ShinobiRow.id).limit(limit)
        if after is not None:
            q = q.where(ShinobiRow.id > after)
        if status is not None:
            q = q.where(ShinobiRow.status == status.value)
        if rank is not None:
            q = q.where(ShinobiRow.rank == rank.value)
        return list(self._convert(self.session.execute(q).all(), links=links).values())

    def list_in_division(self, division: str, *, links: bool = True) -> list[Shinobi]:
        """Those whose divisions hold `division`, by id: the JSON array searched in SQL (SQLite: json_each;
        PostgreSQL: jsonb containment), not the whole village read to be filtered here."""
        if self.session.get_bind().dialect.name == "sqlite":
            each = func.json_each(ShinobiRow.divisions).table_valued("value")
            held = select(literal(1)).select_from(each).where(each.c.value == division).exists()
            if division.isascii():  # the array's text holds the name as json.dumps wrote it: parse only those
                held = (func.instr(ShinobiRow.divisions, json.dumps(division)) > 0) & held
        else:
            held = cast(ShinobiRow.divisions, JSONB).contains([division])
        q = select(*_SHINOBI_COLUMNS).where(held).order_by(ShinobiRow.id)
        return list(self._convert(self.session.execute(q).all(), links=links).values())

    def _named(self, holding: str, besides: Iterable[int]) -> list[Any]:
        needle = holding.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = [ShinobiRow.name.ilike(f"%{needle}%", escape="\\")] if needle else []
        besides = list(besides)
        if besides:
            where.append(ShinobiRow.id.notin_(besides))
        return where

    def list_named(self, holding: str, *, besides: Iterable[int] = (), limit: int, links: bool = True
                   ) -> list[Shinobi]:
        """The first `limit` whose name holds `holding` (any case; everyone when empty), but the `besides`
        ids, by name then id."""
        q = (select(*_SHINOBI_COLUMNS).where(*self._named(holding, besides))
             .order_by(ShinobiRow.name, ShinobiRow.id).limit(limit))
        return list(self._convert(self.session.execute(q).all(), links=links).values())

    def count_named(self, holding: str, *, besides: Iterable[int] = ()) -> int:
        """How many `list_named` could list."""
        return self.session.execute(select(func.count()).select_from(ShinobiRow)
                                    .where(*self._named(holding, besides))).scalar_one()

    def _convert(self, rows: Iterable[Any], *, links: bool = True) -> dict[int, Shinobi]:
        rows = list(rows)
        ids = [r.id for r in rows]
        partners: dict[int, list[int]] = defaultdict(list)
        usernames: dict[int, str] = {}
        if ids and links:
            for p in self.session.execute(select(PartnerRow.shinobi_id, PartnerRow.partner_id)
                                          .where(self._among(PartnerRow.shinobi_id, ids))
                                          .order_by(PartnerRow.partner_id)):
                partners[p.shinobi_id].append(p.partner_id)
            for a in self.session.execute(select(AccountRow.shinobi_id, AccountRow.username)
                                          .where(self._among(AccountRow.shinobi_id, ids))):
                usernames[a.shinobi_id] = a.username
        return {
            r.id: Shinobi(id=r.id, name=r.name, rank=_RANK[r.rank], clearance=_CLEARANCE[r.clearance],
                          status=_STATUS[r.status], divisions=tuple(r.divisions or ()),
                          specialties=tuple(r.specialties or ()), partner_ids=tuple(partners[r.id]),
                          username=usernames.get(r.id))
            for r in rows
        }

    def change(self, shinobi_id: int, *, name: str | None = None, rank: ShinobiRank | None = None,
               clearance: Classification | None = None, divisions: list[str] | None = None,
               specialties: list[str] | None = None) -> None:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if rank is not None:
            values["rank"] = rank.value
        if clearance is not None:
            values["clearance"] = clearance.value
        if divisions is not None:
            values["divisions"] = divisions
        if specialties is not None:
            values["specialties"] = specialties
        if values:
            self.session.execute(update(ShinobiRow).where(ShinobiRow.id == shinobi_id).values(**values))

    def set_status(self, ids: Iterable[int], status: ShinobiStatus) -> None:
        ids = list(ids)
        if ids:
            self.session.execute(update(ShinobiRow).where(self._among(ShinobiRow.id, ids)).values(status=status.value))

    def link_partners(self, a: int, b: int, now: datetime) -> bool:
        """Link both ways; False when they were already linked."""
        if self.session.get(PartnerRow, (a, b)) is not None:
            return False
        self.session.add_all([PartnerRow(shinobi_id=a, partner_id=b, linked_at=now),
                              PartnerRow(shinobi_id=b, partner_id=a, linked_at=now)])
        self.session.flush()
        return True

    # -- sleep ---------------------------------------------------------------------------------
    def sleep(self, shinobi_id: int, *, ending_after: datetime | None = None) -> list[SleepEpisode]:
        return self.sleep_many([shinobi_id], ending_after=ending_after)[shinobi_id]

    def sleep_many(self, ids: Iterable[int], *, ending_after: datetime | None = None
                   ) -> dict[int, list[SleepEpisode]]:
        ids = list(ids)
        out: dict[int, list[SleepEpisode]] = {i: [] for i in ids}
        if not ids:
            return out
        q = (select(SleepEpisodeRow.shinobi_id, SleepEpisodeRow.start_at, SleepEpisodeRow.end_at)
             .where(self._among(SleepEpisodeRow.shinobi_id, ids)).order_by(SleepEpisodeRow.start_at))
        if ending_after is not None:
            q = q.where(SleepEpisodeRow.end_at > ending_after)
        for r in self.session.execute(q):
            out[r.shinobi_id].append(SleepEpisode(start=r.start_at, end=r.end_at))
        return out

    def overlapping_sleep(self, shinobi_id: int, start: datetime, end: datetime) -> SleepEpisode | None:
        r = self.session.execute(
            select(SleepEpisodeRow.start_at, SleepEpisodeRow.end_at)
            .where(SleepEpisodeRow.shinobi_id == shinobi_id, SleepEpisodeRow.start_at < end,
                   SleepEpisodeRow.end_at > start).limit(1)).first()
        return SleepEpisode(start=r.start_at, end=r.end_at) if r else None

    def add_sleep(self, shinobi_id: int, start: datetime, end: datetime, by: str | None, now: datetime) -> int:
        row = SleepEpisodeRow(shinobi_id=shinobi_id, start_at=start, end_at=end, logged_by=by, logged_at=now)
        self.session.add(row)
        self.session.flush()
        sleep_digest.add(self.session.connection(), shinobi_id, start, end)  # in the same transaction
        return row.id


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
        return int(self.session.execute(q.values(revoked_at=now)).rowcount or 0)

    def revoke_token(self, digest: str, now: datetime) -> bool:
        result = self.session.execute(update(TokenRow).where(TokenRow.digest == digest,
                                                             TokenRow.revoked_at.is_(None))
                                      .values(revoked_at=now))
        return bool(result.rowcount)

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


class MedicalRepository(_Repo):
    def add_restriction(self, *, shinobi_id: int, kind: RestrictionKind, status: RestrictionStatus,
                        reason: str, starts_at: datetime, ends_at: datetime | None, by: str | None,
                        now: datetime, injury_id: int | None = None) -> Restriction:
        row = RestrictionRow(shinobi_id=shinobi_id, kind=kind.value, status=status.value, reason=reason,
                             starts_at=starts_at, ends_at=ends_at, created_by=by, created_at=now, injury_id=injury_id,
                             filed_by=by if status is RestrictionStatus.FILED else None,
                             filed_at=now if status is RestrictionStatus.FILED else None)
        self.session.add(row)
        self.session.flush()
        return _restriction(row)

    def get_restriction(self, restriction_id: int) -> Restriction | None:
        row = self.session.get(RestrictionRow, restriction_id)
        return _restriction(row) if row else None

    def file_restriction(self, restriction_id: int, by: str, now: datetime) -> None:
        self.session.execute(update(RestrictionRow).where(RestrictionRow.id == restriction_id)
                             .values(status=RestrictionStatus.FILED.value, filed_by=by, filed_at=now))

    def lift_restriction(self, restriction_id: int, at: datetime, note: str | None) -> None:
        self.session.execute(update(RestrictionRow).where(RestrictionRow.id == restriction_id)
                             .values(lifted_at=at, lift_note=note))

    def restrictions_for(self, ids: Iterable[int]) -> dict[int, list[Restriction]]:
        ids = list(ids)
        out: dict[int, list[Restriction]] = {i: [] for i in ids}
        if ids:
            for row in self.session.scalars(select(RestrictionRow).where(self._among(RestrictionRow.shinobi_id, ids))
                                            .order_by(RestrictionRow.starts_at, RestrictionRow.id)):
                out[row.shinobi_id].append(_restriction(row))
        return out

    def add_hold(self, *, shinobi_id: int, reason: str, since: datetime, mission_id: int | None,
                 by: str | None, now: datetime) -> WelfareHold:
        row = WelfareHoldRow(shinobi_id=shinobi_id, reason=reason, since=since, mission_id=mission_id,
                             created_by=by, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _hold(row)

    def get_hold(self, hold_id: int) -> WelfareHold | None:
        row = self.session.get(WelfareHoldRow, hold_id)
        return _hold(row) if row else None

    def lift_hold(self, hold_id: int, at: datetime, note: str) -> None:
        self.session.execute(update(WelfareHoldRow).where(WelfareHoldRow.id == hold_id)
                             .values(lifted_at=at, note=note))

    def holds_for(self, ids: Iterable[int]) -> dict[int, list[WelfareHold]]:
        ids = list(ids)
        out: dict[int, list[WelfareHold]] = {i: [] for i in ids}
        if ids:
            for row in self.session.scalars(select(WelfareHoldRow).where(self._among(WelfareHoldRow.shinobi_id, ids))
                                            .order_by(WelfareHoldRow.since, WelfareHoldRow.id)):
                out[row.shinobi_id].append(_hold(row))
        return out

    # -- the medical record ----------------------------------------------------------------------
    def add_injury(self, *, shinobi_id: int, body_part: str, kind: str, severity: str, at: datetime,
                   mission_id: int | None, notes: str | None, by: str | None, now: datetime) -> dict[str, Any]:
        row = InjuryRow(shinobi_id=shinobi_id, body_part=body_part, kind=kind, severity=severity, at=at,
                        mission_id=mission_id, notes=notes, recorded_by=by, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _injury(row)

    def get_injury(self, injury_id: int) -> dict[str, Any] | None:
        row = self.session.get(InjuryRow, injury_id)
        return _injury(row) if row else None

    def add_treatment(self, *, shinobi_id: int, kind: str, at: datetime, medic_id: int, injury_id: int | None,
                      notes: str | None, now: datetime) -> dict[str, Any]:
        row = TreatmentRow(shinobi_id=shinobi_id, kind=kind, at=at, medic_id=medic_id, injury_id=injury_id,
                           notes=notes, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _treatment(row)

    def add_medication(self, *, shinobi_id: int, drug: str, amount: float, unit: str, at: datetime,
                       injury_id: int | None, by: str | None, now: datetime) -> dict[str, Any]:
        row = MedicationRow(shinobi_id=shinobi_id, drug=drug, amount=amount, unit=unit, at=at, injury_id=injury_id,
                            recorded_by=by, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _medication(row)

    def doses(self, shinobi_id: int, since: datetime, until: datetime) -> list[Dose]:
        rows = self.session.execute(select(MedicationRow.drug, MedicationRow.amount, MedicationRow.at)
                                    .where(MedicationRow.shinobi_id == shinobi_id, MedicationRow.at >= since,
                                           MedicationRow.at <= until))
        return [Dose(drug=r.drug, amount=r.amount, at=r.at) for r in rows]

    def add_note(self, *, shinobi_id: int, text_: str, at: datetime, by: str | None, now: datetime
                 ) -> dict[str, Any]:
        row = MedicalNoteRow(shinobi_id=shinobi_id, text=text_, at=at, recorded_by=by, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _note(row)

    def record_of(self, shinobi_id: int) -> dict[str, list[dict[str, Any]]]:
        def rows(table: Any, order: Any) -> list[Any]:
            return list(self.session.scalars(select(table).where(table.shinobi_id == shinobi_id)
                                             .order_by(order, table.id)))

        return {"injuries": [_injury(r) for r in rows(InjuryRow, InjuryRow.at)],
                "treatments": [_treatment(r) for r in rows(TreatmentRow, TreatmentRow.at)],
                "medications": [_medication(r) for r in rows(MedicationRow, MedicationRow.at)],
                "notes": [_note(r) for r in rows(MedicalNoteRow, MedicalNoteRow.at)]}


def _injury(r: InjuryRow) -> dict[str, Any]:
    return {"id": r.id, "shinobi_id": r.shinobi_id, "body_part": r.body_part, "kind": r.kind,
            "severity": r.severity, "at": r.at, "mission_id": r.mission_id, "notes": r.notes,
            "recorded_by": r.recorded_by}


def _treatment(r: TreatmentRow) -> dict[str, Any]:
    return {"id": r.id, "shinobi_id": r.shinobi_id, "kind": r.kind, "at": r.at, "medic_id": r.medic_id,
            "injury_id": r.injury_id, "notes": r.notes}


def _medication(r: MedicationRow) -> dict[str, Any]:
    return {"id": r.id, "shinobi_id": r.shinobi_id, "drug": r.drug, "amount": r.amount, "unit": r.unit,
            "at": r.at, "injury_id": r.injury_id, "recorded_by": r.recorded_by}


def _note(r: MedicalNoteRow) -> dict[str, Any]:
    return {"id": r.id, "shinobi_id": r.shinobi_id, "text": r.text, "at": r.at, "recorded_by": r.recorded_by}


def _restriction(row: RestrictionRow) -> Restriction:
    return Restriction(id=row.id, shinobi_id=row.shinobi_id, kind=RestrictionKind(row.kind),
                       status=RestrictionStatus(row.status), reason=row.reason, starts_at=row.starts_at,
                       ends_at=row.ends_at, lifted_at=row.lifted_at, injury_id=row.injury_id)


def _hold(row: WelfareHoldRow) -> WelfareHold:
    return WelfareHold(id=row.id, shinobi_id=row.shinobi_id, reason=row.reason, since=row.since,
                       lifted_at=row.lifted_at, note=row.note)


class MissionRepository(_Repo):
    def add(self, *, title: str, rank: MissionRank, kind: str, classification: Classification, reward_ryo: int,
            min_team_size: int, status: MissionStatus, posted_at: datetime, description: str | None,
            by: str | None, threat: Threat = Threat.NONE, threat_count: int = 0) -> int:
        row = MissionRow(title=title, rank=rank.value, kind=kind, classification=classification.value,
                         reward_ryo=reward_ryo, min_team_size=min_team_size, status=status.value,
                         posted_at=posted_at, description=description, created_by=by, threat=threat.value,
                         threat_count=threat_count)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, mission_id: int) -> Mission | None:
        row = self.session.get(MissionRow, mission_id)
        return self._convert([row])[0] if row else None

    def get_many(self, ids: Iterable[int]) -> dict[int, Mission]:
        ids = list(set(ids))
        if not ids:
            return {}
        return {m.id: m for m in self._convert(self.session.scalars(select(MissionRow)
                                                                    .where(self._among(MissionRow.id, ids))))}

    def lines(self, *, rank: MissionRank | None = None, status: MissionStatus | None = None) -> list[MissionLine]:
        """Every mission (of that rank and status) as its plain columns: no JSON read, no ORM object."""
        m = MissionRow
        q = select(m.id, m.title, m.rank, m.classification, m.status, m.posted_at, m.reward_ryo).order_by(m.id)
        if rank is not None:
            q = q.where(m.rank == rank.value)
        if status is not None:
            q = q.where(m.status == status.value)
        ranks, clearances, statuses = ({e.value: e for e in E} for E in (MissionRank, Classification, MissionStatus))
        return [MissionLine(r.id, r.title, ranks[r.rank], clearances[r.classification], statuses[r.status],
                            r.posted_at, r.reward_ryo) for r in self.session.execute(q)]

    def list(self, *, status: MissionStatus | None = None, after: int | None = None, limit: int | None = None,
             posted_before: datetime | None = None) -> list[Mission]:
        """By id; from after the id `after`, at most `limit` of them, posted before a time, when given."""
        q = select(MissionRow).order_by(MissionRow.id).limit(limit)
        if posted_before is not None:
            q = q.where(MissionRow.posted_at < posted_before)
        if after is not None:
            q = q.where(MissionRow.id > after)
        if status is not None:
            q = q.where(MissionRow.status == status.value)
        return self._convert(self.session.scalars(q).all())

    def _convert(self, rows: Iterable[MissionRow]) -> list[Mission]:
        rows = list(rows)
        signed: dict[int, list[str]] = defaultdict(list)
        ids = [r.id for r in rows]
        if ids:
            for a in self.session.execute(select(AuthorizationRow.mission_id, AuthorizationRow.username)
                                          .where(self._among(AuthorizationRow.mission_id, ids))
                                          .order_by(AuthorizationRow.id)):
                signed[a.mission_id].append(a.username)
        return [Mission(id=r.id, title=r.title, rank=MissionRank(r.rank), kind=r.kind,
                        classification=Classification(r.classification), reward_ryo=r.reward_ryo,
                        min_team_size=r.min_team_size, status=MissionStatus(r.status), posted_at=r.posted_at,
                        description=r.description, authorized_by=tuple(signed[r.id]),
                        threat=Threat(r.threat), threat_count=r.threat_count) for r in rows]

    def set_status(self, mission_id: int, status: MissionStatus, *, closed_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status.value}
        if closed_at is not None:
            values["closed_at"] = closed_at
        self.session.execute(update(MissionRow).where(MissionRow.id == mission_id).values(**values))

    def change(self, mission_id: int, **values: Any) -> None:
        """Explicit field updates (title, kind, classification, reward_ryo, min_team_size, description, threat,
        threat_count), as the service names them; enums are stored by value."""
        allowed = {"title", "kind", "classification", "reward_ryo", "min_team_size", "description", "threat",
                   "threat_count"}
        assert set(values) <= allowed, set(values) - allowed
        if values:
            self.session.execute(update(MissionRow).where(MissionRow.id == mission_id).values(
                **{k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}))

    def add_authorization(self, mission_id: int, account_id: int, username: str, at: datetime) -> None:
        self.session.add(AuthorizationRow(mission_id=mission_id, account_id=account_id, username=username, at=at))
        self.session.flush()


class AssignmentRepository(_Repo):
    def add(self, *, mission_id: int, shinobi_ids: list[int], departs_at: datetime, by: str | None,
            justification: str | None, now: datetime, status: AssignmentStatus = AssignmentStatus.ACTIVE,
            accepted_ids: Iterable[int] | None = None, known_codes: dict[int, list[str]] | None = None
            ) -> Assignment:
        """A team sent (`active`: every member accepted and held) or proposed (only `accepted_ids` have
        said yes, and nobody is held yet)."""
        sent = status is AssignmentStatus.ACTIVE
        accepted = set(shinobi_ids if accepted_ids is None else accepted_ids)
        row = AssignmentRow(mission_id=mission_id, departs_at=departs_at, created_at=now, created_by=by,
                            override_justification=justification, status=status.value)
        self.session.add(row)
        self.session.flush()
        self.session.add_all([AssignmentMemberRow(assignment_id=row.id, shinobi_id=s, position=i, active=sent,
                                                  accepted_at=now if s in accepted else None,
                                                  known_codes=(known_codes or {}).get(s, []))
                              for i, s in enumerate(shinobi_ids)])
        self.session.flush()
        return self.get(row.id)

    def get(self, assignment_id: int) -> Assignment | None:
        rows = self.session.scalars(select(AssignmentRow).where(AssignmentRow.id == assignment_id)).all()
        return next(iter(self._convert(rows).values()), None)

    def for_mission(self, mission_id: int) -> Assignment | None:
        """The team sent on the mission (active or closed), if any."""
        return self.for_missions([mission_id]).get(mission_id)

    def for_missions(self, mission_ids: Iterable[int]) -> dict[int, Assignment]:
        mission_ids = list(mission_ids)
        if not mission_ids:
            return {}
        rows = self.session.scalars(select(AssignmentRow).where(
            self._among(AssignmentRow.mission_id, mission_ids),
            AssignmentRow.status.in_([AssignmentStatus.ACTIVE.value, AssignmentStatus.CLOSED.value]))).all()
        return {a.mission_id: a for a in self._convert(rows).values()}

    def sent_with(self, shinobi_id: int) -> list[Assignment]:
        """The teams (active or closed) the shinobi was sent with, by query on the members."""
        q = select(AssignmentRow).where(
            AssignmentRow.status.in_([AssignmentStatus.ACTIVE.value, AssignmentStatus.CLOSED.value]),
            AssignmentRow.id.in_(select(AssignmentMemberRow.assignment_id)
                                 .where(AssignmentMemberRow.shinobi_id == shinobi_id)))
        return list(self._convert(self.session.scalars(q).all()).values())

    def proposals(self, *, mission_id: int | None = None, shinobi_id: int | None = None) -> list[Assignment]:
        """Open proposals (oldest first), for a mission or naming a shinobi."""
        q = select(AssignmentRow).where(AssignmentRow.status == AssignmentStatus.PROPOSED.value)
        if mission_id is not None:
            q = q.where(AssignmentRow.mission_id == mission_id)
        if shinobi_id is not None:
            q = q.where(AssignmentRow.id.in_(select(AssignmentMemberRow.assignment_id)
                                             .where(AssignmentMemberRow.shinobi_id == shinobi_id)))
        return list(self._convert(self.session.scalars(q.order_by(AssignmentRow.id)).all()).values())

    def booked(self, shinobi_ids: Iterable[int] | None = None, *,
               departing: tuple[datetime, datetime] | None = None) -> list[Assignment]:
        """Active assignments with one of these shinobi (anyone, when None) among the members the gate has not
        yet logged out; leaving in [from, to] when `departing` is given."""
        members = select(AssignmentMemberRow.assignment_id).where(AssignmentMemberRow.active.is_(True),
                                                                  AssignmentMemberRow.left_at.is_(None))
        if shinobi_ids is not None:
            ids = list(shinobi_ids)
            if not ids:
                return []
            members = members.where(self._among(AssignmentMemberRow.shinobi_id, ids))
        q = (select(AssignmentRow)
             .where(AssignmentRow.status == AssignmentStatus.ACTIVE.value, AssignmentRow.id.in_(members))
             .order_by(AssignmentRow.id))
        if departing is not None:
            q = q.where(AssignmentRow.departs_at >= departing[0], AssignmentRow.departs_at <= departing[1])
        return list(self._convert(self.session.scalars(q).all()).values())

    def _convert(self, rows: Iterable[AssignmentRow]) -> dict[int, Assignment]:
        rows = list(rows)
        members: dict[int, list[AssignmentMemberRow]] = defaultdict(list)
        if rows:
            for m in self.session.scalars(select(AssignmentMemberRow)
                                          .where(self._among(AssignmentMemberRow.assignment_id, [r.id for r in rows]))
                                          .order_by(AssignmentMemberRow.assignment_id, AssignmentMemberRow.position)):
                members[m.assignment_id].append(m)
        return {r.id: _assignment(r, members[r.id]) for r in rows}

    def known_codes(self, assignment_id: int) -> dict[int, set[str]]:
        """The reasons already known for each member (overridden at booking, or told to the office since)."""
        rows = self.session.execute(select(AssignmentMemberRow.shinobi_id, AssignmentMemberRow.known_codes)
                                    .where(AssignmentMemberRow.assignment_id == assignment_id))
        return {sid: set(codes or ()) for sid, codes in rows}

    def set_known_codes(self, assignment_id: int, shinobi_id: int, codes: Iterable[str]) -> None:
        self.session.execute(update(AssignmentMemberRow)
                             .where(AssignmentMemberRow.assignment_id == assignment_id,
                                    AssignmentMemberRow.shinobi_id == shinobi_id)
                             .values(known_codes=sorted(set(codes))))

    def accept(self, assignment_id: int, shinobi_id: int, now: datetime) -> None:
        self.session.execute(update(AssignmentMemberRow)
                             .where(AssignmentMemberRow.assignment_id == assignment_id,
                                    AssignmentMemberRow.shinobi_id == shinobi_id,
                                    AssignmentMemberRow.accepted_at.is_(None))
                             .values(accepted_at=now))

    def activate(self, assignment_id: int) -> None:
        """Send a proposed team: the assignment active, its members held (the unique indexes decide races)."""
        self.session.execute(update(AssignmentRow).where(AssignmentRow.id == assignment_id)
                             .values(status=AssignmentStatus.ACTIVE.value))
        self.session.execute(update(AssignmentMemberRow).where(AssignmentMemberRow.assignment_id == assignment_id)
                             .values(active=True))
        self.session.flush()

    def decline(self, assignment_id: int, now: datetime) -> None:
        self.session.execute(update(AssignmentRow).where(AssignmentRow.id == assignment_id)
                             .values(status=AssignmentStatus.DECLINED.value, ended_at=now))

    def mark_left(self, assignment_id: int, shinobi_ids: Iterable[int], at: datetime) -> None:
        self.session.execute(update(AssignmentMemberRow)
                             .where(AssignmentMemberRow.assignment_id == assignment_id,
                                    self._among(AssignmentMemberRow.shinobi_id, list(shinobi_ids)),
                                    AssignmentMemberRow.left_at.is_(None))
                             .values(left_at=at))

    def on_active_assignment(self, ids: Iterable[int], *, besides: int | None = None) -> set[int]:
        """Those held by an active assignment (`besides`: other than that one)."""
        ids = list(ids)
        if not ids:
            return set()
        q = select(AssignmentMemberRow.shinobi_id).where(self._among(AssignmentMemberRow.shinobi_id, ids),
                                                          AssignmentMemberRow.active.is_(True))
        if besides is not None:
            q = q.where(AssignmentMemberRow.assignment_id != besides)
        return set(self.session.scalars(q).all())

    def end(self, assignment_id: int, at: datetime) -> None:
        self.session.execute(update(AssignmentRow).where(AssignmentRow.id == assignment_id)
                             .values(ended_at=at, status=AssignmentStatus.CLOSED.value))
        self.session.execute(update(AssignmentMemberRow).where(AssignmentMemberRow.assignment_id == assignment_id)
                             .values(active=False))

    def add_report(self, *, mission_id: int, outcome: str, at: datetime, summary: str | None,
                   casualties: list[dict[str, Any]], specimens: list[dict[str, Any]], by: str | None,
                   now: datetime) -> int:
        row = ReportRow(mission_id=mission_id, outcome=outcome, at=at, summary=summary, casualties=casualties,
                        specimens=specimens, filed_by=by, filed_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def report_for(self, mission_id: int) -> dict[str, Any] | None:
        row = self.session.scalar(select(ReportRow).where(ReportRow.mission_id == mission_id))
        if row is None:
            return None
        return {"id": row.id, "mission_id": row.mission_id, "outcome": row.outcome, "at": row.at,
                "summary": row.summary, "casualties": row.casualties, "specimens": row.specimens,
                "filed_by": row.filed_by, "filed_at": row.filed_at}

    def add_to_memorial(self, shinobi_id: int, rank: str, died_at: datetime, mission_id: int | None) -> None:
        self.session.add(MemorialRow(shinobi_id=shinobi_id, rank=rank, died_at=died_at, mission_id=mission_id))
        self.session.flush()

    def memorial_position(self, shinobi_id: int) -> tuple[datetime, int] | None:
        """Where a name stands on the memorial, (died_at, shinobi id): the cursor `memorial` pages after."""
        died_at = self.session.scalar(select(MemorialRow.died_at).where(MemorialRow.shinobi_id == shinobi_id))
        return None if died_at is None else (died_at, shinobi_id)

    def memorial(self, *, after: tuple[datetime, int] | None = None, limit: int | None = None
                 ) -> list[MemorialEntry]:
        """The fallen by (died_at, shinobi id), from after the position `after`, at most `limit`."""
        q = (select(MemorialRow, ShinobiRow.name).join(ShinobiRow, ShinobiRow.id == MemorialRow.shinobi_id)
             .order_by(MemorialRow.died_at, MemorialRow.shinobi_id).limit(limit))
        if after is not None:
            q = q.where(MemorialRow.died_at >= after[0],
                        or_(MemorialRow.died_at > after[0], MemorialRow.shinobi_id > after[1]))
        rows = self.session.execute(q)
        return [MemorialEntry(shinobi_id=m.shinobi_id, name=name, rank=m.rank, died_at=m.died_at,
                              mission_id=m.mission_id) for m, name in rows]


def _assignment(row: AssignmentRow, members: list[AssignmentMemberRow]) -> Assignment:
    return Assignment(id=row.id, mission_id=row.mission_id, shinobi_ids=tuple(m.shinobi_id for m in members),
                      departs_at=row.departs_at, created_at=row.created_at, created_by=row.created_by,
                      override_justification=row.override_justification, ended_at=row.ended_at,
                      status=AssignmentStatus(row.status),
                      accepted_ids=tuple(m.shinobi_id for m in members if m.accepted_at is not None),
                      left_ids=tuple(m.shinobi_id for m in members if m.left_at is not None))


class GateRepository(_Repo):
    def add(self, *, direction: Direction, at: datetime, shinobi_id: int | None = None,
            detainee_id: int | None = None, by: str | None, now: datetime, flagged: str | None) -> int:
        row = GateEventRow(direction=direction.value, at=at, shinobi_id=shinobi_id, detainee_id=detainee_id,
                           logged_by=by, logged_at=now, flagged=flagged)
        self.session.add(row)
        self.session.flush()
        if shinobi_id is not None:  # in the same transaction: the digest is never behind the log
            gate_digest.add(self.session.connection(), shinobi_id, row.id, at, direction is Direction.IN)
        return row.id

    def events_for(self, ids: Iterable[int], *, detainees: bool = False) -> dict[int, list[GateEvent]]:
        """Gate events per person (shinobi, or detainees when asked), oldest first."""
        column = GateEventRow.detainee_id if detainees else GateEventRow.shinobi_id
        ids = list(ids)
        out: dict[int, list[GateEvent]] = {i: [] for i in ids}
        if ids:
            for r in self.session.execute(select(GateEventRow.id, column.label("person"), GateEventRow.direction,
                                                 GateEventRow.at)
                                          .where(self._among(column, ids)).order_by(GateEventRow.at, GateEventRow.id)):
                out[r.person].append(GateEvent(id=r.id, direction=Direction(r.direction), at=r.at))
        return out

    def all_events(self, *, detainees: bool = False) -> dict[int, list[GateEvent]]:
        column = GateEventRow.detainee_id if detainees else GateEventRow.shinobi_id
        out: dict[int, list[GateEvent]] = defaultdict(list)
        for r in self.session.execute(select(GateEventRow.id, column.label("person"), GateEventRow.direction,
                                             GateEventRow.at).where(column.is_not(None))
                                      .order_by(GateEventRow.at, GateEventRow.id)):
            out[r.person].append(GateEvent(id=r.id, direction=Direction(r.direction), at=r.at))
        return out

    def position(self, event_id: int, *, include_detainees: bool = True) -> tuple[datetime, int] | None:
        """Where an event stands in the log's order, (at, id): the cursor `log` pages after."""
        q = select(GateEventRow.at).where(GateEventRow.id == event_id)
        if not include_detainees:
            q = q.where(GateEventRow.detainee_id.is_(None))
        at = self.session.scalar(q)
        return None if at is None else (at, event_id)

    def log(self, *, since: datetime | None = None, until: datetime | None = None, shinobi_id: int | None = None,
            detainee_id: int | None = None, include_detainees: bool = True, limit: int = 1000,
            after: tuple[datetime, int] | None = None) -> list[dict[str, Any]]:
        """The log by (at, id), from after the position `after` (a later event logged with an earlier time
        takes its place in time, and moves no other event to another page)."""
        q = select(GateEventRow).order_by(GateEventRow.at, GateEventRow.id).limit(limit)
        if after is not None:  # (at, id) > after, as a range on `at` an index serves
            q = q.where(GateEventRow.at >= after[0],
                        or_(GateEventRow.at > after[0], GateEventRow.id > after[1]))
        if since is not None:
            q = q.where(GateEventRow.at >= since)
        if until is not None:
            q = q.where(GateEventRow.at < until)
        if shinobi_id is not None:
            q = q.where(GateEventRow.shinobi_id == shinobi_id)
        if detainee_id is not None:
            q = q.where(GateEventRow.detainee_id == detainee_id)
        if not include_detainees:
            q = q.where(GateEventRow.detainee_id.is_(None))
        return [{"id": r.id, "direction": r.direction, "at": r.at, "shinobi_id": r.shinobi_id,
                 "detainee_id": r.detainee_id, "flagged": r.flagged, "logged_by": r.logged_by}
                for r in self.session.scalars(q)]


class AuditRepository(_Repo):
    def append(self, *, at: datetime, actor: str | None, action: str, target: str | None,
               details: dict[str, Any]) -> AuditEntry:
        """Append at the head of the chain. Writers are serialised: SQLite by BEGIN IMMEDIATE,
        PostgreSQL by a transaction-scoped advisory lock taken before reading the head."""
        at = at.astimezone(UTC)
        details = json.loads(json.dumps(details, default=str))  # exactly what the JSON column gives back
        if self.session.get_bind().dialect.name == "postgresql":
            # writers already hold it (see session.py); a read that records an audit entry takes it here
            self.session.execute(text("SELECT pg_advisory_xact_lock(7431001)"))
        head = self.session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc())
                                    .limit(1)).first()
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
        digest = chain_hash(prev, canonical(seq, at, actor, action, target, details))
        self.session.add(AuditRow(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                                  prev_hash=prev, hash=digest))
        self.session.flush()
        return AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                          prev_hash=prev, hash=digest)

    def list(self, *, actor: str | None = None, action: str | None = None, target: str | None = None,
             since: datetime | None = None, until: datetime | None = None, after_seq: int = 0,
             limit: int = 1000) -> list[AuditEntry]:
        q = select(AuditRow).where(AuditRow.seq > after_seq).order_by(AuditRow.seq).limit(limit)
        if actor is not None:
            q = q.where(AuditRow.actor == actor)
        if action is not None:
            q = q.where(AuditRow.action == action)
        if target is not None:
            q = q.where(AuditRow.target == target)
        if since is not None:
            q = q.where(AuditRow.at >= since)
        if until is not None:
            q = q.where(AuditRow.at < until)
        return [_entry(r) for r in self.session.scalars(q)]

    def acts_of(self, shinobi_ids: Iterable[int], *, since: datetime, until: datetime) -> dict[int, list[datetime]]:
        """When each shinobi's own account acted on the record (sign-ins, requests), oldest first."""
        ids = list(shinobi_ids)
        out: dict[int, list[datetime]] = {i: [] for i in ids}
        if ids:
            rows = self.session.execute(
                select(AccountRow.shinobi_id, AuditRow.at)
                .join(AuditRow, AuditRow.actor == AccountRow.username)
                .where(self._among(AccountRow.shinobi_id, ids), AuditRow.at >= since, AuditRow.at <= until)
                .order_by(AuditRow.at))
            for sid, at in rows:
                out[sid].append(at)
        return out

    def actions_present(self, actions: Iterable[str]) -> set[str]:
        """Which of these actions the log holds: one probe of the action index each, in no order (ordered by
        seq, PostgreSQL walked the whole log for an action it does not hold)."""
        return {a for a in actions
                if self.session.scalar(select(AuditRow.seq).where(AuditRow.action == a).limit(1)) is not None}

    def head(self) -> AuditEntry | None:
        row = self.session.scalar(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1))
        return _entry(row) if row else None

    def get(self, seq: int) -> AuditEntry | None:
        row = self.session.get(AuditRow, seq)
        return _entry(row) if row else None

    def walk(self, batch: int = 5000, *, after: int = 0, until: int | None = None) -> Iterator[AuditEntry]:
        """The entries after seq `after` (up to `until`) in seq order, as stored: the details are read from the
        column's own text (PostgreSQL's json keeps it as written; SQLite keeps text) and parsed strictly, so
        an entry whose details repeat a key is flawed here, not quietly collapsed to one value by the driver."""
        raw = cast(AuditRow.details, Text)
        while True:
            q = (select(AuditRow.seq, AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.target, raw,
                        AuditRow.prev_hash, AuditRow.hash)
                 .where(AuditRow.seq > after).order_by(AuditRow.seq).limit(batch))
            if until is not None:
                q = q.where(AuditRow.seq <= until)
            rows = self.session.execute(q).all()
            if not rows:
                return
            for seq, at, actor, action, target, text_, prev_hash, hash_ in rows:
                details, flaw = load_details(text_)
                yield AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                                 prev_hash=prev_hash, hash=hash_, flaw=flaw)
            after = rows[-1][0]


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(seq=r.seq, at=r.at, actor=r.actor, action=r.action, target=r.target,
                      details=dict(r.details or {}), prev_hash=r.prev_hash, hash=r.hash)


class CustodyRepository(_Repo):
    def add(self, *, name: str, origin: str | None, at: datetime, in_village: bool, custodian_ids: list[int],
            by: str | None, now: datetime) -> int:
        row = DetaineeRow(name=name, origin=origin, status=DetaineeStatus.HELD.value, detained_since=at,
                          in_village=in_village, created_by=by, created_at=now)
        self.session.add(row)
        self.session.flush()
        self.add_link(row.id, custodian_ids, at, by, now)
        return row.id

    def add_link(self, detainee_id: int, custodian_ids: list[int], at: datetime, by: str | None,
                 now: datetime) -> None:
        link = CustodyLinkRow(detainee_id=detainee_id, at=at, created_by=by, created_at=now)
        self.session.add(link)
        self.session.flush()
        self.session.add_all([CustodyCustodianRow(link_id=link.id, shinobi_id=s) for s in custodian_ids])
        self.session.flush()

    def end(self, detainee_id: int, status: DetaineeStatus, at: datetime, note: str | None) -> None:
        self.session.execute(update(DetaineeRow).where(DetaineeRow.id == detainee_id)
                             .values(status=status.value, ended_at=at, end_note=note))

    def add_audience_request(self, detainee_id: int, with_: str, at: datetime, by: str | None) -> int:
        row = AudienceRequestRow(detainee_id=detainee_id, with_=with_, at=at, status=AudienceStatus.OPEN.value,
                                 requested_by=by)
        self.session.add(row)
        self.session.flush()
        return row.id

    def decide_audience(self, request_id: int, status: AudienceStatus, at: datetime, by: str,
                        note: str | None) -> None:
        self.session.execute(update(AudienceRequestRow).where(AudienceRequestRow.id == request_id)
                             .values(status=status.value, decided_at=at, decided_by=by, note=note))

    def in_village_at_intake(self, ids: Iterable[int]) -> dict[int, bool]:
        ids = list(ids)
        if not ids:
            return {}
        return {r.id: r.in_village for r in self.session.execute(select(DetaineeRow.id, DetaineeRow.in_village)
                                                                  .where(self._among(DetaineeRow.id, ids)))}

    def get(self, detainee_id: int) -> Detainee | None:
        found = self._convert(self.session.scalars(select(DetaineeRow).where(DetaineeRow.id == detainee_id)))
        return found[0] if found else None

    def list(self, *, status: DetaineeStatus | None = None) -> list[Detainee]:
        q = select(DetaineeRow).order_by(DetaineeRow.id)
        if status is not None:
            q = q.where(DetaineeRow.status == status.value)
        return self._convert(self.session.scalars(q))

    def _convert(self, rows: Iterable[DetaineeRow]) -> list[Detainee]:
        rows = list(rows)
        ids = [r.id for r in rows]
        if not ids:
            return []
        custodians: dict[int, list[int]] = defaultdict(list)
        links: dict[int, list[CustodyLinkRow]] = defaultdict(list)
        for link in self.session.scalars(select(CustodyLinkRow).where(self._among(CustodyLinkRow.detainee_id, ids))
                                         .order_by(CustodyLinkRow.at, CustodyLinkRow.id)):
            links[link.detainee_id].append(link)
        link_ids = [lk.id for ls in links.values() for lk in ls]
        if link_ids:
            for c in self.session.execute(select(CustodyCustodianRow.link_id, CustodyCustodianRow.shinobi_id)
                                          .where(self._among(CustodyCustodianRow.link_id, link_ids))
                                          .order_by(CustodyCustodianRow.shinobi_id)):
                custodians[c.link_id].append(c.shinobi_id)
        requests: dict[int, list[AudienceRequest]] = defaultdict(list)
        for r in self.session.scalars(select(AudienceRequestRow).where(self._among(AudienceRequestRow.detainee_id, ids))
                                      .order_by(AudienceRequestRow.at, AudienceRequestRow.id)):
            requests[r.detainee_id].append(AudienceRequest(
                id=r.id, with_=r.with_, at=r.at, status=AudienceStatus(r.status), decided_at=r.decided_at,
                decided_by=r.decided_by, note=r.note))
        return [Detainee(id=r.id, name=r.name, origin=r.origin, status=DetaineeStatus(r.status),
                         detained_since=r.detained_since,
                         chain=tuple(Link(id=lk.id, custodian_ids=tuple(custodians[lk.id]), at=lk.at, by=lk.created_by)
                                     for lk in links[r.id]),
                         audience_requests=tuple(requests[r.id]), ended_at=r.ended_at, end_note=r.end_note)
                for r in rows]


class BriefRepository(_Repo):
    def add(self, mission_id: int, text_: str, by: str | None, now: datetime) -> dict[str, Any]:
        row = BriefRow(mission_id=mission_id, text=text_, created_by=by, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _brief(row)

    def latest(self, mission_id: int) -> dict[str, Any] | None:
        """The live brief, else the last destroyed one."""
        row = self.session.scalar(select(BriefRow).where(BriefRow.mission_id == mission_id)
                                  .order_by(BriefRow.destroyed_at.is_(None).desc(), BriefRow.id.desc()).limit(1))
        return _brief(row) if row else None

    def destroy(self, brief_id: int, by: str, reason: str, now: datetime) -> None:
        self.session.execute(update(BriefRow).where(BriefRow.id == brief_id)
                             .values(text=None, destroyed_at=now, destroyed_by=by, destroy_reason=reason))


def _brief(r: BriefRow) -> dict[str, Any]:
    return {"id": r.id, "mission_id": r.mission_id, "text": r.text, "created_by": r.created_by,
            "created_at": r.created_at, "destroyed_at": r.destroyed_at, "destroyed_by": r.destroyed_by,
            "destroy_reason": r.destroy_reason}


class RiskRepository(_Repo):
    def latest(self) -> RiskModel | None:
        row = self.session.scalar(select(RiskModelRow).order_by(RiskModelRow.id.desc()).limit(1))
        if row is None:
            return None
        return RiskModel(success=tuple(row.success), casualty=tuple(row.casualty), source="fitted",
                         reports=row.reports, calibration=dict(row.calibration))

    def add(self, model: RiskModel, now: datetime) -> None:
        self.session.add(RiskModelRow(fitted_at=now, reports=model.reports, success=list(model.success),
                                      casualty=list(model.casualty), calibration=model.calibration))
        self.session.flush()

    @staticmethod
    def _learned_from(*columns: Any):
        """The reports a fit learns from: a mission with a team, and an outcome (aborted ones teach nothing)."""
        return (select(*columns).select_from(ReportRow)
                .join(MissionRow, MissionRow.id == ReportRow.mission_id)
                .join(AssignmentRow, AssignmentRow.mission_id == ReportRow.mission_id)
                .where(ReportRow.outcome != "aborted"))

    def history(self) -> list[dict[str, Any]]:
        """Past missions with their teams and outcomes: what a fit learns from."""
        out = []
        for rep, mission, assignment in self.session.execute(
                self._learned_from(ReportRow, MissionRow, AssignmentRow).order_by(ReportRow.id)):
            members = self.session.execute(
                select(ShinobiRow.id, ShinobiRow.rank, ShinobiRow.specialties)
                .join(AssignmentMemberRow, AssignmentMemberRow.shinobi_id == ShinobiRow.id)
                .where(AssignmentMemberRow.assignment_id == assignment.id)).all()
            out.append({"mission_id": mission.id, "kind": mission.kind, "threat": mission.threat,
                        "threat_count": mission.threat_count, "departs_at": assignment.departs_at,
                        "outcome": rep.outcome, "casualties": rep.casualties,
                        "members": [(m.id, m.rank, tuple(m.specialties or ())) for m in members]})
        return out

    def history_size(self) -> int:
        """len(history()), in one query."""
        return self.session.scalar(self._learned_from(func.count(ReportRow.id))) or 0
