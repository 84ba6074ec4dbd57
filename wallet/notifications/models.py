from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk

DELIVERY_STATES = ("pending", "delivered", "failed")


class Notification(Base):
    """A message to a citizen, saying what happened and why.

    The row is also the outbox: a domain writes it in the same transaction as the change it reports, so the
    two commit or roll back together, and a notification can be neither lost nor sent for a change that
    never happened. Push delivery reads it afterwards (``NotificationDelivery``).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_empty"),
        # The listing's order and its keyset cursor, per account: newest first, id breaking ties.
        Index("ix_notifications_account_id_created_at", "account_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(64))  # credential_suspended, application_approved, ...
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ids the app needs, e.g. credential_id
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class NotificationDelivery(Base):
    """The push of one notification to one device, retried until delivered or given up.

    Its id is the idempotency key the push provider sees, so a retry after a crash between sending and
    recording cannot notify the phone twice.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "device_id"),
        CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),
        # What the runner asks for: pending deliveries that are due, oldest first.
        Index("ix_notification_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    notification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    # A removed device takes its pending pushes with it rather than blocking the removal.
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    @property
    def idempotency_key(self) -> str:
        return str(self.id)
