"""How dates and money read in what citizens are told: one spelling, whatever the server's locale."""

from __future__ import annotations

from datetime import date

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: date) -> str:
    """ "1 March 2027": spelled out, not locale dependent, so the explanation cannot be misread."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def dollars(cents: int) -> str:
    """ "$1,234.50" for 123450 cents."""
    return f"${cents / 100:,.2f}"
