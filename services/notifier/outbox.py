"""The delivery outbox: rows that must be sent, claimed by one sender at a time, retried with backoff.

A sender claims a due row with a conditional UPDATE (safe across replicas and restarts): the row
stays `pending` but its `next_attempt_at` moves a lease ahead, so a sender that dies mid-send
leaves a row that becomes due again when the lease ends. A row turns `sent` only after the
channel accepted the message, in the same commit that records it on the notification and target.

Accounts take turns: a claim takes every account's oldest due row before anyone's second, so a
flooding account (whose rows over its send limit are deferred to the next minute anyway) never
holds another account's message back by more than one round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.notifier.models import Channel, Delivery, DeliveryState, EmailRecipient, LineTarget
from services.notifier.store import mark_notification_sent
from visionflow.db import utcnow


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: base, 2×base, 4×base … capped."""

    base_s: float
    max_s: float

    def delay(self, attempts: int) -> float:
        return float(min(self.max_s, self.base_s * 2 ** max(0, min(attempts - 1, 30))))


def enqueue_verification(*, engine: Engine, account_uuid: str, recipient_id: int) -> int:
    with Session(engine) as session:
        row = Delivery(account_uuid=account_uuid, channel=Channel.VERIFICATION.value, target_id=recipient_id)
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def claim_due(*, engine: Engine, limit: int, lease_s: float, now: datetime | None = None) -> list[Delivery]:
    """Claim up to `limit` due pending rows for this sender; each claim counts as an attempt."""
    now = now or utcnow()
    claimed: list[Delivery] = []
    with Session(engine, expire_on_commit=False) as session:
        # Round robin over accounts: each account's oldest due row first, then each one's second,
        # ... so an account with a thousand queued messages delays another's by one round at most.
        turn = (
            func.row_number()
            .over(
                partition_by=col(Delivery.account_uuid),
                order_by=(col(Delivery.next_attempt_at), col(Delivery.id)),
            )
            .label("turn")
        )
        ranked = (
            select(col(Delivery.id).label("id"), turn)
            .where(col(Delivery.state) == DeliveryState.PENDING.value, col(Delivery.next_attempt_at) <= now)
            .subquery()
        )
        due = session.exec(
            select(Delivery)
            .join(ranked, col(Delivery.id) == ranked.c.id)
            .order_by(ranked.c.turn, col(Delivery.next_attempt_at), col(Delivery.id))
            .limit(limit)
        ).all()
        for row in due:
            result = session.execute(
                update(Delivery)
                .where(
                    col(Delivery.id) == row.id,
                    col(Delivery.state) == DeliveryState.PENDING.value,
                    col(Delivery.attempts) == row.attempts,
                    col(Delivery.next_attempt_at) <= now,
                )
                .values(next_attempt_at=now + timedelta(seconds=lease_s), attempts=row.attempts + 1)
            )
            session.commit()
            if result.rowcount == 1:  # type: ignore[attr-defined]
                session.refresh(row)
                claimed.append(row)
    return claimed


def mark_sent(*, engine: Engine, delivery_id: int) -> None:
    """Record success on the row, the notification and the target, in one commit."""
    with Session(engine) as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.state != DeliveryState.PENDING.value:
            return
        now = utcnow()
        row.state = DeliveryState.SENT.value
        row.sent_at = now
        row.last_error = ""
        session.add(row)
        if row.notification_id is not None:
            mark_notification_sent(session=session, notification_id=row.notification_id)
        if row.channel == Channel.EMAIL.value:
            recipient = session.get(EmailRecipient, row.target_id)
            if recipient is not None:
                recipient.last_notification = now
                session.add(recipient)
        elif row.channel == Channel.LINE.value:
            target = session.get(LineTarget, row.target_id)
            if target is not None:
                target.last_used = now
                session.add(target)
        session.commit()


def mark_failed(*, engine: Engine, delivery_id: int, error: str) -> None:
    _finish(engine, delivery_id, state=DeliveryState.FAILED, error=error, next_at=None, attempts_delta=0)


def schedule_retry(*, engine: Engine, delivery_id: int, error: str, delay_s: float) -> None:
    next_at = utcnow() + timedelta(seconds=delay_s)
    _finish(engine, delivery_id, state=DeliveryState.PENDING, error=error, next_at=next_at, attempts_delta=0)


def defer(*, engine: Engine, delivery_id: int, delay_s: float) -> None:
    """Put a claimed row back for later without counting the attempt (rate limit)."""
    next_at = utcnow() + timedelta(seconds=delay_s)
    _finish(engine, delivery_id, state=DeliveryState.PENDING, error=None, next_at=next_at, attempts_delta=-1)


def _finish(
    engine: Engine,
    delivery_id: int,
    *,
    state: DeliveryState,
    error: str | None,
    next_at: datetime | None,
    attempts_delta: int,
) -> None:
    with Session(engine) as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.state != DeliveryState.PENDING.value:
            return
        row.state = state.value
        row.attempts = max(0, row.attempts + attempts_delta)
        if error is not None:
            row.last_error = error[:500]
        if next_at is not None:
            row.next_attempt_at = next_at
        session.add(row)
        session.commit()


def deliveries_of(*, engine: Engine, notification_id: int) -> list[Delivery]:
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.exec(
                select(Delivery).where(Delivery.notification_id == notification_id).order_by(col(Delivery.id))
            ).all()
        )
