"""The public registration check: no log-in, nothing personal, rate limited."""

from __future__ import annotations

import pytest

PUBLIC_FIELDS = {"plate", "status", "expiry", "make", "model", "body_type", "year", "ctp_insurer"}


@pytest.fixture
def settings(settings):
    return {**settings, "REGO_CHECK_LIMIT": "3/minute"}


def test_anyone_can_check_a_plate_and_learns_nothing_personal(client, car, driver):
    response = client.get("/v1/rego-check?plate=abc%2012d")  # as typed: lower case, a space

    assert response.status_code == 200
    assert set(response.json) == PUBLIC_FIELDS
    assert (response.json["plate"], response.json["status"], response.json["ctp_insurer"]) == (
        "ABC12D",
        "due_soon",
        "NRMA",
    )
    text = response.get_data(as_text=True)
    for personal in ("Alex", "Citizen", "12345678", "6T1BF3FK50X012345", driver.person_id):
        assert personal not in text


def test_an_unknown_plate_is_404_and_a_malformed_one_422(client, car):
    assert client.get("/v1/rego-check?plate=ZZZ999").status_code == 404
    assert client.get("/v1/rego-check?plate=%3Cscript%3E").status_code == 422
    assert client.get("/v1/rego-check?plate=ABC12D&owner=1").status_code == 422


def test_the_check_is_rate_limited_per_address(client, car):
    statuses = [client.get("/v1/rego-check?plate=ABC12D").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    limited = client.get("/v1/rego-check?plate=ABC12D")
    assert (limited.json["code"], int(limited.headers["Retry-After"]) > 0) == ("rate_limited", True)
