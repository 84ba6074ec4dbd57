"""The life of a penalty notice: a table of statutory periods and fees, and small pure functions over it.

Nothing here reads a clock or a database. Every function takes the day it is asked about, so each rule is
a plain test, and another state's rules are another ``FineRules`` table, not another code path.

The NSW sequence: a notice is due on its due date; unpaid, a reminder gives a further 28 days; still
unpaid, the fine becomes overdue with an enforcement fee ($65, or $25 for someone under 18) and 28 more
days; then enforcement action, such as suspending the driver licence ($40 to Transport for NSW).
A review holds the clock: the days on hold are added to the deadline when the review ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from wallet.clock import local_date
from wallet.wording import dollars


class FineState(StrEnum):
    ISSUED = "issued"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ENFORCEMENT = "enforcement"
    UNDER_REVIEW = "under_review"
    PAYMENT_PLAN = "payment_plan"
    PAID = "paid"
    WITHDRAWN = "withdrawn"
    CAUTIONED = "cautioned"
    NOMINATED = "nominated"


class FineEvent(StrEnum):
    REMIND = "remind"
    MAKE_OVERDUE = "make_overdue"
    ENFORCE = "enforce"
    REQUEST_REVIEW = "request_review"
    UPHOLD = "uphold"
    CAUTION = "caution"
    WITHDRAW = "withdraw"
    PAY = "pay"
    NOMINATE = "nominate"
    START_PLAN = "start_plan"


S, E = FineState, FineEvent
# Where each event may take a fine. UPHOLD returns a reviewed fine to the state it was held in; the
# machine says only that it may leave UNDER_REVIEW that way (see ``after``).
TRANSITIONS: dict[FineState, dict[FineEvent, FineState]] = {
    S.ISSUED: {
        E.REMIND: S.REMINDER,
        E.PAY: S.PAID,
        E.REQUEST_REVIEW: S.UNDER_REVIEW,
        E.NOMINATE: S.NOMINATED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.REMINDER: {
        E.MAKE_OVERDUE: S.OVERDUE,
        E.PAY: S.PAID,
        E.REQUEST_REVIEW: S.UNDER_REVIEW,
        E.NOMINATE: S.NOMINATED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.OVERDUE: {
        E.ENFORCE: S.ENFORCEMENT,
        E.PAY: S.PAID,
        E.START_PLAN: S.PAYMENT_PLAN,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.ENFORCEMENT: {E.PAY: S.PAID, E.START_PLAN: S.PAYMENT_PLAN, E.WITHDRAW: S.WITHDRAWN},
    S.UNDER_REVIEW: {E.UPHOLD: S.UNDER_REVIEW, E.CAUTION: S.CAUTIONED, E.WITHDRAW: S.WITHDRAWN},
    S.PAYMENT_PLAN: {E.PAY: S.PAID, E.ENFORCE: S.ENFORCEMENT, E.WITHDRAW: S.WITHDRAWN},
    S.PAID: {E.WITHDRAW: S.WITHDRAWN},  # a paid fine later withdrawn is refunded
    S.WITHDRAWN: {},
    S.CAUTIONED: {},
    S.NOMINATED: {},
}
# The job moves a fine along only from these, once its deadline (a plan's: the next instalment) has passed.
DEADLINE_EVENTS = {
    S.ISSUED: E.REMIND,
    S.REMINDER: E.MAKE_OVERDUE,
    S.OVERDUE: E.ENFORCE,
    S.PAYMENT_PLAN: E.ENFORCE,  # a missed instalment ends the plan
}
CLOSED = frozenset({S.PAID, S.WITHDRAWN, S.CAUTIONED, S.NOMINATED})


# How a message names a fine in each state, and what each event would have done to it.
STATE_WORDS = {
    S.ISSUED: "that is issued",
    S.REMINDER: "at the reminder stage",
    S.OVERDUE: "that is overdue",
    S.ENFORCEMENT: "under enforcement",
    S.UNDER_REVIEW: "under review",
    S.PAYMENT_PLAN: "on a payment plan",
    S.PAID: "that is paid",
    S.WITHDRAWN: "that is withdrawn",
    S.CAUTIONED: "that ended in a caution",
    S.NOMINATED: "that was nominated to another driver",
}
EVENT_WORDS = {
    E.REMIND: "be sent a reminder",
    E.MAKE_OVERDUE: "become overdue",
    E.ENFORCE: "be enforced",
    E.REQUEST_REVIEW: "be reviewed",
    E.UPHOLD: "be upheld",
    E.CAUTION: "end in a caution",
    E.WITHDRAW: "be withdrawn",
    E.PAY: "be paid",
    E.NOMINATE: "be nominated to another driver",
    E.START_PLAN: "go on a payment plan",
}
REVIEWABLE = frozenset(state for state, events in TRANSITIONS.items() if E.REQUEST_REVIEW in events)


class IllegalTransition(ValueError):
    def __init__(self, state: FineState, event: FineEvent) -> None:
        super().__init__(f"a fine {STATE_WORDS[state]} cannot {EVENT_WORDS[event]}")
        self.state, self.event = state, event


def after(state: FineState, event: FineEvent, *, held_from: FineState | None = None) -> FineState:
    """The state ``event`` moves a fine to. Raises IllegalTransition."""
    target = TRANSITIONS[state].get(event)
    if target is None:
        raise IllegalTransition(state, event)
    if event is E.UPHOLD:
        if held_from not in REVIEWABLE:
            raise ValueError("an upheld fine returns to the state a review was requested in")
        return held_from
    return target


@dataclass(frozen=True, slots=True)
class FineRules:
    region: str
    timezone: str  # whose calendar the statutory days are counted in
    reminder_period: timedelta  # to pay after a reminder
    reminder_fee_cents: int
    overdue_period: timedelta  # to pay an overdue fine before enforcement
    overdue_fee_cents: int
    overdue_fee_minor_cents: int  # for someone under ``adult_age`` on the day it becomes overdue
    adult_age: int
    enforcement_fee_cents: int  # the licensing agency's fee for suspending the licence
    review_window: timedelta  # from the notice date
    nomination_window: timedelta  # from the notice date
    nominable_detections: frozenset[str]  # an officer who stopped the driver has already named them
    nominee_period: timedelta  # for the nominated driver to deal with the notice sent to them
    plan_min_instalment_cents: int
    plan_max_instalments: int
    plan_first_due: timedelta  # from approval to the first instalment; the rest follow monthly

    def today(self, now: datetime) -> date:
        return local_date(now, self.timezone)


NSW = FineRules(
    region="NSW",
    timezone="Australia/Sydney",
    reminder_period=timedelta(days=28),
    reminder_fee_cents=0,  # NSW sends the penalty reminder notice without a fee
    overdue_period=timedelta(days=28),
    overdue_fee_cents=65_00,
    overdue_fee_minor_cents=25_00,
    adult_age=18,
    enforcement_fee_cents=40_00,
    review_window=timedelta(days=60),
    nomination_window=timedelta(days=90),
    nominable_detections=frozenset({"camera", "parking"}),
    nominee_period=timedelta(days=21),
    plan_min_instalment_cents=20_00,
    plan_max_instalments=24,
    plan_first_due=timedelta(days=14),
)


@dataclass(frozen=True, slots=True)
class Fee:
    kind: str  # reminder, overdue, enforcement
    amount_cents: int
    explanation: str


def due_step(state: FineState, deadline: date, today: date) -> FineEvent | None:
    """What the periodic job must do to a fine today: the next step once its deadline has passed."""
    event = DEADLINE_EVENTS.get(state)
    return event if event is not None and today > deadline else None


def step_fee(event: FineEvent, rules: FineRules, *, age: int) -> Fee | None:
    """The fee a deadline step adds, if any; ``age`` is the person's age on the day of the step."""
    if event is E.REMIND and rules.reminder_fee_cents:
        return Fee("reminder", rules.reminder_fee_cents, "Added when the reminder notice was sent.")
    if event is E.MAKE_OVERDUE:
        minor = age < rules.adult_age
        amount = rules.overdue_fee_minor_cents if minor else rules.overdue_fee_cents
        who = f" (the fee for someone under {rules.adult_age})" if minor else ""
        return Fee("overdue", amount, f"Enforcement fee added when the fine became overdue{who}.")
    if event is E.ENFORCE:
        return Fee(
            "enforcement", rules.enforcement_fee_cents, "Added when the licence suspension was ordered."
        )
    return None


def resumed_deadline(deadline: date, held_since: date, today: date) -> date:
    """The deadline after a review held the clock from ``held_since`` to ``today``: the days on hold added.
    A deadline with no days left in the calendar stays where it is rather than overflow."""
    if date.max - deadline <= today - held_since:
        return date.max
    return deadline + (today - held_since)


def next_deadline(event: FineEvent, today: date, rules: FineRules) -> date | None:
    """The new pay-by date after a deadline step; None once enforcement has begun (no deadline left)."""
    if event is E.REMIND:
        return today + rules.reminder_period
    if event is E.MAKE_OVERDUE:
        return today + rules.overdue_period
    return None


@dataclass(frozen=True, slots=True)
class Action:
    name: str  # pay, request_review, nominate, payment_plan
    until: date | None  # the last day it can be done; None: no deadline


@dataclass(frozen=True, slots=True)
class FineFacts:
    """What the rules need to know about one fine."""

    state: FineState
    notice_date: date
    deadline: date | None
    detection: str
    reviewed: bool = False  # a review was decided: a notice is reviewed once


def allowed_actions(fine: FineFacts, today: date, rules: FineRules) -> list[Action]:
    """What the citizen can do about a fine today, each with its last day."""
    actions = []
    if E.PAY in TRANSITIONS[fine.state] and fine.state is not S.PAID:
        actions.append(Action("pay", fine.deadline))
    for name, event, window, applies in (
        ("request_review", E.REQUEST_REVIEW, rules.review_window, not fine.reviewed),
        ("nominate", E.NOMINATE, rules.nomination_window, fine.detection in rules.nominable_detections),
    ):
        last_day = fine.notice_date + window
        if applies and event in TRANSITIONS[fine.state] and today <= last_day:
            actions.append(Action(name, last_day))
    if E.START_PLAN in TRANSITIONS[fine.state]:
        actions.append(Action("payment_plan", None))
    return actions


def plan_instalments(total_cents: int, count: int, rules: FineRules) -> list[int]:
    """The instalments of a plan the rules allow; ValueError says why one is not allowed."""
    amounts = instalments(total_cents, count) if count >= 2 else []
    if count > rules.plan_max_instalments or not amounts or min(amounts) < rules.plan_min_instalment_cents:
        raise ValueError(
            f"A plan has 2 to {rules.plan_max_instalments} instalments of at least "
            f"{dollars(rules.plan_min_instalment_cents)}; {dollars(total_cents)} is owed."
        )
    return amounts


def instalments(total_cents: int, count: int) -> list[int]:
    """``total_cents`` split into ``count`` instalments of whole cents, the remainder on the first ones."""
    if count < 1:
        raise ValueError("a plan has at least one instalment")
    base, extra = divmod(total_cents, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def next_instalment(plan: dict[str, Any]) -> tuple[int, int, date]:
    """(number from 1, amount in cents, due date) of the next unpaid instalment of a plan."""
    number = int(plan["paid"]) + 1
    instalment = plan["instalments"][number - 1]
    return number, int(instalment["amount_cents"]), date.fromisoformat(instalment["due"])
