"""The issuance fixtures, shared: a record is found by the numbers of the card authorised for it."""

from tests.wallet.issuance.conftest import offer, person_id, transport_agency  # noqa: F401
