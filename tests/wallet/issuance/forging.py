"""Key proofs built by hand, so that a test can forge any header or claim the holder library never would."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from keys import b64url_encode, ec_public_jwk

PROOF_TYP = "openid4vci-proof+jwt"


def jws(header: dict[str, Any], payload: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    """A compact JWS over exactly these members, signed with ECDSA and SHA-256 whatever ``alg`` says."""
    signing_input = ".".join(b64url_encode(json.dumps(part).encode()) for part in (header, payload))
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    size = (key.curve.key_size + 7) // 8
    return f"{signing_input}.{b64url_encode(r.to_bytes(size, 'big') + s.to_bytes(size, 'big'))}"


def proof(
    *,
    issuer: str,
    nonce: str,
    now: int,
    header: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
    signer: ec.EllipticCurvePrivateKey | None = None,
) -> str:
    """A key proof, valid as it stands; ``header`` and ``payload`` change members, or drop them (None).

    ``key`` is the key the ``jwk`` header shows (a new P-256 key by default), ``signer`` the key that signs
    (``key`` by default).
    """
    key = key or ec.generate_private_key(ec.SECP256R1())
    changes = header or {}
    jwk = changes["jwk"] if "jwk" in changes else ec_public_jwk(key.public_key())
    full_header = {"alg": "ES256", "typ": PROOF_TYP, **changes, "jwk": jwk}
    full_payload = {"aud": issuer, "iat": now, "nonce": nonce, **(payload or {})}
    return jws(_present(full_header), _present(full_payload), signer or key)


def _present(members: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not None}


def p384_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-384",
        "x": b64url_encode(numbers.x.to_bytes(48, "big")),
        "y": b64url_encode(numbers.y.to_bytes(48, "big")),
    }


def private_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    """A P-256 JWK that carries its private part too, as a careless wallet might send it."""
    return {
        **ec_public_jwk(key.public_key()),
        "d": b64url_encode(key.private_numbers().private_value.to_bytes(32, "big")),
    }
