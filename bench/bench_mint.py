"""SD-JWT VCs minted per second on one core (a licence with decoys), against raw ES256 signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.harness import compare
from issuers.catalog import DRIVER_LICENCE
from issuers.sdjwt import StatusReference, mint, prepare_claims
from keys import SigningKey, ec_public_jwk
from wallet.demo import LICENCE_CLAIMS as RECORD  # the demo citizen's licence: a realistic record

TARGET = 0.5


def run() -> dict[str, Any]:
    key = SigningKey.generate("issuer:bench")
    raw = ec.generate_private_key(ec.SECP256R1())
    holder = ec_public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    now = datetime.now(UTC)
    status = StatusReference("https://wallet.example.gov/issuers/transport/status/1", 1234)

    claims = prepare_claims(DRIVER_LICENCE, RECORD, date.today())  # validated once, as at authorisation

    def one_licence() -> None:
        mint(
            DRIVER_LICENCE,
            claims,
            key=key,
            issuer="https://wallet.example.gov/issuers/transport",
            vct="https://wallet.example.gov/vct/driver_licence/v1",
            holder_jwk=holder,
            status=status,
            now=now,
            lifetime=timedelta(days=30),
        )

    def raw_signature() -> None:
        raw.sign(b"x" * 600, ec.ECDSA(hashes.SHA256()))

    ours, base = compare(one_licence, raw_signature)
    ratio = ours.median / base.median
    return {
        "figure": "SD-JWT VC licences minted / s / core (19 disclosures + decoys)",
        "ours": ours.as_dict(),
        "baseline": {"what": "raw ES256 signatures / s (cryptography)", **base.as_dict()},
        "ratio": round(ratio, 3),
        "target": f">= {TARGET}",
        "met": ratio >= TARGET,
    }
