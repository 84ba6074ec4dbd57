"""Wycheproof ECDSA P-256 (P1363, i.e. raw r||s as in JWS) and JWS vectors through the verifier's ES256 path.

The P1363 file labels every test ``valid`` or ``invalid`` (no ``acceptable`` at this commit; were one added,
this verifier's rule is to reject it, and the count check below would flag the change for review).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifier.vectors import load
from verifier.encoding import b64url_decode, b64url_encode, b64url_json
from verifier.errors import FormatError
from verifier.jwk import p256_public_key, parse_jwks
from verifier.jws import verify_es256

P1363 = load("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json")
JWS = load("wycheproof/json_web_signature_test.json")
# SOURCE.txt: mislabelled at this commit (all in the HS256 "base64" group, which this verifier refuses).
MISLABELLED_JWS = {367, 370, 372, 373}


def test_the_p1363_file_is_the_one_described_in_sources():
    results = [t["result"] for g in P1363["testGroups"] for t in g["tests"]]

    assert (len(results), results.count("valid"), results.count("invalid")) == (262, 173, 89)


def _jwk_of(group: dict[str, Any]) -> dict[str, Any]:
    """The group's JWK; the few groups without one give the point, which becomes a JWK the same way."""
    if "publicKeyJwk" in group:
        return dict(group["publicKeyJwk"])
    point = bytes.fromhex(group["publicKey"]["uncompressed"])
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(point[1:33]), "y": b64url_encode(point[33:])}


def test_every_p1363_vector_gets_its_labelled_result():
    mismatches = []
    for group in P1363["testGroups"]:
        key = p256_public_key(_jwk_of(group))
        for test in group["tests"]:
            accepted = verify_es256(bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"]), key=key)
            if accepted != (test["result"] == "valid"):
                mismatches.append((test["tcId"], test["comment"], test["result"]))

    assert mismatches == []


def test_p1363_keys_from_jwk_equal_the_uncompressed_points():
    groups = [group for group in P1363["testGroups"] if "publicKeyJwk" in group]
    assert len(groups) > 100
    for group in groups:
        key = p256_public_key(group["publicKeyJwk"])
        numbers = key.public_numbers()
        point = "04" + f"{numbers.x:064x}" + f"{numbers.y:064x}"

        assert point == group["publicKey"]["uncompressed"]


def _accepts(jws: str, jwks: dict[str, object]) -> bool:
    """The verifier's JWS path for bare JWS (these payloads are not JSON): allow-list, kid, key, signature."""
    try:
        keys = parse_jwks(jwks)
        header_b64, payload_b64, signature_b64 = jws.split(".")
        header = b64url_json(header_b64)
        b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except (FormatError, ValueError):
        return False
    key = keys.get(header.get("kid")) if isinstance(header, dict) else None
    if key is None or header.get("alg") != "ES256" or "crit" in header:
        return False
    return verify_es256(f"{header_b64}.{payload_b64}".encode(), signature, key=key)


def _jws_cases(*comments: str) -> list[tuple[int, str, dict[str, object], str]]:
    return [
        (test["tcId"], test["jws"], {"keys": [group["public"]]}, test["result"])
        for group in JWS["testGroups"]
        if group["comment"] in comments
        for test in group["tests"]
        if isinstance(test["jws"], str)
    ]


ES256_CASES = _jws_cases("es256", "SpecialCaseEs256", "ec_key_for_encryption")


@pytest.mark.parametrize(
    ("tc_id", "jws", "jwks", "expected"), ES256_CASES, ids=[str(c[0]) for c in ES256_CASES]
)
def test_wycheproof_es256_jws(tc_id, jws, jwks, expected):
    assert _accepts(jws, jwks) == (expected == "valid")


def test_there_are_es256_jws_vectors_of_both_kinds():
    expected = [case[3] for case in ES256_CASES]

    assert expected.count("valid") >= 2
    assert expected.count("invalid") >= 30


def test_no_hmac_token_is_accepted_even_with_the_ec_key_trusted_under_its_kid():
    """Symmetric-confusion: the HS256 vectors, checked against the ES256 key set (kids rewritten to match)."""
    ec_key = next(g["public"] for g in JWS["testGroups"] if g["comment"] == "es256")
    hmac_jws = [
        t["jws"] for g in JWS["testGroups"] if g["comment"] in ("hs256", "base64") for t in g["tests"]
    ]
    jwks = {"keys": [{**ec_key, "kid": "hs256-key"}]}

    assert hmac_jws
    assert {
        t["tcId"] for g in JWS["testGroups"] if g["comment"] == "base64" for t in g["tests"]
    } >= MISLABELLED_JWS
    assert [jws for jws in hmac_jws if isinstance(jws, str) and _accepts(jws, jwks)] == []
