"""The roster: adding shinobi (and their accounts), reading them, linking partners."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.access import Caller
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.fitness import FitnessPolicy
from ..domain.ranks import Classification, Role, ShinobiRank, ShinobiStatus
from ..domain.roster import Shinobi
from . import authz, passwords
from .assignments import warn_if_at_risk
from .audit import record
from .paging import Paged, Window
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class NewAccount:
    username: str
    password: str
    roles: tuple[Role, ...] = ()


@dataclass(frozen=True)
class AddShinobi:
    name: str
    rank: ShinobiRank
    clearance: Classification = Classification.PUBLIC
    divisions: tuple[str, ...] = ()
    specialties: tuple[str, ...] = field(default_factory=tuple)
    account: NewAccount | None = None


def get_existing(tx: Transaction, shinobi_id: int) -> Shinobi:
    s = tx.shinobi.get(shinobi_id)
    if s is None:
        raise NotFound("shinobi", shinobi_id)
    return s


@transactional(write=True)
def add_shinobi(tx: Transaction, caller: Caller, cmd: AddShinobi, now: datetime) -> Shinobi:
    authz.require(tx, caller, "addShinobi")
    if not cmd.name.strip():
        raise Invalid("a shinobi needs a name", code="NAME_REQUIRED")
    _require_grants(tx, caller, cmd.clearance, cmd.divisions)
    if cmd.account is not None and cmd.account.roles:
        authz.require(tx, caller, "grantRoles", message="only the hokage gives accounts a role")
    if cmd.account is not None:
        passwords.check_strength(cmd.account.password, cmd.account.username)
        if tx.accounts.by_username(cmd.account.username) is not None:
            raise Conflict(f"the username {cmd.account.username!r} is taken", code="USERNAME_TAKEN")
    shinobi_id = tx.shinobi.add(name=cmd.name.strip(), rank=cmd.rank, clearance=cmd.clearance,
                                divisions=sorted(set(cmd.divisions)), specialties=sorted(set(cmd.specialties)),
                                now=now)
    record(tx, now, caller, "shinobi.created", f"shinobi:{shinobi_id}", name=cmd.name, rank=cmd.rank.value,
           clearance=cmd.clearance.value)
    if cmd.account is not None:
        tx.accounts.add(username=cmd.account.username, password_hash=passwords.hash_password(cmd.account.password),
                        roles=cmd.account.roles, shinobi_id=shinobi_id, now=now)
        record(tx, now, caller, "account.created", f"shinobi:{shinobi_id}", username=cmd.account.username,
               roles=sorted(r.value for r in cmd.account.roles))
    created = get_existing(tx, shinobi_id)
    tx.commit()
    return created


ANBU = "anbu"


def _require_grants(tx: Transaction, caller: Caller, clearance: Classification | None,
                    divisions: tuple[str, ...] | None) -> None:
    """A clearance up to the caller's own; the `anbu` division (custody, detainees) the hokage's alone to
    name, at creation and on any change (CONTRACT, "Who may send whom")."""
    if clearance is not None:
        authz.require(tx, caller, "grantClearance",
                      authz.Resource("Clearance", clearance.value, {"classification": clearance.order}),
                      message="you may not grant a clearance above your own")
    if divisions is not None and any(d.strip().lower() == ANBU for d in divisions):
        authz.require(tx, caller, "grantAnbu", message="only the hokage grants (or confirms) the anbu division")


@dataclass(frozen=True)
class ChangeShinobi:
    """What changes; None leaves it as it is."""

    name: str | None = None
    rank: ShinobiRank | None = None
    clearance: Classification | None = None
    divisions: tuple[str, ...] | None = None
    specialties: tuple[str, ...] | None = None


@transactional(write=True)
def change_shinobi(tx: Transaction, caller: Caller, shinobi_id: int, cmd: ChangeShinobi, now: datetime, *,
                   policy: FitnessPolicy) -> Shinobi:
    """Explicit field updates by the roster's keepers (a clerk only of those they could have created: a
    clearance up to their own, no account holding a role); a booked team put at risk by the change is told."""
    authz.require(tx, caller, "editShinobi")
    before = get_existing(tx, shinobi_id)
    if cmd.name is not None and not cmd.name.strip():
        raise Invalid("a shinobi needs a name", code="NAME_REQUIRED")
    _require_grants(tx, caller, before.clearance, None)
    if tx.accounts.roles_of_shinobi([shinobi_id]).get(shinobi_id):
        authz.require(tx, caller, "grantRoles", message="only the hokage changes a shinobi whose account holds a role")
    _require_grants(tx, caller, cmd.clearance, cmd.divisions)
    if cmd.divisions is not None and ANBU in before.divisions and ANBU not in cmd.divisions:
        authz.require(tx, caller, "grantAnbu", message="only the hokage takes the anbu division away")
    changes: dict[str, Any] = {k: v for k, v in (
        ("name", cmd.name.strip() if cmd.name is not None else None),
        ("rank", cmd.rank), ("clearance", cmd.clearance),
        ("divisions", sorted(set(cmd.divisions)) if cmd.divisions is not None else None),
        ("specialties", sorted(set(cmd.specialties)) if cmd.specialties is not None else None)) if v is not None}
    tx.shinobi.change(shinobi_id, name=changes.get("name"), rank=changes.get("rank"),
                      clearance=changes.get("clearance"), divisions=changes.get("divisions"),
                      specialties=changes.get("specialties"))
    record(tx, now, caller, "shinobi.changed", f"shinobi:{shinobi_id}",
           **{k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()})
    warn_if_at_risk(tx, [shinobi_id], now, policy)
    result = get_existing(tx, shinobi_id)
    tx.commit()
    return result


@transactional(write=False)
def get_shinobi(tx: Transaction, caller: Caller, shinobi_id: int) -> Shinobi:
    return get_existing(tx, shinobi_id)


@transactional(write=False)
def list_shinobi(tx: Transaction, caller: Caller, *, status: ShinobiStatus | None = None,
                 rank: ShinobiRank | None = None) -> list[Shinobi]:
    return tx.shinobi.list(status=status, rank=rank)


@transactional(write=False)
def list_shinobi_page(tx: Transaction, caller: Caller, window: Window, *, status: ShinobiStatus | None = None,
                      rank: ShinobiRank | None = None) -> Paged[Shinobi]:
    """The roster by id, a page at a time (GET /shinobi)."""
    rows = tx.shinobi.list(status=status, rank=rank, after=window.after, limit=window.limit + 1)
    return Paged.cut(rows, window, key=lambda s: s.id)


@transactional(write=False)
def names_of(tx: Transaction, caller: Caller, ids: Iterable[int]) -> dict[int, str]:
    """The names of these shinobi, as the roster shows them to anyone signed in (one read, whatever the
    village's size: what a page needs to name the few people it shows)."""
    return tx.shinobi.names(ids)


@transactional(write=True)
def link_partners(tx: Transaction, caller: Caller, shinobi_id: int, partner_id: int, now: datetime
                  ) -> tuple[Shinobi, bool]:
    """Designated partners, both ways. Returns the shinobi and whether a new link was made."""
    authz.require(tx, caller, "linkPartners")
    get_existing(tx, shinobi_id)
    get_existing(tx, partner_id)
    if shinobi_id == partner_id:
        raise Invalid("a shinobi cannot be their own partner", code="PARTNER_SELF")
    created = tx.shinobi.link_partners(shinobi_id, partner_id, now)
    if created:
        record(tx, now, caller, "shinobi.partners_linked", f"shinobi:{shinobi_id}", partner_id=partner_id)
    result = get_existing(tx, shinobi_id)
    tx.commit()
    return result, created
