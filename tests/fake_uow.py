"""A unit of work in memory, for service tests (cosmicpython's FakeUnitOfWork): the real service functions, their
rules, authorisation and audit entries, run against dicts instead of a database.

`FakeUnitOfWork.begin` hands out a `FakeTransaction` working on a copy of the committed tables; `commit` makes
that copy the committed state, and a transaction left without committing leaves nothing behind, as the SQL unit
of work's rollback does. Rows are the domain's frozen dataclasses, so a copy of each table (a dict or a list) is
the whole snapshot.

The repositories here implement services/ports.py's protocols for the use cases the fake-backed tests run:
missions (posting, authorising, editing, cancelling), sending a team (the fitness rules' facts: restrictions,
holds, sleep, acts), the roster (adding, changing, partners), the gate's arrivals and departures, and custody.
A repository or method a use case needs and the fake lacks fails loudly (AttributeError on the transaction or the
repository): add it here, in memory, as its SQL twin behaves.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from missiondesk.domain.access import Caller
from missiondesk.domain.alerts import Preferences, WebhookEndpoint
from missiondesk.domain.audit import GENESIS, AuditEntry, canonical, chain_hash
from missiondesk.domain.custody import AudienceRequest, AudienceStatus, Detainee, DetaineeStatus, Link
from missiondesk.domain.fatigue import SleepEpisode
from missiondesk.domain.gate import Direction, GateEvent
from missiondesk.domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold
from missiondesk.domain.missions import Mission, MissionLine
from missiondesk.domain.ranks import Classification, MissionRank, MissionStatus, Role, ShinobiRank, ShinobiStatus
from missiondesk.domain.risk import RiskModel, Threat
from missiondesk.domain.roster import Account, Alert, Assignment, AssignmentStatus, Shinobi


@dataclass(frozen=True)
class GateRow:
    event: GateEvent
    shinobi_id: int | None
    detainee_id: int | None
    flagged: str | None
    by: str | None


@dataclass
class Tables:
    """The store: one container per table, of frozen rows."""

    shinobi: dict[int, Shinobi] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    missions: dict[int, Mission] = field(default_factory=dict)
    assignments: dict[int, Assignment] = field(default_factory=dict)
    known_codes: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    alerts: dict[int, Alert] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    preferences: dict[int, Preferences] = field(default_factory=dict)
    webhooks: dict[int, WebhookEndpoint] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    detainees: dict[int, Detainee] = field(default_factory=dict)
    in_village_at_intake: dict[int, bool] = field(default_factory=dict)
    gate: list[GateRow] = field(default_factory=list)
    risk: list[RiskModel] = field(default_factory=list)
    restrictions: dict[int, Restriction] = field(default_factory=dict)
    holds: dict[int, WelfareHold] = field(default_factory=dict)
    sleep: list[tuple[int, SleepEpisode]] = field(default_factory=list)
    last_id: dict[str, int] = field(default_factory=dict)

    def copy(self) -> Tables:
        return Tables(**{name: type(value)(value) for name, value in vars(self).items()})

    def next_id(self, table: str) -> int:
        self.last_id[table] = self.last_id.get(table, 0) + 1
        return self.last_id[table]


class _Repo:
    def __init__(self, t: Tables):
        self.t = t


# -- the roster ------------------------------------------------------------------------------------------------
class FakeShinobi(_Repo):
    def add(self, *, name: str, rank: ShinobiRank, clearance: Classification, divisions: list[str],
            specialties: list[str], now: datetime) -> int:
        sid = self.t.next_id("shinobi")
        self.t.shinobi[sid] = Shinobi(id=sid, name=name, rank=rank, clearance=clearance,
                                      status=ShinobiStatus.ACTIVE, divisions=tuple(divisions),
                                      specialties=tuple(specialties))
        return sid

    def _linked(self, s: Shinobi, links: bool) -> Shinobi:
        if not links:
            return replace(s, partner_ids=(), username=None)
        username = next((a.username for a in self.t.accounts.values() if a.shinobi_id == s.id), None)
        return replace(s, username=username)

    def get(self, shinobi_id: int) -> Shinobi | None:
        return self.get_many([shinobi_id]).get(shinobi_id)

    def get_many(self, ids: Iterable[int], *, links: bool = True) -> dict[int, Shinobi]:
        return {i: self._linked(self.t.shinobi[i], links) for i in set(ids) if i in self.t.shinobi}

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        return {i: self.t.shinobi[i].name for i in set(ids) if i in self.t.shinobi}

    def list(self, *, status: ShinobiStatus | None = None, rank: ShinobiRank | None = None, links: bool = True,
             after: int | None = None, limit: int | None = None) -> list[Shinobi]:
        rows = [self._linked(s, links) for i, s in sorted(self.t.shinobi.items())
                if (status is None or s.status is status) and (rank is None or s.rank is rank)
                and (after is None or i > after)]
        return rows[:limit] if limit is not None else rows

    def list_in_division(self, division: str, *, links: bool = True) -> list[Shinobi]:
        return [s for s in self.list(links=links) if division in s.divisions]

    def change(self, shinobi_id: int, *, name: str | None = None, rank: ShinobiRank | None = None,
               clearance: Classification | None = None, divisions: list[str] | None = None,
               specialties: list[str] | None = None) -> None:
        s = self.t.shinobi[shinobi_id]
        self.t.shinobi[shinobi_id] = replace(
            s, name=s.name if name is None else name, rank=rank or s.rank, clearance=clearance or s.clearance,
            divisions=s.divisions if divisions is None else tuple(divisions),
            specialties=s.specialties if specialties is None else tuple(specialties))

    def set_status(self, ids: Iterable[int], status: ShinobiStatus) -> None:
        for i in ids:
            self.t.shinobi[i] = replace(self.t.shinobi[i], status=status)

    def link_partners(self, a: int, b: int, now: datetime) -> bool:
        if b in self.t.shinobi[a].partner_ids:
            return False
        for x, y in ((a, b), (b, a)):
            s = self.t.shinobi[x]
            self.t.shinobi[x] = replace(s, partner_ids=tuple(sorted((*s.partner_ids, y))))
        return True


    def sleep_many(self, ids: Iterable[int], *, ending_after: datetime | None = None
                   ) -> dict[int, list[SleepEpisode]]:
        out: dict[int, list[SleepEpisode]] = {i: [] for i in ids}
        for sid, e in sorted(self.t.sleep, key=lambda r: r[1].start):
            if sid in out and (ending_after is None or e.end > ending_after):
                out[sid].append(e)
        return out

    def add_sleep(self, shinobi_id: int, start: datetime, end: datetime, by: str | None, now: datetime) -> int:
        self.t.sleep.append((shinobi_id, SleepEpisode(start=start, end=end)))
        return len(self.t.sleep)


class FakeAccounts(_Repo):
    def add(self, *, username: str, password_hash: str, roles: Iterable[Role], shinobi_id: int,
            now: datetime) -> int:
        aid = self.t.next_id("account")
        self.t.accounts[aid] = Account(id=aid, username=username, password_hash=password_hash,
                                       roles=frozenset(roles), shinobi_id=shinobi_id)
        return aid

    def by_username(self, username: str) -> Account | None:
        return next((a for a in self.t.accounts.values() if a.username == username), None)

    def with_role(self, role: Role) -> list[int]:
        return [a.shinobi_id for _, a in sorted(self.t.accounts.items()) if role in a.roles]

    def roles_of_shinobi(self, ids: Iterable[int]) -> dict[int, frozenset[Role]]:
        out: dict[int, frozenset[Role]] = {i: frozenset() for i in ids}
        for a in self.t.accounts.values():
            if a.shinobi_id in out:
                out[a.shinobi_id] = a.roles
        return out


# -- missions and teams ----------------------------------------------------------------------------------------
class FakeMissions(_Repo):
    def add(self, *, title: str, rank: MissionRank, kind: str, classification: Classification, reward_ryo: int,
            min_team_size: int, status: MissionStatus, posted_at: datetime, description: str | None,
            by: str | None, threat: Threat = Threat.NONE, threat_count: int = 0) -> int:
        mid = self.t.next_id("mission")
        self.t.missions[mid] = Mission(id=mid, title=title, rank=rank, kind=kind, classification=classification,
                                       reward_ryo=reward_ryo, min_team_size=min_team_size, status=status,
                                       posted_at=posted_at, description=description, threat=threat,
                                       threat_count=threat_count)
        return mid

    def get(self, mission_id: int) -> Mission | None:
        return self.t.missions.get(mission_id)

    def get_many(self, ids: Iterable[int]) -> dict[int, Mission]:
        return {i: self.t.missions[i] for i in set(ids) if i in self.t.missions}

    def lines(self, *, rank: MissionRank | None = None, status: MissionStatus | None = None) -> list[MissionLine]:
        return [MissionLine(m.id, m.title, m.rank, m.classification, m.status, m.posted_at, m.reward_ryo)
                for m in self.list(status=status) if rank is None or m.rank is rank]

    def list(self, *, status: MissionStatus | None = None, after: int | None = None, limit: int | None = None,
             posted_before: datetime | None = None) -> list[Mission]:
        rows = [m for i, m in sorted(self.t.missions.items())
                if (status is None or m.status is status) and (after is None or i > after)
                and (posted_before is None or m.posted_at < posted_before)]
        return rows[:limit] if limit is not None else rows

    def set_status(self, mission_id: int, status: MissionStatus, *, closed_at: datetime | None = None) -> None:
        self.t.missions[mission_id] = replace(self.t.missions[mission_id], status=status)

    def change(self, mission_id: int, **values: Any) -> None:
        allowed = {"title", "kind", "classification", "reward_ryo", "min_team_size", "description", "threat",
                   "threat_count"}
        assert set(values) <= allowed, set(values) - allowed
        self.t.missions[mission_id] = replace(self.t.missions[mission_id], **values)

    def add_authorization(self, mission_id: int, account_id: int, username: str, at: datetime) -> None:
        m = self.t.missions[mission_id]
        self.t.missions[mission_id] = replace(m, authorized_by=(*m.authorized_by, username))


class FakeAssignments(_Repo):
    def add(self, *, mission_id: int, shinobi_ids: list[int], departs_at: datetime, by: str | None,
            justification: str | None, now: datetime, status: AssignmentStatus = AssignmentStatus.ACTIVE,
            accepted_ids: Iterable[int] | None = None, known_codes: dict[int, list[str]] | None = None
            ) -> Assignment:
        aid = self.t.next_id("assignment")
        accepted = tuple(s for s in shinobi_ids if accepted_ids is None or s in set(accepted_ids))
        self.t.assignments[aid] = Assignment(id=aid, mission_id=mission_id, shinobi_ids=tuple(shinobi_ids),
                                             departs_at=departs_at, created_at=now, created_by=by,
                                             override_justification=justification, status=status,
                                             accepted_ids=accepted)
        for sid, codes in (known_codes or {}).items():
            self.t.known_codes[aid, sid] = frozenset(codes)
        return self.t.assignments[aid]

    def get(self, assignment_id: int) -> Assignment | None:
        return self.t.assignments.get(assignment_id)

    def for_mission(self, mission_id: int) -> Assignment | None:
        return self.for_missions([mission_id]).get(mission_id)

    def for_missions(self, mission_ids: Iterable[int]) -> dict[int, Assignment]:
        wanted = set(mission_ids)
        return {a.mission_id: a for a in self.t.assignments.values()
                if a.mission_id in wanted and a.status in (AssignmentStatus.ACTIVE, AssignmentStatus.CLOSED)}

    def proposals(self, *, mission_id: int | None = None, shinobi_id: int | None = None) -> list[Assignment]:
        return [a for _, a in sorted(self.t.assignments.items()) if a.status is AssignmentStatus.PROPOSED
                and (mission_id is None or a.mission_id == mission_id)
                and (shinobi_id is None or shinobi_id in a.shinobi_ids)]

    def booked(self, shinobi_ids: Iterable[int] | None = None, *,
               departing: tuple[datetime, datetime] | None = None) -> list[Assignment]:
        wanted = None if shinobi_ids is None else set(shinobi_ids)
        return [a for _, a in sorted(self.t.assignments.items()) if a.status is AssignmentStatus.ACTIVE
                and any(s not in a.left_ids and (wanted is None or s in wanted) for s in a.shinobi_ids)
                and (departing is None or departing[0] <= a.departs_at <= departing[1])]

    def known_codes(self, assignment_id: int) -> dict[int, set[str]]:
        a = self.t.assignments[assignment_id]
        return {s: set(self.t.known_codes.get((assignment_id, s), ())) for s in a.shinobi_ids}

    def set_known_codes(self, assignment_id: int, shinobi_id: int, codes: Iterable[str]) -> None:
        self.t.known_codes[assignment_id, shinobi_id] = frozenset(codes)

    def on_active_assignment(self, ids: Iterable[int], *, besides: int | None = None) -> set[int]:
        wanted = set(ids)
        return {s for a in self.t.assignments.values() if a.status is AssignmentStatus.ACTIVE and a.id != besides
                for s in a.shinobi_ids if s in wanted}

    def accept(self, assignment_id: int, shinobi_id: int, now: datetime) -> None:
        a = self.t.assignments[assignment_id]
        if shinobi_id not in a.accepted_ids:
            self.t.assignments[assignment_id] = replace(a, accepted_ids=(*a.accepted_ids, shinobi_id))

    def activate(self, assignment_id: int) -> None:
        self.t.assignments[assignment_id] = replace(self.t.assignments[assignment_id],
                                                    status=AssignmentStatus.ACTIVE)

    def decline(self, assignment_id: int, now: datetime) -> None:
        self.t.assignments[assignment_id] = replace(self.t.assignments[assignment_id],
                                                    status=AssignmentStatus.DECLINED, ended_at=now)

    def mark_left(self, assignment_id: int, shinobi_ids: Iterable[int], at: datetime) -> None:
        a = self.t.assignments[assignment_id]
        self.t.assignments[assignment_id] = replace(a, left_ids=tuple(sorted({*a.left_ids, *shinobi_ids})))


# -- duty restrictions and welfare holds, as the fitness rules read them ---------------------------------------------
class FakeMedical(_Repo):
    def add_restriction(self, *, shinobi_id: int, kind: RestrictionKind, status: RestrictionStatus, reason: str,
                        starts_at: datetime, ends_at: datetime | None, by: str | None, now: datetime,
                        injury_id: int | None = None) -> Restriction:
        rid = self.t.next_id("restriction")
        self.t.restrictions[rid] = Restriction(id=rid, shinobi_id=shinobi_id, kind=kind, status=status, reason=reason,
                                               starts_at=starts_at, ends_at=ends_at, injury_id=injury_id)
        return self.t.restrictions[rid]

    def get_restriction(self, restriction_id: int) -> Restriction | None:
        return self.t.restrictions.get(restriction_id)

    def lift_restriction(self, restriction_id: int, at: datetime, note: str | None) -> None:
        self.t.restrictions[restriction_id] = replace(self.t.restrictions[restriction_id], lifted_at=at, lift_note=note)

    def restrictions_for(self, ids: Iterable[int]) -> dict[int, list[Restriction]]:
        out: dict[int, list[Restriction]] = {i: [] for i in ids}
        for r in sorted(self.t.restrictions.values(), key=lambda r: (r.starts_at, r.id)):
            if r.shinobi_id in out:
                out[r.shinobi_id].append(r)
        return out

    def add_hold(self, *, shinobi_id: int, reason: str, since: datetime, mission_id: int | None, by: str | None,
                 now: datetime) -> WelfareHold:
        hid = self.t.next_id("hold")
        self.t.holds[hid] = WelfareHold(id=hid, shinobi_id=shinobi_id, reason=reason, since=since)
        return self.t.holds[hid]

    def holds_for(self, ids: Iterable[int]) -> dict[int, list[WelfareHold]]:
        out: dict[int, list[WelfareHold]] = {i: [] for i in ids}
        for h in sorted(self.t.holds.values(), key=lambda h: (h.since, h.id)):
            if h.shinobi_id in out:
                out[h.shinobi_id].append(h)
        return out


# -- alerts, as raise_alert writes them ------------------------------------------------------------------------
class FakeAlerts(_Repo):
    def add(self, *, recipient_id: int, kind: str, subject_shinobi_id: int | None, mission_id: int | None,
            codes: list[str], message: str, now: datetime, detainee_id: int | None = None,
            assignment_id: int | None = None, ladder_id: int | None = None, step: int | None = None,
            office_copy: bool = False) -> int:
        aid = self.t.next_id("alert")
        self.t.alerts[aid] = Alert(id=aid, recipient_id=recipient_id, kind=kind, subject_shinobi_id=subject_shinobi_id,
                                   mission_id=mission_id, codes=tuple(codes), message=message, created_at=now,
                                   detainee_id=detainee_id, assignment_id=assignment_id, ladder_id=ladder_id,
                                   step=step, office_copy=office_copy)
        return aid

    def get(self, alert_id: int) -> Alert | None:
        return self.t.alerts.get(alert_id)

    def for_recipient(self, shinobi_id: int, *, unread_only: bool = False, before: int | None = None,
                      limit: int | None = None, waiting: bool | None = None,
                      kinds: Iterable[str] | None = None) -> list[Alert]:
        kinds = None if kinds is None else set(kinds)
        rows = [a for i, a in sorted(self.t.alerts.items(), reverse=True) if a.recipient_id == shinobi_id
                and (not unread_only or a.read_at is None) and (before is None or i < before)
                and (kinds is None or a.kind in kinds)]
        return rows[:limit] if limit is not None else rows


class FakeContacts(_Repo):
    def preferences(self, shinobi_ids: Iterable[int]) -> dict[int, Preferences]:
        return {i: self.t.preferences[i] for i in shinobi_ids if i in self.t.preferences}

    def webhooks(self, shinobi_ids: Iterable[int]) -> list[WebhookEndpoint]:
        wanted = set(shinobi_ids)
        return [w for _, w in sorted(self.t.webhooks.items()) if w.shinobi_id in wanted]


class FakeOutbox(_Repo):
    def add(self, *, alert_id: int, channel: str, target: str, endpoint_id: int | None, due_at: datetime,
            now: datetime) -> int:
        self.t.outbox.append({"alert_id": alert_id, "channel": channel, "target": target,
                              "endpoint_id": endpoint_id, "due_at": due_at})
        return len(self.t.outbox)


class FakeRisk(_Repo):
    def latest(self) -> RiskModel | None:
        return self.t.risk[-1] if self.t.risk else None

    def add(self, model: RiskModel, now: datetime) -> None:
        self.t.risk.append(model)


# -- the audit log: a hash chain, as the SQL one keeps it -------------------------------------------------------
class FakeAudit(_Repo):
    def append(self, *, at: datetime, actor: str | None, action: str, target: str | None,
               details: dict[str, Any]) -> AuditEntry:
        at = at.astimezone(UTC)
        details = json.loads(json.dumps(details, default=str))  # what the JSON column gives back
        seq, prev = len(self.t.audit) + 1, self.t.audit[-1].hash if self.t.audit else GENESIS
        entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                           prev_hash=prev, hash=chain_hash(prev, canonical(seq, at, actor, action, target, details)))
        self.t.audit.append(entry)
        return entry

    def list(self, *, actor: str | None = None, action: str | None = None, target: str | None = None,
             since: datetime | None = None, until: datetime | None = None, after_seq: int = 0,
             limit: int = 1000) -> list[AuditEntry]:
        return [e for e in self.t.audit if e.seq > after_seq and (actor is None or e.actor == actor)
                and (action is None or e.action == action) and (target is None or e.target == target)
                and (since is None or e.at >= since) and (until is None or e.at <= until)][:limit]

    def acts_of(self, shinobi_ids: Iterable[int], *, since: datetime,
                until: datetime) -> dict[int, list[datetime]]:
        out: dict[int, list[datetime]] = {i: [] for i in shinobi_ids}
        owner = {a.username: a.shinobi_id for a in self.t.accounts.values()}
        for e in self.t.audit:
            if owner.get(e.actor or "") in out and since <= e.at <= until:
                out[owner[e.actor or ""]].append(e.at)
        return out

    def head(self) -> AuditEntry | None:
        return self.t.audit[-1] if self.t.audit else None

    def get(self, seq: int) -> AuditEntry | None:
        return self.t.audit[seq - 1] if 0 < seq <= len(self.t.audit) else None


# -- custody and the gate --------------------------------------------------------------------------------------
class FakeCustody(_Repo):
    def add(self, *, name: str, origin: str | None, at: datetime, in_village: bool, custodian_ids: list[int],
            by: str | None, now: datetime) -> int:
        did = self.t.next_id("detainee")
        self.t.detainees[did] = Detainee(id=did, name=name, origin=origin, status=DetaineeStatus.HELD,
                                         detained_since=at)
        self.t.in_village_at_intake[did] = in_village
        self.add_link(did, custodian_ids, at, by, now)
        return did

    def add_link(self, detainee_id: int, custodian_ids: list[int], at: datetime, by: str | None,
                 now: datetime) -> None:
        d = self.t.detainees[detainee_id]
        link = Link(id=self.t.next_id("link"), custodian_ids=tuple(sorted(custodian_ids)), at=at, by=by)
        self.t.detainees[detainee_id] = replace(d, chain=tuple(sorted((*d.chain, link), key=lambda k: (k.at, k.id))))

    def end(self, detainee_id: int, status: DetaineeStatus, at: datetime, note: str | None) -> None:
        self.t.detainees[detainee_id] = replace(self.t.detainees[detainee_id], status=status, ended_at=at,
                                                end_note=note)

    def add_audience_request(self, detainee_id: int, with_: str, at: datetime, by: str | None) -> int:
        rid = self.t.next_id("audience_request")
        d = self.t.detainees[detainee_id]
        self.t.detainees[detainee_id] = replace(d, audience_requests=(*d.audience_requests,
                                                                      AudienceRequest(id=rid, with_=with_, at=at)))
        return rid

    def decide_audience(self, request_id: int, status: AudienceStatus, at: datetime, by: str,
                        note: str | None) -> None:
        for did, d in self.t.detainees.items():
            if any(r.id == request_id for r in d.audience_requests):
                self.t.detainees[did] = replace(d, audience_requests=tuple(
                    replace(r, status=status, decided_at=at, decided_by=by, note=note) if r.id == request_id else r
                    for r in d.audience_requests))

    def in_village_at_intake(self, ids: Iterable[int]) -> dict[int, bool]:
        return {i: self.t.in_village_at_intake[i] for i in ids if i in self.t.in_village_at_intake}

    def get(self, detainee_id: int) -> Detainee | None:
        return self.t.detainees.get(detainee_id)

    def list(self, *, status: DetaineeStatus | None = None) -> list[Detainee]:
        return [d for _, d in sorted(self.t.detainees.items()) if status is None or d.status is status]


class FakeGate(_Repo):
    def add(self, *, direction: Direction, at: datetime, shinobi_id: int | None = None,
            detainee_id: int | None = None, by: str | None, now: datetime, flagged: str | None) -> int:
        eid = self.t.next_id("gate_event")
        self.t.gate.append(GateRow(GateEvent(id=eid, direction=direction, at=at), shinobi_id, detainee_id, flagged,
                                   by))
        return eid

    def events_for(self, ids: Iterable[int], *, detainees: bool = False) -> dict[int, list[GateEvent]]:
        out: dict[int, list[GateEvent]] = {i: [] for i in ids}
        for row in sorted(self.t.gate, key=lambda r: (r.event.at, r.event.id)):
            person = row.detainee_id if detainees else row.shinobi_id
            if person in out:
                out[person].append(row.event)
        return out

    def position(self, event_id: int, *, include_detainees: bool = True) -> tuple[datetime, int] | None:
        row = next((r for r in self.t.gate if r.event.id == event_id
                    and (include_detainees or r.detainee_id is None)), None)
        return None if row is None else (row.event.at, event_id)


# -- the unit of work ------------------------------------------------------------------------------------------
class FakeTransaction:
    def __init__(self, uow: FakeUnitOfWork, write: bool):
        self._uow, self.write = uow, write
        self.tables = uow.committed.copy()
        t = self.tables
        self.shinobi, self.accounts = FakeShinobi(t), FakeAccounts(t)
        self.missions, self.assignments, self.risk = FakeMissions(t), FakeAssignments(t), FakeRisk(t)
        self.alerts, self.contacts, self.outbox = FakeAlerts(t), FakeContacts(t), FakeOutbox(t)
        self.audit, self.custody, self.gate = FakeAudit(t), FakeCustody(t), FakeGate(t)
        self.medical = FakeMedical(t)
        self.pending_security: list[dict[str, Any]] = []

    def commit(self) -> None:
        assert self.write, "a read-only use case committed"
        for entry in self.pending_security:  # as the SQL transaction: a change's notes go with it
            self.audit.append(**entry)
        self.pending_security.clear()
        self._uow.committed = self.tables.copy()
        self._uow.commits += 1

    def scrub(self) -> None:
        pass

    def record_security(self, entry: dict[str, Any]) -> None:
        if entry not in self.pending_security:
            self.pending_security.append({"at": self._uow.now, **entry})


class FakeUnitOfWork:
    """What services/unit_of_work.UnitOfWork asks, in memory. `committed` is the store as committed; `journal`
    the security notes of transactions that did not commit them (the SQL one writes those in the background)."""

    def __init__(self, now: datetime):
        self.now = now
        self.committed = Tables()
        self.commits = 0
        self.journal: list[dict[str, Any]] = []

    @contextmanager
    def begin(self, *, write: bool, exclusive: bool = True) -> Iterator[FakeTransaction]:
        yield FakeTransaction(self, write)  # not committed: dropped, as a rollback drops it

    def is_transient(self, exc: BaseException) -> bool:
        return False

    def note_security(self, entries: list[dict[str, Any]]) -> None:
        self.journal.extend(entries)

    def flush_security(self) -> None:
        pass

    # -- arranging a test's world (committed at once) -------------------------------------------------------
    @contextmanager
    def seeding(self) -> Iterator[FakeTransaction]:
        with self.begin(write=True) as tx:
            yield tx
            tx.commit()

    def caller(self, username: str, *, rank: ShinobiRank = ShinobiRank.JONIN, roles: Iterable[Role] = (),
               clearance: Classification = Classification.PUBLIC, divisions: Iterable[str] = ()) -> Caller:
        """A shinobi with an account, as a signed-in caller."""
        with self.seeding() as tx:
            sid = tx.shinobi.add(name=username.title(), rank=rank, clearance=clearance, divisions=sorted(divisions),
                                 specialties=[], now=self.now)
            aid = tx.accounts.add(username=username, password_hash="-", roles=roles, shinobi_id=sid, now=self.now)
        return Caller(account_id=aid, username=username, shinobi_id=sid, roles=frozenset(roles),
                      clearance=clearance, divisions=frozenset(divisions))

    def person(self, name: str, *, rank: ShinobiRank = ShinobiRank.CHUNIN, divisions: Iterable[str] = (),
               status: ShinobiStatus = ShinobiStatus.ACTIVE, clearance: Classification = Classification.PUBLIC) -> int:
        with self.seeding() as tx:
            sid = tx.shinobi.add(name=name, rank=rank, clearance=clearance, divisions=sorted(divisions),
                                 specialties=[], now=self.now)
            tx.shinobi.set_status([sid], status)
        return sid

    def audit(self, action: str | None = None) -> list[AuditEntry]:
        return [e for e in self.committed.audit if action is None or e.action == action]
