"""The same presentation (SD-JWT VC + 3 disclosures + KB-JWT) through our verifier and through two peers:
the SD-JWT reference implementation (sd-jwt) and the independent verifier polaris-oid4vp, timed in the
same run. Target: ours at least three times the faster peer. The peers come from the ``bench`` extra
(exact versions, pyproject.toml); the figure names the versions that ran."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from typing import Any

from jwcrypto.jwk import JWK
from polaris_oid4vp.sdjwt import verify_presentation
from sd_jwt.verifier import SDJWTVerifier

from bench.bench_verify import ISSUER, _trust
from bench.harness import Rate, rate
from issuers.catalog import DRIVER_LICENCE
from issuers.sdjwt import mint, prepare_claims
from keys import SigningKey
from verifier.verify import Verifier
from wallet.demo import LICENCE_CLAIMS as RECORD
from wallet.holder.oid4vci import DeviceKey
from wallet.holder.present import SdJwtCredential, present, profile_named

TARGET = 3.0
REPETITIONS = 5


def _presentation(key: SigningKey, now: datetime) -> tuple[str, str, str]:
    device = DeviceKey()
    claims = prepare_claims(DRIVER_LICENCE, RECORD, date.today())
    credential = mint(
        DRIVER_LICENCE,
        claims,
        key=key,
        issuer=ISSUER,
        vct="https://wallet.example.gov/vct/driver_licence/v1",
        holder_jwk=device.jwk,
        status=None,
        now=now,
        lifetime=timedelta(days=30),
    )
    profile = profile_named("police", claims=["given_name", "family_name", "birthdate"])
    shown = present(SdJwtCredential(credential.sd_jwt), device, profile, now=int(now.timestamp()))
    return shown.text, shown.kb_payload["aud"], shown.kb_payload["nonce"]


def run() -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    key = SigningKey.generate("issuer:bench")
    text, audience, nonce = _presentation(key, now)
    at = int(now.timestamp())
    ours = Verifier(trust=_trust(key, now), replay_cache=None)
    jwk = JWK.from_json(json.dumps(key.public_jwk()))

    def reference() -> None:
        SDJWTVerifier(text, lambda _iss, _header: jwk, audience, nonce).get_verified_payload()

    def polaris() -> None:
        verdict = verify_presentation(
            text, expected_nonce=nonce, expected_audience=audience, issuer_jwks=[key.public_jwk()], now=at
        )
        if not verdict.authentic:
            raise RuntimeError(f"polaris refused the benchmark presentation: {verdict.code}")

    def our_verifier() -> None:
        if not ours.verify(text, now=at, audience=audience, nonce=nonce).valid:
            raise RuntimeError("our verifier refused the benchmark presentation")

    rates = _interleaved({"ours": our_verifier, "sd-jwt": reference, "polaris-oid4vp": polaris})
    faster_peer = max(rates["sd-jwt"].median, rates["polaris-oid4vp"].median)
    ratio = rates["ours"].median / faster_peer
    return {
        "figure": "presentations verified / s: ours against the faster peer (sd-jwt, polaris-oid4vp)",
        "ours": rates["ours"].as_dict(),
        "baseline": {
            "what": f"the faster of {_named('sd-jwt')} and {_named('polaris-oid4vp')}",
            "median_per_s": round(faster_peer, 1),
        },
        "peers": {name: r.as_dict() for name, r in rates.items() if name != "ours"},
        "ratio": round(ratio, 3),
        "target": f">= {TARGET}",
        "met": ratio >= TARGET,
    }


def _named(peer: str) -> str:
    return f"{peer} {version(peer)}"


def _interleaved(operations: dict[str, Any]) -> dict[str, Rate]:
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for operation in operations.values():
        operation()  # each accepts the presentation before it is timed
    for _ in range(REPETITIONS):
        for name, operation in operations.items():
            samples[name].append(rate(operation, seconds=0.3))
    return {name: Rate(sorted(s)[len(s) // 2], min(s), max(s)) for name, s in samples.items()}
