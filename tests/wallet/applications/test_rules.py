"""The eligibility rules, as pure functions over the declarations, the confirmed birthdate and the day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from issuers.catalog import CATALOG
from wallet.applications.rules import (
    KINDS,
    NSW_SENIORS,
    UNBORN,
    UNCONFIRMED_AGE,
    CardBand,
    Declarations,
    Outcome,
    RuleTable,
    anniversary,
    confirmed_birthdate,
    decide,
    long_date,
    missing_declarations,
    today_in,
)

TODAY = date(2026, 11, 22)


def declared(*, resident: bool = True, hours: int = 0, accepted: bool = True) -> Declarations:
    return Declarations(
        nsw_resident=resident, paid_work_hours_per_week=hours, statutory_declaration_accepted=accepted
    )


def test_on_the_sixtieth_birthday_the_applicant_gets_a_seniors_card():
    decision = decide(NSW_SENIORS, declared(), date(1966, 11, 22), TODAY)

    assert decision.outcome == Outcome.APPROVED
    assert decision.card_type == "seniors_card"
    assert decision.explanation == (
        "You are 60 or over and work 20 hours a week or less in paid work, so you get a Seniors Card."
    )


def test_the_day_before_the_sixtieth_birthday_is_declined_with_the_day_they_become_eligible():
    decision = decide(NSW_SENIORS, declared(), date(1966, 11, 23), TODAY)

    assert decision.outcome == Outcome.DECLINED
    assert decision.card_type is None
    assert decision.explanation == (
        "You must be 60 or over. You will be eligible on 23 November 2026, when you turn 60."
    )


@pytest.mark.parametrize(
    ("hours", "card"),
    [(0, "seniors_card"), (20, "seniors_card"), (21, "senior_savers_card"), (168, "senior_savers_card")],
)
def test_paid_work_hours_choose_the_card(hours, card):
    decision = decide(NSW_SENIORS, declared(hours=hours), date(1950, 1, 1), TODAY)

    assert decision.outcome == Outcome.APPROVED
    assert decision.card_type == card


def test_more_than_twenty_hours_says_why_it_is_a_senior_savers_card():
    decision = decide(NSW_SENIORS, declared(hours=21), date(1950, 1, 1), TODAY)

    assert "more than 20 hours" in decision.explanation
    assert decision.explanation.endswith("so you get a Senior Savers Card.")


@pytest.mark.parametrize("birthdate", [date(1950, 1, 1), date(1990, 1, 1), None])
def test_a_non_resident_is_declined_whatever_their_age_or_whether_it_is_known(birthdate):
    decision = decide(NSW_SENIORS, declared(resident=False), birthdate, TODAY)

    assert decision.outcome == Outcome.DECLINED
    assert decision.card_type is None
    assert decision.explanation == (
        "The card is for NSW residents, and you declared that you do not live in NSW."
    )


@pytest.mark.parametrize(("hours", "card"), [(20, "seniors_card"), (21, "senior_savers_card")])
def test_without_a_confirmed_birthdate_the_rules_cannot_decide_but_know_the_card(hours, card):
    decision = decide(NSW_SENIORS, declared(hours=hours), None, TODAY)

    assert decision.outcome == Outcome.PENDING
    assert decision.card_type == card
    assert decision.explanation == UNCONFIRMED_AGE
    assert "could not confirm your age from a record linked to your account" in UNCONFIRMED_AGE


def test_an_unaccepted_statutory_declaration_leaves_the_form_incomplete():
    assert missing_declarations(declared(accepted=False)) == ["statutory_declaration_accepted"]
    assert missing_declarations(declared()) == []


def test_another_table_is_another_set_of_rules_with_no_new_code():
    # 65 and over, one card whatever the hours: a different scheme is only different data.
    table = RuleTable(
        region="VIC",
        timezone="Australia/Melbourne",
        min_age=65,
        bands=(CardBand(None, "seniors_card", "Seniors Card", "live in VIC"),),
    )

    assert decide(table, declared(hours=40), date(1961, 11, 22), TODAY).card_type == "seniors_card"
    younger = decide(table, declared(), date(1961, 11, 23), TODAY)
    assert younger.outcome == Outcome.DECLINED
    assert "You must be 65 or over. You will be eligible on 23 November 2026" in younger.explanation
    assert "VIC residents" in decide(table, declared(resident=False), None, TODAY).explanation


def test_someone_born_on_29_february_turns_a_year_older_on_1_march_in_a_common_year():
    table = RuleTable("NSW", "Australia/Sydney", 65, NSW_SENIORS.bands)
    born = date(1960, 2, 29)

    on_28_february = decide(table, declared(), born, date(2025, 2, 28))
    on_1_march = decide(table, declared(), born, date(2025, 3, 1))

    assert on_28_february.outcome == Outcome.DECLINED
    assert "eligible on 1 March 2025" in on_28_february.explanation
    assert on_1_march.outcome == Outcome.APPROVED


def test_a_table_must_end_with_a_band_for_any_number_of_hours():
    with pytest.raises(ValueError, match="last band"):
        RuleTable("NSW", "Australia/Sydney", 60, (CardBand(20, "seniors_card", "Seniors Card", "x"),))


@pytest.mark.parametrize(
    ("birthdates", "confirmed"),
    [
        ([], None),
        ([date(1950, 1, 1)], date(1950, 1, 1)),
        ([date(1950, 1, 1), date(1950, 1, 1)], date(1950, 1, 1)),
        ([date(1950, 1, 1), date(1951, 1, 1)], None),
        ([TODAY], TODAY),
        ([date(2026, 11, 23)], None),
    ],
)
def test_a_birthdate_is_confirmed_only_when_every_linked_record_agrees(birthdates, confirmed):
    assert confirmed_birthdate(birthdates, TODAY) == confirmed


@pytest.mark.parametrize(
    ("day", "years", "later"),
    [
        (date(2026, 11, 22), 5, date(2031, 11, 22)),
        (date(2028, 2, 29), 5, date(2033, 3, 1)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
        (date(9990, 6, 1), 60, date.max),
    ],
)
def test_anniversary(day, years, later):
    assert anniversary(day, years) == later


def test_dates_are_spelled_out_whatever_the_locale():
    assert long_date(date(2027, 3, 1)) == "1 March 2027"


def test_every_card_the_rules_give_exists_is_named_as_the_catalog_names_it_and_is_the_deciders_to_issue():
    for kind in KINDS.values():
        for band in kind.rules.bands:
            ctype = CATALOG[band.card_type]
            assert band.card_name == ctype.display.name
            assert ctype.agency == kind.agency


@pytest.mark.parametrize(
    ("utc", "sydney"),
    [
        (datetime(2026, 11, 22, 12, 59, tzinfo=UTC), date(2026, 11, 22)),  # 23:59 daylight time
        (datetime(2026, 11, 22, 13, 0, tzinfo=UTC), date(2026, 11, 23)),
        (datetime(2026, 6, 22, 13, 59, tzinfo=UTC), date(2026, 6, 22)),  # 23:59 standard time
        (datetime(2026, 6, 22, 14, 0, tzinfo=UTC), date(2026, 6, 23)),
    ],
)
def test_today_is_the_date_in_sydney(utc, sydney):
    assert today_in(NSW_SENIORS, utc) == sydney


def test_a_birthdate_after_today_does_not_confirm_an_age():
    decision = decide(NSW_SENIORS, declared(), date(9990, 6, 1), TODAY)

    assert decision.outcome == Outcome.PENDING
    assert decision.explanation == UNBORN
