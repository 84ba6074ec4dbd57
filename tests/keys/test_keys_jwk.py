"""Base64url and RFC 7638 thumbprints."""

from __future__ import annotations

import base64
import hashlib

import pytest

from keys import Base64UrlError, b64url_decode, b64url_encode, jwk_thumbprint

# RFC 7638 section 3.1 (the key of RFC 7517 appendix A.1, with its optional members).
RFC7638_RSA_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
        "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0"
        "fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_RSA_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

# RFC 8037 appendix A.3 (Ed25519 public key and its thumbprint).
RFC8037_OKP_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_OKP_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

# RFC 7517 appendix A.1, the EC public key.
EC_X = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
EC_Y = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"


def test_rsa_thumbprint_matches_rfc7638_example() -> None:
    assert jwk_thumbprint(RFC7638_RSA_JWK) == RFC7638_RSA_THUMBPRINT


def test_okp_thumbprint_matches_rfc8037_example() -> None:
    assert jwk_thumbprint(RFC8037_OKP_JWK) == RFC8037_OKP_THUMBPRINT


def test_ec_thumbprint_hashes_the_required_members_in_lexicographic_order() -> None:
    # Built by hand, so the test does not share the implementation's canonicalization.
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{EC_X}","y":"{EC_Y}"}}'.encode()
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    jwk = {"y": EC_Y, "use": "enc", "kid": "1", "x": EC_X, "kty": "EC", "crv": "P-256"}
    assert jwk_thumbprint(jwk) == expected


def test_thumbprint_ignores_private_and_optional_members() -> None:
    public = {"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y}
    with_extras = {**public, "d": "ignored-private-member", "alg": "ES256", "kid": "k"}
    assert jwk_thumbprint(with_extras) == jwk_thumbprint(public)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": EC_X},
        {"kty": "EC", "crv": "P-256", "x": EC_X, "y": 5},
        {"kty": "oct", "k": "AAAA"},
        {"crv": "P-256", "x": EC_X, "y": EC_Y},
    ],
    ids=["missing-y", "non-string-y", "unsupported-kty", "missing-kty"],
)
def test_thumbprint_rejects_incomplete_or_unsupported_keys(jwk: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="JWK"):
        jwk_thumbprint(jwk)


@pytest.mark.parametrize("data", [b"", b"a", b"ab", b"abc", b"\xfb\xff\xfe", bytes(range(256))])
def test_b64url_round_trip_without_padding(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert "=" not in encoded
    assert "+" not in encoded
    assert "/" not in encoded
    assert b64url_decode(encoded) == data


def test_b64url_uses_the_url_safe_alphabet() -> None:
    assert b64url_encode(b"\xfb\xff\xfe") == "-__-"


@pytest.mark.parametrize(
    "text",
    ["YQ==", "YQ=", "+__-", "/__-", "YW Jj", "YWJj\n", "é", "A", "YR"],
    ids=[
        "padding",
        "partial-padding",
        "plus",
        "slash",
        "space",
        "newline",
        "non-ascii",
        "impossible-length",
        "non-zero-trailing-bits",
    ],
)
def test_b64url_decode_is_strict(text: str) -> None:
    with pytest.raises(Base64UrlError):
        b64url_decode(text)


def test_b64url_error_is_a_value_error() -> None:
    assert issubclass(Base64UrlError, ValueError)
