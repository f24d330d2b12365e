"""The hokage's desk and the audit log's page: one read each, in one transaction, with exactly what the
screen shows (a template renders it and runs no query)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from ..domain.access import Caller
from ..domain.audit import AuditEntry
from ..domain.custody import AudienceStatus, DetaineeStatus
from ..domain.errors import Invalid
from ..domain.missions import Mission
from ..domain.ranks import FALLEN_STATUSES, MissionStatus
from . import alerts as alerting
from . import authz
from .unit_of_work import Transaction, UnitOfWork, transactional

STALE_AFTER = timedelta(days=30)
LEAVING_WITHIN = timedelta(hours=24)
LATE_DEPARTURE = timedelta(minutes=15)  # a team booked to leave this long ago and still inside is shown too
HOLD_REVIEW_AFTER = timedelta(days=7)  # a welfare hold this old is due for its review
AWAY_SHOWN = 50  # those outside the village the desk names (the longest away); the gate page pages them all


@dataclass(frozen=True)
class Away:
    shinobi_id: int
    name: str
    left_at: datetime
    mission: Mission | None  # the mission they left for, when the gate logged them out for one


@dataclass(frozen=True)
class Leaving:
    assignment_id: int
    mission: Mission
    departs_at: datetime
    members: tuple[tuple[int, str], ...]  # (id, name) of those not yet through the gate
    at_risk: tuple[str, ...]  # what the ASSIGNMENT_AT_RISK alerts about it said


@dataclass(frozen=True)
class HeldForReview:
    hold_id: int
    shinobi_id: int
    name: str
    reason: str
    since: datetime
    due: bool  # held HOLD_REVIEW_AFTER or longer


@dataclass(frozen=True)
class DeskAlert:
    id: int
    kind: str
    message: str
    created_at: datetime
    subject_shinobi_id: int | None
    subject_name: str | None
    mission_id: int | None


@dataclass(frozen=True)
class Audience:
    detainee_id: int
    name: str
    asked_at: datetime


@dataclass(frozen=True)
class Desk:
    """Everything the hokage's desk shows, as of `now`."""

    now: datetime
    away: tuple[Away, ...]  # the AWAY_SHOWN longest outside, the longest first (the gate page lists them all)
    away_count: int  # how many are outside
    leaving: tuple[Leaving, ...]
    alerts: tuple[DeskAlert, ...]  # the hokage's own unread DUTY_OF_CARE and ASSIGNMENT_AT_RISK alerts
    holds: tuple[HeldForReview, ...]
    pending: tuple[Mission, ...]
    stale: tuple[Mission, ...]
    audiences: tuple[Audience, ...] = ()
    reviews: tuple[alerting.ReviewView, ...] = ()  # welfare reviews due and not done, the oldest first
    may_record_reviews: bool = False


@transactional(write=False)
def desk(tx: Transaction, caller: Caller, now: datetime) -> Desk:
    """The hokage's desk: who is outside the village (and for what), the teams leaving within 24 hours and any
    of them at risk, the unread duty-of-care alerts, the welfare holds open (due for review after a week), the
    missions waiting for signatures and those stale on the board, the welfare reviews overdue."""
    authz.require(tx, caller, "readAudit", message="the desk is the hokage's")
    # where each shinobi was last logged at the gate: one column read, the village's size in probes, no objects
    last = tx.roster.gate(since=now, until=now)
    out_ids = last.owner_ids[~last.flag].tolist()
    left_at = dict(zip(out_ids, last.at[~last.flag].tolist(), strict=True))
    assigned = {m.id: m for m in tx.missions.list(status=MissionStatus.ASSIGNED)}
    on_mission: dict[int, Mission] = {}
    for mid, a in tx.assignments.for_missions(assigned).items():
        for sid in a.left_ids:
            on_mission[sid] = assigned[mid]

    own = tx.alerts.for_recipient(caller.shinobi_id, kinds=("DUTY_OF_CARE", "ASSIGNMENT_AT_RISK"))
    risk_words: dict[int, list[str]] = {}
    for al in own:
        if al.kind == "ASSIGNMENT_AT_RISK" and al.assignment_id is not None:
            risk_words.setdefault(al.assignment_id, []).append(al.message)
    booked = tx.assignments.booked(departing=(now - LATE_DEPARTURE, now + LEAVING_WITHIN))
    open_holds = [h for h in tx.roster.holds(after=now, before=now) if h.lifted_at is None]
    unread = [al for al in own if al.read_at is None]

    people = tx.roster.names_and_status({*out_ids, *(s for a in booked for s in a.shinobi_ids),
                                         *(h.shinobi_id for h in open_holds),
                                         *(al.subject_shinobi_id for al in unread if al.subject_shinobi_id)})
    names = {i: name for i, (name, _) in people.items()}
    outside = sorted((left_at[sid], sid) for sid in out_ids if people[sid][1] not in FALLEN_STATUSES)
    away = tuple(Away(sid, names.get(sid, str(sid)), datetime.fromtimestamp(t, UTC), on_mission.get(sid))
                 for t, sid in outside[:AWAY_SHOWN])
    leaving_missions = tx.missions.get_many({a.mission_id for a in booked})
    leaving = []
    for a in booked:
        m = leaving_missions.get(a.mission_id)
        if m is None:
            continue
        members = tuple((s, names.get(s, str(s))) for s in a.still_here(a.shinobi_ids))
        leaving.append(Leaving(a.id, m, a.departs_at, members, tuple(risk_words.get(a.id, ()))))
    alerts = tuple(DeskAlert(al.id, al.kind, al.message, al.created_at, al.subject_shinobi_id,
                             names.get(al.subject_shinobi_id) if al.subject_shinobi_id else None, al.mission_id)
                   for al in unread)
    holds = tuple(sorted((HeldForReview(h.id, h.shinobi_id, names.get(h.shinobi_id, str(h.shinobi_id)), h.reason,
                                        h.since, now - h.since >= HOLD_REVIEW_AFTER) for h in open_holds),
                         key=lambda h: (h.since, h.hold_id)))
    pending = tuple(tx.missions.list(status=MissionStatus.PENDING_AUTHORIZATION))
    stale = tuple(tx.missions.list(status=MissionStatus.OPEN, posted_before=now - STALE_AFTER))
    audiences = tuple(Audience(d.id, d.name, r.at) for d in tx.custody.list(status=DetaineeStatus.HELD)
                      for r in d.audience_requests if r.status is AudienceStatus.OPEN)
    reviews, may_record = alerting.reviews_to_record(tx, caller, now)
    return Desk(now=now, away=away, away_count=len(outside),
                leaving=tuple(sorted(leaving, key=lambda t: t.departs_at)), alerts=alerts,
                holds=holds, pending=pending, stale=stale, audiences=audiences, reviews=tuple(reviews),
                may_record_reviews=may_record)


# -- the audit log's page ------------------------------------------------------------------------------------
AUDIT_PAGE = 50
_WINDOW = 1000  # the most entries one query reads (the service's MAX_PAGE)
_MAX_WINDOWS = 20  # an older page looks this many windows back at most, then offers to look further
# Every action the office writes (its services' `record` calls); the filter offers those present in the log.
ACTIONS = (
    "account.bootstrapped", "account.created", "account.password_change_failed", "account.password_changed",
    "account.sessions_revoked", "alert.created", "assignment.accepted", "assignment.created", "assignment.declined",
    "assignment.override", "assignment.proposed", "assignment.refused", "auth.login", "auth.login_failed",
    "auth.login_throttled", "auth.logout", "authz.denied", "brief.destroy", "brief.read", "brief.written",
    "custody.audience_requested", "custody.intake", "custody.read", "custody.released", "custody.transfer",
    "custody.transferred_out", "gate.in", "gate.out", "injury.recorded",
    "medical.read", "medical_note.recorded", "medication.recorded", "mission.authorized", "mission.cancelled",
    "mission.created", "mission.edited", "mission.opened", "mission.reported", "restriction.created",
    "restriction.filed", "restriction.lifted", "risk.refitted", "shinobi.changed", "shinobi.created",
    "shinobi.kia", "shinobi.mia", "shinobi.partners_linked", "sleep.logged", "treatment.recorded",
    "welfare_hold.created", "welfare_hold.lifted",
)


class AuditFilters(TypedDict):
    """The audit page's filters, as AuditRepo.list takes them."""

    actor: str | None
    action: str | None
    target: str | None
    since: datetime | None
    until: datetime | None


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]  # newest first
    newer_than: int | None  # the cursor for the next newer page (None: this is the newest)
    older_than: int | None  # the cursor for the next older page (None: nothing older)
    actions: tuple[str, ...]  # the actions present in the log (one indexed probe each), for the filter


def audit_page(uow: UnitOfWork, caller: Caller, *, before: int | None = None, after: int | None = None,
               actor: str | None = None, action: str | None = None, target: str | None = None,
               since: datetime | None = None, until: datetime | None = None, size: int = AUDIT_PAGE) -> AuditPage:
    uow.flush_security()  # what this process noted is in the log before the log is read
    return _audit_page(uow, caller, before=before, after=after, actor=actor, action=action, target=target,
                       since=since, until=until, size=size)


@transactional(write=False)
def _audit_page(tx: Transaction, caller: Caller, *, before: int | None = None,
               after: int | None = None, actor: str | None = None, action: str | None = None,
               target: str | None = None, since: datetime | None = None, until: datetime | None = None,
               size: int = AUDIT_PAGE) -> AuditPage:
    """A page of the audit log, newest first, filtered in SQL, paged by a cursor on `seq`: the `size` entries
    just before seq `before` (the newest when neither cursor is given) or just after seq `after`. The entries'
    seqs run without gaps, so a window of seqs (a, b] is read with one bounded query."""
    authz.require(tx, caller, "readAudit")
    if since is not None and until is not None and until < since:
        raise Invalid("the end of the range is before its start", code="TIME_RANGE_INVALID")
    head = tx.audit.head()
    top = head.seq if head else 0
    filters = AuditFilters(actor=actor, action=action, target=target, since=since, until=until)
    if after is not None:
        found = tx.audit.list(after_seq=max(0, after), limit=size + 1, **filters)
        page = found[:size]
        newer = page[-1].seq if len(found) > size else None
        older = page[0].seq if page else None
        entries = tuple(reversed(page))
    else:
        end = top if before is None else min(top, max(0, before - 1))  # the window's last seq
        got: list[AuditEntry] = []
        window, windows = min(_WINDOW, size * 2), 0
        while end > 0 and len(got) <= size and windows < _MAX_WINDOWS:
            start = max(0, end - window)
            got = tx.audit.list(after_seq=start, limit=end - start, **filters) + got
            end, window, windows = start, min(_WINDOW, window * 2), windows + 1
        page = got[-size:]
        entries = tuple(reversed(page))
        newer = page[-1].seq if page and before is not None and page[-1].seq < top else None
        if len(got) > size:
            older = page[0].seq
        elif end > 0:  # looked far enough without filling the page: offer to look further back
            older = end + 1
        else:
            older = None
    if newer is not None and not tx.audit.list(after_seq=newer, limit=1, **filters):
        newer = None
    present = sorted(tx.audit.actions_present(ACTIONS) | ({action} if action else set()))
    return AuditPage(entries=entries, newer_than=newer, older_than=older, actions=tuple(present))
