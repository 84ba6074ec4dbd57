"""Payments are tested through fines, the first thing paid for: the fines fixtures, shared."""

from tests.wallet.fines.conftest import driver, transport, transport_client  # noqa: F401
