"""Holder fixtures: an issuer key for the session, a device key, and credentials bound to it."""

from __future__ import annotations

import pytest

from keys import SigningKey
from tests.holder.credentials import mint_credential
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
