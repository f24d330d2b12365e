"""Custody of detainees: intake by the escort, transfers, audience requests, release.

Custody is the hokage's and the ANBU's: to anyone else a detainee does not exist (404),
and only the ANBU (and the hokage) take someone into custody (403 for others).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..domain import custody as rules
from ..domain.access import Caller
from ..domain.custody import AudienceRequest, AudienceStatus, Detainee, DetaineeStatus
from ..domain.errors import Invalid, NotFound
from ..domain.ranks import Role, ShinobiStatus
from ..domain.roster import Alert, Shinobi
from . import alerts as alerting
from . import authz
from .audit import record
from .ports import existing
from .unit_of_work import Transaction, transactional

ANBU = "anbu"
UNAVAILABLE = (ShinobiStatus.KIA, ShinobiStatus.MIA, ShinobiStatus.DETAINED, ShinobiStatus.RETIRED)


def is_custody_keeper(tx: Transaction, caller: Caller) -> bool:
    return authz.allowed(tx, caller, "viewCustody", authz.VILLAGE)


def custody_resource(d: Detainee) -> authz.Resource:
    return authz.Resource("Detainee", str(d.id), {"custodians": list(d.custodian_ids)})


def visible_detainee(tx: Transaction, caller: Caller, detainee_id: int) -> Detainee:
    d = tx.custody.get(detainee_id)
    if d is None:
        authz.require(tx, caller, "viewCustody", authz.detainee_resource(detainee_id), hide=True)
        raise NotFound("detainee", detainee_id)
    authz.require(tx, caller, "viewCustody", custody_resource(d), hide=True)
    return d


def may_hold(s: Shinobi) -> bool:
    """May this shinobi be named a custodian now: the ANBU, but the dead, the missing, the detained and the
    retired (`_check_custodians` says which of the two fails)."""
    return ANBU in s.divisions and s.status not in UNAVAILABLE


def candidate_custodians(tx: Transaction) -> tuple[Shinobi, ...]:
    """Everyone who may be named a custodian now, by id: the ANBU division read in SQL, not the village."""
    return tuple(s for s in tx.shinobi.list_in_division(ANBU, links=False) if may_hold(s))


def _check_custodians(tx: Transaction, ids: tuple[int, ...]) -> None:
    rules.check_custodians(ids)
    people = tx.shinobi.get_many(ids)
    for sid in ids:
        s = people.get(sid)
        if s is None:
            raise NotFound("shinobi", sid)
        if ANBU not in s.divisions:
            raise Invalid(f"{s.name} is not ANBU; custody is the ANBU's", code="CUSTODIAN_NOT_ANBU",
                          details=[{"shinobi_id": sid}])
        if s.status in UNAVAILABLE:
            raise Invalid(f"{s.name} is {s.status.value} and cannot hold a detainee", code="CUSTODIAN_UNAVAILABLE",
                          details=[{"shinobi_id": sid}])


@dataclass(frozen=True)
class Intake:
    name: str
    at: datetime
    custodian_ids: tuple[int, ...]  # the escort who brought them in (the API's `escort_ids`)
    origin: str | None = None
    in_village: bool = False


@transactional(write=True)
def take_into_custody(tx: Transaction, caller: Caller, cmd: Intake, now: datetime) -> Detainee:
    authz.require(tx, caller, "takeCustody", message="taking someone into custody is the ANBU's")
    if not cmd.name.strip():
        raise Invalid("a detainee needs a name, even 'unknown'", code="NAME_REQUIRED")
    _check_custodians(tx, cmd.custodian_ids)
    detainee_id = tx.custody.add(name=cmd.name.strip(), origin=cmd.origin, at=cmd.at, in_village=cmd.in_village,
                                 custodian_ids=list(cmd.custodian_ids), by=caller.username, now=now)
    record(tx, now, caller, "custody.intake", f"detainee:{detainee_id}", at=cmd.at,
           custodian_ids=list(cmd.custodian_ids))
    d = existing(tx.custody.get(detainee_id))
    tx.commit()
    return d


def _may_hand_over(tx: Transaction, caller: Caller, d: Detainee) -> None:
    authz.require(tx, caller, "handOver", custody_resource(d),
                  message="only the detainee's current custodians (or the hokage) hand them over")


@transactional(write=True)
def transfer(tx: Transaction, caller: Caller, detainee_id: int, custodian_ids: tuple[int, ...], at: datetime,
             now: datetime) -> Detainee:
    """Hands the detainee on to `custodian_ids` (the API's `to_ids`) from `at`."""
    d = visible_detainee(tx, caller, detainee_id)
    rules.check_transfer(d, custodian_ids, at)
    _may_hand_over(tx, caller, d)
    _check_custodians(tx, custodian_ids)
    tx.custody.add_link(detainee_id, list(custodian_ids), at, caller.username, now)
    record(tx, now, caller, "custody.transfer", f"detainee:{detainee_id}", at=at,
           from_ids=list(d.custodian_ids), to_ids=list(custodian_ids))  # the audit's names since its first entry
    result = existing(tx.custody.get(detainee_id))
    tx.commit()
    return result


@transactional(write=True)
def end_custody(tx: Transaction, caller: Caller, detainee_id: int, status: DetaineeStatus, at: datetime,
                note: str | None, now: datetime) -> Detainee:
    """Release, or transfer out of the village: the chain ends there."""
    if status is DetaineeStatus.HELD:
        raise Invalid("custody ends in a release or a transfer out", code="STATUS_INVALID")
    d = visible_detainee(tx, caller, detainee_id)
    rules.check_release(d, at)
    _may_hand_over(tx, caller, d)
    tx.custody.end(detainee_id, status, at, note)
    record(tx, now, caller, f"custody.{status.value}", f"detainee:{detainee_id}", at=at, note=note)
    result = existing(tx.custody.get(detainee_id))
    tx.commit()
    return result


def audience_message(name: str, request_id: int) -> str:
    """The hokage's AUDIENCE_REQUEST alert; it names its request, which `_request_named` reads back."""
    return f"The detainee “{name}” asks for an audience with the Hokage (request {request_id})."


_REQUEST_NAMED = re.compile(r"\(request (\d+)\)\.?$")


def _request_named(alert: Alert) -> int | None:
    m = _REQUEST_NAMED.search(alert.message)
    return int(m.group(1)) if m else None


@transactional(write=True)
def request_audience(tx: Transaction, caller: Caller, detainee_id: int, with_: str, at: datetime,
                     now: datetime) -> Detainee:
    d = visible_detainee(tx, caller, detainee_id)
    authz.require(tx, caller, "requestAudience", custody_resource(d))
    rules.check_audience_request(d, at)
    request_id = tx.custody.add_audience_request(detainee_id, with_, at, caller.username)
    record(tx, now, caller, "custody.audience_requested", f"detainee:{detainee_id}", request_id=request_id, at=at)
    for hokage in tx.accounts.with_role(Role.HOKAGE):
        alerting.raise_alert(tx, now, hokage, "AUDIENCE_REQUEST", audience_message(d.name, request_id),
                             detainee_id=detainee_id)
    result = existing(tx.custody.get(detainee_id))
    tx.commit()
    return result


@transactional(write=True)
def decide_audience(tx: Transaction, caller: Caller, detainee_id: int, request_id: int, status: AudienceStatus,
                    at: datetime, note: str | None, now: datetime) -> Detainee:
    d = visible_detainee(tx, caller, detainee_id)
    authz.require(tx, caller, "decideAudience", custody_resource(d),
                  message="granting or declining an audience is the hokage's")
    request = next((r for r in d.audience_requests if r.id == request_id), None)
    if request is None:
        raise NotFound("audience_request", request_id)
    if status is AudienceStatus.OPEN:
        raise Invalid("a decision grants or declines", code="STATUS_INVALID")
    rules.check_decision(request, at)
    tx.custody.decide_audience(request_id, status, at, caller.username, note)
    record(tx, now, caller, f"custody.audience_{status.value}", f"detainee:{detainee_id}", request_id=request_id,
           at=at)
    result = existing(tx.custody.get(detainee_id))
    tx.commit()
    return result


@transactional(write=False)
def get_detainee(tx: Transaction, caller: Caller, detainee_id: int) -> Detainee:
    return visible_detainee(tx, caller, detainee_id)


@transactional(write=False)
def list_detainees(tx: Transaction, caller: Caller, *, status: DetaineeStatus | None = None) -> list[Detainee]:
    return tx.custody.list(status=status) if is_custody_keeper(tx, caller) else []


@dataclass(frozen=True)
class AudienceOnAlert:
    """The request an AUDIENCE_REQUEST alert names, for a reader who may decide it."""

    detainee: Detainee
    request: AudienceRequest


@transactional(write=False)
def audiences_on_alerts(tx: Transaction, caller: Caller, alerts: list[Alert]) -> dict[int, AudienceOnAlert]:
    return audiences_for(tx, caller, alerts)


def audiences_for(tx: Transaction, caller: Caller, alerts: list[Alert]) -> dict[int, AudienceOnAlert]:
    """By alert id: the audience request each of the caller's AUDIENCE_REQUEST alerts names, where the caller
    may decide it (the hokage); nothing for anyone else."""
    out: dict[int, AudienceOnAlert] = {}
    for alert in alerts:
        request_id = _request_named(alert)
        if alert.kind != "AUDIENCE_REQUEST" or alert.detainee_id is None or request_id is None:
            continue
        d = tx.custody.get(alert.detainee_id)
        if d is None or not authz.allowed(tx, caller, "decideAudience", custody_resource(d)):
            continue
        request = next((r for r in d.audience_requests if r.id == request_id), None)
        if request is not None:
            out[alert.id] = AudienceOnAlert(d, request)
    return out
