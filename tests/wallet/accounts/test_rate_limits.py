from __future__ import annotations

import pytest

from tests.factories import PASSWORD, register

WRONG = {"email": "citizen@example.org", "password": "wrong password!"}


@pytest.fixture
def settings(settings):
    return {**settings, "LOGIN_LIMIT_ACCOUNT": "3/minute", "LOGIN_LIMIT_ADDRESS": "6/minute"}


def test_failed_log_ins_are_limited_per_account(client):
    register(client)
    for _ in range(3):
        assert client.post("/v1/sessions", json=WRONG).status_code == 401

    response = client.post("/v1/sessions", json={"email": "citizen@example.org", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_the_account_limit_is_per_account(client):
    register(client, "a@example.org")
    register(client, "b@example.org")
    for _ in range(3):
        client.post("/v1/sessions", json={"email": "a@example.org", "password": "wrong password!"})

    response = client.post("/v1/sessions", json={"email": "b@example.org", "password": PASSWORD})

    assert response.status_code == 201


def test_attempts_are_limited_per_client_address(client):
    register(client)
    for i in range(6):  # the address limit: 6 attempts a minute, whoever they are for
        client.post("/v1/sessions", json={"email": f"other{i}@example.org", "password": PASSWORD})

    response = client.post("/v1/sessions", json={"email": "citizen@example.org", "password": PASSWORD})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_other_addresses_are_not_limited(client):
    register(client)
    for i in range(6):
        client.post("/v1/sessions", json={"email": f"x{i}@example.org", "password": PASSWORD})

    response = client.post(
        "/v1/sessions",
        json={"email": "citizen@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )

    assert response.status_code == 201
