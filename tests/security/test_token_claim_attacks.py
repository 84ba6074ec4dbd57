"""Access tokens validly signed but wrong in their claims: audience, issuer, times, session. All 401."""

from __future__ import annotations

import pytest

from tests.factories import agency_client, agency_token, bearer, register
from tests.security.tokens import PERSON, app_api, assert_refused


def test_agency_access_token_on_the_app_api_is_refused(client, rt):
    """Audience confusion: an agency client's access token used on the citizen app API."""
    token = agency_token(client, agency_client(rt))

    assert_refused(app_api(client, token))


def test_citizen_access_token_on_the_agency_api_is_refused(client, rt, mine):
    """Audience confusion: a citizen's access token used on the agency API."""
    response = client.post("/v1/agency/people", json=PERSON, headers=bearer(mine["access_token"]))

    assert_refused(response)


def test_citizen_token_minted_for_the_agency_audience_is_refused_on_the_app_api(client, rt, claims):
    """Audience confusion with every citizen claim right (sub, sid) but aud the agency API."""
    token = rt.tokens.mint(subject=claims["sub"], audience=rt.agency_audience, ttl=600, sid=claims["sid"])

    assert_refused(app_api(client, token))


def test_agency_token_minted_for_the_app_audience_is_refused_on_the_agency_api(client, rt):
    """Audience confusion with every agency claim right (agency, scope) but aud the app API."""
    creds = agency_client(rt)
    token = rt.tokens.mint(
        subject=creds.client_id,
        audience=rt.app_audience,
        ttl=600,
        scope="people:read people:write",
        agency=creds.agency_id,
    )

    assert_refused(client.post("/v1/agency/people", json=PERSON, headers=bearer(token)))


@pytest.mark.parametrize(
    "issuer", ["https://evil.example", "http://127.0.0.1:800", "http://127.0.0.1:8000.evil.example"]
)
def test_token_from_another_issuer_is_refused(client, claims, service_key, issuer):
    """A service-signed token naming another issuer (or a look-alike prefix of ours)."""
    token = service_key.sign_jws({**claims, "iss": issuer}, typ="at+jwt")

    assert_refused(app_api(client, token))


def test_expired_access_token_is_refused_past_the_leeway(client, clock, mine):
    """Replaying an access token after its expiry plus the 5 s clock leeway."""
    clock.advance(seconds=600 + 4)
    assert app_api(client, mine["access_token"]).status_code == 200

    clock.advance(seconds=1)

    assert_refused(app_api(client, mine["access_token"]))


def test_access_token_issued_in_the_future_is_refused(client, claims, service_key):
    """A token whose iat is in the future (pre-minted to outlive its real lifetime)."""
    token = service_key.sign_jws(
        {**claims, "iat": claims["iat"] + 60, "exp": claims["exp"] + 60}, typ="at+jwt"
    )

    assert_refused(app_api(client, token))


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "sub", "iss", "aud", "sid"])
def test_access_token_missing_a_required_claim_is_refused(client, claims, service_key, claim):
    """A service-signed token lacking a claim the check relies on."""
    stripped = {name: value for name, value in claims.items() if name != claim}

    assert_refused(app_api(client, service_key.sign_jws(stripped, typ="at+jwt")))


@pytest.mark.parametrize(
    "change",
    [{"exp": "9999999999"}, {"exp": None}, {"iat": "0"}, {"exp": [9999999999]}],
    ids=["exp-string", "exp-null", "iat-string", "exp-list"],
)
def test_access_token_with_non_integer_times_is_refused(client, claims, service_key, change):
    """A token whose exp or iat is not an integer, to slip past the time checks."""
    assert_refused(app_api(client, service_key.sign_jws({**claims, **change}, typ="at+jwt")))


def test_access_token_of_a_logged_out_session_is_refused(client, mine):
    """Reusing an access token after its session was logged out."""
    assert client.delete("/v1/sessions/current", headers=bearer(mine["access_token"])).status_code == 204

    assert_refused(app_api(client, mine["access_token"]))


def test_access_token_pairing_my_session_with_another_account_is_refused(client, rt, claims):
    """A valid token whose sid is my session but whose sub is someone else's account."""
    other = register(client, "other@example.org")["id"]
    mint = rt.tokens.mint
    genuine = mint(subject=claims["sub"], audience=rt.app_audience, ttl=600, sid=claims["sid"])
    assert app_api(client, genuine).status_code == 200

    token = mint(subject=other, audience=rt.app_audience, ttl=600, sid=claims["sid"])

    assert_refused(app_api(client, token))


def test_access_token_in_the_query_string_is_refused(client, mine):
    """A bearer token passed in the URL (where logs and referrers leak it) instead of the header."""
    response = client.get("/v1/accounts/me", query_string={"access_token": mine["access_token"]})

    assert_refused(response)
