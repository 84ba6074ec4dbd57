"""Payment plans: an overdue or enforced fine paid in monthly instalments.

A plan the rules allow (at most ``plan_max_instalments``, none smaller than ``plan_min_instalment_cents``)
is approved at once, and approving it lifts the fine's enforcement sanction. Each instalment is a payment
of its own through the payments engine; the last one pays the fine.
"""

from __future__ import annotations

import uuid

from wallet.audit.service import Actor
from wallet.demerits.rules import add_months
from wallet.fines import rules
from wallet.fines.errors import FineActionRefused, PlanRefused
from wallet.fines.models import Fine
from wallet.fines.rules import FineEvent, FineState, next_instalment
from wallet.fines.service import FineService
from wallet.wording import dollars, long_date


class Plans:
    def __init__(self, fines: FineService) -> None:
        self.fines = fines

    def start(self, account_id: uuid.UUID, fine_id: uuid.UUID, *, count: int, actor: Actor) -> Fine:
        fines, table = self.fines, self.fines.rules
        fine = fines.for_account(account_id, fine_id, lock=True)
        fines.require(fine, "payment_plan")
        try:
            amounts = rules.plan_instalments(fines.owed_cents(fine), count, table)
        except ValueError as refused:
            raise PlanRefused(str(refused)) from None
        first = fines.today + table.plan_first_due
        fine.plan = {
            "instalments": [
                {"amount_cents": amount, "due": add_months(first, i).isoformat()}
                for i, amount in enumerate(amounts)
            ],
            "paid": 0,
            "approved_on": fines.today.isoformat(),
        }
        fine.deadline = first
        fines.move(fine, FineEvent.START_PLAN, actor)
        fines.demerits.sanctions.lift_for_fine(
            fine.id, today=fines.today, reason="because a payment plan was approved", actor=actor
        )
        fines.tell(
            fine,
            "fine_payment_plan",
            "Payment plan approved",
            f"{count} instalments; the first is due {long_date(first)}.",
        )
        return fine

    def settle_instalment(self, fine: Fine) -> bool:
        """Count a captured instalment. Returns True when it was the last one (the fine is then paid).
        Raises FineActionRefused when the fine is no longer on its plan (withdrawn while the instalment was
        pending, say): the payments engine then marks the capture for refund, as it does a full payment."""
        if fine.state != FineState.PAYMENT_PLAN or fine.plan is None:
            raise FineActionRefused(
                f"The fine is {fine.state.replace('_', ' ')}, no longer on a payment plan: "
                "it cannot take an instalment."
            )
        plan = dict(fine.plan)
        number, _, _ = next_instalment(plan)
        plan["paid"] = number
        fine.plan = plan
        if number < len(plan["instalments"]):
            _, amount, due = next_instalment(plan)
            fine.deadline = due
            self.fines.tell(
                fine,
                "fine_instalment_paid",
                f"Instalment {number} paid",
                f"Next: {dollars(amount)} by {long_date(due)}.",
            )
            return False
        return True
