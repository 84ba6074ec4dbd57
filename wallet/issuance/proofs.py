"""Key proofs of OpenID4VCI section 8.2.1 (``openid4vci-proof+jwt``): who holds the key a credential binds to.

The key travels in the ``jwk`` header and must be a P-256 public key; the proof must be signed by it with
ES256, name this issuer as ``aud``, carry a ``c_nonce`` and a fresh ``iat``, not have expired (``exp``, if
present) and name no critical header extension (``crit``), as we understand none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from keys import jwk_thumbprint
from verifier.errors import FormatError
from verifier.jwk import p256_public_key
from wallet.auth.tokens import BadNumericDate, numeric_date, own_clock
from wallet.issuance.errors import InvalidProof

PROOF_TYP = "openid4vci-proof+jwt"
MAX_AGE = timedelta(minutes=5)
MAX_SKEW = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class ProvenKey:
    jwk: dict[str, Any]
    thumbprint: str
    nonce: str


def check_proof(proof: str, *, issuer: str, now: datetime) -> ProvenKey:
    """The key a proof proves. Raises InvalidProof; the nonce is checked by the caller (``invalid_nonce``)."""
    header = _header(proof)
    try:
        key = p256_public_key(header.get("jwk"))
    except FormatError as e:
        raise InvalidProof(f"the proof's jwk header is not a P-256 public key: {e}") from None
    try:
        claims = jwt.decode(
            proof,
            key,
            algorithms=["ES256"],
            audience=issuer,
            options=own_clock("aud", "iat", "nonce"),
        )
    except jwt.PyJWTError as e:
        raise InvalidProof(f"the proof does not verify: {e}") from None
    _check_fresh(claims["iat"], now)
    if "exp" in claims:
        _check_unexpired(claims["exp"], now)
    if not isinstance(claims["nonce"], str):
        raise InvalidProof("nonce must be a string")
    jwk = {name: header["jwk"][name] for name in ("kty", "crv", "x", "y")}
    return ProvenKey(jwk, jwk_thumbprint(jwk), claims["nonce"])


def _header(proof: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError:
        raise InvalidProof("a proof is not a JWT") from None
    if header.get("typ") != PROOF_TYP:
        raise InvalidProof(f"a proof must have typ {PROOF_TYP}")
    if header.get("alg") != "ES256":
        raise InvalidProof("proofs must be signed with ES256")
    if "kid" in header or "x5c" in header or "jwk" not in header:
        raise InvalidProof("the proof must carry its key in jwk, and neither kid nor x5c")
    # RFC 7515 section 4.1.11: an extension named in crit must be understood or the JWS refused. We
    # understand none, whatever the JWT library would let through (it accepts b64).
    if "crit" in header:
        raise InvalidProof("the proof names critical header extensions (crit); none are supported")
    return header


def _check_fresh(iat: Any, now: datetime) -> None:
    age = now.timestamp() - _numeric_date(iat, "iat")
    if age > MAX_AGE.total_seconds() or age < -MAX_SKEW.total_seconds():
        raise InvalidProof("the proof's iat is not recent")


def _check_unexpired(exp: Any, now: datetime) -> None:
    # The same allowance for the wallet's clock as iat has ahead.
    if now.timestamp() >= _numeric_date(exp, "exp") + MAX_SKEW.total_seconds():
        raise InvalidProof("the proof has expired")


def _numeric_date(value: Any, name: str) -> float:
    # OpenID4VCI says "number" for iat and exp: fractions pass, anything else is an invalid proof.
    try:
        return numeric_date(value)
    except BadNumericDate as e:
        raise InvalidProof(f"{name} {e}") from None
