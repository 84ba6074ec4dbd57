"""Real SD-JWT VCs for the holder and QR tests, minted by the issuing code, bound to a given device key."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import zxingcpp
from PIL import Image

from issuers.catalog import CATALOG
from issuers.sdjwt import StatusReference, mint, prepare_claims
from keys import SigningKey
from tests.samples import LICENCE
from verifier.replay import MemoryReplayCache
from verifier.store import TrustStore
from verifier.verify import Verifier
from wallet.holder.oid4vci import DeviceKey

BASE_URL = "https://wallet.example.gov"
ISSUER = f"{BASE_URL}/issuers/transport"
NOW = 1_790_000_000  # 2026-09-21, a day the licence record below is current


def _portrait() -> str:
    """A real (tiny) JPEG, as the agency sends it: standard base64."""
    buffer = io.BytesIO()
    Image.new("RGB", (24, 32), "grey").save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# The shared sample licence, with what a holder's presentations must cope with: two classes, a condition,
# and a portrait that the police profile leaves out.
RECORD: dict[str, Any] = {
    **LICENCE,
    "licence_class": ["C", "MC"],
    "conditions": ["S"],
    "portrait": _portrait(),
}
LICENCE_DISCLOSURES = {
    "given_name",
    "family_name",
    "birthdate",
    "address",
    "address.street_address",
    "address.locality",
    "address.region",
    "address.postal_code",
    "licence_number",
    "card_number",
    "licence_class",
    "licence_type",
    "conditions",
    "issue_date",
    "expiry_date",
    "portrait",
    "age_over_16",
    "age_over_18",
    "age_over_21",
    "age_over_65",
}


def mint_credential(
    type_id: str,
    device: DeviceKey,
    key: SigningKey,
    *,
    now: int = NOW,
    record: dict[str, Any] | None = None,
    status: StatusReference | None = None,
    lifetime: timedelta = timedelta(days=30),
) -> str:
    """An SD-JWT VC (``<JWT>~<D1>~...~``) of the catalog type ``type_id``, bound to ``device``.

    The record's fields that the type's schema does not take are left out.
    """
    ctype = CATALOG[type_id]
    issued = datetime.fromtimestamp(now, UTC)
    fields = ctype.schema().fields
    chosen = {k: v for k, v in (record or RECORD).items() if k in fields or not ctype.takes_claims}
    claims = prepare_claims(ctype, chosen, date.fromtimestamp(now))
    minted = mint(
        ctype,
        claims,
        key=key,
        issuer=ISSUER,
        vct=ctype.vct(BASE_URL),
        holder_jwk=device.jwk,
        status=status,
        now=issued,
        lifetime=lifetime,
    )
    return minted.sd_jwt


def verifier_for(key: SigningKey) -> Verifier:
    """An offline verifier trusting ``key`` as the transport issuer's, for every type."""
    trust = {"issuers": [{"iss": ISSUER, "name": "Transport", "jwks": {"keys": [key.public_jwk()]}}]}
    return Verifier(trust=TrustStore.from_dict(trust), replay_cache=MemoryReplayCache())


def scan_png(png: bytes) -> str:
    """The text of the one QR code in a PNG, read by zxing-cpp directly (not through verifier/image.py).

    zxing-cpp may report one code twice (it can lock onto it from two finder-pattern triples), so the texts
    are compared, as verifier/image.py does; and it reads QR codes only, as that does too: looking for every
    format, it once in a few runs also found a 4-character Codabar in the QR's modules."""
    image = Image.open(io.BytesIO(png))
    [text] = {
        barcode.text for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    }
    return text
