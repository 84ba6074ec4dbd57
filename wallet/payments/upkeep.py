"""What the jobs do for payments: finish the ones the gateway left open, and pay back the ones due a refund.

Each payment is handled in its own transactions and on its own: one that fails is logged and left for the
next run, and never stops the others (or the jobs after these).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from wallet.errors import AppError
from wallet.payments.gateway import Gateway
from wallet.payments.idempotency import KEPT_FOR, retire
from wallet.payments.models import Payment
from wallet.payments.service import OPEN_STATES, PaymentService

log = logging.getLogger(__name__)


@dataclass
class UpkeepReport:
    reconciled: int = 0
    abandoned: int = 0
    refunded: int = 0
    failed: int = 0


def mark_refunds_due(session: Session, subject_id: uuid.UUID, *, now: datetime) -> int:
    """In the caller's transaction (the one that makes the payments undue, a withdrawal): every captured
    payment for ``subject_id``, instalments included, is due a refund. Returns how many."""
    payments = session.scalars(
        select(Payment).where(Payment.subject_id == subject_id, Payment.state == "captured").with_for_update()
    ).all()
    for payment in payments:
        payment.state, payment.updated_at = "refund_due", now
    return len(payments)


class Upkeep:
    def __init__(self, payments: PaymentService) -> None:
        self.payments = payments

    @property
    def sessions(self) -> Callable[[], Session]:
        return self.payments.sessions

    def run(self, *, limit: int = 100) -> UpkeepReport:
        report = UpkeepReport()
        gateway = self.payments.gateway
        if gateway is None:
            return report
        for payment_id in self._take(OPEN_STATES, limit):
            self._guarded(report, partial(self._reconcile, gateway, payment_id, report))
        for payment_id in self._take(("refund_due",), limit):
            self._guarded(report, partial(self.refund, gateway, payment_id, report))
        return report

    def refund_subject(self, subject_id: uuid.UUID) -> UpkeepReport:
        """Pay back at once what a withdrawal made due for ``subject_id``; the jobs retry what fails."""
        report = UpkeepReport()
        gateway = self.payments.gateway
        if gateway is None:
            return report
        with self.sessions() as session:
            due = session.scalars(
                select(Payment.id).where(Payment.subject_id == subject_id, Payment.state == "refund_due")
            ).all()
        for payment_id in due:
            self._guarded(report, partial(self.refund, gateway, payment_id, report))
        return report

    def refund(self, gateway: Gateway, payment_id: uuid.UUID, report: UpkeepReport) -> None:
        """Pay back a payment due a refund, once: the gateway refunds a reference at most once."""
        with self.sessions() as session, session.begin():
            payment = session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
            if payment is None or payment.state != "refund_due":
                return
            gateway.refund(reference=str(payment.id), amount_cents=payment.amount_cents)
            payment.state, payment.refunded_cents = "refunded", payment.amount_cents
            payment.updated_at = self.payments.now()
            report.refunded += 1

    def _reconcile(self, gateway: Gateway, payment_id: uuid.UUID, report: UpkeepReport) -> None:
        result = gateway.lookup(str(payment_id))
        if result is None:
            report.abandoned += self._abandon(gateway, payment_id)
        elif result.state != "pending":
            report.reconciled += self.payments.record(payment_id, result).state not in OPEN_STATES

    def _abandon(self, gateway: Gateway, payment_id: uuid.UUID) -> bool:
        """Decline a payment whose request died before the charge and whose key's time is up, unless a
        retry holds the key: under the payment's lock (which a retry takes again just before it charges)
        and the key's, retired in the same transaction, so that the decision and a retry never both go on.
        """
        with self.sessions() as session, session.begin():
            now = self.payments.now()
            payment = session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
            if payment is None or payment.state != "created" or payment.created_at >= now - KEPT_FOR:
                return False
            if gateway.lookup(str(payment.id)) is not None:
                return False  # charged after all: the next reconcile records it
            if payment.idempotency_id is not None and not retire(session, payment.idempotency_id, now=now):
                return False  # a retry is on its way with the key: it completes the payment
            self.payments.abandon(session, payment)
            return True

    def _take(self, states: tuple[str, ...], limit: int) -> list[uuid.UUID]:
        """The next ``limit`` payments in ``states``, least recently taken first (never taken, oldest
        first), stamped as taken now, whether or not their step then changes anything. Rows another
        runner holds are skipped."""
        with self.sessions() as session, session.begin():
            payments = session.scalars(
                select(Payment)
                .where(Payment.state.in_(states))
                .order_by(Payment.checked_at.asc().nulls_first(), Payment.created_at, Payment.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            now = self.payments.now()
            for payment in payments:
                payment.checked_at = now
            return [payment.id for payment in payments]

    @staticmethod
    def _guarded(report: UpkeepReport, step: Callable[[], None]) -> None:
        try:
            step()
        except (AppError, ValueError):
            log.exception("payment upkeep step failed; left for the next run")
            report.failed += 1
