"""The NSW vehicle registration rules, each with fixed days: no clock, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from wallet.vehicles.rules import (
    NSW,
    TERMS,
    Concession,
    Line,
    Quote,
    RenewalFacts,
    WeightBand,
    band_for,
    display_status,
    pro_rata,
    quote,
    reminder_due,
    renewal_needs,
    renewal_period,
)

NO_CARDS: frozenset[str] = frozenset()
SENIORS = frozenset({"seniors_card"})

# --- the fee table -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tare_kg", "annual_tax_cents"),
    [
        (1, 266_00),
        (975, 266_00),
        (976, 308_00),
        (1154, 308_00),
        (1155, 374_00),
        (1504, 374_00),
        (1505, 570_00),
        (2504, 570_00),
        (2505, 822_00),
        (2794, 822_00),
        (2795, 934_00),
        (3054, 934_00),
        (3055, 1_023_00),
        (3304, 1_023_00),
        (3305, 1_112_00),
        (3564, 1_112_00),
        (3565, 1_194_00),
        (3814, 1_194_00),
        (3815, 1_284_00),
        (4064, 1_284_00),
        (4065, 1_370_00),
        (4324, 1_370_00),
        (4325, 1_457_00),
        (4500, 1_457_00),
    ],
)
def test_a_car_pays_the_tax_of_its_weight_band(tare_kg, annual_tax_cents):
    assert band_for("car", tare_kg, NSW).annual_tax_cents == annual_tax_cents
    # A 12-month quote charges the whole annual tax, so the table reaches the bill unchanged.
    tax = quote("car", tare_kg, 12, NSW, cards=NO_CARDS).lines[1]
    assert (tax.kind, tax.amount_cents) == ("motor_vehicle_tax", annual_tax_cents)


def test_the_nsw_car_table_has_twelve_bands_lightest_first():
    bands = NSW.tax_bands["car"]
    assert len(bands) == 12
    assert [band.max_tare_kg for band in bands] == sorted(band.max_tare_kg for band in bands)


def test_the_nsw_registration_fee_is_79_dollars_a_year():
    assert NSW.annual_fee_cents == 79_00
    assert NSW.short_term_admin_cents == {3: 10_00, 6: 5_00, 12: 0}


@pytest.mark.parametrize("tare_kg", [120, 1000])
def test_a_motorcycle_pays_the_motorcycle_tax(tare_kg):
    assert band_for("motorcycle", tare_kg, NSW) == WeightBand(1000, 65_00)


def test_a_motorcycle_quote_explains_its_band():
    tax = quote("motorcycle", 180, 12, NSW, cards=NO_CARDS).lines[1]
    assert tax == Line(
        "motor_vehicle_tax", 65_00, "Motor vehicle tax for 12 months, tare weight 0 to 1000 kg."
    )


@pytest.mark.parametrize(("vehicle_type", "tare_kg"), [("car", 4501), ("car", 9000), ("motorcycle", 1001)])
def test_over_the_light_vehicle_limit_is_refused(vehicle_type, tare_kg):
    with pytest.raises(ValueError, match=f"a {vehicle_type} of {tare_kg} kg is over the light-vehicle limit"):
        band_for(vehicle_type, tare_kg, NSW)
    with pytest.raises(ValueError, match="over the light-vehicle limit"):
        quote(vehicle_type, tare_kg, 12, NSW, cards=NO_CARDS)


@pytest.mark.parametrize("term_months", [0, 1, 9, 24, -3])
def test_an_unknown_term_is_refused(term_months):
    with pytest.raises(ValueError, match=r"a term is one of \(3, 6, 12\) months"):
        quote("car", 1400, term_months, NSW, cards=NO_CARDS)


def test_the_terms_are_three_six_and_twelve_months():
    assert TERMS == (3, 6, 12)


# --- pro rata ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annual_cents", "months", "expected"),
    [
        (79_00, 12, 79_00),
        (79_00, 6, 39_50),
        (79_00, 3, 19_75),  # 7900 / 4
        (374_00, 3, 93_50),
        (0, 3, 0),
        (1_000, 3, 250),  # exact
        (1_001, 3, 250),  # 250.25 rounds down
        (1_002, 3, 251),  # 250.5 rounds half up
        (1_003, 3, 251),  # 250.75 rounds up
        (1_001, 6, 501),  # 500.5 rounds half up
        (1_003, 6, 502),  # 501.5 rounds half up, not to even
        (1, 6, 1),  # 0.5 rounds half up
        (1, 3, 0),  # 0.25 rounds down
        (3, 3, 1),  # 0.75 rounds up
        (1_457_01, 3, 364_25),  # 36425.25
        (1_457_02, 3, 364_26),  # 36425.5
        (5, 1, 0),  # 0.41666…
        (6, 1, 1),  # 0.5
        (7, 9, 5),  # 5.25
    ],
)
def test_pro_rata_is_to_the_cent_rounded_half_up(annual_cents, months, expected):
    assert pro_rata(annual_cents, months) == expected


def test_an_odd_fee_is_charged_pro_rata_rounded_half_up_in_a_quote():
    odd = replace(NSW, annual_fee_cents=79_02)  # 79.02 / 4 = 19.755, so 1975.5 cents
    fee = quote("car", 1400, 3, odd, cards=NO_CARDS).lines[0]
    assert fee.amount_cents == 19_76


# --- quotes ------------------------------------------------------------------------------------------------

# A 1,400 kg car: registration fee 79.00 and tax 374.00 a year (band 1155 to 1504 kg).


def test_a_three_month_quote_for_a_1400_kg_car():
    assert quote("car", 1400, 3, NSW, cards=NO_CARDS) == Quote(
        3,
        (
            Line("registration_fee", 19_75, "Registration fee for 3 months."),
            Line("motor_vehicle_tax", 93_50, "Motor vehicle tax for 3 months, tare weight 1155 to 1504 kg."),
            Line("administration_fee", 10_00, "For renewing for 3 months."),
        ),
    )


def test_a_six_month_quote_for_a_1400_kg_car():
    assert quote("car", 1400, 6, NSW, cards=NO_CARDS) == Quote(
        6,
        (
            Line("registration_fee", 39_50, "Registration fee for 6 months."),
            Line("motor_vehicle_tax", 187_00, "Motor vehicle tax for 6 months, tare weight 1155 to 1504 kg."),
            Line("administration_fee", 5_00, "For renewing for 6 months."),
        ),
    )


def test_a_twelve_month_quote_for_a_1400_kg_car_has_no_administration_fee():
    assert quote("car", 1400, 12, NSW, cards=NO_CARDS) == Quote(
        12,
        (
            Line("registration_fee", 79_00, "Registration fee for 12 months."),
            Line(
                "motor_vehicle_tax", 374_00, "Motor vehicle tax for 12 months, tare weight 1155 to 1504 kg."
            ),
        ),
    )


@pytest.mark.parametrize(
    ("term_months", "total_cents"),
    [
        (3, 19_75 + 93_50 + 10_00),  # 123.25
        (6, 39_50 + 187_00 + 5_00),  # 231.50
        (12, 79_00 + 374_00),  # 453.00
    ],
)
def test_the_total_is_the_sum_of_the_lines(term_months, total_cents):
    assert quote("car", 1400, term_months, NSW, cards=NO_CARDS).total_cents == total_cents


def test_renewing_more_often_costs_more_over_a_year():
    four_quarters = 4 * quote("car", 1400, 3, NSW, cards=NO_CARDS).total_cents
    two_halves = 2 * quote("car", 1400, 6, NSW, cards=NO_CARDS).total_cents
    one_year = quote("car", 1400, 12, NSW, cards=NO_CARDS).total_cents
    assert (four_quarters, two_halves, one_year) == (493_00, 463_00, 453_00)


@pytest.mark.parametrize(
    ("tare_kg", "words"),
    [
        (800, "tare weight 0 to 975 kg"),
        (975, "tare weight 0 to 975 kg"),
        (976, "tare weight 976 to 1154 kg"),
        (1155, "tare weight 1155 to 1504 kg"),
        (2000, "tare weight 1505 to 2504 kg"),
        (4500, "tare weight 4325 to 4500 kg"),
    ],
)
def test_the_tax_line_names_the_weight_band(tare_kg, words):
    tax = quote("car", tare_kg, 6, NSW, cards=NO_CARDS).lines[1]
    assert tax.explanation == f"Motor vehicle tax for 6 months, {words}."


@pytest.mark.parametrize(
    ("term_months", "tax_cents", "total_cents"),
    [
        (3, 93_50, 19_75 + 10_00),
        (6, 187_00, 39_50 + 5_00),
        (12, 374_00, 79_00),
    ],
)
def test_a_seniors_card_holder_has_the_tax_waived(term_months, tax_cents, total_cents):
    lines = quote("car", 1400, term_months, NSW, cards=SENIORS).lines
    assert lines[-1] == Line("concession", -tax_cents, "Seniors Card concession.")
    assert [line.kind for line in lines].count("concession") == 1
    assert quote("car", 1400, term_months, NSW, cards=SENIORS).total_cents == total_cents


def test_a_seniors_card_holder_still_sees_the_tax_charged_then_waived():
    # Every line explained: the tax stays on the quote, the concession takes it off.
    lines = quote("car", 1400, 12, NSW, cards=SENIORS).lines
    assert [(line.kind, line.amount_cents) for line in lines] == [
        ("registration_fee", 79_00),
        ("motor_vehicle_tax", 374_00),
        ("concession", -374_00),
    ]


@pytest.mark.parametrize(
    "cards", [frozenset({"pensioner_card"}), frozenset({"driver_licence", "photo_card"})]
)
def test_a_holder_of_another_card_gets_no_concession(cards):
    plain = quote("car", 1400, 12, NSW, cards=NO_CARDS)
    assert quote("car", 1400, 12, NSW, cards=cards) == plain
    assert "concession" not in [line.kind for line in plain.lines]


def test_a_seniors_card_among_others_still_counts():
    total = quote("car", 1400, 12, NSW, cards=frozenset({"driver_licence", "seniors_card"})).total_cents
    assert total == 79_00


def test_another_state_is_another_table_with_its_own_concession():
    other = replace(
        NSW,
        region="XX",
        concessions=(
            Concession("pensioner_card", "Pensioner Concession Card", tax_waived=False, fee_waived=True),
        ),
    )
    pensioner = frozenset({"pensioner_card"})
    assert quote("car", 1400, 6, other, cards=pensioner) == Quote(
        6,
        (
            Line("registration_fee", 39_50, "Registration fee for 6 months."),
            Line("motor_vehicle_tax", 187_00, "Motor vehicle tax for 6 months, tare weight 1155 to 1504 kg."),
            Line("administration_fee", 5_00, "For renewing for 6 months."),
            Line("concession", -39_50, "Pensioner Concession Card concession."),
        ),
    )
    assert quote("car", 1400, 6, other, cards=pensioner).total_cents == 192_00
    # The Seniors Card means nothing there, and the pensioner card nothing in NSW.
    assert quote("car", 1400, 6, other, cards=SENIORS).total_cents == 231_50
    assert quote("car", 1400, 6, NSW, cards=pensioner).total_cents == 231_50
    assert NSW.region == "NSW"


def test_a_concession_waiving_fee_and_tax_leaves_only_the_administration_fee():
    other = replace(
        NSW, concessions=(Concession("veteran_card", "Veteran", tax_waived=True, fee_waived=True),)
    )
    concession = quote("car", 1400, 3, other, cards=frozenset({"veteran_card"}))
    assert concession.lines[-1] == Line("concession", -(19_75 + 93_50), "Veteran concession.")
    assert concession.total_cents == 10_00


def test_two_concessions_waiving_the_tax_waive_it_once():
    # Latent in NSW's one-concession table, real in any table with two: the holder of both cards would be
    # quoted a negative total (paid to renew).
    other = replace(
        NSW,
        concessions=(
            Concession("seniors_card", "Seniors Card", tax_waived=True, fee_waived=False),
            Concession("pensioner_card", "Pensioner Concession Card", tax_waived=True, fee_waived=False),
        ),
    )
    both = frozenset({"seniors_card", "pensioner_card"})
    assert quote("car", 1400, 12, other, cards=both).total_cents == 79_00


def test_another_table_has_its_own_bands_and_administration_fees():
    other = replace(
        NSW,
        annual_fee_cents=50_00,
        tax_bands={"car": (WeightBand(1000, 100_00), WeightBand(2000, 200_00))},
        short_term_admin_cents={3: 0, 6: 0, 12: 0},
    )
    assert quote("car", 1400, 3, other, cards=NO_CARDS) == Quote(
        3,
        (
            Line("registration_fee", 12_50, "Registration fee for 3 months."),
            Line("motor_vehicle_tax", 50_00, "Motor vehicle tax for 3 months, tare weight 1001 to 2000 kg."),
        ),
    )
    with pytest.raises(ValueError, match="over the light-vehicle limit"):
        quote("car", 2001, 3, other, cards=NO_CARDS)


# --- display status ----------------------------------------------------------------------------------------

EXPIRY = date(2026, 9, 30)
SIX_WEEKS_BEFORE = date(2026, 8, 19)  # 30 Sep - 42 days
TWO_WEEKS_BEFORE = date(2026, 9, 16)  # 30 Sep - 14 days


def test_the_fixed_days_are_what_they_say():
    gaps = (EXPIRY - SIX_WEEKS_BEFORE, EXPIRY - TWO_WEEKS_BEFORE)
    assert gaps == (timedelta(weeks=6), timedelta(weeks=2))


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 1, 1), "current"),
        (date(2026, 8, 18), "current"),  # a day before six weeks
        (SIX_WEEKS_BEFORE, "due_soon"),  # exactly six weeks
        (date(2026, 9, 29), "due_soon"),
        (EXPIRY, "due_soon"),  # the last day it is registered
        (date(2026, 10, 1), "expired"),  # the day after
        (date(2027, 9, 30), "expired"),
    ],
)
def test_display_status_by_date(today, status):
    assert display_status("current", EXPIRY, today, NSW) == status


@pytest.mark.parametrize("agency_status", ["suspended", "cancelled"])
@pytest.mark.parametrize("today", [date(2026, 1, 1), SIX_WEEKS_BEFORE, EXPIRY, date(2026, 10, 1)])
def test_suspended_and_cancelled_outrank_the_dates(agency_status, today):
    assert display_status(agency_status, EXPIRY, today, NSW) == agency_status


def test_another_table_has_its_own_due_soon():
    other = replace(NSW, due_soon=timedelta(days=30))
    assert display_status("current", EXPIRY, date(2026, 8, 31), other) == "due_soon"
    assert display_status("current", EXPIRY, date(2026, 8, 30), other) == "current"


# --- the renewal period ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiry", "term_months", "first", "last"),
    [
        (date(2026, 9, 30), 12, date(2026, 10, 1), date(2027, 9, 30)),
        (date(2026, 8, 31), 6, date(2026, 9, 1), date(2027, 2, 28)),  # clamped to a common February
        (date(2027, 8, 31), 6, date(2027, 9, 1), date(2028, 2, 29)),  # clamped to a leap February
        (date(2028, 2, 29), 12, date(2028, 3, 1), date(2029, 2, 28)),  # no 29 Feb 2029
        (date(2028, 2, 29), 3, date(2028, 3, 1), date(2028, 5, 31)),  # whole months from 1 March
        (date(2026, 11, 30), 3, date(2026, 12, 1), date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2027, 12, 1), date(2028, 2, 29)),
        (date(2026, 12, 31), 12, date(2027, 1, 1), date(2027, 12, 31)),  # first day in the next year
        (date(2026, 12, 31), 3, date(2027, 1, 1), date(2027, 3, 31)),
        (date(2026, 12, 31), 6, date(2027, 1, 1), date(2027, 6, 30)),
        (date(2027, 2, 28), 12, date(2027, 3, 1), date(2028, 2, 29)),  # ends with February
        (date(2026, 5, 31), 3, date(2026, 6, 1), date(2026, 8, 31)),
        (date(2026, 3, 31), 3, date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 10, 15), 6, date(2026, 10, 16), date(2027, 4, 15)),
    ],
)
def test_the_renewal_period_is_whole_months_from_the_day_after_expiry(expiry, term_months, first, last):
    assert renewal_period(expiry, term_months) == (first, last)


def test_the_first_day_is_the_day_after_the_expiry_even_across_a_leap_day():
    assert renewal_period(date(2028, 2, 28), 12)[0] == date(2028, 2, 29)


def test_a_clamped_expiry_does_not_drift_the_renewal_day():
    # Whole months from the day after expiry: 31 Aug -> 28 Feb -> 31 Aug again.
    assert renewal_period(date(2027, 2, 28), 6) == (date(2027, 3, 1), date(2027, 8, 31))


# --- renewal needs -----------------------------------------------------------------------------------------

TODAY = date(2026, 9, 1)  # inside the renewal window for EXPIRY
FINE = RenewalFacts(
    agency_status="current",
    expiry=EXPIRY,
    year=2023,
    ctp_until=date(2027, 9, 30),  # covers a 12-month renewal to the day
    last_passed_inspection=None,
)
CANCELLED = "The registration is cancelled: it cannot be renewed; register the vehicle again."
SUSPENDED = "The registration is suspended: it cannot be renewed until the suspension ends."
AT_A_CENTRE = "Expired more than 3 months ago: renew at a service centre."
INSPECTION = "A vehicle over 5 years old needs a passed safety inspection (pink slip) in the last 42 days."


@pytest.mark.parametrize("term_months", TERMS)
def test_nothing_is_needed_when_all_is_fine(term_months):
    assert renewal_needs(FINE, term_months, TODAY, NSW) == []


def test_a_cancelled_registration_says_only_so():
    facts = replace(FINE, agency_status="cancelled", ctp_until=None, year=2000)
    assert renewal_needs(facts, 12, date(2026, 1, 1), NSW) == [CANCELLED]


def test_a_suspended_registration_says_only_so():
    facts = replace(FINE, agency_status="suspended", ctp_until=None, year=2000)
    assert renewal_needs(facts, 12, date(2026, 1, 1), NSW) == [SUSPENDED]


def test_too_early_says_when_renewal_opens():
    assert renewal_needs(FINE, 12, date(2026, 8, 18), NSW) == ["Renewal opens on 19 August 2026."]


def test_renewal_opens_exactly_six_weeks_before_expiry():
    assert renewal_needs(FINE, 12, SIX_WEEKS_BEFORE, NSW) == []


def test_renewal_opening_date_has_no_leading_zero():
    facts = replace(FINE, expiry=date(2026, 3, 13), ctp_until=date(2027, 3, 13))
    assert renewal_needs(facts, 12, date(2026, 1, 1), NSW) == ["Renewal opens on 30 January 2026."]
    facts = replace(FINE, expiry=date(2026, 3, 20), ctp_until=date(2027, 3, 20))
    assert renewal_needs(facts, 12, date(2026, 1, 1), NSW) == ["Renewal opens on 6 February 2026."]


@pytest.mark.parametrize("today", [date(2026, 10, 1), date(2026, 11, 30), date(2026, 12, 30)])
def test_up_to_exactly_three_months_expired_can_still_be_renewed_online(today):
    assert renewal_needs(FINE, 12, today, NSW) == []


@pytest.mark.parametrize("today", [date(2026, 12, 31), date(2027, 6, 1)])
def test_more_than_three_months_expired_goes_to_a_service_centre(today):
    assert renewal_needs(FINE, 12, today, NSW) == [AT_A_CENTRE]


def test_three_months_after_a_month_end_expiry_clamps():
    # 30 Nov + 3 months is 28 Feb: the 28th is the last day online, the 1st of March is not.
    facts = replace(FINE, expiry=date(2026, 11, 30), ctp_until=date(2027, 11, 30))
    assert renewal_needs(facts, 12, date(2027, 2, 28), NSW) == []
    assert renewal_needs(facts, 12, date(2027, 3, 1), NSW) == [AT_A_CENTRE]


@pytest.mark.parametrize(
    ("term_months", "to"),
    [(3, "31 December 2026"), (6, "31 March 2027"), (12, "30 September 2027")],
)
def test_missing_ctp_is_needed_to_the_end_of_the_new_period(term_months, to):
    facts = replace(FINE, ctp_until=None)
    assert renewal_needs(facts, term_months, TODAY, NSW) == [
        f"CTP insurance (green slip) must cover the new period, to {to}."
    ]


@pytest.mark.parametrize(
    ("term_months", "last_day"),
    [(3, date(2026, 12, 31)), (6, date(2027, 3, 31)), (12, date(2027, 9, 30))],
)
def test_ctp_must_reach_the_last_day_of_the_new_period(term_months, last_day):
    assert renewal_needs(replace(FINE, ctp_until=last_day), term_months, TODAY, NSW) == []
    short = replace(FINE, ctp_until=last_day - timedelta(days=1))
    assert renewal_needs(short, term_months, TODAY, NSW) == [
        f"CTP insurance (green slip) must cover the new period, to {last_day:%-d %B %Y}."
    ]


def test_ctp_cover_enough_for_three_months_is_not_enough_for_twelve():
    facts = replace(FINE, ctp_until=date(2027, 1, 15))
    assert renewal_needs(facts, 3, TODAY, NSW) == []
    assert renewal_needs(facts, 6, TODAY, NSW) == [
        "CTP insurance (green slip) must cover the new period, to 31 March 2027."
    ]
    assert renewal_needs(facts, 12, TODAY, NSW) == [
        "CTP insurance (green slip) must cover the new period, to 30 September 2027."
    ]


def test_ctp_for_a_late_renewal_covers_the_period_from_the_old_expiry_not_from_today():
    # A late renewal does not lengthen the period, so the cover needed does not move either.
    facts = replace(FINE, ctp_until=date(2027, 9, 30))
    assert renewal_needs(facts, 12, date(2026, 12, 1), NSW) == []


def test_ctp_across_a_leap_day_is_clamped_like_the_period():
    facts = replace(FINE, expiry=date(2027, 8, 31), ctp_until=date(2028, 2, 29))
    assert renewal_needs(facts, 6, date(2027, 8, 1), NSW) == []
    short = replace(facts, ctp_until=date(2028, 2, 28))
    assert renewal_needs(short, 6, date(2027, 8, 1), NSW) == [
        "CTP insurance (green slip) must cover the new period, to 29 February 2028."
    ]


@pytest.mark.parametrize("year", [2020, 2010, 1975])
def test_a_vehicle_over_five_years_old_without_an_inspection_is_refused(year):
    assert renewal_needs(replace(FINE, year=year), 12, TODAY, NSW) == [INSPECTION]


@pytest.mark.parametrize("year", [2021, 2023, 2026, 2027])
def test_a_vehicle_five_years_old_or_newer_needs_no_inspection(year):
    # 2026 - 2021 = 5: exactly five years old is not over five.
    assert renewal_needs(replace(FINE, year=year), 12, TODAY, NSW) == []


@pytest.mark.parametrize(
    ("inspected", "needs"),
    [
        (TODAY, []),
        (date(2026, 8, 1), []),
        (date(2026, 7, 21), []),  # 42 days before 1 September
        (date(2026, 7, 20), [INSPECTION]),  # 43 days
        (date(2025, 9, 1), [INSPECTION]),
    ],
)
def test_an_old_vehicle_needs_an_inspection_in_the_last_42_days(inspected, needs):
    assert TODAY - date(2026, 7, 21) == timedelta(days=42)
    facts = replace(FINE, year=2020, last_passed_inspection=inspected)
    assert renewal_needs(facts, 12, TODAY, NSW) == needs


def test_every_need_at_once_is_listed_in_order():
    facts = replace(FINE, year=2010, ctp_until=None, last_passed_inspection=date(2026, 1, 1))
    assert renewal_needs(facts, 6, date(2026, 8, 1), NSW) == [
        "Renewal opens on 19 August 2026.",
        "CTP insurance (green slip) must cover the new period, to 31 March 2027.",
        INSPECTION,
    ]


def test_late_ctp_and_inspection_needs_are_listed_together():
    facts = replace(FINE, year=2015, ctp_until=date(2026, 9, 30))
    assert renewal_needs(facts, 3, date(2027, 2, 1), NSW) == [
        AT_A_CENTRE,
        "CTP insurance (green slip) must cover the new period, to 31 December 2026.",
        INSPECTION,
    ]


def test_another_table_has_its_own_inspection_age_and_validity():
    other = replace(NSW, inspection_age_years=10, inspection_valid=timedelta(days=90))
    old = replace(FINE, year=2015, last_passed_inspection=date(2026, 6, 3))  # 90 days before TODAY
    assert renewal_needs(old, 12, TODAY, other) == []
    assert renewal_needs(replace(old, last_passed_inspection=date(2026, 6, 2)), 12, TODAY, other) == [
        "A vehicle over 10 years old needs a passed safety inspection (pink slip) in the last 90 days."
    ]
    assert renewal_needs(replace(FINE, year=2016), 12, TODAY, other) == []


# --- reminders ---------------------------------------------------------------------------------------------

SIX = "six_weeks:2026-09-30"
TWO = "two_weeks:2026-09-30"
ON_EXPIRY = "expiry:2026-09-30"


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 8, 18)])
def test_no_reminder_before_six_weeks(today):
    assert reminder_due(EXPIRY, today, frozenset(), NSW) is None


def test_the_six_week_reminder_is_due_exactly_six_weeks_before():
    assert reminder_due(EXPIRY, SIX_WEEKS_BEFORE, frozenset(), NSW) == ("six_weeks", [SIX])


def test_the_six_week_reminder_goes_once():
    sent = frozenset({SIX})
    assert reminder_due(EXPIRY, SIX_WEEKS_BEFORE, sent, NSW) is None
    assert reminder_due(EXPIRY, date(2026, 9, 15), sent, NSW) is None  # a day before two weeks


def test_the_two_week_reminder_is_due_exactly_two_weeks_before():
    assert reminder_due(EXPIRY, TWO_WEEKS_BEFORE, frozenset({SIX}), NSW) == ("two_weeks", [SIX, TWO])


def test_the_two_week_reminder_goes_once():
    assert reminder_due(EXPIRY, date(2026, 9, 29), frozenset({SIX, TWO}), NSW) is None


@pytest.mark.parametrize("today", [EXPIRY, date(2026, 10, 1), date(2027, 3, 1)])
def test_the_expiry_reminder_is_due_on_and_after_the_expiry(today):
    assert reminder_due(EXPIRY, today, frozenset({SIX, TWO}), NSW) == ("expiry", [SIX, TWO, ON_EXPIRY])


@pytest.mark.parametrize("today", [EXPIRY, date(2026, 10, 1), date(2027, 3, 1)])
def test_the_expiry_reminder_goes_once(today):
    assert reminder_due(EXPIRY, today, frozenset({SIX, TWO, ON_EXPIRY}), NSW) is None


def test_each_key_names_the_expiry():
    _, keys = reminder_due(date(2028, 2, 29), date(2028, 3, 5), frozenset(), NSW)
    assert keys == ["six_weeks:2028-02-29", "two_weeks:2028-02-29", "expiry:2028-02-29"]


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (TWO_WEEKS_BEFORE, ("two_weeks", [SIX, TWO])),
        (date(2026, 9, 20), ("two_weeks", [SIX, TWO])),
        (EXPIRY, ("expiry", [SIX, TWO, ON_EXPIRY])),
        (date(2026, 10, 5), ("expiry", [SIX, TWO, ON_EXPIRY])),
    ],
)
def test_a_job_that_missed_days_sends_only_the_latest_and_settles_the_earlier(today, due):
    assert reminder_due(EXPIRY, today, frozenset(), NSW) == due


def test_a_job_that_missed_the_two_week_reminder_sends_the_expiry_one():
    assert reminder_due(EXPIRY, date(2026, 10, 2), frozenset({SIX}), NSW) == ("expiry", [SIX, TWO, ON_EXPIRY])


def test_a_new_expiry_starts_the_reminders_afresh():
    renewed = date(2027, 3, 30)  # 30 Sep 2026 + 6 months
    sent = frozenset({SIX, TWO, ON_EXPIRY})
    assert reminder_due(renewed, date(2026, 10, 5), sent, NSW) is None
    assert reminder_due(renewed, date(2027, 2, 15), sent, NSW) is None
    assert reminder_due(renewed, date(2027, 2, 16), sent, NSW) == ("six_weeks", ["six_weeks:2027-03-30"])
    assert reminder_due(renewed, date(2027, 3, 16), sent | {"six_weeks:2027-03-30"}, NSW) == (
        "two_weeks",
        ["six_weeks:2027-03-30", "two_weeks:2027-03-30"],
    )


def test_another_table_has_its_own_reminders():
    other = replace(NSW, reminders=(("one_month", timedelta(days=30)), ("expiry", timedelta(0))))
    assert reminder_due(EXPIRY, date(2026, 8, 30), frozenset(), other) is None
    assert reminder_due(EXPIRY, date(2026, 8, 31), frozenset(), other) == (
        "one_month",
        ["one_month:2026-09-30"],
    )
