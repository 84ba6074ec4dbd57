"""Demerit points come from paid fines: the fines fixtures, shared."""

from tests.wallet.fines.conftest import driver, other_driver, transport, transport_client  # noqa: F401
