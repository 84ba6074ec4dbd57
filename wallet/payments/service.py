"""The payments engine: one path for every payment (fines now, registration next).

A payment runs in three steps, each committed on its own so that nothing is lost between them:
1. open: lock the thing owed, check the amount, record the payment as ``created`` (one live payment per
   thing owed, held by a unique constraint);
2. charge the card at the gateway, idempotently on the payment id;
3. record the outcome; on capture, settle what was paid for (the fine is paid) in the same transaction.
A request killed between 2 and 3 leaves a ``created`` payment that the gateway has charged; the retry
(same Idempotency-Key) finds it, charges again, gets the first charge back, and records it. Never a double
charge, never a charge without its record.
"""

from __future__ import annotations

import base64
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wallet.db import new_id
from wallet.errors import AppError, NotFound
from wallet.payments.errors import PaymentInProgress, PaymentsUnavailable
from wallet.payments.gateway import Gateway, GatewayResult, GatewayTimeout
from wallet.payments.models import Payment

log = logging.getLogger(__name__)

CURRENCY = "AUD"
OPEN_STATES = ("created", "pending")


@dataclass(frozen=True, slots=True)
class Order:
    agency_id: uuid.UUID  # who is paid, and signs the receipt
    purpose: str
    subject_id: uuid.UUID
    amount_cents: int
    description: str
    details: dict[str, Any] | None = None  # what the settler needs to know (a renewal's term)


Prepare = Callable[
    [Session], Order
]  # locks and checks the thing owed; raises an AppError if it cannot be paid
Settle = Callable[[Session, Payment], None]  # marks it paid, in the transaction that records the capture


class PaymentService:
    def __init__(
        self,
        sessions: Callable[[], Session],
        *,
        now: Callable[[], datetime],
        gateway: Gateway | None,
        settlers: Mapping[str, Settle],
    ) -> None:
        self.sessions = sessions
        self.now = now
        self.gateway = gateway
        self.settlers = settlers

    def pay(self, account_id: uuid.UUID, claim_id: uuid.UUID, prepare: Prepare, card_token: str) -> Payment:
        """Pay what ``prepare`` names, once per idempotency claim. The payment comes back captured, failed
        (declined) or pending (the gateway has not said yet)."""
        gateway = self._gateway()
        payment = self._open(account_id, claim_id, prepare, gateway.name)
        payment = self._reread(payment.id)  # a late retry's payment may have been declined as abandoned
        if payment.state not in OPEN_STATES:
            return payment
        try:
            result = gateway.charge(
                reference=str(payment.id),
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                card_token=card_token,
            )
        except GatewayTimeout:
            result = GatewayResult("pending")  # unknown: reconcile asks the gateway again later
        except AppError as refused:  # the gateway refused the request itself: nothing was charged
            self.record(payment.id, GatewayResult("declined", refused.code))
            raise
        return self.record(payment.id, result)

    def record(self, payment_id: uuid.UUID, result: GatewayResult) -> Payment:
        """Record what the gateway said, once: a payment already decided is left as it is, except that a
        capture is never dropped: one for a payment decided as failed is due a refund."""
        with self.sessions() as session, session.begin():
            payment = session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
            if payment is None:
                raise ValueError(f"no payment {payment_id}")
            if payment.state in OPEN_STATES:
                self._apply(session, payment, result)
            elif payment.state == "failed" and result.state == "captured":
                self._late_capture(payment)
            return payment

    def abandon(self, session: Session, payment: Payment) -> None:
        """Decline ``payment``, open and locked by the caller, whose request died before the charge; in the
        caller's transaction (the one that makes sure no retry can still charge it)."""
        self._apply(session, payment, GatewayResult("declined", "abandoned"))

    def settle_webhook(self, payment_id: uuid.UUID, result: GatewayResult) -> Payment:
        """A signed webhook's outcome, checked against the gateway's own word before it is recorded."""
        confirmed = self._gateway().lookup(str(payment_id))
        if confirmed is None or confirmed.state != result.state:
            raise NotFound("The gateway knows no such outcome for this payment.")
        return self.record(payment_id, confirmed)

    def of_account(self, session: Session, account_id: uuid.UUID) -> list[Payment]:
        return list(
            session.scalars(
                select(Payment).where(Payment.account_id == account_id).order_by(Payment.created_at.desc())
            )
        )

    def for_account(self, session: Session, account_id: uuid.UUID, payment_id: uuid.UUID) -> Payment:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.account_id != account_id:
            raise NotFound("No such payment.")
        return payment

    def _reread(self, payment_id: uuid.UUID) -> Payment:
        with self.sessions() as session, session.begin():
            return session.get_one(Payment, payment_id, with_for_update=True, populate_existing=True)

    def _late_capture(self, payment: Payment) -> None:
        # The charge landed after the payment was declined (as abandoned, racing the request that charged):
        # the citizen was told it failed and what it was for is still owed, so the money goes back.
        log.warning(
            "payment %s captured after it was declined (%s): refund due", payment.id, payment.failure_code
        )
        payment.state, payment.captured_at = "refund_due", self.now()
        payment.updated_at = payment.captured_at

    def _gateway(self) -> Gateway:
        if self.gateway is None:
            raise PaymentsUnavailable("No payment gateway is configured; try again later.")
        return self.gateway

    def _open(self, account_id: uuid.UUID, claim_id: uuid.UUID, prepare: Prepare, gateway: str) -> Payment:
        with self.sessions() as session, session.begin():
            earlier = session.scalars(select(Payment).where(Payment.idempotency_id == claim_id)).first()
            if earlier is not None:  # a retry of a request that died after opening its payment
                return earlier
            order = prepare(session)
            # Under the lock ``prepare`` took: refuse, rather than insert and wait on the unique index, so
            # that this transaction never waits on one that is recording a capture (and waits for the lock).
            if session.scalar(select(in_flight(order.subject_id))):
                raise PaymentInProgress("Another payment for this is under way or done.")
            now = self.now()
            payment = Payment(
                id=new_id(),
                account_id=account_id,
                agency_id=order.agency_id,
                purpose=order.purpose,
                subject_id=order.subject_id,
                description=order.description,
                details=order.details,
                amount_cents=order.amount_cents,
                currency=CURRENCY,
                state="created",
                live_slot=True,
                gateway=gateway,
                refunded_cents=0,
                idempotency_id=claim_id,
                created_at=now,
                updated_at=now,
            )
            session.add(payment)
            try:
                session.flush()
            except IntegrityError:
                raise PaymentInProgress("Another payment for this is under way or done.") from None
            return payment

    def _settle(self, session: Session, payment: Payment) -> None:
        """Settle what was paid for; if it can no longer take the payment (withdrawn, say, while the charge
        was pending), the capture is still recorded, and refunded by the jobs."""
        try:
            with session.begin_nested():
                self.settlers[payment.purpose](session, payment)
        except AppError as refused:
            log.warning("payment %s captured but not settled (%s): refund due", payment.id, refused.code)
            payment.state, payment.failure_code = "refund_due", refused.code

    def _apply(self, session: Session, payment: Payment, result: GatewayResult) -> None:
        now = self.now()
        payment.updated_at = now
        if result.state == "captured":
            # live_slot guards payments in flight; once captured, what was paid for says whether more is owed.
            payment.state, payment.captured_at, payment.live_slot = "captured", now, None
            payment.receipt_number = receipt_number()
            self._settle(session, payment)
        elif result.state == "declined":
            payment.state, payment.failure_code, payment.live_slot = "failed", result.failure_code, None
        else:
            payment.state = "pending"
        session.flush()


def in_flight(subject_id: Any) -> Any:
    """A condition: a payment for ``subject_id`` (a column or a value) is under way, not yet decided,
    whatever its purpose (a fine or its instalment)."""
    return exists().where(Payment.subject_id == subject_id, Payment.live_slot.is_(True))


def receipt_number() -> str:
    """A new receipt number: 80 random bits in base32, in groups of four.

    Drawn on its own, not from the payment id: a UUIDv7 starts with its time, so numbers taken from ids
    would share their first groups, tell when the payment was made, and hold only 26 random bits.
    """
    text = base64.b32encode(secrets.token_bytes(10)).decode()
    return "R-" + "-".join(text[i : i + 4] for i in range(0, 16, 4))
