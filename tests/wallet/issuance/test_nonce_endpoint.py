"""The nonce endpoint: open to anyone, so limited per client address (each nonce is a row until purged)."""

from __future__ import annotations

import pytest

from tests.wallet.issuance.conftest import count
from wallet.issuance.models import IssuanceNonce


@pytest.fixture
def settings(settings):
    return {**settings, "NONCE_LIMIT": "3/minute"}


def test_nonce_flooding_from_one_address_is_rate_limited(client, rt, transport_agency):
    statuses = [client.post("/issuers/transport/nonce").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    limited = client.post("/issuers/transport/nonce")
    assert limited.mimetype == "application/problem+json"
    assert (limited.json["code"], int(limited.headers["Retry-After"]) > 0) == ("rate_limited", True)
    assert count(rt, IssuanceNonce) == 3  # the refused requests wrote nothing
    other = client.post("/issuers/transport/nonce", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # per address: others are not locked out
