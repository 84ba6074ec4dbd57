"""Vehicle registration: the fee table, renewal conditions and expiry arithmetic, as data and pure functions.

Nothing here reads a clock or a database. The NSW table holds the light-vehicle registration fee and the
private-use motor vehicle tax by tare weight as Transport for NSW publishes them (indicative; the agency
maintains the table), charged pro rata for 3- and 6-month terms. Another state is another ``RegoRules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from wallet.demerits.rules import add_months
from wallet.wording import long_date

TERMS = (3, 6, 12)


@dataclass(frozen=True, slots=True)
class WeightBand:
    max_tare_kg: int  # inclusive upper bound
    annual_tax_cents: int


@dataclass(frozen=True, slots=True)
class Concession:
    card_type: str  # the credential that proves it (an issued, valid card)
    name: str
    tax_waived: bool
    fee_waived: bool


@dataclass(frozen=True, slots=True)
class RegoRules:
    region: str
    timezone: str  # whose calendar registration days are counted in
    annual_fee_cents: int  # the registration fee, all vehicles
    tax_bands: dict[str, tuple[WeightBand, ...]]  # by vehicle type, lightest band first
    short_term_admin_cents: dict[int, int]  # by term in months: the cost of renewing more often
    concessions: tuple[Concession, ...]
    due_soon: timedelta  # "due soon" from this long before expiry; renewal opens then
    late_renewal: int  # months after expiry that online renewal is still possible
    inspection_age_years: int  # older than this needs a passed safety inspection
    inspection_valid: timedelta
    reminders: tuple[tuple[str, timedelta], ...]  # (name, how long before expiry)


NSW = RegoRules(
    region="NSW",
    timezone="Australia/Sydney",
    annual_fee_cents=79_00,
    tax_bands={
        "car": (
            WeightBand(975, 266_00),
            WeightBand(1154, 308_00),
            WeightBand(1504, 374_00),
            WeightBand(2504, 570_00),
            WeightBand(2794, 822_00),
            WeightBand(3054, 934_00),
            WeightBand(3304, 1_023_00),
            WeightBand(3564, 1_112_00),
            WeightBand(3814, 1_194_00),
            WeightBand(4064, 1_284_00),
            WeightBand(4324, 1_370_00),
            WeightBand(4500, 1_457_00),
        ),
        "motorcycle": (WeightBand(1000, 65_00),),
    },
    short_term_admin_cents={3: 10_00, 6: 5_00, 12: 0},
    concessions=(Concession("seniors_card", "Seniors Card", tax_waived=True, fee_waived=False),),
    due_soon=timedelta(weeks=6),
    late_renewal=3,
    inspection_age_years=5,
    inspection_valid=timedelta(days=42),
    reminders=(
        ("six_weeks", timedelta(weeks=6)),
        ("two_weeks", timedelta(weeks=2)),
        ("expiry", timedelta(0)),
    ),
)


@dataclass(frozen=True, slots=True)
class Line:
    kind: str  # registration_fee, motor_vehicle_tax, administration_fee, concession
    amount_cents: int  # negative for a concession
    explanation: str


@dataclass(frozen=True, slots=True)
class Quote:
    term_months: int
    lines: tuple[Line, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def pro_rata(annual_cents: int, months: int) -> int:
    """A share of an annual amount, to the cent, rounded half up."""
    return (annual_cents * months * 2 + 12) // 24


def band_for(vehicle_type: str, tare_kg: int, rules: RegoRules) -> WeightBand:
    if vehicle_type not in rules.tax_bands:
        raise ValueError(f"no {rules.region} fees for a {vehicle_type!r}")
    for band in rules.tax_bands[vehicle_type]:
        if tare_kg <= band.max_tare_kg:
            return band
    raise ValueError(f"a {vehicle_type} of {tare_kg} kg is over the light-vehicle limit")


def heaviest_tare_kg(vehicle_type: str, rules: RegoRules) -> int | None:
    """The heaviest tare the fee table prices for ``vehicle_type``; None if it prices none of that type."""
    bands = rules.tax_bands.get(vehicle_type)
    return bands[-1].max_tare_kg if bands else None


def quote(
    vehicle_type: str, tare_kg: int, term_months: int, rules: RegoRules, *, cards: frozenset[str]
) -> Quote:
    """The renewal's fees for ``term_months``, each line explained; ``cards`` are the holder's valid cards."""
    if term_months not in TERMS:
        raise ValueError(f"a term is one of {TERMS} months")
    band = band_for(vehicle_type, tare_kg, rules)
    fee, tax = pro_rata(rules.annual_fee_cents, term_months), pro_rata(band.annual_tax_cents, term_months)
    lines = [
        Line("registration_fee", fee, f"Registration fee for {term_months} months."),
        Line(
            "motor_vehicle_tax",
            tax,
            f"Motor vehicle tax for {term_months} months, {_band_words(band, rules, vehicle_type)}.",
        ),
    ]
    if rules.short_term_admin_cents.get(term_months):
        lines.append(
            Line(
                "administration_fee",
                rules.short_term_admin_cents[term_months],
                f"For renewing for {term_months} months.",
            )
        )
    return Quote(term_months, tuple(lines + _concessions(fee, tax, rules, cards)))


def _concessions(fee: int, tax: int, rules: RegoRules, cards: frozenset[str]) -> list[Line]:
    """A line for each concession the holder's cards give; each charge is waived once, however many
    concessions would waive it, so a total never goes below what is owed without them."""
    left = {"fee": fee, "tax": tax}
    lines = []
    for concession in rules.concessions:
        if concession.card_type not in cards:
            continue
        waived = (left["tax"] if concession.tax_waived else 0) + (left["fee"] if concession.fee_waived else 0)
        left = {
            "fee": 0 if concession.fee_waived else left["fee"],
            "tax": 0 if concession.tax_waived else left["tax"],
        }
        if waived:
            lines.append(Line("concession", -waived, f"{concession.name} concession."))
    return lines


def _band_words(band: WeightBand, rules: RegoRules, vehicle_type: str) -> str:
    bands = rules.tax_bands[vehicle_type]
    index = bands.index(band)
    low = bands[index - 1].max_tare_kg + 1 if index else 0
    return f"tare weight {low} to {band.max_tare_kg} kg"


def display_status(agency_status: str, expiry: date, today: date, rules: RegoRules) -> str:
    """current, due_soon, expired; or the agency's suspended / cancelled, which outrank the dates."""
    if agency_status in ("suspended", "cancelled"):
        return agency_status
    if today > expiry:
        return "expired"
    return "due_soon" if expiry - today <= rules.due_soon else "current"


def renewal_period(expiry: date, term_months: int) -> tuple[date, date]:
    """(first day, last day) of the next registration period: whole months from the day after the current
    expiry, so a late renewal does not lengthen it and the renewal day never drifts (31 August + 6 months
    ends on the last day of February, and 6 months more on 31 August again)."""
    first = expiry + timedelta(days=1)
    return first, add_months(first, term_months) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RenewalFacts:
    agency_status: str
    expiry: date
    year: int  # of manufacture
    ctp_until: date | None  # the last day the CTP policy covers
    last_passed_inspection: date | None


def renewal_needs(facts: RenewalFacts, term_months: int, today: date, rules: RegoRules) -> list[str]:
    """Why a renewal for ``term_months`` cannot go ahead today, in words; empty when it can."""
    if facts.agency_status == "cancelled":
        return ["The registration is cancelled: it cannot be renewed; register the vehicle again."]
    if facts.agency_status == "suspended":
        return ["The registration is suspended: it cannot be renewed until the suspension ends."]
    needs = []
    if today < facts.expiry - rules.due_soon:
        needs.append(f"Renewal opens on {long_date(facts.expiry - rules.due_soon)}.")
    if today > add_months(facts.expiry, rules.late_renewal):
        needs.append(f"Expired more than {rules.late_renewal} months ago: renew at a service centre.")
    _, last = renewal_period(facts.expiry, term_months)
    if facts.ctp_until is None or facts.ctp_until < last:
        needs.append(f"CTP insurance (green slip) must cover the new period, to {long_date(last)}.")
    # The register knows the year of manufacture only, so age is counted in calendar years.
    if today.year - facts.year > rules.inspection_age_years:
        inspected = facts.last_passed_inspection
        if inspected is None or today - inspected > rules.inspection_valid:
            needs.append(
                f"A vehicle over {rules.inspection_age_years} years old needs a passed safety inspection "
                f"(pink slip) in the last {rules.inspection_valid.days} days."
            )
    return needs


def reminder_due(
    expiry: date, today: date, sent: frozenset[str], rules: RegoRules
) -> tuple[str, list[str]] | None:
    """The reminder to send today, if any, and every reminder key it settles.

    Keys name the expiry they were for, so a renewal (a new expiry) starts afresh. A job that missed
    days sends only the latest reminder due, and counts the earlier ones as sent: each goes once or never.
    """
    due = [name for name, before in rules.reminders if today >= expiry - before]
    if not due:
        return None
    keys = [f"{name}:{expiry.isoformat()}" for name in due]
    if keys[-1] in sent:
        return None
    return due[-1], keys
