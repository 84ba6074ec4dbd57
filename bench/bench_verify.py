"""Presentations verified per second on one core (SD-JWT VC + 3 disclosures + KB-JWT, with a status list),
against the floor of two raw P-256 signature verifications (the issuer's and the holder's)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.bench_mint import RECORD
from bench.harness import compare
from issuers.catalog import DRIVER_LICENCE
from issuers.sdjwt import StatusReference, mint, prepare_claims
from issuers.tokens import status_list_token
from keys import SigningKey
from verifier.statuslist import StatusList
from verifier.store import TrustStore
from verifier.verify import Verifier
from wallet.holder.oid4vci import DeviceKey
from wallet.holder.present import SdJwtCredential, present, profile_named

TARGET = 0.7
ISSUER = "https://wallet.example.gov/issuers/transport"
LIST_URI = f"{ISSUER}/status/1"


def _presentation(key: SigningKey, device: DeviceKey, now: datetime) -> str:
    claims = prepare_claims(DRIVER_LICENCE, RECORD, date.today())
    credential = mint(
        DRIVER_LICENCE,
        claims,
        key=key,
        issuer=ISSUER,
        vct="https://wallet.example.gov/vct/driver_licence/v1",
        holder_jwk=device.jwk,
        status=StatusReference(LIST_URI, 77),
        now=now,
        lifetime=timedelta(days=30),
    )
    profile = profile_named("police", claims=["given_name", "family_name", "birthdate"])
    return present(SdJwtCredential(credential.sd_jwt), device, profile, now=int(now.timestamp())).text


def _trust(key: SigningKey, now: datetime) -> TrustStore:
    token = status_list_token(
        StatusList(131_072),
        key=key,
        issuer=ISSUER,
        uri=LIST_URI,
        now=now,
        ttl=timedelta(minutes=15),
        lifetime=timedelta(days=1),
    )
    issuer = {"iss": ISSUER, "name": "Transport Agency", "jwks": {"keys": [key.public_jwk()]}}
    return TrustStore.from_dict({"issuers": [issuer], "status_lists": {LIST_URI: token}})


def run() -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    key, device = SigningKey.generate("issuer:bench"), DeviceKey()
    text = _presentation(key, device, now)
    verifier = Verifier(trust=_trust(key, now), replay_cache=None)  # a cache would call the repeats replays
    at = int(now.timestamp())
    if not verifier.verify(text, now=at).valid:
        raise RuntimeError("the benchmark presentation does not verify")
    raw = ec.generate_private_key(ec.SECP256R1())
    signature, public = raw.sign(b"x" * 600, ec.ECDSA(hashes.SHA256())), raw.public_key()

    def two_raw_verifies() -> None:
        public.verify(signature, b"x" * 600, ec.ECDSA(hashes.SHA256()))
        public.verify(signature, b"x" * 600, ec.ECDSA(hashes.SHA256()))

    ours, base = compare(lambda: verifier.verify(text, now=at), two_raw_verifies)
    ratio = ours.median / base.median
    return {
        "figure": "presentations verified / s / core (SD-JWT VC + 3 disclosures + KB + status)",
        "ours": ours.as_dict(),
        "baseline": {"what": "pairs of raw P-256 verifications / s (cryptography)", **base.as_dict()},
        "ratio": round(ratio, 3),
        "target": f">= {TARGET}",
        "met": ratio >= TARGET,
    }
