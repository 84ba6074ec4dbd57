"""A credential ends with the card: at the end of its expiry day where the issuing agency is.

``exp`` is the first second at which a JWT is no longer accepted (RFC 7519 section 4.1.4, and our verifier
refuses at ``now >= exp``), so the last valid second is 23:59:59 local on the expiry date. Sydney moves its
clocks on the first Sunday of October (02:00 to 03:00) and of April (03:00 to 02:00).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from issuers.catalog import CATALOG, DRIVER_LICENCE, CredentialType
from issuers.sdjwt import StatusReference, mint, prepare_claims
from tests.issuers.conftest import BASE, ISSUER
from tests.samples import LICENCE

SYDNEY = ZoneInfo("Australia/Sydney")
STATUS = StatusReference("https://wallet.example.gov/issuers/transport/status/1", 7)
# Weeks before the changes of October 2026 (clocks forward) and April 2027 (clocks back).
OCTOBER, APRIL = datetime(2026, 9, 20, tzinfo=UTC), datetime(2027, 3, 20, tzinfo=UTC)


def _exp(
    issuer_key, holder_jwk, *, expiry: str, now: datetime, ctype: CredentialType = DRIVER_LICENCE
) -> int:
    claims = prepare_claims(ctype, {**LICENCE, "expiry_date": expiry}, now.date())
    minted = mint(
        ctype,
        claims,
        key=issuer_key,
        issuer=ISSUER,
        vct=ctype.vct(BASE),
        holder_jwk=holder_jwk,
        status=STATUS,
        now=now,
        lifetime=timedelta(days=30),
    )
    assert minted.payload["exp"] == minted.expires_at
    return minted.expires_at


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def _local(exp: int) -> datetime:
    return datetime.fromtimestamp(exp, SYDNEY).replace(tzinfo=None)


def test_the_last_valid_second_is_235959_local_on_the_expiry_date(issuer_key, holder_jwk):
    exp = _exp(issuer_key, holder_jwk, expiry="2026-12-01", now=datetime(2026, 11, 22, 9, tzinfo=UTC))

    assert _local(exp - 1) == datetime(2026, 12, 1, 23, 59, 59)
    assert _local(exp) == datetime(2026, 12, 2, 0, 0, 0)
    assert exp == _utc(2026, 12, 1, 13)  # AEDT, UTC+11


@pytest.mark.parametrize(
    ("now", "expiry", "end_utc"),
    [
        # Across the start of daylight saving.
        (OCTOBER, "2026-10-03", (2026, 10, 3, 14)),  # the Saturday before: ends at 00:00 AEST (UTC+10)
        (OCTOBER, "2026-10-04", (2026, 10, 4, 13)),  # the day clocks go forward: ends at 00:00 AEDT (UTC+11)
        (OCTOBER, "2026-10-05", (2026, 10, 5, 13)),
        # Across its end.
        (APRIL, "2027-04-03", (2027, 4, 3, 13)),  # the Saturday before: ends at 00:00 AEDT (UTC+11)
        (APRIL, "2027-04-04", (2027, 4, 4, 14)),  # the day clocks go back: ends at 00:00 AEST (UTC+10)
        (APRIL, "2027-04-05", (2027, 4, 5, 14)),
    ],
)
def test_expiry_across_a_daylight_saving_change(issuer_key, holder_jwk, now, expiry, end_utc):
    exp = _exp(issuer_key, holder_jwk, expiry=expiry, now=now)

    assert exp == _utc(*end_utc)
    assert _local(exp - 1).isoformat() == f"{expiry}T23:59:59"


def test_the_days_of_the_changes_are_23_and_25_hours_long(issuer_key, holder_jwk):
    def end(expiry: str, now: datetime) -> int:
        return _exp(issuer_key, holder_jwk, expiry=expiry, now=now)

    assert end("2026-10-04", OCTOBER) - end("2026-10-03", OCTOBER) == 23 * 3600
    assert end("2027-04-04", APRIL) - end("2027-04-03", APRIL) == 25 * 3600


def test_a_card_expiring_today_lasts_until_local_midnight(issuer_key, holder_jwk):
    now = datetime(2026, 11, 22, 9, tzinfo=UTC)  # 20:00 in Sydney

    exp = _exp(issuer_key, holder_jwk, expiry="2026-11-22", now=now)

    assert exp == _utc(2026, 11, 22, 13)
    assert exp - int(now.timestamp()) == 4 * 3600


def test_a_card_past_its_day_in_sydney_is_over_while_utc_still_has_that_date(issuer_key, holder_jwk):
    now = datetime(2026, 11, 22, 14, tzinfo=UTC)  # already 01:00 on 23 November in Sydney

    exp = _exp(issuer_key, holder_jwk, expiry="2026-11-22", now=now)

    assert exp == _utc(2026, 11, 22, 13)
    assert exp <= int(now.timestamp())  # born expired: every verifier refuses it


def test_the_zone_is_the_credential_types(issuer_key, holder_jwk):
    perth = dataclasses.replace(DRIVER_LICENCE, time_zone="Australia/Perth")

    exp = _exp(
        issuer_key, holder_jwk, expiry="2026-12-01", now=datetime(2026, 11, 22, tzinfo=UTC), ctype=perth
    )

    assert exp == _utc(2026, 12, 1, 16)  # 00:00 AWST (UTC+8), no daylight saving


def test_a_far_expiry_leaves_the_credential_its_own_lifetime(issuer_key, holder_jwk):
    now = datetime(2026, 11, 22, 9, tzinfo=UTC)

    exp = _exp(issuer_key, holder_jwk, expiry="2029-04-12", now=now)

    assert exp == int((now + timedelta(days=30)).timestamp())


@pytest.mark.parametrize("ctype", CATALOG.values(), ids=CATALOG)
def test_every_type_names_a_zone_that_exists(ctype):
    assert ctype.zone.key == ctype.time_zone
