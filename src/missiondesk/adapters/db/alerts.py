"""Alerts and what carries them: ladders, the outbox, preferences, webhooks, the medics' roster, welfare reviews.

Claims (`claim_due`, `due_ladders`, `due_reviews`) lock the rows they hand out with FOR UPDATE SKIP LOCKED on
PostgreSQL, so that any number of workers on any machines each take different rows; SQLite has one writer at
a time, and the clause is left out.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update

from ...domain.alerts import Ladder, MedicShift, Preferences, QuietHours, WebhookEndpoint, WelfareReview
from ...domain.roster import Alert
from .repositories import _Repo
from .rows import rowcount
from .tables import (
    AlertLadderRow,
    AlertPreferenceRow,
    AlertRow,
    DeliveryAttemptRow,
    DeliveryRow,
    MedicShiftRow,
    WebhookEndpointRow,
    WelfareReviewRow,
)


class _Claiming(_Repo):
    def _skip_locked(self, q: Select) -> Select:
        if self.session.get_bind().dialect.name == "postgresql":
            return q.with_for_update(skip_locked=True)
        return q


# What "due" means, one definition each for the worker's cheap "anything to do?" read and its claim
def _ladder_due(first_due_before: datetime, second_due_before: datetime) -> tuple[Any, ...]:
    return (AlertLadderRow.finished_at.is_(None),
            or_((AlertLadderRow.step == 0) & (AlertLadderRow.started_at <= first_due_before),
                (AlertLadderRow.step == 1) & (AlertLadderRow.started_at <= second_due_before)))


def _delivery_due(now: datetime) -> tuple[Any, ...]:
    return (DeliveryRow.status == "pending", DeliveryRow.due_at <= now,
            or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until < now))


def _review_due(now: datetime) -> tuple[Any, ...]:
    return (WelfareReviewRow.done_at.is_(None), WelfareReviewRow.alerted_at.is_(None), WelfareReviewRow.due_at <= now)


def _alert(r: AlertRow) -> Alert:
    return Alert(id=r.id, recipient_id=r.recipient_id, kind=r.kind, subject_shinobi_id=r.subject_shinobi_id,
                 mission_id=r.mission_id, detainee_id=r.detainee_id, codes=tuple(r.codes or ()), message=r.message,
                 created_at=r.created_at, read_at=r.read_at, assignment_id=r.assignment_id, ladder_id=r.ladder_id,
                 step=r.step, office_copy=bool(r.office_copy), acknowledged_at=r.acknowledged_at)


def _ladder(r: AlertLadderRow) -> Ladder:
    return Ladder(id=r.id, kind=r.kind, mission_id=r.mission_id,
                  subjects={int(k): tuple(v) for k, v in (r.subjects or {}).items()}, started_at=r.started_at,
                  step=r.step, acknowledged_at=r.acknowledged_at, acknowledged_by=r.acknowledged_by,
                  finished_at=r.finished_at)


class AlertRepository(_Claiming):
    def add(self, *, recipient_id: int, kind: str, subject_shinobi_id: int | None, mission_id: int | None,
            codes: list[str], message: str, now: datetime, detainee_id: int | None = None,
            assignment_id: int | None = None, ladder_id: int | None = None, step: int | None = None,
            office_copy: bool = False) -> int:
        row = AlertRow(recipient_id=recipient_id, kind=kind, subject_shinobi_id=subject_shinobi_id,
                       mission_id=mission_id, detainee_id=detainee_id, codes=codes, message=message, created_at=now,
                       assignment_id=assignment_id, ladder_id=ladder_id, step=step, office_copy=office_copy)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, alert_id: int) -> Alert | None:
        row = self.session.get(AlertRow, alert_id)
        return _alert(row) if row else None

    def for_recipient(self, shinobi_id: int, *, unread_only: bool = False, before: int | None = None,
                      limit: int | None = None, waiting: bool | None = None,
                      kinds: Iterable[str] | None = None) -> list[Alert]:
        """Newest first; older than the alert `before`, at most `limit` of them, of those `kinds`, when given;
        `waiting` True those on a ladder nobody has acknowledged yet, False all others."""
        q = select(AlertRow).where(AlertRow.recipient_id == shinobi_id).order_by(AlertRow.id.desc()).limit(limit)
        if kinds is not None:
            q = q.where(AlertRow.kind.in_(sorted(kinds)))
        if before is not None:
            q = q.where(AlertRow.id < before)
        if waiting is not None:
            open_ladder = AlertRow.ladder_id.in_(select(AlertLadderRow.id)
                                                 .where(AlertLadderRow.acknowledged_at.is_(None)))
            q = q.where(open_ladder if waiting else ~open_ladder | AlertRow.ladder_id.is_(None))
        if unread_only:
            q = q.where(AlertRow.read_at.is_(None))
        return [_alert(r) for r in self.session.scalars(q)]

    def summary(self, shinobi_id: int) -> tuple[int, int, int]:
        """(unread, awaiting acknowledgement on a ladder still climbing, newest id) for the live badge, in one
        statement: three (PostgreSQL reads each statement at its own moment) once gave a torn summary, the new
        alert's id with the unread count from before it, which the live badge then sent."""
        unread, unacked, newest = self.session.execute(
            select(func.count().filter(AlertRow.read_at.is_(None)),
                   func.count(AlertLadderRow.id).filter(AlertLadderRow.acknowledged_at.is_(None)),
                   func.max(AlertRow.id))
            .select_from(AlertRow).outerjoin(AlertLadderRow, AlertRow.ladder_id == AlertLadderRow.id)
            .where(AlertRow.recipient_id == shinobi_id)).one()
        return unread or 0, unacked or 0, newest or 0

    def mark_read(self, alert_id: int, recipient_id: int, now: datetime) -> bool:
        result = self.session.execute(update(AlertRow).where(AlertRow.id == alert_id,
                                                             AlertRow.recipient_id == recipient_id)
                                      .values(read_at=func.coalesce(AlertRow.read_at, now)))
        return bool(rowcount(result))

    def acknowledge(self, alert_id: int, now: datetime) -> None:
        self.session.execute(update(AlertRow).where(AlertRow.id == alert_id).values(
            acknowledged_at=func.coalesce(AlertRow.acknowledged_at, now), read_at=func.coalesce(AlertRow.read_at, now)))

    def on_ladders(self, ladder_ids: Iterable[int]) -> list[Alert]:
        ids = list(ladder_ids)
        if not ids:
            return []
        return [_alert(r) for r in self.session.scalars(
            select(AlertRow).where(self._among(AlertRow.ladder_id, ids)).order_by(AlertRow.id))]

    # -- ladders --
    def add_ladder(self, *, kind: str, mission_id: int | None, subjects: dict[int, list[str]], now: datetime) -> int:
        row = AlertLadderRow(kind=kind, mission_id=mission_id, subjects={str(k): v for k, v in subjects.items()},
                             started_at=now, step=0)
        self.session.add(row)
        self.session.flush()
        return row.id

    def ladder(self, ladder_id: int) -> Ladder | None:
        row = self.session.get(AlertLadderRow, ladder_id)
        return _ladder(row) if row else None

    def ladders(self, ladder_ids: Iterable[int]) -> dict[int, Ladder]:
        ids = list(ladder_ids)
        if not ids:
            return {}
        return {r.id: _ladder(r) for r in self.session.scalars(
            select(AlertLadderRow).where(self._among(AlertLadderRow.id, ids)))}

    def stop_ladder(self, ladder_id: int, *, by: int, alert_id: int, now: datetime) -> bool:
        """Acknowledged: True when this call stopped it (not an earlier one)."""
        result = self.session.execute(update(AlertLadderRow).where(
            AlertLadderRow.id == ladder_id, AlertLadderRow.acknowledged_at.is_(None)).values(
            acknowledged_at=now, acknowledged_by=by, acknowledged_alert_id=alert_id,
            finished_at=func.coalesce(AlertLadderRow.finished_at, now)))
        return bool(rowcount(result))

    def due_ladders(self, *, first_due_before: datetime, second_due_before: datetime, limit: int) -> list[Ladder]:
        """Open ladders whose next rung is due: at step 0 started before `first_due_before`, at step 1 before
        `second_due_before` (the caller turns the policy's delays into these two instants). Locked."""
        q = (select(AlertLadderRow).where(*_ladder_due(first_due_before, second_due_before))
             .order_by(AlertLadderRow.started_at).limit(limit))
        return [_ladder(r) for r in self.session.scalars(self._skip_locked(q))]

    def any_ladder_due(self, *, first_due_before: datetime, second_due_before: datetime) -> bool:
        return self.session.scalar(select(AlertLadderRow.id).where(
            *_ladder_due(first_due_before, second_due_before)).limit(1)) is not None

    def climb(self, ladder_id: int, step: int, *, finished: datetime | None) -> None:
        self.session.execute(update(AlertLadderRow).where(AlertLadderRow.id == ladder_id).values(
            step=step, finished_at=finished))


@dataclass(frozen=True)
class Delivery:
    id: int
    alert_id: int
    channel: str
    target: str
    endpoint_id: int | None
    idempotency_key: str
    status: str
    due_at: datetime
    attempts: int
    sent_at: datetime | None = None
    last_error: str | None = None


def _delivery(r: DeliveryRow) -> Delivery:
    return Delivery(id=r.id, alert_id=r.alert_id, channel=r.channel, target=r.target, endpoint_id=r.endpoint_id,
                    idempotency_key=r.idempotency_key, status=r.status, due_at=r.due_at, attempts=r.attempts,
                    sent_at=r.sent_at, last_error=r.last_error)


class OutboxRepository(_Claiming):
    def add(self, *, alert_id: int, channel: str, target: str, endpoint_id: int | None, due_at: datetime,
            now: datetime) -> int:
        row = DeliveryRow(alert_id=alert_id, channel=channel, target=target, endpoint_id=endpoint_id,
                          idempotency_key=secrets.token_hex(16), status="pending", due_at=due_at, attempts=0,
                          created_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def claim_due(self, *, worker: str, now: datetime, until: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries due by `now` and not held by a live claim: claimed for `worker` until `until`."""
        q = select(DeliveryRow).where(*_delivery_due(now)).order_by(DeliveryRow.due_at, DeliveryRow.id).limit(limit)
        rows = list(self.session.scalars(self._skip_locked(q)))
        for r in rows:
            r.claimed_by, r.claimed_until = worker, until
        self.session.flush()
        return [_delivery(r) for r in rows]

    def any_due(self, now: datetime) -> bool:
        return self.session.scalar(select(DeliveryRow.id).where(*_delivery_due(now)).limit(1)) is not None

    def get(self, delivery_id: int) -> Delivery | None:
        row = self.session.get(DeliveryRow, delivery_id)
        return _delivery(row) if row else None

    def for_alerts(self, alert_ids: Iterable[int]) -> list[Delivery]:
        ids = list(alert_ids)
        if not ids:
            return []
        return [_delivery(r) for r in self.session.scalars(
            select(DeliveryRow).where(self._among(DeliveryRow.alert_id, ids)).order_by(DeliveryRow.id))]

    def record(self, delivery_id: int, *, worker: str, at: datetime, ok: bool, error: str | None,
               retry_at: datetime | None) -> None:
        """One attempt: sent, or failed and due again at `retry_at` (None: given up)."""
        self.session.add(DeliveryAttemptRow(delivery_id=delivery_id, at=at, worker=worker, ok=ok, error=error))
        row = self.session.get(DeliveryRow, delivery_id, with_for_update=True)
        assert row is not None
        row.attempts += 1
        row.claimed_by = row.claimed_until = None
        if ok:
            row.status, row.sent_at, row.last_error = "sent", row.sent_at or at, None
        else:
            row.last_error = error
            if retry_at is None:
                row.status = "failed"
            else:
                row.due_at = retry_at
        self.session.flush()

    def renew(self, worker: str, now: datetime, until: datetime) -> int:
        """The worker's live claims held on until `until` (one that ran out may be another's now: not touched)."""
        result = self.session.execute(update(DeliveryRow).where(
            DeliveryRow.claimed_by == worker, DeliveryRow.status == "pending", DeliveryRow.claimed_until >= now)
            .values(claimed_until=until))
        return rowcount(result)

    def release(self, delivery_ids: list[int], worker: str) -> None:
        if delivery_ids:
            self.session.execute(update(DeliveryRow).where(
                self._among(DeliveryRow.id, delivery_ids), DeliveryRow.claimed_by == worker,
                DeliveryRow.status == "pending").values(claimed_by=None, claimed_until=None))

    def defer(self, delivery_id: int, until: datetime) -> None:
        """Not sent yet (quiet hours): due again at `until`, with no attempt counted."""
        self.session.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(
            due_at=until, claimed_by=None, claimed_until=None))

    def attempts(self, delivery_id: int) -> list[tuple[datetime, str, bool, str | None]]:
        return [(r.at, r.worker, r.ok, r.error) for r in self.session.scalars(
            select(DeliveryAttemptRow).where(DeliveryAttemptRow.delivery_id == delivery_id)
            .order_by(DeliveryAttemptRow.id))]

    def counts(self) -> dict[str, int]:
        return {s: n for s, n in self.session.execute(
            select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status))}


class ContactRepository(_Repo):
    """Preferences and webhook endpoints."""

    def preferences(self, shinobi_ids: Iterable[int]) -> dict[int, Preferences]:
        ids = list(set(shinobi_ids))
        if not ids:
            return {}
        out = {}
        for r in self.session.scalars(select(AlertPreferenceRow).where(
                self._among(AlertPreferenceRow.shinobi_id, ids))):
            out[r.shinobi_id] = Preferences(channels=tuple(r.channels or ()), email=r.email,
                                            quiet=QuietHours.parse(r.quiet_from, r.quiet_to))
        return out

    def set_preferences(self, shinobi_id: int, prefs: Preferences, now: datetime) -> None:
        row = self.session.get(AlertPreferenceRow, shinobi_id, with_for_update=True)
        if row is None:
            row = AlertPreferenceRow(shinobi_id=shinobi_id)
            self.session.add(row)
        row.channels = list(prefs.channels)
        row.email = prefs.email
        row.quiet_from = prefs.quiet.start.strftime("%H:%M") if prefs.quiet else None
        row.quiet_to = prefs.quiet.end.strftime("%H:%M") if prefs.quiet else None
        row.updated_at = now
        self.session.flush()

    def add_webhook(self, shinobi_id: int, url: str, now: datetime) -> WebhookEndpoint:
        row = WebhookEndpointRow(shinobi_id=shinobi_id, url=url, secret=secrets.token_urlsafe(32), created_at=now)
        self.session.add(row)
        self.session.flush()
        return WebhookEndpoint(id=row.id, shinobi_id=shinobi_id, url=url, created_at=now, secret=row.secret)

    def webhooks(self, shinobi_ids: Iterable[int]) -> list[WebhookEndpoint]:
        ids = list(set(shinobi_ids))
        if not ids:
            return []
        return [WebhookEndpoint(id=r.id, shinobi_id=r.shinobi_id, url=r.url, created_at=r.created_at, secret=r.secret)
                for r in self.session.scalars(select(WebhookEndpointRow).where(
                    self._among(WebhookEndpointRow.shinobi_id, ids), WebhookEndpointRow.removed_at.is_(None))
                    .order_by(WebhookEndpointRow.id))]

    def webhook(self, endpoint_id: int) -> WebhookEndpoint | None:
        r = self.session.get(WebhookEndpointRow, endpoint_id)
        if r is None:
            return None
        return WebhookEndpoint(id=r.id, shinobi_id=r.shinobi_id, url=r.url, created_at=r.created_at, secret=r.secret)

    def remove_webhook(self, endpoint_id: int, shinobi_id: int, now: datetime) -> bool:
        result = self.session.execute(update(WebhookEndpointRow).where(
            WebhookEndpointRow.id == endpoint_id, WebhookEndpointRow.shinobi_id == shinobi_id,
            WebhookEndpointRow.removed_at.is_(None)).values(removed_at=now))
        return bool(rowcount(result))


def _shift(r: MedicShiftRow) -> MedicShift:
    return MedicShift(id=r.id, shinobi_id=r.shinobi_id, starts_at=r.starts_at, ends_at=r.ends_at,
                      created_by=r.created_by)


class MedicDutyRepository(_Repo):
    def add(self, *, shinobi_id: int, starts_at: datetime, ends_at: datetime, by: str | None,
            now: datetime) -> MedicShift:
        row = MedicShiftRow(shinobi_id=shinobi_id, starts_at=starts_at, ends_at=ends_at, created_by=by,
                            created_at=now)
        self.session.add(row)
        self.session.flush()
        return _shift(row)

    def get(self, shift_id: int) -> MedicShift | None:
        row = self.session.get(MedicShiftRow, shift_id)
        return _shift(row) if row and row.removed_at is None else None

    def remove(self, shift_id: int, now: datetime) -> None:
        self.session.execute(update(MedicShiftRow).where(MedicShiftRow.id == shift_id).values(removed_at=now))

    def ending_after(self, at: datetime) -> list[MedicShift]:
        """Shifts not over by `at` (the roster from now on), earliest first."""
        return [_shift(r) for r in self.session.scalars(
            select(MedicShiftRow).where(MedicShiftRow.ends_at > at, MedicShiftRow.removed_at.is_(None))
            .order_by(MedicShiftRow.starts_at, MedicShiftRow.id))]


def _review(r: WelfareReviewRow) -> WelfareReview:
    return WelfareReview(id=r.id, hold_id=r.hold_id, shinobi_id=r.shinobi_id, label=r.label, due_at=r.due_at,
                         alerted_at=r.alerted_at, done_at=r.done_at, done_by=r.done_by, note=r.note)


class WelfareReviewRepository(_Claiming):
    def add(self, *, hold_id: int, shinobi_id: int, label: str, due_at: datetime) -> int:
        row = WelfareReviewRow(hold_id=hold_id, shinobi_id=shinobi_id, label=label, due_at=due_at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, review_id: int) -> WelfareReview | None:
        row = self.session.get(WelfareReviewRow, review_id)
        return _review(row) if row else None

    def due_unalerted(self, now: datetime, limit: int) -> list[WelfareReview]:
        q = select(WelfareReviewRow).where(*_review_due(now)).order_by(WelfareReviewRow.due_at).limit(limit)
        return [_review(r) for r in self.session.scalars(self._skip_locked(q))]

    def any_due(self, now: datetime) -> bool:
        return self.session.scalar(select(WelfareReviewRow.id).where(*_review_due(now)).limit(1)) is not None

    def mark_alerted(self, review_id: int, now: datetime) -> None:
        self.session.execute(update(WelfareReviewRow).where(WelfareReviewRow.id == review_id).values(alerted_at=now))

    def overdue(self, now: datetime) -> list[WelfareReview]:
        return [_review(r) for r in self.session.scalars(
            select(WelfareReviewRow).where(WelfareReviewRow.done_at.is_(None), WelfareReviewRow.due_at <= now)
            .order_by(WelfareReviewRow.due_at))]

    def open_for(self, shinobi_ids: Iterable[int] | None = None) -> list[WelfareReview]:
        q = select(WelfareReviewRow).where(WelfareReviewRow.done_at.is_(None)).order_by(WelfareReviewRow.due_at)
        if shinobi_ids is not None:
            q = q.where(self._among(WelfareReviewRow.shinobi_id, list(shinobi_ids)))
        return [_review(r) for r in self.session.scalars(q)]

    def complete(self, review_id: int, *, by: str | None, note: str | None, now: datetime) -> bool:
        result = self.session.execute(update(WelfareReviewRow).where(
            WelfareReviewRow.id == review_id, WelfareReviewRow.done_at.is_(None)).values(
            done_at=now, done_by=by, note=note))
        return bool(rowcount(result))

    def close_for_hold(self, hold_id: int, *, by: str | None, now: datetime) -> list[int]:
        ids = list(self.session.scalars(select(WelfareReviewRow.id).where(
            WelfareReviewRow.hold_id == hold_id, WelfareReviewRow.done_at.is_(None))))
        if ids:
            self.session.execute(update(WelfareReviewRow).where(self._among(WelfareReviewRow.id, ids)).values(
                done_at=now, done_by=by, note="the hold was lifted"))
        return ids
