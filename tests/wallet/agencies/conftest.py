"""The issuance fixtures, shared: record changes matter once something has been issued from the record."""

from tests.wallet.issuance.conftest import holder, offer, person_id, transport_agency  # noqa: F401
