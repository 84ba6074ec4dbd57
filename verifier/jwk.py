"""P-256 public keys from JWKs (RFC 7517, RFC 7518 section 6.2), and JWK Sets of trusted keys.

Only ``kty: EC`` on ``crv: P-256`` is accepted, each coordinate on exactly 32 bytes, and the point must lie on
the curve (``cryptography`` checks that when it builds the key), so an invalid-curve point never reaches
ECDSA. A JWK that carries a private part (``d``) is refused: a public key set holding one is a leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier.encoding import JSON_OBJECT, b64url_decode
from verifier.errors import FormatError

COORDINATE_BYTES = 32
ALGORITHM = "ES256"
UNCOMPRESSED = b"\x04"  # SEC 1 section 2.3.3: the prefix of an uncompressed point, x and y in full
_P256 = ec.SECP256R1()


def p256_public_key(jwk: Any) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of an EC JWK.

    Raises FormatError: not an object, not EC P-256, a coordinate not 32 bytes of base64url, a point off the
    curve, a private member present, or a ``use``/``key_ops``/``alg`` that rules out ES256 verification.
    """
    if not isinstance(jwk, JSON_OBJECT):
        raise FormatError("a JWK must be a JSON object")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise FormatError("only EC keys on P-256 are accepted")
    if "d" in jwk:
        raise FormatError("a public JWK must not carry the private key")
    _check_intended_use(jwk)
    point = UNCOMPRESSED + _coordinate(jwk, "x") + _coordinate(jwk, "y")
    try:
        # From the SEC 1 encoding rather than from integers: it is faster, and it also refuses a coordinate
        # of p or more, which EllipticCurvePublicNumbers would silently reduce modulo p.
        return ec.EllipticCurvePublicKey.from_encoded_point(_P256, point)
    except ValueError as e:  # the point is not on P-256
        raise FormatError("the JWK point is not on P-256") from e


def _check_intended_use(jwk: Mapping[str, Any]) -> None:
    # RFC 7517 section 4.2-4.4: a key marked for encryption, or for other operations, is not a signature key.
    if "use" in jwk and jwk["use"] != "sig":
        raise FormatError("the JWK is not for signatures")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        raise FormatError("the JWK key_ops do not allow verify")
    if "alg" in jwk and jwk["alg"] != ALGORITHM:
        raise FormatError("the JWK is for another algorithm")


def _coordinate(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise FormatError(f"the JWK lacks {name}")
    data = b64url_decode(value)
    if len(data) != COORDINATE_BYTES:
        raise FormatError(f"the JWK {name} is not {COORDINATE_BYTES} bytes")
    return data


def parse_jwks(jwks: Any) -> dict[str, ec.EllipticCurvePublicKey]:
    """The keys of a JWK Set ``{"keys": [...]}`` by ``kid``; every key needs a kid, unique in the set.

    Raises FormatError for a malformed set or any unusable key (one bad key spoils the set, so that a typo
    never silently drops a key).
    """
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise FormatError('a JWK Set must be {"keys": [...]}')
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for jwk in jwks["keys"]:
        kid = jwk.get("kid") if isinstance(jwk, Mapping) else None
        if not isinstance(kid, str) or not kid:
            raise FormatError("every key of a JWK Set needs a kid")
        if kid in keys:
            raise FormatError(f"kid {kid!r} appears twice in the JWK Set")
        keys[kid] = p256_public_key(jwk)
    return keys
