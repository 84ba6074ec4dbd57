"""Interop runs the service under an https public URL, as a deployed issuer has (OpenID4VCI requires it)."""

import pytest

from tests.wallet.issuance.conftest import holder, offer, person_id, transport_agency  # noqa: F401


@pytest.fixture
def settings(settings):
    return {**settings, "PUBLIC_URL": "https://wallet.example.gov"}
