"""The issuance fixtures, shared: a bundle is only interesting once something has been issued."""

from tests.wallet.issuance.conftest import holder, offer, person_id, transport_agency  # noqa: F401
