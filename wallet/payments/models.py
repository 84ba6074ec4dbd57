from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Payment(Base):
    """Money moving for something a citizen owes. Amounts are integer cents.

    created → captured, or failed; pending while the gateway has not said; captured → refund_due (what it
    paid for was withdrawn, or could no longer take it) → refunded.
    """

    __tablename__ = "payments"
    # At most one payment in flight per thing owed (a fine and its instalments alike), held by the database:
    # two payments racing on different idempotency keys cannot both charge (NULL once it is decided).
    __table_args__ = (UniqueConstraint("subject_id", "live_slot"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))  # who is paid
    purpose: Mapped[str] = mapped_column(String(24))  # fine, fine_instalment, registration
    subject_id: Mapped[uuid.UUID]  # the fine (or vehicle) paid for
    description: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any] | None]  # what settling it needs (a renewal's term)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16), index=True)
    live_slot: Mapped[bool | None]
    gateway: Mapped[str] = mapped_column(String(24))
    gateway_ref: Mapped[str | None] = mapped_column(String(64))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    failure_code: Mapped[str | None] = mapped_column(String(32))
    receipt_number: Mapped[str | None] = mapped_column(String(24), unique=True)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("idempotency_keys.id"), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    captured_at: Mapped[datetime | None]
    # When the upkeep jobs last took it: they take the least recently taken first, so that payments the
    # gateway keeps pending, or refunds that keep failing, cannot hold the queue's front for ever.
    checked_at: Mapped[datetime | None]


class IdempotencyKey(Base):
    """A client's Idempotency-Key, what the request was (its fingerprint), and the response it got.

    Keys are scoped to the account that sent them, so one citizen's key can never reach another's response.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    state: Mapped[str] = mapped_column(String(16))  # running, done
    locked_until: Mapped[datetime]  # a running request's lease; a retry after it may take over
    lease: Mapped[uuid.UUID]  # who holds it now: a request that lost it to a retry cannot finish it
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SandboxCharge(Base):
    """The sandbox gateway's own ledger, standing in for a card processor's: what it actually charged.

    Written in its own transaction, like a remote system, so a test can tell "charged" from "recorded".
    """

    __tablename__ = "sandbox_charges"

    reference: Mapped[str] = mapped_column(String(64), primary_key=True)  # our payment id
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    card_token: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # captured, declined, pending, refunded
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
