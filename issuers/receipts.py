"""Payment receipts as signed JWTs: the agency paid signs what was paid, so the citizen can show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from keys import SigningKey

RECEIPT_TYP = "receipt+jwt"


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    payer: str  # the account that paid (an opaque id)
    description: str
    amount_cents: int
    currency: str
    paid_at: datetime
    refunded_cents: int = 0


def receipt_token(receipt: Receipt, *, key: SigningKey, issuer: str, now: datetime) -> str:
    """A compact ES256 JWS of ``receipt`` by ``issuer``, verifiable with the issuer's published JWKS."""
    payload = {
        "iss": issuer,
        "sub": receipt.payer,
        "iat": int(now.timestamp()),
        "jti": receipt.number,
        "receipt": {
            "number": receipt.number,
            "description": receipt.description,
            "amount_cents": receipt.amount_cents,
            "currency": receipt.currency,
            "paid_at": int(receipt.paid_at.timestamp()),
            "refunded_cents": receipt.refunded_cents,
        },
    }
    return key.sign_jws(payload, typ=RECEIPT_TYP)
