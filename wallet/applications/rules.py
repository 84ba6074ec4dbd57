"""Eligibility rules for card applications: tables of data, and small pure functions that apply them.

Nothing here reads a clock or a database: ``decide`` takes the declarations, the birthdate confirmed from a
record (or None), and the day, so every case is a plain test. Another state's rules are another
``RuleTable``, and another kind of application another ``ApplicationKind``, not another code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime
from enum import StrEnum

# The card's own age_over_NN claims are computed with this, so the rules and the card never disagree.
from issuers.sdjwt import age_on
from wallet.clock import local_date
from wallet.wording import long_date


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Declarations:
    """What the applicant declares on the form."""

    nsw_resident: bool
    paid_work_hours_per_week: int
    statutory_declaration_accepted: bool


@dataclass(frozen=True, slots=True)
class CardBand:
    """The card for those who declare at most ``max_hours`` of paid work a week (None: no limit)."""

    max_hours: int | None
    card_type: str
    card_name: str
    because: str  # completes "You are 60 or over and ..."


@dataclass(frozen=True, slots=True)
class RuleTable:
    region: str  # whose residents may hold the card, as the explanations name it
    timezone: str  # whose calendar says when a birthday has come
    min_age: int
    bands: tuple[CardBand, ...]  # in order: the first band the declared hours fit wins

    def __post_init__(self) -> None:
        if not self.bands or self.bands[-1].max_hours is not None:
            raise ValueError(f"{self.region}: the last band must take any number of hours")

    @property
    def card_types(self) -> tuple[str, ...]:
        """The cards the table gives, which are one slot: declared hours only choose which of them a person
        holds, so one suspended holds them all, and a new one replaces whichever is in force."""
        return tuple(band.card_type for band in self.bands)


@dataclass(frozen=True, slots=True)
class ApplicationKind:
    """Something a citizen can apply for: the rules that decide it and the agency that decides the rest."""

    id: str
    name: str  # as the citizen reads it
    agency: str  # slug of the agency that decides pending applications and issues the card
    rules: RuleTable
    card_years: int  # how long a granted card is valid


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    card_type: str | None  # the card an approval gives (also known while pending: the hours decide it)
    explanation: str  # shown to the citizen as is


NSW_SENIORS = RuleTable(
    region="NSW",
    timezone="Australia/Sydney",
    min_age=60,
    bands=(
        CardBand(20, "seniors_card", "Seniors Card", "work 20 hours a week or less in paid work"),
        CardBand(None, "senior_savers_card", "Senior Savers Card", "work more than 20 hours a week"),
    ),
)

KINDS = {
    "seniors_card": ApplicationKind(
        id="seniors_card", name="Seniors Card", agency="seniors", rules=NSW_SENIORS, card_years=5
    ),
}

UNCONFIRMED_AGE = (
    "We could not confirm your age from a record linked to your account, so the agency will check your "
    "documents and decide. We will let you know."
)
UNBORN = "The birthdate on the record is after today, so it does not confirm an age."


def missing_declarations(declarations: Declarations) -> list[str]:
    """The parts of the form left incomplete. An incomplete form is refused, not decided."""
    return [] if declarations.statutory_declaration_accepted else ["statutory_declaration_accepted"]


def decide(table: RuleTable, declarations: Declarations, birthdate: date | None, today: date) -> Decision:
    """Apply ``table``; ``birthdate`` is None when no record confirms it, and then only a decline is final."""
    if not declarations.nsw_resident:
        return Decision(
            Outcome.DECLINED,
            None,
            f"The card is for {table.region} residents, and you declared that you do not live in "
            f"{table.region}.",
        )
    band = band_for(table, declarations.paid_work_hours_per_week)
    if birthdate is None:
        return Decision(Outcome.PENDING, band.card_type, UNCONFIRMED_AGE)
    if birthdate > today:  # a record in error, which the agency can only settle with the documents
        return Decision(Outcome.PENDING, band.card_type, UNBORN)
    if age_on(birthdate, today) < table.min_age:
        eligible = long_date(anniversary(birthdate, table.min_age))
        return Decision(
            Outcome.DECLINED,
            None,
            f"You must be {table.min_age} or over. You will be eligible on {eligible}, "
            f"when you turn {table.min_age}.",
        )
    return Decision(
        Outcome.APPROVED,
        band.card_type,
        f"You are {table.min_age} or over and {band.because}, so you get a {band.card_name}.",
    )


def today_in(table: RuleTable, now: datetime) -> date:
    """The date by the table's calendar: in Sydney a day starts 10 or 11 hours before it does in UTC, and a
    birthday with it."""
    return local_date(now, table.timezone)


def band_for(table: RuleTable, hours: int) -> CardBand:
    return next(band for band in table.bands if band.max_hours is None or hours <= band.max_hours)


def confirmed_birthdate(birthdates: list[date], today: date) -> date | None:
    """The birthdate the records agree on; None when there is none, they disagree, or it is after ``today``
    (records kept before their dates were checked may hold one)."""
    distinct = set(birthdates)
    agreed = distinct.pop() if len(distinct) == 1 else None
    return agreed if agreed is not None and agreed <= today else None


def anniversary(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls on 1 March in a common year, as ``age_on`` counts.

    Past the end of the calendar it is its last day, so that no stored date can make a rule fail; no rule
    reaches it from a date that is not in error.
    """
    year = day.year + years
    if year > MAXYEAR:
        return date.max
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 3, 1)
