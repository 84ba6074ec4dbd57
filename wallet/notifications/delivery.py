"""The push delivery runner: sends the pushes that are due and records how each went.

Each delivery is one notification to one device. Claimed rows stay locked (PostgreSQL ``FOR UPDATE SKIP
LOCKED``) until the caller commits, so runners working at once share the work and never send one delivery
twice; on SQLite, the write lock each transaction takes at its start makes them wait their turn instead.
A crash after sending and before that commit sends again on the next run, with the same idempotency key
(the delivery's id), which the provider uses to drop the duplicate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from wallet.devices.models import Device
from wallet.notifications.models import Notification, NotificationDelivery
from wallet.notifications.push import Pusher, PushFailed

_ERROR_MAX = 500


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling from ``first_delay``, capped."""
        doublings = min(max(attempts - 1, 0), 30)  # 2**30 times any useful delay is past any cap
        return min(self.first_delay * (1 << doublings), self.max_delay)


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_pending(
    session: Session,
    *,
    pusher: Pusher,
    now: datetime,
    limit: int = 100,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> DeliveryReport:
    """Send up to ``limit`` due pushes and record each outcome, in the caller's transaction.

    The caller commits after each call (that releases the claimed rows) and calls again while the report's
    ``claimed`` (the pushes attempted) equals ``limit``. A retryable failure is tried again after an
    exponential backoff, until ``retry.max_attempts``, and ends the run early; a permanent one is not
    retried. Raises ValueError for a limit under 1; anything the pusher raises other than PushFailed
    propagates, and the caller should then roll back.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    outcomes: Counter[str] = Counter()
    for delivery, notification, device in session.execute(_due(now, limit)).all():
        outcome = _attempt(delivery, notification, device, pusher=pusher, now=now, retry=retry)
        outcomes[outcome] += 1
        if outcome == "retrying":
            # The provider is down or pushing back. The rest wait for the next run rather than each
            # burning a timeout now while this transaction holds its locks (on SQLite, the write lock).
            break
    session.flush()
    return DeliveryReport(
        claimed=outcomes.total(),
        delivered=outcomes["delivered"],
        retrying=outcomes["retrying"],
        failed=outcomes["failed"],
    )


def _due(now: datetime, limit: int) -> Select[NotificationDelivery, Notification, Device]:
    return (
        select(NotificationDelivery, Notification, Device)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .join(Device, Device.id == NotificationDelivery.device_id)
        .where(NotificationDelivery.state == "pending", NotificationDelivery.next_attempt_at <= now)
        .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=NotificationDelivery)
    )


def _attempt(
    delivery: NotificationDelivery,
    notification: Notification,
    device: Device,
    *,
    pusher: Pusher,
    now: datetime,
    retry: RetryPolicy,
) -> str:
    delivery.attempts += 1
    # The token is read now, not when the notification was written: phones rotate them.
    if not device.push_token or device.account_id != notification.account_id:
        return _give_up(delivery, "the device has no push token for this account any more")
    try:
        pusher.send(
            token=device.push_token,
            title=notification.title,
            body=notification.body,
            data=_push_data(notification),
            idempotency_key=delivery.idempotency_key,
        )
    except PushFailed as e:
        if e.retryable and delivery.attempts < retry.max_attempts:
            delivery.next_attempt_at = now + retry.delay(delivery.attempts)
            delivery.last_error = str(e)[:_ERROR_MAX]
            return "retrying"
        return _give_up(delivery, str(e))
    delivery.state = "delivered"
    delivery.delivered_at = now
    delivery.next_attempt_at = None
    delivery.last_error = None
    return "delivered"


def _give_up(delivery: NotificationDelivery, error: str) -> str:
    delivery.state = "failed"
    delivery.next_attempt_at = None
    delivery.last_error = error[:_ERROR_MAX]
    return "failed"


def _push_data(notification: Notification) -> dict[str, Any]:
    # The app opens the notification from these; ours win over a domain's keys of the same name.
    return {**notification.data, "notification_id": str(notification.id), "kind": notification.kind}
