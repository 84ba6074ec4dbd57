"""Demerit points: thresholds, suspension bands and double-demerit periods as data, and pure functions.

Points count against a licence for three years from the offence date. The app shows three years and four
months of history, as the NSW app does, because an offence can reach the record months after it happened.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class Band:
    min_points: int
    months: int  # how long the licence is suspended


@dataclass(frozen=True, slots=True)
class DoubleDemeritPeriod:
    name: str
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class DemeritRules:
    region: str
    timezone: str  # whose calendar gives an offence its date
    counting_months: int  # how long points count towards a threshold
    shown_months: int  # how long the app shows them
    licence_categories: dict[str, str]  # a driver licence's licence_type claim → its category here
    thresholds: dict[str, int]  # by licence category
    bands: dict[str, tuple[Band, ...]]  # by category, highest band first
    double_periods: tuple[DoubleDemeritPeriod, ...]
    doubled_offences: frozenset[str]  # offence codes that double in those periods
    warn_within: int  # warn when this many points or fewer are left before the threshold
    suspension_notice_days: int  # between the notice of suspension and its start
    # Whether a suspended licence's proof-of-age companion stays valid (as proof of age only).
    proof_of_age_stays_valid: bool

    def __post_init__(self) -> None:
        if set(self.thresholds) != set(self.bands):
            raise ValueError(f"{self.region}: every licence category needs a threshold and bands")


_THREE_MONTHS = (Band(0, 3),)
NSW = DemeritRules(
    region="NSW",
    timezone="Australia/Sydney",
    counting_months=36,
    shown_months=40,
    licence_categories={"learner": "learner", "P1": "P1", "P2": "P2", "unrestricted": "unrestricted"},
    thresholds={
        "learner": 4,
        "P1": 4,
        "P2": 7,
        "unrestricted": 13,
        "professional": 14,
        "good_behaviour": 2,
    },
    bands={
        "learner": _THREE_MONTHS,
        "P1": _THREE_MONTHS,
        "P2": _THREE_MONTHS,
        "unrestricted": (Band(20, 5), Band(16, 4), Band(13, 3)),
        "professional": (Band(20, 5), Band(16, 4), Band(14, 3)),
        # Breaking a good-behaviour period doubles the suspension it replaced.
        "good_behaviour": (Band(0, 6),),
    },
    double_periods=(
        DoubleDemeritPeriod("Christmas and New Year 2025-26", date(2025, 12, 19), date(2026, 1, 4)),
        DoubleDemeritPeriod("Australia Day 2026", date(2026, 1, 23), date(2026, 1, 26)),
        DoubleDemeritPeriod("Easter 2026", date(2026, 4, 2), date(2026, 4, 6)),
        DoubleDemeritPeriod("Anzac Day 2026", date(2026, 4, 24), date(2026, 4, 26)),
        DoubleDemeritPeriod("King's Birthday 2026", date(2026, 6, 5), date(2026, 6, 8)),
        DoubleDemeritPeriod("Labour Day 2026", date(2026, 10, 2), date(2026, 10, 5)),
        DoubleDemeritPeriod("Christmas and New Year 2026-27", date(2026, 12, 18), date(2027, 1, 3)),
    ),
    # Speeding, mobile phone, seatbelt and motorcycle helmet offences.
    doubled_offences=frozenset({"SPEED", "PHONE", "SEATBELT", "HELMET"}),
    warn_within=3,
    suspension_notice_days=0,
    proof_of_age_stays_valid=False,  # NSW: the companion shares the licence's fate
)


def points_for(
    offence_code: str, offence_date: date, points: int, rules: DemeritRules
) -> tuple[int, str | None]:
    """The points an offence adds, and the double-demerit period that doubled them, if one did."""
    family = offence_code.split("-", 1)[0]
    if family in rules.doubled_offences:
        for period in rules.double_periods:
            if period.covers(offence_date):
                return points * 2, period.name
    return points, None


def counts_until(offence_date: date, rules: DemeritRules) -> date:
    """The last day the offence's points count towards a threshold."""
    return add_months(offence_date, rules.counting_months) - timedelta(days=1)


def shown_until(offence_date: date, rules: DemeritRules) -> date:
    return add_months(offence_date, rules.shown_months) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Offence:
    offence_date: date
    points: int


def balance(offences: Iterable[Offence], today: date, rules: DemeritRules) -> int:
    """Points that count today: those whose offence happened in the counting window."""
    return sum(o.points for o in offences if o.offence_date <= today <= counts_until(o.offence_date, rules))


def category_of_licence(licence_type: str | None, rules: DemeritRules) -> str:
    """The category a licence type counts as; a licence type the table does not know counts as the
    full (unrestricted) licence, the one with the most lenient threshold it names."""
    return rules.licence_categories.get(licence_type or "", "unrestricted")


def threshold(category: str, rules: DemeritRules) -> int:
    try:
        return rules.thresholds[category]
    except KeyError:
        raise ValueError(f"no {rules.region} demerit threshold for a {category!r} licence") from None


def suspension_months(category: str, points: int, rules: DemeritRules) -> int | None:
    """How long a licence is suspended at ``points``; None below the threshold."""
    if points < threshold(category, rules):
        return None
    return next(band.months for band in rules.bands[category] if points >= band.min_points)


def warning(points: int, category: str, rules: DemeritRules) -> str | None:
    """A plain warning once the balance is close to the threshold (and none at or past it)."""
    left = threshold(category, rules) - points
    if points == 0 or left <= 0 or left > rules.warn_within:
        return None
    noun = "point" if left == 1 else "points"
    return (
        f"You are {left} {noun} from the limit for your licence. "
        "Reaching it means your licence will be suspended."
    )
