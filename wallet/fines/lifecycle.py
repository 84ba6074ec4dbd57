"""What moves fines along without the citizen: the deadline steps of the periodic job, and payment.

The job takes fines whose deadline has passed with ``FOR UPDATE SKIP LOCKED``, so several runners (cron
on several machines) share the work and never step one fine twice; each step is idempotent because it
only applies to a fine still in the state the deadline belongs to.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from issuers.sdjwt import age_on
from wallet.agencies.models import Person
from wallet.audit.service import Actor
from wallet.demerits.sanctions import Sanctions
from wallet.fines import rules
from wallet.fines.models import Fine
from wallet.fines.plans import Plans
from wallet.fines.rules import DEADLINE_EVENTS, FineEvent, FineState
from wallet.fines.service import FineService
from wallet.payments.models import Payment
from wallet.payments.service import in_flight
from wallet.wording import dollars, long_date

JOB = Actor(type="operator", id="jobs")


class FineLifecycle:
    def __init__(self, fines: FineService, *, sanctions: Sanctions) -> None:
        self.fines = fines
        self.sanctions = sanctions
        self.session = fines.session

    def advance_due(self, *, limit: int = 200) -> int:
        """Take the next step for fines past their deadline. Returns how many moved."""
        today = self.fines.today
        due = self.session.scalars(
            select(Fine)
            .where(Fine.state.in_([state.value for state in DEADLINE_EVENTS]), Fine.deadline < today)
            .where(~in_flight(Fine.id))  # a payment under way is decided first: no fee lands under it
            .order_by(Fine.deadline, Fine.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for fine in due:
            self._step(fine, today)
        return len(due)

    def settle(self, payment: Payment) -> None:
        """A captured payment of a fine: the fine is paid, its points recorded, any enforcement lifted."""
        fine = self.session.scalars(select(Fine).where(Fine.id == payment.subject_id).with_for_update()).one()
        actor = Actor(type="citizen", id=str(payment.account_id))
        if payment.purpose == "fine_instalment" and not Plans(self.fines).settle_instalment(fine):
            return
        self.fines.move(fine, FineEvent.PAY, actor)
        today = self.fines.today
        self.fines.demerits.record_offence(fine, today=today, actor=actor)
        self.sanctions.lift_for_fine(
            fine.id, today=today, reason="because the fine has been paid", actor=actor
        )
        self.fines.tell(fine, "fine_paid", "Fine paid", f"Receipt {payment.receipt_number}.")

    def _step(self, fine: Fine, today: date) -> None:
        event = rules.due_step(FineState(fine.state), fine.deadline or today, today)
        if event is None:
            return
        age = age_on(self.session.get_one(Person, fine.person_id).birthdate, today)
        fee = rules.step_fee(event, self.fines.rules, age=age)
        if fee is not None and all(line["kind"] != fee.kind for line in fine.fees):  # once per fine
            line = {"kind": fee.kind, "amount_cents": fee.amount_cents, "explanation": fee.explanation}
            fine.fees = [*fine.fees, {**line, "added_on": today.isoformat()}]
        fine.deadline = rules.next_deadline(event, today, self.fines.rules)
        self.fines.move(fine, event, JOB)
        self._tell_step(fine, event, fine.deadline)
        if event is FineEvent.ENFORCE:
            self.sanctions.impose(
                fine.person_id,
                kind="fine_enforcement",
                starts_on=today,
                ends_on=None,
                fine_id=fine.id,
                reason=f"because penalty notice {fine.notice_number} is unpaid",
                today=today,
                actor=JOB,
            )

    def _tell_step(self, fine: Fine, event: FineEvent, pay_by: date | None) -> None:
        owed = dollars(self.fines.owed_cents(fine))
        if pay_by is None:  # enforcement: no deadline left
            self.fines.tell(
                fine,
                "fine_enforcement",
                "Your fine is being enforced",
                f"{owed} is owed; your licence is suspended until it is paid or a plan is agreed.",
            )
        elif event is FineEvent.REMIND:
            self.fines.tell(
                fine, "fine_reminder", "Reminder: your fine is unpaid", f"Pay {owed} by {long_date(pay_by)}."
            )
        else:
            self.fines.tell(
                fine,
                "fine_overdue",
                "Your fine is overdue",
                f"An enforcement fee was added; pay {owed} by {long_date(pay_by)}.",
            )
