"""Fixtures of the security tests: a logged-in victim, the claims of their token, the service key."""

from __future__ import annotations

import jwt
import pytest

from tests.factories import citizen
from tests.security.tokens import app_api
from wallet.auth.tokens import SERVICE_KEYS


@pytest.fixture
def mine(client):
    """A logged-in citizen's tokens; the genuine access token opens the account."""
    tokens = citizen(client, "victim@example.org")
    assert app_api(client, tokens["access_token"]).status_code == 200
    return tokens


@pytest.fixture
def service_key(rt):
    """The service's active signing key, as the app holds it."""
    return rt.keystore.active(SERVICE_KEYS)


@pytest.fixture
def claims(client, mine, service_key):
    """The claims of the citizen's genuine access token, to re-sign or tamper with.

    Re-signed unchanged by the service key they pass: the attacks change one thing each.
    """
    genuine = jwt.decode(mine["access_token"], options={"verify_signature": False})
    assert app_api(client, service_key.sign_jws(genuine, typ="at+jwt")).status_code == 200
    return genuine


# A licence holder, a second one and the transport agency, for the attacks on fines and payments.
from tests.wallet.fines.conftest import driver, other_driver, transport, transport_client  # noqa: E402, F401
