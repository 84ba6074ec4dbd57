"""Attacks on log-in and sessions: refresh-token theft and replay, enumeration, password guessing."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, bearer, citizen, log_in, register, register_device
from wallet.accounts.errors import RefreshTokenReused
from wallet.accounts.service import SessionTokens
from wallet.audit.service import Actor
from wallet.errors import AppError
from wallet.holder.oid4vci import DeviceKey

ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 10
EMAIL = "citizen@example.org"


@pytest.fixture
def settings(settings):
    return {
        **settings,
        "LOGIN_LIMIT_ACCOUNT": f"{ACCOUNT_LIMIT}/minute",
        "LOGIN_LIMIT_ADDRESS": f"{ADDRESS_LIMIT}/minute",
    }


def _refresh(client, refresh_token):
    return client.post("/v1/sessions/refresh", json={"refresh_token": refresh_token})


def _me(client, tokens):
    return client.get("/v1/accounts/me", headers=bearer(tokens["access_token"]))


def _log_in(client, email=EMAIL, password=PASSWORD, **kwargs):
    return client.post("/v1/sessions", json={"email": email, "password": password}, **kwargs)


def test_replayed_refresh_token_revokes_the_whole_family(client):
    """Replaying a spent refresh token: refused as reuse, and every descendant token dies."""
    first = citizen(client)
    second = _refresh(client, first["refresh_token"]).json

    replay = _refresh(client, first["refresh_token"])

    assert replay.status_code == 401
    assert replay.json["code"] == "refresh_token_reused"
    assert _refresh(client, second["refresh_token"]).status_code == 401
    assert _me(client, second).status_code == 401


def test_stolen_refresh_token_used_first_dies_when_the_victim_replays(client):
    """A thief who spends a stolen refresh token first loses everything when the victim uses it."""
    victim = citizen(client)
    thief = _refresh(client, victim["refresh_token"]).json
    assert _me(client, thief).status_code == 200

    victim_attempt = _refresh(client, victim["refresh_token"])

    assert victim_attempt.json["code"] == "refresh_token_reused"
    assert _me(client, thief).status_code == 401
    stolen_rotation = _refresh(client, thief["refresh_token"])
    assert stolen_rotation.status_code == 401
    assert stolen_rotation.json["code"] == "invalid_refresh_token"


def test_two_refreshes_racing_with_one_token_let_only_one_win(client, rt):
    """Two requests presenting one refresh token at once: at most one gets new tokens."""
    token = citizen(client)["refresh_token"]
    actor = Actor("anonymous", None, "192.0.2.1")
    outcomes: list[object] = []

    with rt.db.session() as first, rt.db.session() as second:
        racer, rival = rt.accounts(first), rt.accounts(second)
        spend = racer._spend

        def rival_runs_in_between(refresh_token, now):
            # The rival request runs whole after the racer read the token, before it marks it used.
            try:
                outcomes.append(rival.refresh(refresh_token=token, actor=actor))
            except AppError as error:
                outcomes.append(error)
            return spend(refresh_token, now)

        racer._spend = rival_runs_in_between
        try:
            outcomes.append(racer.refresh(refresh_token=token, actor=actor))
        except AppError as error:
            outcomes.append(error)

    winners = [outcome for outcome in outcomes if isinstance(outcome, SessionTokens)]
    assert len(outcomes) == 2
    assert len(winners) == 1
    assert any(isinstance(outcome, RefreshTokenReused) for outcome in outcomes)


def test_refresh_token_of_a_logged_out_session_is_refused(client):
    """Using a refresh token after its session was logged out (e.g. taken from a lost phone)."""
    tokens = citizen(client)
    assert client.delete("/v1/sessions/current", headers=bearer(tokens["access_token"])).status_code == 204

    response = _refresh(client, tokens["refresh_token"])

    assert response.status_code == 401
    assert response.json["code"] == "invalid_refresh_token"


def test_log_in_does_not_reveal_which_emails_have_accounts(client):
    """Account enumeration: an unknown email and a wrong password get byte-identical answers."""
    register(client)

    wrong_password = _log_in(client, password="not the password")
    unknown_email = _log_in(client, email="nobody@example.org", password="not the password")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json["code"] == "invalid_credentials"
    assert wrong_password.get_data() == unknown_email.get_data()
    assert sorted(wrong_password.headers.items()) == sorted(unknown_email.headers.items())


def test_rate_limit_does_not_reveal_which_emails_have_accounts(client):
    """Account enumeration through the guessing limit: it trips alike for unknown emails."""
    register(client)
    for email in (EMAIL, "nobody@example.org"):
        for _ in range(ACCOUNT_LIMIT):
            assert _log_in(client, email=email, password="not the password").status_code == 401

    known = _log_in(client, password="not the password")
    unknown = _log_in(client, email="nobody@example.org", password="not the password")

    assert known.status_code == unknown.status_code == 429
    assert known.json["code"] == unknown.json["code"] == "rate_limited"


def test_password_guessing_is_stopped_per_account_even_for_the_right_password(client):
    """Brute force on one account: past the limit even the right password is refused with 429."""
    register(client)
    for _ in range(ACCOUNT_LIMIT):
        assert _log_in(client, password="not the password").status_code == 401

    response = _log_in(client)

    assert response.status_code == 429
    assert response.json["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert "access_token" not in response.json


def test_email_case_and_spacing_variants_share_one_guessing_limit(client):
    """Brute force spread over spellings of one email (case, spaces) to dodge the account limit."""
    register(client)
    for email in ("CITIZEN@example.org", " citizen@example.org ", "Citizen@Example.Org")[:ACCOUNT_LIMIT]:
        assert _log_in(client, email=email, password="not the password").status_code == 401

    response = _log_in(client)

    assert response.status_code == 429


def test_password_guessing_across_accounts_is_stopped_per_address(client):
    """Password spraying: one address trying many accounts is stopped, whatever account it tries."""
    register(client)
    for i in range(ADDRESS_LIMIT):
        _log_in(client, email=f"user{i}@example.org", password="Summer2026!")

    response = _log_in(client)

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_forged_x_forwarded_for_does_not_reset_the_address_limit(client):
    """Password spraying with a new spoofed X-Forwarded-For on each try (no trusted proxy)."""
    register(client)
    for i in range(ADDRESS_LIMIT):
        _log_in(client, email=f"user{i}@example.org", headers={"X-Forwarded-For": f"198.51.100.{i}"})

    response = _log_in(client, headers={"X-Forwarded-For": "198.51.100.200"})

    assert response.status_code == 429


def test_mass_registration_from_one_address_is_throttled(client):
    """Creating accounts in bulk from one address."""
    for i in range(ADDRESS_LIMIT):
        register(client, f"bot{i}@example.org")

    response = client.post("/v1/accounts", json={"email": "bot@example.org", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json["code"] == "rate_limited"


def test_session_tokens_are_not_cacheable(client):
    """A proxy or browser cache keeping a copy of the tokens of a log-in or refresh."""
    register(client)
    logged_in = _log_in(client)
    refreshed = _refresh(client, logged_in.json["refresh_token"])

    for response in (logged_in, refreshed):
        assert response.status_code in (200, 201)
        assert "no-store" in response.headers["Cache-Control"]


def test_a_removed_phone_cannot_collect_fresh_credentials(client, rt):
    """A lost phone, still logged in after the citizen removed it from another phone, tries to register a
    new key and collect new copies with its app session."""
    register(client, "owner@example.org")
    lost, kept = log_in(client, "owner@example.org"), log_in(client, "owner@example.org")
    lost_phone_id = register_device(client, rt, lost["access_token"], DeviceKey(), name="lost")

    removed = client.delete(f"/v1/devices/{lost_phone_id}", headers=bearer(kept["access_token"]))

    assert removed.status_code == 200
    assert client.get("/v1/accounts/me", headers=bearer(lost["access_token"])).status_code == 401
    refreshed = client.post("/v1/sessions/refresh", json={"refresh_token": lost["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.get("/v1/accounts/me", headers=bearer(kept["access_token"])).status_code == 200
