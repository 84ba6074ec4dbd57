"""SD-JWT VCs minted per second on one core (a licence with decoys), against raw ES256 signatures.

The figure is the demo citizen's licence, which has no portrait: 19 disclosures (14 top-level claims with the
derived ages, 4 address members and the address object) plus decoys, one ``mint`` per credential as the
issuance service calls it. Two variants are timed beside it, each against its own same-run baseline: the
same licence minted in batches from one record (``mint_batch``, as for several device keys), and the
licence with a portrait, a JPEG that is itself a disclosure and dominates the cost by its size.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from bench.harness import compare
from issuers.catalog import DRIVER_LICENCE
from issuers.sdjwt import StatusReference, mint, mint_batch, prepare_claims
from keys import SigningKey, ec_public_jwk
from wallet.demo import LICENCE_CLAIMS as RECORD  # the demo citizen's licence: a realistic record

TARGET = 0.5
BATCH = 4
ISSUER = "https://wallet.example.gov/issuers/transport"
VCT = "https://wallet.example.gov/vct/driver_licence/v1"


def portrait_jpeg() -> bytes:
    """A passport-style photo's worth of JPEG (300x400, noisy enough to weigh what a real face does)."""
    bands = [Image.effect_noise((300, 400), 24).point(lambda v: v // 2 + 64) for _ in range(3)]
    buffer = io.BytesIO()
    Image.merge("RGB", bands).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def run() -> dict[str, Any]:
    key = SigningKey.generate("issuer:bench")
    raw = ec.generate_private_key(ec.SECP256R1())
    holder = ec_public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    now = datetime.now(UTC)
    status = StatusReference("https://wallet.example.gov/issuers/transport/status/1", 1234)
    jpeg = portrait_jpeg()

    # validated once, as at authorisation
    claims = prepare_claims(DRIVER_LICENCE, RECORD, date.today())
    with_portrait = prepare_claims(
        DRIVER_LICENCE, {**RECORD, "portrait": base64.b64encode(jpeg).decode()}, date.today()
    )

    def licence(of: dict[str, Any]) -> Callable[[], object]:
        return lambda: mint(
            DRIVER_LICENCE,
            of,
            key=key,
            issuer=ISSUER,
            vct=VCT,
            holder_jwk=holder,
            status=status,
            now=now,
            lifetime=timedelta(days=30),
        )

    def batch() -> None:
        mint_batch(
            DRIVER_LICENCE,
            claims,
            key=key,
            issuer=ISSUER,
            vct=VCT,
            holders=[(holder, status)] * BATCH,
            now=now,
            lifetime=timedelta(days=30),
        )

    def raw_signature() -> None:
        raw.sign(b"x" * 600, ec.ECDSA(hashes.SHA256()))

    ours, base = compare(licence(claims), raw_signature)
    ratio = ours.median / base.median
    return {
        "figure": "SD-JWT VC licences minted / s / core (19 disclosures + decoys)",
        "ours": ours.as_dict(),
        "baseline": {"what": "raw ES256 signatures / s (cryptography)", **base.as_dict()},
        "ratio": round(ratio, 3),
        "target": f">= {TARGET}",
        "met": ratio >= TARGET,
        "variants": {
            f"batch of {BATCH} from one record (per licence)": _variant(batch, raw_signature, per_call=BATCH),
            f"with a {len(jpeg) // 1024} KiB portrait (20 disclosures)": _variant(
                licence(with_portrait), raw_signature
            ),
        },
    }


def _variant(
    subject: Callable[[], object], baseline: Callable[[], object], *, per_call: int = 1
) -> dict[str, Any]:
    ours, base = compare(subject, baseline)
    return {
        "ours_median_per_s": round(ours.median * per_call, 1),
        "ours_min_per_s": round(ours.low * per_call, 1),
        "ours_max_per_s": round(ours.high * per_call, 1),
        "baseline_median_per_s": round(base.median, 1),
        "ratio": round(ours.median * per_call / base.median, 3),
    }
