"""The NSW demerit-point rules, each with fixed days: no clock, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from wallet.demerits.rules import (
    NSW,
    Band,
    DoubleDemeritPeriod,
    Offence,
    add_months,
    balance,
    counts_until,
    points_for,
    shown_until,
    suspension_months,
    threshold,
    warning,
)

# --- calendar months ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 15), 0, date(2024, 1, 15)),
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: clamped to 29 Feb
        (date(2023, 1, 31), 1, date(2023, 2, 28)),  # common year: clamped to 28 Feb
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # across the year end
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2024, 1, 31), 36, date(2027, 1, 31)),
        (date(2023, 10, 31), 40, date(2027, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 1, 10), -1, date(2024, 12, 10)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


# --- how long points count and are shown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offence_date", "last_day"),
    [
        (date(2024, 5, 10), date(2027, 5, 9)),
        (date(2024, 1, 1), date(2026, 12, 31)),
        (date(2024, 1, 31), date(2027, 1, 30)),
    ],
)
def test_points_count_for_three_years_up_to_the_day_before_the_anniversary(offence_date, last_day):
    assert counts_until(offence_date, NSW) == last_day


@pytest.mark.parametrize(
    ("offence_date", "last_day"),
    [
        (date(2024, 5, 10), date(2027, 9, 9)),
        (date(2024, 1, 1), date(2027, 4, 30)),
        (date(2024, 1, 31), date(2027, 5, 30)),
    ],
)
def test_the_app_shows_an_offence_for_three_years_and_four_months(offence_date, last_day):
    assert shown_until(offence_date, NSW) == last_day


def test_another_table_has_its_own_windows():
    rules = replace(NSW, region="Elsewhere", counting_months=24, shown_months=24)

    assert counts_until(date(2024, 5, 10), rules) == date(2026, 5, 9)
    assert shown_until(date(2024, 5, 10), rules) == date(2026, 5, 9)


OFFENCES = [Offence(date(2023, 6, 1), 3), Offence(date(2025, 2, 10), 4), Offence(date(2026, 1, 1), 2)]


def test_points_count_on_the_last_day_of_their_window():
    assert balance(OFFENCES, date(2026, 5, 31), NSW) == 9


def test_points_no_longer_count_the_day_after_their_window():
    assert balance(OFFENCES, date(2026, 6, 1), NSW) == 6


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2023, 5, 31), 0),  # before any offence
        (date(2023, 6, 1), 3),  # on the offence date
        (date(2025, 2, 10), 7),
        (date(2026, 1, 1), 9),
        (date(2028, 2, 9), 6),
        (date(2028, 2, 10), 2),
        (date(2028, 12, 31), 2),
        (date(2029, 1, 1), 0),
    ],
)
def test_the_balance_is_the_points_inside_their_windows_today(today, expected):
    assert balance(OFFENCES, today, NSW) == expected


def test_no_offences_is_a_zero_balance():
    assert balance([], date(2026, 1, 1), NSW) == 0


def test_the_balance_accepts_any_iterable():
    assert balance(iter(OFFENCES), date(2026, 5, 31), NSW) == 9


# --- double demerits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "day", "points", "expected"),
    [
        ("SPEED-10", date(2025, 12, 25), 3, (6, "Christmas and New Year 2025-26")),
        ("SPEED", date(2025, 12, 25), 1, (2, "Christmas and New Year 2025-26")),
        ("PHONE-01", date(2026, 4, 3), 5, (10, "Easter 2026")),
        ("SEATBELT-DRIVER", date(2026, 4, 25), 3, (6, "Anzac Day 2026")),
        ("HELMET-01", date(2026, 6, 6), 3, (6, "King's Birthday 2026")),
        ("SPEED-20", date(2026, 1, 24), 4, (8, "Australia Day 2026")),
        ("SPEED-20", date(2026, 10, 3), 4, (8, "Labour Day 2026")),
    ],
)
def test_a_doubled_offence_in_a_period_doubles_and_names_the_period(code, day, points, expected):
    assert points_for(code, day, points, NSW) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 12, 18), (3, None)),  # the day before
        (date(2025, 12, 19), (6, "Christmas and New Year 2025-26")),  # the first day
        (date(2026, 1, 4), (6, "Christmas and New Year 2025-26")),  # the last day, in the new year
        (date(2026, 1, 5), (3, None)),  # the day after
        (date(2026, 12, 17), (3, None)),
        (date(2026, 12, 18), (6, "Christmas and New Year 2026-27")),
        (date(2027, 1, 3), (6, "Christmas and New Year 2026-27")),
        (date(2027, 1, 4), (3, None)),
    ],
)
def test_a_double_demerit_period_includes_its_first_and_last_days(day, expected):
    assert points_for("SPEED-10", day, 3, NSW) == expected


@pytest.mark.parametrize("day", [date(2026, 3, 15), date(2026, 4, 1), date(2026, 4, 7), date(2026, 8, 1)])
def test_a_speeding_offence_outside_a_period_is_not_doubled(day):
    assert points_for("SPEED-10", day, 3, NSW) == (3, None)


@pytest.mark.parametrize("code", ["PARK-01", "REDLIGHT-01", "DRINK-PCA", "SPEEDING-1", "speed-10"])
def test_an_offence_outside_the_doubled_families_is_not_doubled_in_a_period(code):
    assert points_for(code, date(2026, 4, 3), 3, NSW) == (3, None)


def test_double_demerit_periods_are_just_data():
    rules = replace(
        NSW,
        double_periods=(DoubleDemeritPeriod("Show Day", date(2026, 8, 12), date(2026, 8, 12)),),
        doubled_offences=frozenset({"PARK"}),
    )

    assert points_for("PARK-01", date(2026, 8, 12), 1, rules) == (2, "Show Day")
    assert points_for("PARK-01", date(2026, 8, 13), 1, rules) == (1, None)
    assert points_for("SPEED-10", date(2025, 12, 25), 3, rules) == (3, None)


# --- thresholds and suspensions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "limit"),
    [
        ("learner", 4),
        ("P1", 4),
        ("P2", 7),
        ("unrestricted", 13),
        ("professional", 14),
        ("good_behaviour", 2),
    ],
)
def test_the_threshold_for_each_licence_category(category, limit):
    assert threshold(category, NSW) == limit


def test_nsw_has_exactly_these_licence_categories():
    assert set(NSW.thresholds) == {"learner", "P1", "P2", "unrestricted", "professional", "good_behaviour"}


@pytest.mark.parametrize(
    ("category", "points", "months"),
    [
        ("unrestricted", 0, None),
        ("unrestricted", 12, None),
        ("unrestricted", 13, 3),
        ("unrestricted", 15, 3),
        ("unrestricted", 16, 4),
        ("unrestricted", 19, 4),
        ("unrestricted", 20, 5),
        ("unrestricted", 33, 5),
        ("professional", 13, None),
        ("professional", 14, 3),
        ("professional", 15, 3),
        ("professional", 16, 4),
        ("professional", 19, 4),
        ("professional", 20, 5),
        ("learner", 3, None),
        ("learner", 4, 3),
        ("learner", 12, 3),
        ("P1", 3, None),
        ("P1", 4, 3),
        ("P1", 20, 3),
        ("P2", 6, None),
        ("P2", 7, 3),
        ("P2", 20, 3),
        # Breaking a good-behaviour period doubles the suspension it replaced.
        ("good_behaviour", 1, None),
        ("good_behaviour", 2, 6),
        ("good_behaviour", 13, 6),
    ],
)
def test_each_suspension_band(category, points, months):
    assert suspension_months(category, points, NSW) == months


@pytest.mark.parametrize("call", [threshold, lambda category, rules: suspension_months(category, 13, rules)])
def test_an_unknown_licence_category_is_refused(call):
    with pytest.raises(ValueError, match=r"^no NSW demerit threshold for a 'heavy_vehicle' licence$"):
        call("heavy_vehicle", NSW)


def test_a_warning_for_an_unknown_licence_category_is_refused():
    with pytest.raises(ValueError, match=r"^no NSW demerit threshold for a 'P3' licence$"):
        warning(1, "P3", NSW)


def test_a_table_must_give_every_category_both_a_threshold_and_bands():
    with pytest.raises(ValueError, match=r"^Elsewhere: every licence category needs a threshold and bands$"):
        replace(
            NSW,
            region="Elsewhere",
            thresholds={"learner": 4, "unrestricted": 12},
            bands={"learner": (Band(0, 3),)},
        )


def test_another_table_has_its_own_thresholds_and_bands():
    rules = replace(
        NSW,
        region="Elsewhere",
        thresholds={"open": 12},
        bands={"open": (Band(18, 6), Band(12, 2))},
        warn_within=2,
    )

    assert [suspension_months("open", points, rules) for points in (11, 12, 17, 18)] == [None, 2, 2, 6]
    assert warning(9, "open", rules) is None
    assert warning(10, "open", rules) == (
        "You are 2 points from the limit for your licence. Reaching it means your licence will be suspended."
    )


# --- warnings ----------------------------------------------------------------------------------------------


def _warning_text(left: str) -> str:
    return (
        f"You are {left} from the limit for your licence. Reaching it means your licence will be suspended."
    )


@pytest.mark.parametrize(
    ("points", "category", "expected"),
    [
        (10, "unrestricted", _warning_text("3 points")),
        (11, "unrestricted", _warning_text("2 points")),
        (12, "unrestricted", _warning_text("1 point")),
        (1, "learner", _warning_text("3 points")),
        (3, "P1", _warning_text("1 point")),
        (6, "P2", _warning_text("1 point")),
        (11, "professional", _warning_text("3 points")),
        (1, "good_behaviour", _warning_text("1 point")),
    ],
)
def test_a_warning_says_how_many_points_are_left(points, category, expected):
    assert warning(points, category, NSW) == expected


@pytest.mark.parametrize(
    ("points", "category"),
    [
        (0, "unrestricted"),
        (0, "learner"),  # 4 left, but nothing to warn about on a clean licence
        (0, "good_behaviour"),  # 2 left, but nothing to warn about on a clean licence
        (5, "unrestricted"),
        (9, "unrestricted"),  # 4 left
        (10, "professional"),  # 4 left
        (13, "unrestricted"),  # at the threshold: the suspension says it, not a warning
        (20, "unrestricted"),
        (4, "P1"),
        (2, "good_behaviour"),
    ],
)
def test_no_warning_on_a_clean_licence_far_from_the_threshold_or_at_it(points, category):
    assert warning(points, category, NSW) is None
