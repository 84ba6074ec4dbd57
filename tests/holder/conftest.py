"""Holder fixtures: an issuer key for the session, a device key, credentials bound to it, and a real offer."""

from __future__ import annotations

from typing import Any

import pytest

from keys import SigningKey
from tests.factories import agency_client, agency_token, bearer
from tests.holder.credentials import mint_credential
from tests.samples import LICENCE
from wallet.holder.oid4vci import DeviceKey
from wallet.holder.present import SdJwtCredential


@pytest.fixture(scope="session")
def issuer_key() -> SigningKey:
    return SigningKey.generate("issuer:transport")


@pytest.fixture
def device() -> DeviceKey:
    return DeviceKey()


@pytest.fixture
def licence(issuer_key: SigningKey, device: DeviceKey) -> SdJwtCredential:
    return SdJwtCredential(mint_credential("driver_licence", device, issuer_key))


@pytest.fixture
def proof_of_age(issuer_key: SigningKey, device: DeviceKey) -> SdJwtCredential:
    return SdJwtCredential(mint_credential("proof_of_age", device, issuer_key))


TRANSPORT_SCOPES = ("people:read", "people:write", "credentials:issue")


@pytest.fixture
def offer(rt, client) -> dict[str, Any]:
    """A driver licence offer of the transport agency: its ``credential_offer_uri`` and ``tx_code``."""
    rt.keystore.ensure_active("issuer:transport", now=rt.clock.now())
    token = agency_token(client, agency_client(rt, "transport", TRANSPORT_SCOPES))
    person = {k: LICENCE[k] for k in ("given_name", "family_name", "birthdate")}
    created = client.post("/v1/agency/people", json={"agency_ref": "P-1", **person}, headers=bearer(token))
    assert created.status_code == 201, created.json
    authorised = client.post(
        f"/v1/agency/people/{created.json['id']}/authorisations",
        json={"credential_type": "driver_licence", "claims": LICENCE},
        headers=bearer(token),
    )
    assert authorised.status_code == 201, authorised.json
    return dict(authorised.json)
