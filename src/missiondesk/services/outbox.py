"""The worker: alert ladders climbed and welfare reviews raised when due, deliveries sent at least once.

Everything it does is in rows, not in memory: a ladder is due when its start plus the policy's delays has
passed, a review when its `due_at` has, a delivery when its `due_at` has and no live claim holds it. A worker
killed at any moment loses nothing: its transaction rolls back (a ladder or review is taken again), or its
claim runs out after the policy's lease (4 s; a live worker renews its claims every second, however slow a
receiver) and another worker sends the delivery again. So a delivery may go twice (a kill between sending and
recording); each carries an idempotency key, the same on every attempt, by which a receiver drops the second.

On PostgreSQL any number of workers share the rows: claims lock with FOR UPDATE SKIP LOCKED (adapters/db/
alerts.py), and a claim takes no part in the office's one-writer lock (it writes no audit entry). Climbing a
ladder does (its alerts and audit entries), in one short transaction per batch.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from ..clock import Clock
from ..domain.alerts import (
    DUTY_OF_CARE,
    HOKAGE,
    LAST_STEP,
    MEDIC_ON_DUTY,
    WELFARE_REVIEW_DUE,
    AlertPolicy,
    Ladder,
    Preferences,
    on_duty,
)
from ..domain.ranks import Role
from . import alerts as alerting
from .audit import record
from .channels import Channel, DeliveryFailed, Outbound
from .ports import existing
from .unit_of_work import Transaction, UnitOfWork, transactional

log = logging.getLogger(__name__)

BATCH = 50  # ladders or reviews per transaction
CLAIM = 3  # deliveries per claim, sent one after another: few, so that a killed worker leaves few waiting


@dataclass(frozen=True)
class DueWork:
    timers: bool
    deliveries: bool


@transactional(write=False)
def due_work(tx: Transaction, now: datetime, policy: AlertPolicy) -> DueWork:
    """Is anything due? One read, so that an idle worker takes no write lock (SQLite has one writer; PostgreSQL's
    ladders share the office's one-writer lock) twice a second for nothing."""
    timers = tx.alerts.any_ladder_due(first_due_before=now - policy.escalate_after,
                                      second_due_before=now - policy.escalate_after - policy.then_after) \
        or tx.reviews.any_due(now)
    return DueWork(timers=timers, deliveries=tx.outbox.any_due(now))


# -- timers: ladders and reviews -----------------------------------------------------------------------------------
@transactional(write=True)
def run_timers(tx: Transaction, now: datetime, policy: AlertPolicy) -> int:
    """Every ladder rung and welfare review due by `now`, raised; returns how many."""
    done = 0
    ladders = tx.alerts.due_ladders(first_due_before=now - policy.escalate_after,
                                    second_due_before=now - policy.escalate_after - policy.then_after, limit=BATCH)
    for ladder in ladders:
        _climb(tx, ladder, now, policy)
        done += 1
    for review in tx.reviews.due_unalerted(now, BATCH):
        name = existing(tx.shinobi.get(review.shinobi_id)).name
        medics = tx.accounts.with_role(Role.MEDIC)
        for mid in medics:
            alerting.raise_alert(tx, now, mid, WELFARE_REVIEW_DUE,
                                 f"{name}'s welfare review ({review.label} after the hold began) is due: the hold "
                                 "stays until a medic reviews it.", subject_shinobi_id=review.shinobi_id)
        tx.reviews.mark_alerted(review.id, now)
        record(tx, now, None, "welfare_review.due", f"shinobi:{review.shinobi_id}", review_id=review.id,
               label=review.label, medics=medics)
        done += 1
    tx.commit()
    return done


def _climb(tx: Transaction, ladder: Ladder, now: datetime, policy: AlertPolicy) -> None:
    step = ladder.step + 1
    mission = tx.missions.get(ladder.mission_id) if ladder.mission_id is not None else None
    subjects = tx.shinobi.get_many(ladder.subjects)
    who = "; ".join(f"{subjects[s].name} ({', '.join(c)})" for s, c in ladder.subjects.items())
    waited = int((now - ladder.started_at).total_seconds() // 60)
    if step == MEDIC_ON_DUTY:
        on_call = on_duty(tx.medic_duty.ending_after(now), now)
        recipients = on_call or tx.accounts.with_role(Role.MEDIC)
        role = ("you are the medic on duty" if on_call else
                "no medic is on the duty roster now, so every medic is told")
    else:
        recipients = alerting.hokage_ids(tx)
        role = "neither their partners nor the medic on duty have answered"
    first = next(iter(ladder.subjects))
    codes = {c for cs in ladder.subjects.values() for c in cs}
    for rid in recipients:
        what = alerting.mission_words(tx, mission, rid) if mission else "a mission"
        message = (f"Escalated, unacknowledged for {waited} minutes: refused for their own safety when asking to "
                   f"depart on {what}: {who}. {role[0].upper() + role[1:]}: acknowledge that you have it.")
        alerting.raise_alert(tx, now, rid, ladder.kind, message, mission_id=ladder.mission_id,
                             subject_shinobi_id=first, codes=codes, ladder_id=ladder.id, step=step)
    tx.alerts.climb(ladder.id, step, finished=now if step >= LAST_STEP else None)
    record(tx, now, None, "alert.escalated", f"ladder:{ladder.id}", step=step,
           to="medic on duty" if step == MEDIC_ON_DUTY else "hokage", recipients=recipients,
           medics_on_duty=step == MEDIC_ON_DUTY and role.startswith("you"))


# -- deliveries ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    message: Outbound


@transactional(write=True, exclusive=False)
def claim(tx: Transaction, worker: str, now: datetime, policy: AlertPolicy, tz: tzinfo,
          limit: int = BATCH) -> list[Claimed]:
    """Deliveries due now, claimed for this worker until its lease runs out, each written for its recipient.
    One in quiet hours (and not DUTY_OF_CARE) is put off to their end instead, with no attempt counted."""
    out: list[Claimed] = []
    deliveries = tx.outbox.claim_due(worker=worker, now=now, until=now + policy.lease, limit=limit)
    for d in deliveries:
        alert = existing(tx.alerts.get(d.alert_id))
        prefs = tx.contacts.preferences([alert.recipient_id]).get(alert.recipient_id, Preferences())
        send_at = prefs.send_at(alert.kind, now, tz)
        if send_at > now:
            tx.outbox.defer(d.id, send_at)
            continue
        recipient = existing(tx.shinobi.get(alert.recipient_id))
        mission_id = None
        if alert.mission_id is not None:
            mission = tx.missions.get(alert.mission_id)
            mission_id = alert.mission_id if mission and alerting.reader_may_see(tx, mission, recipient.id) else None
        secret = None
        if d.endpoint_id is not None:
            hook = tx.contacts.webhook(d.endpoint_id)
            secret = hook.secret if hook else None
        payload = {"alert_id": alert.id, "kind": alert.kind, "message": alert.message,
                   "subject_shinobi_id": alert.subject_shinobi_id, "mission_id": mission_id,
                   "codes": list(alert.codes), "created_at": alert.created_at.isoformat(),
                   "must_acknowledge": alert.ladder_id is not None, "escalation_step": alert.step,
                   "office_copy": alert.office_copy, "recipient_shinobi_id": recipient.id,
                   "delivery_id": d.id, "idempotency_key": d.idempotency_key}
        subject = f"[missiondesk] {alert.kind.replace('_', ' ').lower()}" + (
            f": {existing(tx.shinobi.get(alert.subject_shinobi_id)).name}" if alert.subject_shinobi_id else "")
        out.append(Claimed(d.id, Outbound(delivery_id=d.id, idempotency_key=d.idempotency_key, channel=d.channel,
                                          target=d.target, recipient_name=recipient.name, kind=alert.kind,
                                          subject=subject, text=alert.message, payload=payload, sent_at=now,
                                          secret=secret)))
    tx.commit()
    return out


def record_attempt(uow: UnitOfWork, delivery_id: int, worker: str, now: datetime, policy: AlertPolicy,
                   error: DeliveryFailed | None) -> None:
    """One attempt kept; a delivery given up is also put on the audit log."""
    if _record_attempt(uow, delivery_id, worker, now, policy, error):
        _given_up(uow, delivery_id, now, error)


@transactional(write=True, exclusive=False)
def renew(tx: Transaction, worker: str, now: datetime, until: datetime) -> int:
    n = tx.outbox.renew(worker, now, until)
    tx.commit()
    return n


@transactional(write=True, exclusive=False)
def release(tx: Transaction, delivery_ids: list[int], worker: str) -> None:
    """Claimed and not sent: free for any worker at once."""
    tx.outbox.release(delivery_ids, worker)
    tx.commit()


@transactional(write=True, exclusive=False)
def _record_attempt(tx: Transaction, delivery_id: int, worker: str, now: datetime, policy: AlertPolicy,
                    error: DeliveryFailed | None) -> bool:
    d = existing(tx.outbox.get(delivery_id))
    retry_at = None
    if error is not None and error.retry:
        retry_at = policy.retry_at(now, d.attempts + 1)
    tx.outbox.record(delivery_id, worker=worker, at=now, ok=error is None,
                     error=error.reason[:500] if error else None, retry_at=retry_at)
    tx.commit()
    return error is not None and retry_at is None


@transactional(write=True)
def _given_up(tx: Transaction, delivery_id: int, now: datetime, error: DeliveryFailed | None) -> None:
    d = existing(tx.outbox.get(delivery_id))
    alert = existing(tx.alerts.get(d.alert_id))
    record(tx, now, None, "delivery.failed", f"shinobi:{alert.recipient_id}", delivery_id=delivery_id,
           alert_id=d.alert_id, channel=d.channel, attempts=d.attempts, error=(error.reason if error else "")[:200])
    tx.commit()


# -- the loop ------------------------------------------------------------------------------------------------------
@dataclass
class Worker:
    """Sends what is due, climbs what is due, again every `poll` seconds, until stopped. One thread; `run_once`
    is the unit the tests drive."""
    uow: UnitOfWork
    clock: Clock
    policy: AlertPolicy
    tz: tzinfo
    channels: Sequence[Channel]
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{threading.get_native_id()}")
    poll: float = 0.5
    on_error: Callable[[BaseException], None] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _held_until: datetime | None = None  # this worker's claims are its own until then (renewed by the heartbeat)

    def run_once(self) -> tuple[int, int]:
        """(timers raised, deliveries attempted) in one pass."""
        by_name = {c.name: c for c in self.channels}
        due = due_work(self.uow, self.clock.now(), self.policy)
        timers = run_timers(self.uow, self.clock.now(), self.policy) if due.timers else 0
        sent = 0
        while due.deliveries or timers:
            claimed_at = self.clock.now()
            self._held_until = claimed_at + self.policy.lease
            batch = claim(self.uow, self.name, claimed_at, self.policy, self.tz, limit=CLAIM)
            if not batch:
                self._held_until = None
                break
            for i, c in enumerate(batch):
                if self._stop.is_set() or self.clock.now() > self._held_until - self.policy.lease / 2:
                    # the claim is running out (no heartbeat renewed it: stopped, or the database too busy): hand
                    # the rest back now rather than send what a second worker may be about to send again
                    release(self.uow, [r.delivery_id for r in batch[i:]], self.name)
                    break
                channel = by_name.get(c.message.channel)
                error: DeliveryFailed | None = None
                if channel is None:
                    error = DeliveryFailed(f"no {c.message.channel} channel is configured on this worker")
                else:
                    try:
                        channel.send(c.message)
                    except DeliveryFailed as e:
                        error = e
                    except Exception as e:  # a bug or an unexpected library error: tried again later
                        log.exception("delivery %s raised", c.delivery_id)
                        error = DeliveryFailed(f"{type(e).__name__}: {e}")
                record_attempt(self.uow, c.delivery_id, self.name, self.clock.now(), self.policy, error)
                sent += 1
            if self._stop.is_set():
                break
        self._held_until = None
        return timers, sent

    def _heartbeat(self) -> None:
        """Every quarter of the lease, the claims being sent are renewed for a whole lease."""
        while not self._stop.wait(self.policy.lease.total_seconds() / 4):
            if self._held_until is None:
                continue
            try:
                now = self.clock.now()
                renew(self.uow, self.name, now, now + self.policy.lease)
                if self._held_until is not None:
                    self._held_until = now + self.policy.lease
            except Exception:  # the database busy: the sender sees its claim running out and hands it back
                log.exception("could not renew the claims of %s", self.name)

    def run_forever(self) -> None:
        heart = threading.Thread(target=self._heartbeat, name=f"missiondesk-worker-heartbeat-{self.name}", daemon=True)
        heart.start()
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.run_once()
            except Exception as e:  # the database away for a moment: try again next round
                log.exception("worker pass failed")
                if self.on_error:
                    self.on_error(e)
            self._stop.wait(max(0.0, self.poll - (time.monotonic() - started)))

    def start(self) -> Worker:
        self._thread = threading.Thread(target=self.run_forever, name=f"missiondesk-worker-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


__all__ = ["DUTY_OF_CARE", "HOKAGE", "Claimed", "Worker", "claim", "record_attempt", "run_timers"]
