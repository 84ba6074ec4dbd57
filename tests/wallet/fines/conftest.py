"""A licence holder linked to their app account, and a transport agency that lodges fines against them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import TestClientCredentials, agency_client, agency_token, bearer, citizen, log_in
from tests.samples import LICENCE
from wallet.clock import FrozenClock

SCOPES = ("people:read", "people:write", "credentials:issue", "credentials:revoke", "fines:write")
NOTICE: dict[str, Any] = {
    "notice_number": "4012345678",
    "licence_number": LICENCE["licence_number"],
    "offence_code": "SPEED-74704",
    "offence_description": "Exceed speed limit by more than 10 km/h",
    "offence_at": "2026-11-10T08:30:00+11:00",
    "place": "Great Western Hwy, Blaxland",
    "detection": "camera",
    "amount_cents": 41_000,
    "points": 3,
    "due_date": "2026-12-13",
}


@dataclass
class Driver:
    token: str  # the citizen's access token
    person_id: str
    email: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


def make_driver(client: FlaskClient, agency: str, email: str, claims: dict[str, Any]) -> Driver:
    person = {
        "agency_ref": f"P-{uuid.uuid4().hex[:8]}",
        **{k: claims[k] for k in ("given_name", "family_name", "birthdate")},
    }
    created = client.post("/v1/agency/people", json=person, headers=bearer(agency))
    assert created.status_code == 201, created.json
    authorised = client.post(
        f"/v1/agency/people/{created.json['id']}/authorisations",
        json={"credential_type": "driver_licence", "claims": claims},
        headers=bearer(agency),
    )
    assert authorised.status_code == 201, authorised.json
    token = citizen(client, email)["access_token"]
    card = {"licence_number": claims["licence_number"], "card_number": claims["card_number"]}
    linked = client.post("/v1/links", json=card, headers=bearer(token))
    assert linked.status_code in (200, 201), linked.json
    return Driver(token, created.json["id"], email)


def travel(client: FlaskClient, clock: FrozenClock, day: str, *drivers: Driver) -> None:
    """Move the clock to 9 am in Sydney on ``day``, and log the drivers in again (tokens last minutes)."""
    clock._at = datetime.fromisoformat(f"{day}T09:00:00+11:00").astimezone(UTC)
    for driver in drivers:
        driver.token = log_in(client, driver.email)["access_token"]


@pytest.fixture
def transport_client(rt) -> TestClientCredentials:
    rt.keystore.ensure_active("issuer:transport", now=rt.clock.now())
    return agency_client(rt, "transport", SCOPES)


@pytest.fixture
def transport(client, transport_client) -> str:
    return agency_token(client, transport_client)


@pytest.fixture
def driver(client, transport) -> Driver:
    return make_driver(client, transport, "alex@example.org", LICENCE)


@pytest.fixture
def other_driver(client, transport) -> Driver:
    claims = {**LICENCE, "given_name": "Sam", "licence_number": "87654321", "card_number": "2011111111"}
    return make_driver(client, transport, "sam@example.org", claims)


def lodge(client: FlaskClient, agency: str, **changes: Any) -> Any:
    return client.post("/v1/agency/fines", json={**NOTICE, **changes}, headers=bearer(agency))


def lodged(client: FlaskClient, agency: str, **changes: Any) -> dict[str, Any]:
    response = lodge(client, agency, **changes)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def pay(client: FlaskClient, driver: Driver, fine: dict[str, Any], key: str, **body: Any) -> Any:
    payment = {"amount_cents": fine["owed_cents"], "card_token": "tok_sandbox_visa", **body}
    headers = {**driver.auth, "Idempotency-Key": f'"{key}"'}
    return client.post(f"/v1/fines/{fine['id']}/payments", json=payment, headers=headers)


@dataclass
class Committed:
    """A licence holder linked to their account, on an app whose requests commit (for race tests)."""

    agency: str  # the transport agency's token
    token: str  # the citizen's
    email: str
    licence_number: str
    unique: int  # for numbers of the test's own (notices, plates)


def committed_driver(app: Flask, scopes: tuple[str, ...]) -> Committed:
    """New numbers every call, so tests sharing a database that is not rolled back never meet."""
    rt, client = app.extensions["credwallet"], app.test_client()
    rt.keystore.ensure_active("issuer:transport", now=rt.clock.now())
    agency = agency_token(client, agency_client(rt, "transport", scopes))
    unique = uuid.uuid4().int
    claims = {**LICENCE, "licence_number": f"{unique % 10**8:08d}", "card_number": f"{unique % 10**10:010d}"}
    email = f"driver-{unique % 10**12}@example.org"
    driver = make_driver(client, agency, email, claims)
    return Committed(agency, driver.token, email, claims["licence_number"], unique)
