"""The issuance fixtures, shared: the wallet shows what was issued."""

from tests.wallet.issuance.conftest import holder, offer, person_id, transport_agency  # noqa: F401
