"""The card payment gateway, and the sandbox one that development and tests use.

Every call is idempotent on ``reference`` (our payment id), as real card processors are on their
idempotency keys: charging the same reference twice returns the first charge, never a second one. That is
what lets an interrupted payment be completed by a retry without charging the card again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from wallet.payments.errors import GatewayRefused, UnknownCardToken
from wallet.payments.models import SandboxCharge


@dataclass(frozen=True, slots=True)
class GatewayResult:
    state: str  # captured, declined, pending (the processor will say later), refunded
    failure_code: str | None = None


class GatewayTimeout(Exception):
    """The gateway did not answer: the charge may or may not have happened; ask again with ``lookup``."""


class Gateway(Protocol):
    name: str

    def charge(self, *, reference: str, amount_cents: int, currency: str, card_token: str) -> GatewayResult:
        """Charge once per reference. Raises GatewayTimeout, UnknownCardToken."""
        ...

    def lookup(self, reference: str) -> GatewayResult | None:
        """What the gateway did for ``reference``; None if it never saw it."""
        ...

    def refund(self, *, reference: str, amount_cents: int) -> GatewayResult: ...


# The sandbox's test cards: what each token does.
SANDBOX_CARDS = {
    "tok_sandbox_visa": "captured",
    "tok_sandbox_declined": "declined",
    "tok_sandbox_timeout": "timeout",  # charges, then the answer is lost on the way back
    "tok_sandbox_later": "pending",  # the processor confirms later, by webhook
}


class SandboxGateway:
    """A gateway with a ledger of its own, written in its own transactions as a remote system's would be."""

    name = "sandbox"

    def __init__(self, sessions: Callable[[], Session], *, now: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.now = now

    def charge(self, *, reference: str, amount_cents: int, currency: str, card_token: str) -> GatewayResult:
        behaviour = SANDBOX_CARDS.get(card_token)
        if behaviour is None:
            raise UnknownCardToken(f"Use one of the sandbox cards: {', '.join(SANDBOX_CARDS)}.")
        with self.sessions() as session, session.begin():
            charge = session.get(SandboxCharge, reference)
            if charge is not None:  # the same reference again: the first charge's outcome, no new charge
                return _result(charge)
            charge = SandboxCharge(
                reference=reference,
                amount_cents=amount_cents,
                currency=currency,
                card_token=card_token,
                state="captured" if behaviour == "timeout" else behaviour,
                refunded_cents=0,
                created_at=self.now(),
            )
            session.add(charge)
            outcome = _result(charge)
        if behaviour == "timeout":
            raise GatewayTimeout(reference)
        return outcome

    def lookup(self, reference: str) -> GatewayResult | None:
        with self.sessions() as session:
            charge = session.get(SandboxCharge, reference)
            return None if charge is None else _result(charge)

    def refund(self, *, reference: str, amount_cents: int) -> GatewayResult:
        """Refund a capture in full, once per reference: asking again returns the first refund."""
        with self.sessions() as session, session.begin():
            charge = session.get(SandboxCharge, reference, with_for_update=True)
            if charge is None or charge.state not in ("captured", "refunded"):
                raise GatewayRefused(f"Nothing was captured for {reference}.")
            if amount_cents != charge.amount_cents:
                raise GatewayRefused("The sandbox refunds a charge in full only.")
            charge.refunded_cents, charge.state = charge.amount_cents, "refunded"
            return _result(charge)

    def settle_later(self, reference: str, *, state: str) -> None:
        """What the processor does in its own time to a pending charge (then it sends the webhook)."""
        with self.sessions() as session, session.begin():
            charge = session.get(SandboxCharge, reference, with_for_update=True)
            if charge is None or charge.state != "pending":
                raise GatewayRefused(f"No pending charge {reference}.")
            charge.state = state


def _result(charge: SandboxCharge) -> GatewayResult:
    failure = "card_declined" if charge.state == "declined" else None
    return GatewayResult(state=charge.state, failure_code=failure)
