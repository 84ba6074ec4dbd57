"""Payments are tested through fines, the first thing paid for: the fines fixtures, shared."""

from tests.wallet.fines.conftest import driver, other_driver, transport, transport_client  # noqa: F401
