"""Compact JWS (RFC 7515) restricted to what this verifier accepts: ES256 with a raw 64-byte signature.

The algorithm comes from an allow-list of one, never from the key or the token: ``none``, HMAC and every
other value are refused before a key is even looked up. Keys come only from what the caller trusts (a kid in
a trust store, or the holder key in a signed ``cnf``), so ``jwk``, ``jku``, ``x5u`` and ``x5c`` headers are
never read. ``crit`` names extensions a recipient must understand; this one understands none, so any ``crit``
makes the token unusable.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from verifier.encoding import b64url_decode, b64url_json, loads_strict
from verifier.errors import FormatError
from verifier.reasons import Reason

ALGORITHM = "ES256"
# The order n of the P-256 group (SEC 2, section 2.4.2): r and s must lie in [1, n - 1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SIGNATURE_BYTES = 64
# r and s as 32-byte big-endian strings: equal-length byte strings compare as the numbers they spell, so the
# range check needs no conversion to int.
_ZERO = bytes(32)
_ORDER = P256_ORDER.to_bytes(32, "big")
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())  # immutable, so one serves every verification


class CompactJws(NamedTuple):
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    payload_json: bytes = b""  # the payload's JSON text exactly as signed


def parse_compact(text: str) -> CompactJws:
    """Split and decode ``header.payload.signature``; header and payload must be JSON objects.

    Raises FormatError (reason ``malformed``) for anything else, duplicate JSON members and deep nesting
    included.
    """
    # find, not split: it looks for the dots at memchr speed, where split steps through every character.
    first = text.find(".")
    second = text.find(".", first + 1)
    if first < 0 or second < 0 or text.find(".", second + 1) >= 0:
        raise FormatError("a compact JWS has three parts")
    header, payload_json = _header(text[:first]), b64url_decode(text[first + 1 : second])
    payload = loads_strict(payload_json)
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise FormatError("JWS header and payload must be JSON objects")
    signature = b64url_decode(text[second + 1 :])
    signing_input = text[:second].encode("ascii")  # base64url, so ASCII
    return CompactJws(header, payload, signing_input, signature, payload_json)


def _header(encoded: str) -> Any:
    members = _string_header(encoded)
    return dict(members) if members is not None else b64url_json(encoded)


# Every token of one issuer key, and every KB-JWT of one wallet, carries the same header text, so its parse is
# kept by that exact text (a parse that fails raises, and nothing is kept). Only a header whose members are
# all strings, as JOSE headers are, is kept: a fresh dict of them is then a full copy, which no caller can
# change the kept one through. Any other header is parsed each time.
@lru_cache(maxsize=64)
def _string_header(encoded: str) -> tuple[tuple[str, str], ...] | None:
    header = b64url_json(encoded)
    if isinstance(header, dict) and all(isinstance(value, str) for value in header.values()):
        return tuple(header.items())
    return None


def header_problems(header: Mapping[str, Any], *, typ: str) -> list[Reason]:
    """What is wrong with a protected header, for a token that must be of type ``typ``; empty when nothing."""
    problems: list[Reason] = []
    if header.get("typ") != typ:  # exact: no case folding, no "application/" prefix, no legacy types
        problems.append(Reason.WRONG_TYP)
    if header.get("alg") != ALGORITHM:
        problems.append(Reason.ALG_NOT_ALLOWED)
    if "crit" in header:
        problems.append(Reason.MALFORMED)
    return problems


def verify_es256(signing_input: bytes, signature: bytes, *, key: ec.EllipticCurvePublicKey) -> bool:
    """True when ``signature`` is a raw r||s ES256 signature (RFC 7518 section 3.4) of ``signing_input``.

    A DER signature, a wrong length, and r or s outside [1, n - 1] are all simply False, checked here and
    not left to the library, so that no encoding of r = 0 or s = 0 ever reaches the arithmetic.
    """
    if len(signature) != SIGNATURE_BYTES:
        return False
    r, s = signature[:32], signature[32:]
    if not (_ZERO < r < _ORDER and _ZERO < s < _ORDER):
        return False
    try:
        key.verify(der_signature(r, s), signing_input, _ECDSA_SHA256)
    except InvalidSignature:
        return False
    return True


def der_signature(r: bytes, s: bytes) -> bytes:
    """The DER ``ECDSA-Sig-Value`` of two non-zero 32-byte big-endian numbers, as ``cryptography`` verifies.

    Written out here rather than by encode_dss_signature: that needs both as Python ints first, and the two
    conversions cost more than these few byte operations (each INTEGER is minimal, with a zero byte in front
    when its top bit is set, so that it stays positive; lengths stay below 128, so each fits in one byte).
    """
    r, s = r.lstrip(b"\0"), s.lstrip(b"\0")
    if r[0] & 0x80:
        r = b"\0" + r
    if s[0] & 0x80:
        s = b"\0" + s
    return bytes((0x30, len(r) + len(s) + 4, 0x02, len(r))) + r + bytes((0x02, len(s))) + s


def verify_compact(text: str, *, typ: str, keys: Mapping[str, ec.EllipticCurvePublicKey]) -> dict[str, Any]:
    """The payload of a compact JWS of type ``typ``, signed ES256 by the key its ``kid`` names in ``keys``.

    Raises FormatError whose reason is the first failure: ``malformed``, ``wrong_typ``,
    ``alg_not_allowed``, ``unknown_key`` or ``bad_signature``.
    """
    jws = parse_compact(text)
    problems = header_problems(jws.header, typ=typ)
    if problems:
        raise FormatError(f"unacceptable JWS header: {problems[0]}", reason=problems[0])
    kid = jws.header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise FormatError("the JWS kid is not a trusted key", reason=Reason.UNKNOWN_KEY)
    if not verify_es256(jws.signing_input, jws.signature, key=key):
        raise FormatError("the JWS signature does not verify", reason=Reason.BAD_SIGNATURE)
    return jws.payload


def int_claim(payload: Mapping[str, Any], name: str) -> int | None:
    """An integer NumericDate-like claim, None when absent. Raises FormatError when not an integer."""
    if name not in payload:
        return None
    value = payload[name]
    # bool is an int in Python, and true is not a time; fractional seconds are not issued by anyone we trust.
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError(f"claim {name} must be an integer")
    return value
