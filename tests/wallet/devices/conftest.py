"""The issuance fixtures, shared: a device matters for the credentials bound to its key."""

from tests.wallet.issuance.conftest import holder, offer, person_id, transport_agency  # noqa: F401
