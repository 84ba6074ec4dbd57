"""A licence holder with a car on the register, its green slip recorded, and the transport agency."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import agency_client, agency_token, bearer
from tests.wallet.fines.conftest import driver, other_driver  # noqa: F401

SCOPES = ("people:read", "people:write", "credentials:issue", "credentials:revoke", "vehicles:write")
CAR: dict[str, Any] = {
    "plate": "ABC12D",
    "vin": "6T1BF3FK50X012345",
    "make": "Toyota",
    "model": "Corolla",
    "year": 2023,
    "body_type": "Sedan",
    "vehicle_type": "car",
    "tare_kg": 1400,
    "operator_licence": "12345678",
    "expiry": "2026-12-20",
}
GREEN_SLIP = {
    "insurer": "NRMA",
    "policy_number": "CTP-0001",
    "starts_on": "2026-12-21",
    "ends_on": "2027-12-20",
}


@pytest.fixture
def transport_client(rt):
    rt.keystore.ensure_active("issuer:transport", now=rt.clock.now())
    return agency_client(rt, "transport", SCOPES)


@pytest.fixture
def transport(client, transport_client) -> str:
    return agency_token(client, transport_client)


def register(client: FlaskClient, agency: str, **changes: Any) -> dict[str, Any]:
    response = client.post("/v1/agency/vehicles", json={**CAR, **changes}, headers=bearer(agency))
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def add_ctp(client: FlaskClient, agency: str, vehicle: dict[str, Any], **changes: Any) -> None:
    response = client.post(
        f"/v1/agency/vehicles/{vehicle['id']}/ctp", json={**GREEN_SLIP, **changes}, headers=bearer(agency)
    )
    assert response.status_code == 201, response.json


@pytest.fixture
def car(client, transport, driver) -> dict[str, Any]:  # noqa: F811 - the driver must exist first
    vehicle = register(client, transport)
    add_ctp(client, transport, vehicle)
    return vehicle


def renew(client: FlaskClient, citizen: Any, vehicle: dict[str, Any], key: str, **body: Any) -> Any:
    request = {"term_months": 12, "total_cents": 45_300, "card_token": "tok_sandbox_visa", **body}
    headers = {**citizen.auth, "Idempotency-Key": f'"{key}"'}
    return client.post(f"/v1/vehicles/{vehicle['id']}/renewals", json=request, headers=headers)
