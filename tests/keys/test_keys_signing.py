"""SigningKey: raw ES256 signatures, compact JWS, public JWK, no leaks of the private key."""

from __future__ import annotations

import json
import pickle

import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import keys.signing
from keys import SigningKey, b64url_decode, b64url_encode, jwk_thumbprint

PURPOSE = "service-tokens"


@pytest.fixture
def private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def key(private_key: ec.EllipticCurvePrivateKey) -> SigningKey:
    return SigningKey(private_key, PURPOSE)


def _verify_raw(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> None:
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


def test_sign_returns_64_byte_r_s_that_verifies(key: SigningKey) -> None:
    signature = key.sign(b"hello")
    assert len(signature) == 64
    _verify_raw(key.public_key(), signature, b"hello")


def test_signature_does_not_verify_a_tampered_message(key: SigningKey) -> None:
    signature = key.sign(b"hello")
    with pytest.raises(InvalidSignature):
        _verify_raw(key.public_key(), signature, b"hellO")


def test_tampered_signature_does_not_verify(key: SigningKey) -> None:
    signature = bytearray(key.sign(b"hello"))
    signature[10] ^= 0x01
    with pytest.raises(InvalidSignature):
        _verify_raw(key.public_key(), bytes(signature), b"hello")


def test_sign_left_pads_short_r_and_s(key: SigningKey, monkeypatch: pytest.MonkeyPatch) -> None:
    # About 1 signature in 128 has a short r or s; force one instead of waiting for it.
    monkeypatch.setattr(keys.signing, "decode_dss_signature", lambda _der: (1, 2))
    assert key.sign(b"x") == bytes(31) + b"\x01" + bytes(31) + b"\x02"


def test_kid_is_the_thumbprint_of_the_public_jwk(key: SigningKey) -> None:
    assert key.kid == jwk_thumbprint(key.public_jwk())
    assert key.purpose == PURPOSE


def test_public_jwk_has_exactly_the_public_members(
    key: SigningKey, private_key: ec.EllipticCurvePrivateKey
) -> None:
    jwk = key.public_jwk()
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("EC", "P-256", "sig", "ES256")
    assert jwk["kid"] == key.kid
    numbers = private_key.public_key().public_numbers()
    assert b64url_decode(jwk["x"]) == numbers.x.to_bytes(32, "big")
    assert b64url_decode(jwk["y"]) == numbers.y.to_bytes(32, "big")


def test_public_jwk_is_a_copy(key: SigningKey) -> None:
    key.public_jwk()["kid"] = "changed"
    assert key.public_jwk()["kid"] == key.kid


def test_sign_jws_verifies_with_pyjwt(key: SigningKey) -> None:
    token = key.sign_jws({"sub": "citizen-1", "n": 1}, typ="dc+sd-jwt")
    assert jwt.decode(token, key.public_key(), algorithms=["ES256"]) == {"sub": "citizen-1", "n": 1}
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": key.kid, "typ": "dc+sd-jwt"}


def test_sign_jws_without_typ_has_alg_and_kid_only(key: SigningKey) -> None:
    token = key.sign_jws({"a": 1})
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": key.kid}


def test_sign_jws_adds_extra_header_members(key: SigningKey) -> None:
    token = key.sign_jws({"a": 1}, typ="JWT", extra_header={"x5c": ["abc"], "cty": "json"})
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": key.kid, "typ": "JWT", "x5c": ["abc"], "cty": "json"}
    jwt.decode(token, key.public_key(), algorithms=["ES256"])


def test_sign_jws_encodes_compact_utf8_json(key: SigningKey) -> None:
    payload = {"name": "Zoë Ørsted", "list": [1, 2]}
    header_b64, payload_b64, signature_b64 = key.sign_jws(payload).split(".")
    assert b64url_decode(payload_b64) == '{"name":"Zoë Ørsted","list":[1,2]}'.encode()
    assert b64url_decode(header_b64) == f'{{"alg":"ES256","kid":"{key.kid}"}}'.encode()
    signature = b64url_decode(signature_b64)
    _verify_raw(key.public_key(), signature, f"{header_b64}.{payload_b64}".encode())


@pytest.mark.parametrize(
    "extra_header",
    [{"alg": "none"}, {"alg": "ES256"}, {"kid": "other"}, {"kid": "x", "alg": "HS256"}],
)
def test_extra_header_cannot_override_alg_or_kid(key: SigningKey, extra_header: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="extra_header may not set"):
        key.sign_jws({"a": 1}, extra_header=extra_header)


def test_typ_cannot_be_given_twice(key: SigningKey) -> None:
    with pytest.raises(ValueError, match="typ"):
        key.sign_jws({"a": 1}, typ="JWT", extra_header={"typ": "other"})


def test_typ_may_come_from_extra_header_alone(key: SigningKey) -> None:
    token = key.sign_jws({"a": 1}, extra_header={"typ": "statuslist+jwt"})
    assert jwt.get_unverified_header(token)["typ"] == "statuslist+jwt"


def test_repr_and_str_show_kid_and_purpose_only(
    key: SigningKey, private_key: ec.EllipticCurvePrivateKey
) -> None:
    d = private_key.private_numbers().private_value
    secrets = [str(d), f"{d:x}", b64url_encode(d.to_bytes(32, "big"))]
    for text in (repr(key), str(key), f"{key!r}"):
        assert text == f"SigningKey(kid={key.kid!r}, purpose='{PURPOSE}')"
        assert not any(secret in text for secret in secrets)


def test_signing_key_is_immutable(key: SigningKey) -> None:
    with pytest.raises(AttributeError):
        key.kid = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del key.purpose
    assert not hasattr(key, "__dict__")


def test_signing_key_cannot_be_pickled(key: SigningKey) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_only_p256_keys_are_accepted() -> None:
    with pytest.raises(ValueError, match="P-256"):
        SigningKey(ec.generate_private_key(ec.SECP384R1()), PURPOSE)


def test_generate_makes_distinct_keys() -> None:
    first, second = SigningKey.generate(PURPOSE), SigningKey.generate(PURPOSE)
    assert first.kid != second.kid
    assert json.loads(b64url_decode(first.sign_jws({}).split(".")[0]))["kid"] == first.kid


def test_typed_header_is_each_keys_own(key: SigningKey) -> None:
    other = SigningKey.generate(PURPOSE)
    for signer in (key, other, key):
        token = signer.sign_jws({"a": 1}, typ="dc+sd-jwt")
        assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": signer.kid, "typ": "dc+sd-jwt"}


def test_typ_without_kid_leaves_the_kid_out(key: SigningKey) -> None:
    token = key.sign_jws({"a": 1}, typ="openid4vci-proof+jwt", with_kid=False)
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "typ": "openid4vci-proof+jwt"}
