"""Base64url encoding, EC public JWKs and RFC 7638 JWK thumbprints."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from keys.errors import Base64UrlError

# RFC 7638 section 3.2: the thumbprint covers only the members that define the key, so optional
# members (kid, use, alg, ...) never change it.
_REQUIRED_MEMBERS: dict[str, tuple[str, ...]] = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}

_B64URL_CHARS = re.compile(r"[A-Za-z0-9_-]*")
_URLSAFE = bytes.maketrans(b"+/", b"-_")

# P-256 coordinates are always encoded on 32 bytes (RFC 7518 section 6.2.1.2), leading zeros kept.
P256_COORDINATE_BYTES = 32


def b64url_encode(data: bytes) -> str:
    """Return ``data`` as base64url without padding (RFC 7515 section 2)."""
    # binascii directly: minting calls this dozens of times per credential, and base64's wrappers
    # cost more than the encoding itself.
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_URLSAFE).decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Return the bytes encoded by unpadded base64url ``text``.

    Strict: padding, characters outside the base64url alphabet, impossible lengths and non-zero
    trailing bits are all rejected, so every byte string has exactly one accepted encoding.

    Raises:
        Base64UrlError: ``text`` is not canonical unpadded base64url.
    """
    if not isinstance(text, str) or _B64URL_CHARS.fullmatch(text) is None:
        raise Base64UrlError("not base64url: only A-Z a-z 0-9 - _ are allowed, without padding")
    if len(text) % 4 == 1:
        raise Base64UrlError("not base64url: impossible length")
    padded = text + "=" * (-len(text) % 4)
    try:
        data = base64.b64decode(padded, altchars=b"-_", validate=True)
    except binascii.Error as e:
        raise Base64UrlError("not base64url") from e
    if b64url_encode(data) != text:
        raise Base64UrlError("not base64url: non-zero trailing bits")
    return data


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of ``jwk``, base64url without padding.

    Raises:
        ValueError: the key type is not EC, RSA or OKP, or a required member is missing or is not
            a string.
    """
    kty = jwk.get("kty")
    members = _REQUIRED_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise ValueError(f"unsupported JWK key type: {kty!r}")
    required: dict[str, str] = {}
    for name in members:
        value = jwk.get(name)
        if not isinstance(value, str):
            raise ValueError(f"JWK member {name!r} is missing or not a string")
        required[name] = value
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def ec_public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """Return the minimal public JWK (kty, crv, x, y) of a P-256 public key.

    Raises:
        ValueError: the key is not on P-256.
    """
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise ValueError(f"only P-256 keys are supported, not {public_key.curve.name}")
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(P256_COORDINATE_BYTES, "big")),
        "y": b64url_encode(numbers.y.to_bytes(P256_COORDINATE_BYTES, "big")),
    }
