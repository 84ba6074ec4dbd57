from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from keys import SigningKey, ec_public_jwk

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 22)
ISSUER = "https://wallet.example.gov/issuers/transport"
BASE = "https://wallet.example.gov"


@pytest.fixture(scope="session")
def issuer_key() -> SigningKey:
    return SigningKey.generate("issuer:transport")


@pytest.fixture
def holder_jwk() -> dict[str, str]:
    return ec_public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
