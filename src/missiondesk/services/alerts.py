"""Alerts: raised in the transaction of what they tell, delivered beyond the page, acknowledged, escalated.

Every alert of the service is raised here (`raise_alert`): its row (the page's record), its audit entry, and
one outbox row per channel its recipient chose (services/outbox.py sends them). A DUTY_OF_CARE call
(`tell_duty_of_care`) goes to the at-risk shinobi's partners and, as the office's copy, to the hokage, on a
ladder that climbs to the medic on duty and then to the hokage until someone acknowledges any alert on it
(domain/alerts.py). Words are written for each reader: a message never names a mission its reader may not see.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..domain import alerts as rules
from ..domain.access import Caller
from ..domain.alerts import DUTY_OF_CARE, MedicShift, Preferences, QuietHours, WebhookEndpoint, WelfareReview
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.fitness import DUTY_OF_CARE_CODES, TeamVerdict
from ..domain.missions import Mission
from ..domain.ranks import Role
from ..domain.roster import Alert
from . import authz
from .audit import record
from .paging import Paged, Window
from .ports import existing
from .unit_of_work import Transaction, transactional


# -- raising --------------------------------------------------------------------------------------------------
def raise_alert(tx: Transaction, now: datetime, recipient_id: int, kind: str, message: str, *,
                mission_id: int | None = None, assignment_id: int | None = None,
                subject_shinobi_id: int | None = None, detainee_id: int | None = None, codes: Iterable[str] = (),
                ladder_id: int | None = None, step: int | None = None, office_copy: bool = False) -> int:
    """The alert, its audit entry and its deliveries, in the caller's transaction."""
    alert_id = tx.alerts.add(recipient_id=recipient_id, kind=kind, subject_shinobi_id=subject_shinobi_id,
                             mission_id=mission_id, detainee_id=detainee_id, codes=sorted(codes), message=message,
                             now=now, assignment_id=assignment_id, ladder_id=ladder_id, step=step,
                             office_copy=office_copy)
    details: dict[str, object] = {"alert_id": alert_id, "kind": kind}
    for name, value in (("assignment_id", assignment_id), ("detainee_id", detainee_id), ("ladder_id", ladder_id),
                        ("step", step)):
        if value is not None:
            details[name] = value
    if office_copy:
        details["office_copy"] = True
    record(tx, now, None, "alert.created", f"shinobi:{recipient_id}", **details)
    _queue_deliveries(tx, now, alert_id, recipient_id)
    return alert_id


def _queue_deliveries(tx: Transaction, now: datetime, alert_id: int, recipient_id: int) -> None:
    prefs = tx.contacts.preferences([recipient_id]).get(recipient_id)
    if prefs is None:
        return
    if prefs.wants("email") and prefs.email:
        tx.outbox.add(alert_id=alert_id, channel="email", target=prefs.email, endpoint_id=None, due_at=now, now=now)
    if prefs.wants("webhook"):
        for hook in tx.contacts.webhooks([recipient_id]):
            tx.outbox.add(alert_id=alert_id, channel="webhook", target=hook.url, endpoint_id=hook.id, due_at=now,
                          now=now)


def reader_may_see(tx: Transaction, mission: Mission, reader_id: int) -> bool:
    """Whether this shinobi (not the caller: an alert's reader) may see the mission."""
    reader = existing(tx.shinobi.get(reader_id))
    roles = tx.accounts.roles_of_shinobi([reader_id])[reader_id]
    as_reader = Caller(account_id=0, username=f"shinobi-{reader.id}", shinobi_id=reader.id, roles=roles,
                       clearance=reader.clearance, divisions=frozenset(reader.divisions))
    return authz.decide(as_reader, "viewMission", authz.mission_resource(mission.id, mission.classification)).allowed


def mission_words(tx: Transaction, mission: Mission, reader_id: int) -> str:
    """The mission named to a reader cleared to see it; "a mission" to anyone else."""
    if reader_may_see(tx, mission, reader_id):
        return f"the {mission.rank.value}-rank mission “{mission.title}”"
    return "a mission"


def hokage_ids(tx: Transaction) -> list[int]:
    return tx.accounts.with_role(Role.HOKAGE)


# -- duty of care ------------------------------------------------------------------------------------------------
def tell_duty_of_care(tx: Transaction, mission: Mission, verdict: TeamVerdict, now: datetime) -> int | None:
    """A refused A/S attempt of at-risk shinobi: one DUTY_OF_CARE alert per partner (naming every at-risk
    shinobi of theirs in it and the codes), the office's copy to the hokage, all on one ladder that climbs
    until someone acknowledges. Returns the ladder's id (None when nobody in the team was at risk)."""
    if not mission.rank.high_risk:
        return None
    at_risk: dict[int, list[str]] = {}
    for member in verdict.members:
        codes = sorted({r.code.value for r in member.reasons if r.code in DUTY_OF_CARE_CODES})
        sid = member.reasons[0].shinobi_id if member.reasons else None
        if codes and sid is not None:
            at_risk[sid] = codes
    if not at_risk:
        return None
    ladder_id = tx.alerts.add_ladder(kind=DUTY_OF_CARE, mission_id=mission.id, subjects=at_risk, now=now)
    subjects = tx.shinobi.get_many(at_risk)
    told: dict[int, list[int]] = {}
    for sid in at_risk:
        for p in subjects[sid].partner_ids:
            told.setdefault(p, []).append(sid)
    for pid, about in told.items():
        message = (f"Refused for their own safety when asking to depart on {mission_words(tx, mission, pid)}: "
                   f"{_who(subjects, at_risk, about)}. You are their designated partner: acknowledge that you "
                   "have seen this.")
        raise_alert(tx, now, pid, DUTY_OF_CARE, message, mission_id=mission.id, subject_shinobi_id=about[0],
                    codes={c for s in about for c in at_risk[s]}, ladder_id=ladder_id, step=0)
    everyone = list(at_risk)
    for hid in hokage_ids(tx):
        if hid in told:
            continue  # a partner already, told as one
        message = (f"The office's copy: refused for their own safety when asking to depart on "
                   f"{mission_words(tx, mission, hid)}: {_who(subjects, at_risk, everyone)}. "
                   + ("Their partners are told." if told else "They have no partner on the roster."))
        raise_alert(tx, now, hid, DUTY_OF_CARE, message, mission_id=mission.id, subject_shinobi_id=everyone[0],
                    codes={c for cs in at_risk.values() for c in cs}, ladder_id=ladder_id, step=0, office_copy=True)
    return ladder_id


def _who(subjects: dict, at_risk: dict[int, list[str]], about: Iterable[int]) -> str:
    return "; ".join(f"{subjects[s].name} ({', '.join(at_risk[s])})" for s in about)


# -- reading and answering -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertView:
    alert: Alert
    mission_id: int | None  # the alert's mission, when its reader may see it
    awaits_answer: bool = False  # a team proposal the reader has still to accept or decline
    acknowledged_at: datetime | None = None  # the ladder's (by anyone), or this alert's own
    acknowledged_by: int | None = None  # who stopped the ladder

    @property
    def needs_ack(self) -> bool:
        return self.alert.ladder_id is not None and self.acknowledged_at is None


@transactional(write=False)
def list_alerts(tx: Transaction, caller: Caller, *, unread_only: bool = False) -> list[AlertView]:
    alerts = tx.alerts.for_recipient(caller.shinobi_id, unread_only=unread_only)
    return _views(tx, caller, alerts)


@transactional(write=False)
def list_alerts_page(tx: Transaction, caller: Caller, window: Window, *, unread_only: bool = False
                     ) -> Paged[AlertView]:
    """The caller's alerts, newest first, a page at a time (GET /alerts): `window.after` is the id of the last
    alert of the page before, and this page holds the older ones."""
    alerts = tx.alerts.for_recipient(caller.shinobi_id, unread_only=unread_only, before=window.after,
                                     limit=window.limit + 1)
    page = Paged.cut(alerts, window, key=lambda a: a.id)
    return Paged(_views(tx, caller, page.items), page.next_after)


ALERTS_PAGE = 50  # the settled alerts on one page of /alerts


@dataclass(frozen=True)
class AlertsView:
    """The alerts page: every alert still to acknowledge, then the others a page at a time, newest first."""

    waiting: list[AlertView]
    others: Paged[AlertView]
    newest_id: int  # the caller's newest alert, whatever the page (the live refresh compares it)


@transactional(write=False)
def alerts_view(tx: Transaction, caller: Caller, window: Window) -> AlertsView:
    return read_alerts(tx, caller, window)


def read_alerts(tx: Transaction, caller: Caller, window: Window) -> AlertsView:
    """`alerts_view` inside a transaction already open (the alerts page reads it with the rest of its screen)."""
    waiting = tx.alerts.for_recipient(caller.shinobi_id, waiting=True)
    others = Paged.cut(tx.alerts.for_recipient(caller.shinobi_id, waiting=False, before=window.after,
                                               limit=window.limit + 1), window, key=lambda a: a.id)
    views = _views(tx, caller, waiting + others.items)
    return AlertsView(views[:len(waiting)], Paged(views[len(waiting):], others.next_after),
                      tx.alerts.summary(caller.shinobi_id)[2])


def _views(tx: Transaction, caller: Caller, alerts: list[Alert]) -> list[AlertView]:
    awaited = {a.id for a in tx.assignments.proposals(shinobi_id=caller.shinobi_id)
               if caller.shinobi_id in a.awaiting_ids}
    ladders = tx.alerts.ladders({a.ladder_id for a in alerts if a.ladder_id is not None})
    # the missions they name, read at once, and which the reader may see: one decision per classification
    named = list(tx.missions.get_many({a.mission_id for a in alerts if a.mission_id is not None}).values())
    seen = {m.id for m in authz.filter_allowed(tx, caller, "viewMission", named,
                                               lambda m: authz.mission_resource(m.id, m.classification))}
    out = []
    for a in alerts:
        mission_id = a.mission_id if a.mission_id in seen else None
        ladder = ladders.get(a.ladder_id) if a.ladder_id is not None else None
        out.append(AlertView(a, mission_id, awaits_answer=a.kind == "TEAM_PROPOSAL" and a.assignment_id in awaited,
                             acknowledged_at=ladder.acknowledged_at if ladder else a.acknowledged_at,
                             acknowledged_by=ladder.acknowledged_by if ladder else None))
    return out


@dataclass(frozen=True)
class AlertSummary:
    unread: int
    awaiting_ack: int
    newest_id: int


@transactional(write=False)
def alert_summary(tx: Transaction, caller: Caller) -> AlertSummary:
    """What the live badge shows: one small read, asked again every few seconds by the page's event stream."""
    return AlertSummary(*tx.alerts.summary(caller.shinobi_id))


@transactional(write=True)
def mark_alert_read(tx: Transaction, caller: Caller, alert_id: int, now: datetime) -> None:
    if not tx.alerts.mark_read(alert_id, caller.shinobi_id, now):
        raise NotFound("alert", alert_id)
    tx.commit()


@transactional(write=True)
def acknowledge_alert(tx: Transaction, caller: Caller, alert_id: int, now: datetime) -> AlertView:
    """The reader has seen it. On a ladder, the climb stops, for every copy: the first acknowledgement is the
    one kept (later ones are recorded too, as having come after). Anyone's own alert only; others 404."""
    a = tx.alerts.get(alert_id)
    if a is None or a.recipient_id != caller.shinobi_id:
        raise NotFound("alert", alert_id)
    tx.alerts.acknowledge(alert_id, now)
    stopped = False
    if a.ladder_id is not None:
        stopped = tx.alerts.stop_ladder(a.ladder_id, by=caller.shinobi_id, alert_id=alert_id, now=now)
    record(tx, now, caller, "alert.acknowledged", f"alert:{alert_id}", ladder_id=a.ladder_id, kind=a.kind,
           stopped_the_ladder=stopped)
    view = _views(tx, caller, [existing(tx.alerts.get(alert_id))])[0]
    tx.commit()
    return view


# -- how a person is reached ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactView:
    preferences: Preferences
    webhooks: list[WebhookEndpoint]


@transactional(write=False)
def my_contact(tx: Transaction, caller: Caller) -> ContactView:
    sid = caller.shinobi_id
    return ContactView(tx.contacts.preferences([sid]).get(sid, Preferences()), tx.contacts.webhooks([sid]))


@transactional(write=True)
def set_preferences(tx: Transaction, caller: Caller, channels: tuple[str, ...], email: str | None,
                    quiet_from: str | None, quiet_to: str | None, now: datetime) -> ContactView:
    email = (email or "").strip() or None
    prefs = Preferences(channels=rules.check_channels(channels, email), email=email,
                        quiet=QuietHours.parse(quiet_from, quiet_to))
    tx.contacts.set_preferences(caller.shinobi_id, prefs, now)
    record(tx, now, caller, "alert.preferences", f"shinobi:{caller.shinobi_id}", channels=list(prefs.channels),
           quiet=bool(prefs.quiet))
    result = ContactView(prefs, tx.contacts.webhooks([caller.shinobi_id]))
    tx.commit()
    return result


@transactional(write=True)
def add_webhook(tx: Transaction, caller: Caller, url: str, now: datetime) -> WebhookEndpoint:
    """A webhook for the caller's own alerts; its secret is shown in this answer alone."""
    if len(tx.contacts.webhooks([caller.shinobi_id])) >= 5:
        raise Invalid("at most 5 webhooks per person", code="TOO_MANY_WEBHOOKS")
    hook = tx.contacts.add_webhook(caller.shinobi_id, rules.check_webhook_url(url), now)
    record(tx, now, caller, "alert.webhook_added", f"shinobi:{caller.shinobi_id}", webhook_id=hook.id, url=hook.url)
    tx.commit()
    return hook


@transactional(write=True)
def remove_webhook(tx: Transaction, caller: Caller, webhook_id: int, now: datetime) -> None:
    if not tx.contacts.remove_webhook(webhook_id, caller.shinobi_id, now):
        raise NotFound("webhook", webhook_id)
    record(tx, now, caller, "alert.webhook_removed", f"shinobi:{caller.shinobi_id}", webhook_id=webhook_id)
    tx.commit()


# -- the medics' duty roster -------------------------------------------------------------------------------------
@transactional(write=False)
def list_medic_duty(tx: Transaction, caller: Caller, now: datetime) -> list[MedicShift]:
    """Shifts not yet over, earliest first: anyone signed in may see who is on call."""
    return tx.medic_duty.ending_after(now)


@transactional(write=True)
def add_medic_shift(tx: Transaction, caller: Caller, shinobi_id: int, starts_at: datetime, ends_at: datetime,
                    now: datetime) -> MedicShift:
    """A clerk or the hokage puts any medic on call; a medic puts themself."""
    authz.require(tx, caller, "keepMedicDuty", authz.shinobi_resource(shinobi_id))
    if tx.shinobi.get(shinobi_id) is None:
        raise NotFound("shinobi", shinobi_id)
    if Role.MEDIC not in tx.accounts.roles_of_shinobi([shinobi_id])[shinobi_id]:
        raise Invalid(f"shinobi {shinobi_id} is not a medic (no account with the medic role)", code="NOT_A_MEDIC")
    rules.check_shift(starts_at, ends_at)
    if ends_at <= now:
        raise Invalid("the shift is already over", code="SHIFT_OVER")
    shift = tx.medic_duty.add(shinobi_id=shinobi_id, starts_at=starts_at, ends_at=ends_at, by=caller.username,
                              now=now)
    record(tx, now, caller, "medic_duty.added", f"shinobi:{shinobi_id}", shift_id=shift.id, starts_at=starts_at,
           ends_at=ends_at)
    tx.commit()
    return shift


@transactional(write=True)
def remove_medic_shift(tx: Transaction, caller: Caller, shift_id: int, now: datetime) -> None:
    shift = tx.medic_duty.get(shift_id)
    if shift is None:
        raise NotFound("medic_shift", shift_id)
    authz.require(tx, caller, "keepMedicDuty", authz.shinobi_resource(shift.shinobi_id))
    tx.medic_duty.remove(shift_id, now)
    record(tx, now, caller, "medic_duty.removed", f"shinobi:{shift.shinobi_id}", shift_id=shift_id)
    tx.commit()


# -- welfare reviews ---------------------------------------------------------------------------------------------
def schedule_reviews(tx: Transaction, hold_id: int, shinobi_id: int, since: datetime) -> list[int]:
    """The reviews a welfare hold placed by a report asks for, in the report's transaction."""
    return [tx.reviews.add(hold_id=hold_id, shinobi_id=shinobi_id, label=label, due_at=since + after)
            for label, after in rules.WELFARE_REVIEWS]


def close_reviews(tx: Transaction, hold_id: int, by: str | None, now: datetime) -> None:
    """The hold is lifted: its reviews still open are done with it."""
    tx.reviews.close_for_hold(hold_id, by=by, now=now)


@dataclass(frozen=True)
class ReviewView:
    review: WelfareReview
    name: str


@transactional(write=False)
def overdue_reviews(tx: Transaction, caller: Caller, now: datetime) -> list[ReviewView]:
    """Reviews due and not done, for those who keep or read the records (medics, clerks, the hokage)."""
    return reviews_to_record(tx, caller, now)[0]


@transactional(write=True)
def complete_review(tx: Transaction, caller: Caller, review_id: int, note: str, now: datetime) -> ReviewView:
    r = tx.reviews.get(review_id)
    if r is None or not authz.allowed(tx, caller, "checkFitness", authz.shinobi_resource(r.shinobi_id)):
        raise NotFound("welfare_review", review_id)
    authz.require(tx, caller, "reviewWelfare", authz.shinobi_resource(r.shinobi_id))
    if not note.strip():
        raise Invalid("a review needs its note", code="NOTE_REQUIRED")
    if r.done_at is not None:
        raise Conflict(f"welfare review {review_id} is done already", code="REVIEW_DONE")
    tx.reviews.complete(review_id, by=caller.username, note=note.strip(), now=now)
    record(tx, now, caller, "welfare_review.done", f"shinobi:{r.shinobi_id}", review_id=review_id,
           hold_id=r.hold_id, label=r.label)
    result = ReviewView(existing(tx.reviews.get(review_id)), existing(tx.shinobi.get(r.shinobi_id)).name)
    tx.commit()
    return result


# -- the pages' views (one read per screen) --------------------------------------------------------------------
def reviews_to_record(tx: Transaction, caller: Caller, now: datetime) -> tuple[list[ReviewView], bool]:
    """The overdue reviews the caller may read (as `overdue_reviews`), and whether they may record them (the
    medics and the hokage): for a page's list, inside the page's own read."""
    reviews = authz.filter_allowed(tx, caller, "checkFitness", tx.reviews.overdue(now),
                                   lambda r: authz.shinobi_resource(r.shinobi_id))
    names = tx.shinobi.get_many({r.shinobi_id for r in reviews}, links=False)
    may_record = authz.allowed(tx, caller, "reviewWelfare", authz.VILLAGE)
    return [ReviewView(r, names[r.shinobi_id].name) for r in reviews], may_record


@dataclass(frozen=True)
class ShiftLine:
    shift: MedicShift
    name: str
    on_call_now: bool
    may_remove: bool  # the caller may take it off the roster (keepMedicDuty on its medic)


@dataclass(frozen=True)
class MedicDutyView:
    """The medics' roster page: the shifts not yet over, who is on call now, whom the caller may put on call,
    and (for those who record them) the welfare reviews overdue."""
    now: datetime
    shifts: tuple[ShiftLine, ...]  # earliest first
    on_call_now: tuple[int, ...]  # the medics a ladder calls now; empty: every medic is called
    may_add_for: tuple[tuple[int, str], ...]  # (id, name) of the medics the caller may put on call; empty: no form
    medics: int  # how many accounts hold the medic role
    reviews: tuple[ReviewView, ...] = ()
    may_record_reviews: bool = False


@transactional(write=False)
def medic_duty_view(tx: Transaction, caller: Caller, now: datetime) -> MedicDutyView:
    shifts = tx.medic_duty.ending_after(now)
    medic_ids = list(dict.fromkeys(tx.accounts.with_role(Role.MEDIC)))
    people = tx.shinobi.get_many({s.shinobi_id for s in shifts} | set(medic_ids), links=False)
    now_ids = rules.on_duty(shifts, now)
    removable = authz.decide_many(caller, "keepMedicDuty", [authz.shinobi_resource(s.shinobi_id) for s in shifts])
    addable = authz.decide_many(caller, "keepMedicDuty", [authz.shinobi_resource(i) for i in medic_ids])
    lines = tuple(ShiftLine(s, people[s.shinobi_id].name if s.shinobi_id in people else f"shinobi {s.shinobi_id}",
                            s.covers(now), d.allowed) for s, d in zip(shifts, removable, strict=True))
    may_add_for = tuple(sorted(((i, people[i].name) for i, d in zip(medic_ids, addable, strict=True)
                                if d.allowed and i in people), key=lambda p: p[1]))
    reviews, may_record = reviews_to_record(tx, caller, now)
    return MedicDutyView(now=now, shifts=lines, on_call_now=tuple(now_ids), may_add_for=may_add_for,
                         medics=len(medic_ids), reviews=tuple(reviews) if may_record else (),
                         may_record_reviews=may_record)
