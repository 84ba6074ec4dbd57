"""End-to-end fixtures: the issuance fixtures (agency, person, offer, holder over the test client), shared."""

from tests.wallet.issuance.conftest import holder, offer, person_id, transport_agency  # noqa: F401
