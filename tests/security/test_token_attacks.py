"""Forged access tokens: no signature, a confused algorithm, a foreign or embedded key, a tampered payload.

Each is refused with 401 ``unauthenticated``. The ``claims`` fixture shows that the same claims re-signed by
the service key pass, so a refusal here is the defence at work, not a badly built token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from keys import b64url_decode, b64url_encode, ec_public_jwk, jwk_thumbprint
from tests.security.tokens import app_api, assert_refused, es256, forge, segment
from wallet.auth.tokens import SERVICE_KEYS


@pytest.fixture
def settings(settings, tmp_path):
    """A key store of its own: some of these tests rotate the service key or add keys to it."""
    return {**settings, "DATA_DIR": str(tmp_path)}


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_access_token_is_refused(client, claims, service_key, alg):
    """An unsigned token (alg none) claiming to be an access token."""
    token = forge({"alg": alg, "typ": "at+jwt", "kid": service_key.kid}, claims)

    assert_refused(app_api(client, token))


SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
PUBLIC_KEY_AS_HMAC_SECRET = {
    "pem": lambda key: key.public_key().public_bytes(serialization.Encoding.PEM, SPKI),
    "der": lambda key: key.public_key().public_bytes(serialization.Encoding.DER, SPKI),
    "jwk": lambda key: json.dumps(key.public_jwk()).encode(),
    "point": lambda key: key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ),
}


@pytest.mark.parametrize("material", sorted(PUBLIC_KEY_AS_HMAC_SECRET))
def test_hs256_token_keyed_with_the_service_public_key_is_refused(client, claims, service_key, material):
    """Algorithm confusion: an HMAC token whose secret is the published public key."""
    secret = PUBLIC_KEY_AS_HMAC_SECRET[material](service_key)
    header = {"alg": "HS256", "typ": "at+jwt", "kid": service_key.kid}

    token = forge(header, claims, lambda data: hmac.new(secret, data, hashlib.sha256).digest())

    assert_refused(app_api(client, token))


def test_token_signed_by_a_foreign_key_under_the_service_kid_is_refused(client, claims, service_key):
    """A token signed with the attacker's P-256 key, claiming the service key's kid."""
    attacker = ec.generate_private_key(ec.SECP256R1())
    header = {"alg": "ES256", "typ": "at+jwt", "kid": service_key.kid}

    assert_refused(app_api(client, forge(header, claims, es256(attacker))))


@pytest.mark.parametrize("kid", ["own-thumbprint", None, "../service-tokens", ""])
def test_token_with_an_unknown_kid_is_refused(client, claims, kid):
    """A token signed with the attacker's key under a kid the service does not publish."""
    attacker = ec.generate_private_key(ec.SECP256R1())
    header = {"alg": "ES256", "typ": "at+jwt"}
    if kid == "own-thumbprint":
        header["kid"] = jwk_thumbprint(ec_public_jwk(attacker.public_key()))
    elif kid is not None:
        header["kid"] = kid

    assert_refused(app_api(client, forge(header, claims, es256(attacker))))


def _self_signed_cert(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "credwallet")])
    not_before = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


@pytest.mark.parametrize("member", ["jwk", "jku", "x5c", "x5u"])
def test_attacker_key_embedded_in_the_header_is_ignored(client, claims, service_key, member):
    """A token carrying its own verification key (jwk, jku, x5c, x5u) signed by that key."""
    attacker = ec.generate_private_key(ec.SECP256R1())
    embedded = {
        "jwk": ec_public_jwk(attacker.public_key()),
        "jku": "https://attacker.example/jwks.json",
        "x5c": [_self_signed_cert(attacker)],
        "x5u": "https://attacker.example/cert.pem",
    }[member]
    header = {"alg": "ES256", "typ": "at+jwt", "kid": service_key.kid, member: embedded}

    assert_refused(app_api(client, forge(header, claims, es256(attacker))))


@pytest.mark.parametrize("typ", ["JWT", "dc+sd-jwt", "vc+sd-jwt", "openid4vci-proof+jwt", None])
def test_service_signed_token_of_another_type_is_refused(client, claims, service_key, typ):
    """A genuine service signature on a JWT that is not an access token (typ not at+jwt)."""
    assert_refused(app_api(client, service_key.sign_jws(claims, typ=typ)))


@pytest.mark.parametrize(
    "change",
    [
        {"sub": "00000000-0000-4000-8000-000000000000"},
        {"exp": 4102444800},
        {"sid": "00000000-0000-4000-8000-000000000000"},
    ],
    ids=["sub", "exp", "sid"],
)
def test_tampered_payload_with_the_original_signature_is_refused(client, mine, claims, change):
    """Editing a claim of a genuine token and keeping its signature."""
    header, _payload, signature = mine["access_token"].split(".")
    tampered = f"{header}.{segment({**claims, **change})}.{signature}"

    assert_refused(app_api(client, tampered))


@pytest.mark.parametrize("signature", ["", "zeros", "truncated"])
def test_stripped_or_zeroed_signature_is_refused(client, mine, signature):
    """A genuine token with its signature removed, zeroed (r = s = 0) or cut short."""
    header, payload, original = mine["access_token"].split(".")
    forged = {
        "": "",
        "zeros": b64url_encode(bytes(64)),
        "truncated": b64url_encode(b64url_decode(original)[:32]),
    }[signature]

    assert_refused(app_api(client, f"{header}.{payload}.{forged}"))


def test_token_signed_by_a_key_of_another_purpose_is_refused(client, rt, clock, claims):
    """A token signed by another key of the same store (a credential issuer key), not the service key."""
    issuer_key = rt.keystore.ensure_active("issuer:transport", now=clock.now())

    assert_refused(app_api(client, issuer_key.sign_jws(claims, typ="at+jwt")))


def test_token_signed_by_a_retired_key_past_its_publication_is_refused(client, rt, clock, mine):
    """A token signed by a rotated-out key once that key is no longer published."""
    rt.keystore.rotate(SERVICE_KEYS, now=clock.now(), publish_for=timedelta(minutes=5))
    assert app_api(client, mine["access_token"]).status_code == 200

    clock.advance(minutes=5, seconds=1)

    assert_refused(app_api(client, mine["access_token"]))


def test_token_refusals_do_not_reveal_which_check_failed(client, claims, service_key):
    """Probing the verifier: bad signature, wrong type, wrong issuer and no alg all answer alike."""
    attacker = ec.generate_private_key(ec.SECP256R1())
    forged = [
        forge({"alg": "none", "typ": "at+jwt"}, claims),
        forge({"alg": "ES256", "typ": "at+jwt", "kid": service_key.kid}, claims, es256(attacker)),
        service_key.sign_jws(claims, typ="JWT"),
        service_key.sign_jws({**claims, "iss": "https://evil.example"}, typ="at+jwt"),
        service_key.sign_jws({**claims, "exp": claims["iat"] - 60}, typ="at+jwt"),
        "not-a-jwt",
    ]

    responses = [app_api(client, token) for token in forged]

    assert {response.status_code for response in responses} == {401}
    assert len({response.get_data() for response in responses}) == 1
