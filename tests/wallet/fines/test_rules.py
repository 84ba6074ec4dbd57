"""The NSW penalty-notice rules, each with fixed days: no clock, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from wallet.fines.rules import (
    CLOSED,
    DEADLINE_EVENTS,
    NSW,
    TRANSITIONS,
    Action,
    Fee,
    FineEvent,
    FineFacts,
    FineState,
    IllegalTransition,
    after,
    allowed_actions,
    due_step,
    instalments,
    next_deadline,
    plan_instalments,
    step_fee,
)

S, E = FineState, FineEvent

# Another state's rules are just another table: every number differs from NSW, and there is a reminder fee.
OTHER = replace(
    NSW,
    region="Elsewhere",
    timezone="Australia/Perth",
    reminder_period=timedelta(days=21),
    reminder_fee_cents=12_50,
    overdue_period=timedelta(days=35),
    overdue_fee_cents=80_00,
    overdue_fee_minor_cents=10_00,
    adult_age=21,
    enforcement_fee_cents=55_00,
    review_window=timedelta(days=28),
    nomination_window=timedelta(days=21),
    nominable_detections=frozenset({"camera"}),
)

# Written out by hand (not read from TRANSITIONS) so that a changed machine fails a test.
LEGAL = [
    (S.ISSUED, E.REMIND, S.REMINDER),
    (S.ISSUED, E.PAY, S.PAID),
    (S.ISSUED, E.REQUEST_REVIEW, S.UNDER_REVIEW),
    (S.ISSUED, E.NOMINATE, S.NOMINATED),
    (S.ISSUED, E.WITHDRAW, S.WITHDRAWN),
    (S.REMINDER, E.MAKE_OVERDUE, S.OVERDUE),
    (S.REMINDER, E.PAY, S.PAID),
    (S.REMINDER, E.REQUEST_REVIEW, S.UNDER_REVIEW),
    (S.REMINDER, E.NOMINATE, S.NOMINATED),
    (S.REMINDER, E.WITHDRAW, S.WITHDRAWN),
    (S.OVERDUE, E.ENFORCE, S.ENFORCEMENT),
    (S.OVERDUE, E.PAY, S.PAID),
    (S.OVERDUE, E.START_PLAN, S.PAYMENT_PLAN),
    (S.OVERDUE, E.WITHDRAW, S.WITHDRAWN),
    (S.ENFORCEMENT, E.PAY, S.PAID),
    (S.ENFORCEMENT, E.START_PLAN, S.PAYMENT_PLAN),
    (S.ENFORCEMENT, E.WITHDRAW, S.WITHDRAWN),
    (S.UNDER_REVIEW, E.CAUTION, S.CAUTIONED),
    (S.UNDER_REVIEW, E.WITHDRAW, S.WITHDRAWN),
    (S.PAYMENT_PLAN, E.PAY, S.PAID),
    (S.PAYMENT_PLAN, E.ENFORCE, S.ENFORCEMENT),
    (S.PAYMENT_PLAN, E.WITHDRAW, S.WITHDRAWN),
    (S.PAID, E.WITHDRAW, S.WITHDRAWN),
]
LEGAL_PAIRS = {(state, event) for state, event, _ in LEGAL} | {(S.UNDER_REVIEW, E.UPHOLD)}
ILLEGAL = [(state, event) for state in S for event in E if (state, event) not in LEGAL_PAIRS]

NOTICE = date(2026, 3, 2)
DEADLINE = date(2026, 4, 1)
REVIEW_LAST_DAY = date(2026, 5, 1)  # notice date + 60 days
NOMINATION_LAST_DAY = date(2026, 5, 31)  # notice date + 90 days


def _fine(state: FineState, *, detection: str = "camera", deadline: date | None = DEADLINE) -> FineFacts:
    return FineFacts(state=state, notice_date=NOTICE, deadline=deadline, detection=detection)


# --- the state machine -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "event", "target"), LEGAL)
def test_each_legal_event_moves_the_fine_to_its_state(state, event, target):
    assert after(state, event) is target


def test_the_machine_has_exactly_the_legal_transitions():
    in_table = {(state, event) for state, events in TRANSITIONS.items() for event in events}

    assert in_table == LEGAL_PAIRS
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(("state", "event"), ILLEGAL)
def test_every_other_event_is_an_illegal_transition(state, event):
    with pytest.raises(IllegalTransition) as raised:
        after(state, event)

    assert (raised.value.state, raised.value.event) == (state, event)


@pytest.mark.parametrize(
    ("state", "event", "message"),
    [
        (S.PAID, E.PAY, "a fine that is paid cannot be paid"),
        (S.ISSUED, E.ENFORCE, "a fine that is issued cannot be enforced"),
        (S.OVERDUE, E.REQUEST_REVIEW, "a fine that is overdue cannot be reviewed"),
        (S.OVERDUE, E.NOMINATE, "a fine that is overdue cannot be nominated to another driver"),
        (S.UNDER_REVIEW, E.PAY, "a fine under review cannot be paid"),
        (S.ISSUED, E.START_PLAN, "a fine that is issued cannot go on a payment plan"),
        (S.WITHDRAWN, E.WITHDRAW, "a fine that is withdrawn cannot be withdrawn"),
        (S.NOMINATED, E.PAY, "a fine that was nominated to another driver cannot be paid"),
        (S.CAUTIONED, E.REQUEST_REVIEW, "a fine that ended in a caution cannot be reviewed"),
    ],
)
def test_an_illegal_transition_says_what_cannot_happen_in_plain_words(state, event, message):
    with pytest.raises(IllegalTransition) as raised:
        after(state, event)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("state", "event"),
    [(S.REMINDER, E.REMIND), (S.ENFORCEMENT, E.ENFORCE), (S.PAYMENT_PLAN, E.START_PLAN)],
)
def test_an_illegal_transition_message_reads_well_for_states_named_by_a_noun(state, event):
    message = str(IllegalTransition(state, event))

    assert not message.startswith(f"a fine that is {state.value.replace('_', ' ')} ")


def test_an_illegal_transition_is_a_value_error():
    assert issubclass(IllegalTransition, ValueError)


@pytest.mark.parametrize("held_from", [S.ISSUED, S.REMINDER])
def test_an_upheld_fine_returns_to_the_state_it_was_held_in(held_from):
    under_review = after(held_from, E.REQUEST_REVIEW)

    assert after(under_review, E.UPHOLD, held_from=held_from) is held_from


def test_uphold_needs_the_state_the_fine_was_held_in():
    with pytest.raises(ValueError, match=r"^an upheld fine returns to the state a review was requested in$"):
        after(S.UNDER_REVIEW, E.UPHOLD)


def test_uphold_is_refused_outside_a_review():
    with pytest.raises(IllegalTransition, match=r"^a fine that is issued cannot be upheld$"):
        after(S.ISSUED, E.UPHOLD, held_from=S.ISSUED)


def test_closed_states():
    assert frozenset({S.PAID, S.WITHDRAWN, S.CAUTIONED, S.NOMINATED}) == CLOSED


@pytest.mark.parametrize("state", [S.WITHDRAWN, S.CAUTIONED, S.NOMINATED])
def test_a_withdrawn_cautioned_or_nominated_fine_never_moves_again(state):
    assert TRANSITIONS[state] == {}


def test_a_paid_fine_can_only_be_withdrawn_for_a_refund():
    assert TRANSITIONS[S.PAID] == {E.WITHDRAW: S.WITHDRAWN}


# --- deadlines and the periodic job ------------------------------------------------------------------------


def test_only_issued_reminder_overdue_and_planned_fines_move_on_their_deadline():
    assert {
        S.ISSUED: E.REMIND,
        S.REMINDER: E.MAKE_OVERDUE,
        S.OVERDUE: E.ENFORCE,
        S.PAYMENT_PLAN: E.ENFORCE,
    } == DEADLINE_EVENTS


@pytest.mark.parametrize("state", [S.ISSUED, S.REMINDER, S.OVERDUE, S.PAYMENT_PLAN])
def test_nothing_is_due_on_the_deadline_itself(state):
    assert due_step(state, DEADLINE, DEADLINE) is None
    assert due_step(state, DEADLINE, DEADLINE - timedelta(days=1)) is None


@pytest.mark.parametrize(
    ("state", "event"),
    [(S.ISSUED, E.REMIND), (S.REMINDER, E.MAKE_OVERDUE), (S.OVERDUE, E.ENFORCE), (S.PAYMENT_PLAN, E.ENFORCE)],
)
def test_the_next_step_is_due_the_day_after_the_deadline(state, event):
    assert due_step(state, DEADLINE, date(2026, 4, 2)) is event
    assert due_step(state, DEADLINE, date(2026, 9, 30)) is event  # a job that missed days still catches up


@pytest.mark.parametrize(
    "state", [S.ENFORCEMENT, S.UNDER_REVIEW, S.PAID, S.WITHDRAWN, S.CAUTIONED, S.NOMINATED]
)
def test_no_step_is_ever_due_for_a_fine_in_enforcement_on_hold_or_closed(state):
    assert due_step(state, DEADLINE, date(2027, 1, 1)) is None


def test_a_reminder_gives_28_more_days():
    assert next_deadline(E.REMIND, date(2026, 4, 2), NSW) == date(2026, 4, 30)


def test_an_overdue_fine_gets_28_more_days():
    assert next_deadline(E.MAKE_OVERDUE, date(2026, 5, 1), NSW) == date(2026, 5, 29)


def test_there_is_no_deadline_once_enforcement_has_begun():
    assert next_deadline(E.ENFORCE, date(2026, 5, 30), NSW) is None


def test_another_table_has_its_own_periods():
    assert next_deadline(E.REMIND, date(2026, 4, 2), OTHER) == date(2026, 4, 23)
    assert next_deadline(E.MAKE_OVERDUE, date(2026, 4, 2), OTHER) == date(2026, 5, 7)


def test_the_whole_nsw_sequence_from_notice_to_enforcement():
    state, deadline, day = S.ISSUED, DEADLINE, DEADLINE
    steps, fees = [], []
    while day <= date(2026, 12, 31):  # the daily job, run every day of the year
        event = due_step(state, deadline, day)
        if event is not None:
            steps.append((day, event))
            fees.append(step_fee(event, NSW, age=40))
            state, deadline = after(state, event), next_deadline(event, day, NSW)
        day += timedelta(days=1)

    assert steps == [
        (date(2026, 4, 2), E.REMIND),
        (date(2026, 5, 1), E.MAKE_OVERDUE),
        (date(2026, 5, 30), E.ENFORCE),
    ]
    assert state is S.ENFORCEMENT
    assert deadline is None
    assert [(fee.kind, fee.amount_cents) if fee else None for fee in fees] == [
        None,
        ("overdue", 65_00),
        ("enforcement", 40_00),
    ]


# --- fees --------------------------------------------------------------------------------------------------


def test_nsw_adds_no_fee_with_the_reminder():
    assert NSW.reminder_fee_cents == 0
    assert step_fee(E.REMIND, NSW, age=40) is None


def test_a_table_with_a_reminder_fee_adds_a_fee_line():
    assert step_fee(E.REMIND, OTHER, age=40) == Fee(
        "reminder", 12_50, "Added when the reminder notice was sent."
    )


def test_a_reminder_fee_is_just_another_number_in_the_nsw_table():
    rules = replace(NSW, region="NSW with a reminder fee", reminder_fee_cents=5_00)

    assert step_fee(E.REMIND, rules, age=40) == Fee(
        "reminder", 5_00, "Added when the reminder notice was sent."
    )


def test_an_adult_pays_65_dollars_when_the_fine_becomes_overdue():
    assert step_fee(E.MAKE_OVERDUE, NSW, age=18) == Fee(
        "overdue", 65_00, "Enforcement fee added when the fine became overdue."
    )


def test_someone_under_18_on_the_day_pays_25_dollars_when_the_fine_becomes_overdue():
    assert step_fee(E.MAKE_OVERDUE, NSW, age=17) == Fee(
        "overdue", 25_00, "Enforcement fee added when the fine became overdue (the fee for someone under 18)."
    )


@pytest.mark.parametrize(("age", "amount"), [(14, 25_00), (17, 25_00), (18, 65_00), (19, 65_00), (70, 65_00)])
def test_the_overdue_fee_turns_on_age_18(age, amount):
    assert step_fee(E.MAKE_OVERDUE, NSW, age=age).amount_cents == amount


@pytest.mark.parametrize(("age", "amount"), [(20, 10_00), (21, 80_00)])
def test_another_table_has_its_own_overdue_fees_and_adult_age(age, amount):
    assert step_fee(E.MAKE_OVERDUE, OTHER, age=age).amount_cents == amount


def test_the_minor_fee_explanation_names_the_table_adult_age():
    assert step_fee(E.MAKE_OVERDUE, OTHER, age=20).explanation == (
        "Enforcement fee added when the fine became overdue (the fee for someone under 21)."
    )


@pytest.mark.parametrize("age", [17, 40])
def test_enforcement_adds_the_40_dollar_licence_suspension_fee(age):
    assert step_fee(E.ENFORCE, NSW, age=age) == Fee(
        "enforcement", 40_00, "Added when the licence suspension was ordered."
    )


@pytest.mark.parametrize(
    "event", [E.PAY, E.REQUEST_REVIEW, E.UPHOLD, E.CAUTION, E.WITHDRAW, E.NOMINATE, E.START_PLAN]
)
def test_events_that_are_not_deadline_steps_add_no_fee(event):
    assert step_fee(event, OTHER, age=17) is None


# --- what the citizen can do -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.ISSUED, S.REMINDER])
def test_an_open_fine_can_be_paid_reviewed_or_nominated_until_each_last_day(state):
    assert allowed_actions(_fine(state), NOTICE, NSW) == [
        Action("pay", DEADLINE),
        Action("request_review", REVIEW_LAST_DAY),
        Action("nominate", NOMINATION_LAST_DAY),
    ]


def test_a_review_can_be_requested_on_the_60th_day_after_the_notice():
    names = [action.name for action in allowed_actions(_fine(S.REMINDER), REVIEW_LAST_DAY, NSW)]

    assert names == ["pay", "request_review", "nominate"]


def test_a_review_is_refused_the_day_after_the_window():
    actions = allowed_actions(_fine(S.REMINDER), date(2026, 5, 2), NSW)

    assert actions == [Action("pay", DEADLINE), Action("nominate", NOMINATION_LAST_DAY)]


def test_a_driver_can_be_nominated_on_the_90th_day_after_the_notice():
    actions = allowed_actions(_fine(S.REMINDER), NOMINATION_LAST_DAY, NSW)

    assert actions == [Action("pay", DEADLINE), Action("nominate", NOMINATION_LAST_DAY)]


def test_a_nomination_is_refused_the_day_after_the_window():
    assert allowed_actions(_fine(S.REMINDER), date(2026, 6, 1), NSW) == [Action("pay", DEADLINE)]


@pytest.mark.parametrize("detection", ["camera", "parking"])
def test_camera_and_parking_offences_can_be_nominated(detection):
    names = [action.name for action in allowed_actions(_fine(S.ISSUED, detection=detection), NOTICE, NSW)]

    assert "nominate" in names


def test_an_offence_detected_by_an_officer_cannot_be_nominated():
    # The officer who stopped the driver has already named them.
    assert allowed_actions(_fine(S.ISSUED, detection="officer"), NOTICE, NSW) == [
        Action("pay", DEADLINE),
        Action("request_review", REVIEW_LAST_DAY),
    ]


def test_another_table_has_its_own_windows_and_nominable_detections():
    assert allowed_actions(_fine(S.ISSUED), NOTICE, OTHER) == [
        Action("pay", DEADLINE),
        Action("request_review", date(2026, 3, 30)),
        Action("nominate", date(2026, 3, 23)),
    ]
    assert [a.name for a in allowed_actions(_fine(S.ISSUED, detection="parking"), NOTICE, OTHER)] == [
        "pay",
        "request_review",
    ]


def test_an_overdue_fine_can_be_paid_or_put_on_a_plan_but_not_reviewed_or_nominated():
    fine = _fine(S.OVERDUE, deadline=date(2026, 5, 29))

    assert allowed_actions(fine, date(2026, 5, 1), NSW) == [
        Action("pay", date(2026, 5, 29)),
        Action("payment_plan", None),
    ]


def test_a_fine_in_enforcement_can_be_paid_without_a_deadline_or_put_on_a_plan():
    fine = _fine(S.ENFORCEMENT, deadline=None)

    assert allowed_actions(fine, date(2026, 6, 15), NSW) == [
        Action("pay", None),
        Action("payment_plan", None),
    ]


@pytest.mark.parametrize("state", [S.ISSUED, S.REMINDER, S.UNDER_REVIEW, S.PAYMENT_PLAN])
def test_a_payment_plan_is_offered_only_for_overdue_or_enforcement_fines(state):
    names = [action.name for action in allowed_actions(_fine(state), NOTICE, NSW)]

    assert "payment_plan" not in names


def test_a_fine_on_a_plan_can_still_be_paid_off():
    assert allowed_actions(_fine(S.PAYMENT_PLAN), date(2026, 7, 1), NSW) == [Action("pay", DEADLINE)]


def test_a_fine_under_review_is_on_hold_with_nothing_to_do():
    assert allowed_actions(_fine(S.UNDER_REVIEW), NOTICE, NSW) == []


@pytest.mark.parametrize("state", [S.PAID, S.WITHDRAWN, S.CAUTIONED, S.NOMINATED])
def test_a_closed_fine_has_no_actions(state):
    assert allowed_actions(_fine(state), NOTICE, NSW) == []


# --- payment plans -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (100_00, 3, [33_34, 33_33, 33_33]),
        (10, 4, [3, 3, 2, 2]),
        (90_00, 3, [30_00, 30_00, 30_00]),
        (65_00, 1, [65_00]),
        (100_01, 4, [25_01, 25_00, 25_00, 25_00]),
        (100_03, 4, [25_01, 25_01, 25_01, 25_00]),
    ],
)
def test_instalments_put_the_remainder_on_the_first_ones(total, count, expected):
    assert instalments(total, count) == expected


@pytest.mark.parametrize("total", [1, 99, 40_00, 65_00, 123_457, 1_000_000_07])
@pytest.mark.parametrize("count", [1, 2, 3, 7, 12, 24])
def test_instalments_always_sum_to_the_total_exactly(total, count):
    parts = instalments(total, count)

    assert sum(parts) == total
    assert len(parts) == count
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


@pytest.mark.parametrize("count", [0, -1])
def test_a_plan_of_no_instalments_is_refused(count):
    with pytest.raises(ValueError, match=r"^a plan has at least one instalment$"):
        instalments(100_00, count)


# --- the calendar the days are counted in ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (datetime(2026, 11, 21, 12, 59, tzinfo=UTC), date(2026, 11, 21)),  # 23:59 AEDT
        (datetime(2026, 11, 21, 13, 0, tzinfo=UTC), date(2026, 11, 22)),  # midnight AEDT
        (datetime(2026, 11, 21, 13, 30, tzinfo=UTC), date(2026, 11, 22)),
        (datetime(2026, 7, 1, 13, 30, tzinfo=UTC), date(2026, 7, 1)),  # 23:30 AEST, no daylight saving
        (datetime(2026, 7, 1, 14, 0, tzinfo=UTC), date(2026, 7, 2)),
    ],
)
def test_today_is_the_day_in_sydney_not_in_utc(now, day):
    assert NSW.today(now) == day


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Daylight saving ends at 03:00 AEDT on Sunday 5 April 2026: 13:30 UTC is 00:30 before, 23:30 after.
        (datetime(2026, 4, 4, 13, 30, tzinfo=UTC), date(2026, 4, 5)),
        (datetime(2026, 4, 5, 13, 30, tzinfo=UTC), date(2026, 4, 5)),
        # Daylight saving starts at 02:00 AEST on Sunday 4 October 2026: 13:30 UTC is 23:30, then 00:30.
        (datetime(2026, 10, 3, 13, 30, tzinfo=UTC), date(2026, 10, 3)),
        (datetime(2026, 10, 4, 13, 30, tzinfo=UTC), date(2026, 10, 5)),
    ],
)
def test_today_follows_sydney_across_daylight_saving_changes(now, day):
    assert NSW.today(now) == day


def test_another_table_counts_days_in_its_own_time_zone():
    now = datetime(2026, 11, 21, 15, 59, tzinfo=UTC)  # 02:59 in Sydney, 23:59 in Perth

    assert NSW.today(now) == date(2026, 11, 22)
    assert OTHER.today(now) == date(2026, 11, 21)


def test_the_nsw_table():
    assert (NSW.region, NSW.timezone) == ("NSW", "Australia/Sydney")
    assert (NSW.reminder_period, NSW.overdue_period) == (timedelta(days=28), timedelta(days=28))
    assert (NSW.overdue_fee_cents, NSW.overdue_fee_minor_cents, NSW.adult_age) == (65_00, 25_00, 18)
    assert NSW.enforcement_fee_cents == 40_00
    assert (NSW.review_window, NSW.nomination_window) == (timedelta(days=60), timedelta(days=90))
    assert frozenset({"camera", "parking"}) == NSW.nominable_detections


@pytest.mark.parametrize(
    ("total", "count", "allowed"),
    [(51_500, 2, True), (51_500, 24, True), (51_500, 25, False), (51_500, 1, False), (3_999, 2, False)],
)
def test_a_plan_is_allowed_only_within_the_tables_limits(total, count, allowed):
    if allowed:
        assert sum(plan_instalments(total, count, NSW)) == total
    else:
        with pytest.raises(ValueError, match=r"instalments of at least \$20\.00"):
            plan_instalments(total, count, NSW)


def test_a_fine_whose_review_was_decided_offers_no_second_review():
    reviewed = FineFacts(
        state=S.ISSUED, notice_date=NOTICE, deadline=DEADLINE, detection="camera", reviewed=True
    )

    assert [a.name for a in allowed_actions(reviewed, NOTICE, NSW)] == ["pay", "nominate"]
