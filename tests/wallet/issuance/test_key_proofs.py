"""Key proofs (OpenID4VCI section 8.2.1) and their c_nonce: each bad one refused, nothing issued or spent."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.wallet.issuance.conftest import count, new_nonce, nonce_used, redeem, refused, request_credential
from tests.wallet.issuance.forging import PROOF_TYP, p384_jwk, private_jwk
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import IssuedCredential


def test_a_hand_built_proof_is_accepted(client, rt, token, forge, nonce):
    """The baseline for the forgeries below: unchanged, the forge makes a good proof."""
    response = request_credential(client, token, "driver_licence", [forge()])

    assert response.status_code == 200, response.json
    assert len(response.json["credentials"]) == 1
    assert nonce_used(rt, nonce)


# --- Key proofs ------------------------------------------------------------------------------------------

_OTHER = ec.generate_private_key(ec.SECP256R1())
_P384 = ec.generate_private_key(ec.SECP384R1())
_MINE = ec.generate_private_key(ec.SECP256R1())

FORGERIES = {
    "typ-jwt": {"header": {"typ": "JWT"}},
    "no-typ": {"header": {"typ": None}},
    "kid-header": {"header": {"kid": "device-1"}},
    "x5c-header": {"header": {"x5c": ["MIIBszCCAVmgAwIBAgIUQ"]}},
    # RFC 7515 4.1.11: we understand no critical extension, not even the one the JWT library knows (b64).
    "crit-b64-header": {"header": {"crit": ["b64"], "b64": True}},
    "crit-unknown-extension": {"header": {"crit": ["urn:example:policy"], "urn:example:policy": "x"}},
    "no-jwk": {"header": {"jwk": None}},
    "private-jwk": {"key": _MINE, "header": {"jwk": private_jwk(_MINE)}},
    "p384-jwk": {"key": _P384, "header": {"jwk": p384_jwk(_P384)}},
    "es384-alg": {"key": _P384, "header": {"alg": "ES384", "jwk": p384_jwk(_P384)}},
    "signed-by-another-key": {"key": _MINE, "signer": _OTHER},
    "wrong-aud": {"payload": {"aud": "http://127.0.0.1:8000/issuers/seniors"}},
    "no-aud": {"payload": {"aud": None}},
    "iat-10-minutes-old": {"payload": {"iat_offset": -600}},
    "iat-2-minutes-ahead": {"payload": {"iat_offset": 120}},
    "no-iat": {"payload": {"iat": None}},
    "exp-1-minute-past": {"payload": {"exp_offset": -60}},
    "exp-string": {"payload": {"exp": "tomorrow"}},
    "exp-nan": {"payload": {"exp": float("nan")}},
    # NaN and Infinity parse (json.loads) and compare False with everything: they would pass any window.
    "iat-nan": {"payload": {"iat": float("nan")}},
    "iat-infinity": {"payload": {"iat": float("inf")}},
    "iat-true": {"payload": {"iat": True}},  # bool is an int to Python
    "iat-beyond-a-float": {"payload": {"iat": 10**400}},  # was a 500: OverflowError in the age sum
    "no-nonce": {"payload": {"nonce": None}},
    "numeric-nonce": {"payload": {"nonce": 123456}},
}


@pytest.mark.parametrize("forgery", list(FORGERIES.values()), ids=list(FORGERIES))
def test_a_bad_key_proof_is_an_invalid_proof(client, rt, token, forge, nonce, now, forgery):
    payload = dict(forgery.get("payload", {}))
    for claim in ("iat", "exp"):
        if f"{claim}_offset" in payload:
            payload[claim] = now + payload.pop(f"{claim}_offset")
    proof = forge(
        header=forgery.get("header"), payload=payload, key=forgery.get("key"), signer=forgery.get("signer")
    )

    refused(rt, request_credential(client, token, "driver_licence", [proof]), "invalid_proof", nonce=nonce)


def test_an_hs256_proof_is_an_invalid_proof(client, rt, token, issuer, nonce, now):
    device = DeviceKey()
    proof = jwt.encode(
        {"aud": issuer, "iat": now, "nonce": nonce},
        device.jwk["x"],  # a "secret" anyone can read from the header
        algorithm="HS256",
        headers={"typ": PROOF_TYP, "jwk": device.jwk},
    )

    refused(rt, request_credential(client, token, "driver_licence", [proof]), "invalid_proof", nonce=nonce)


def test_a_proof_that_is_not_a_jwt_is_an_invalid_proof(client, rt, token):
    refused(rt, request_credential(client, token, "driver_licence", ["not.a.jwt"]), "invalid_proof")


def test_two_proofs_for_one_key_are_an_invalid_proof(client, rt, token, issuer, nonce, now):
    device = DeviceKey()
    proofs = [
        device.proof(issuer=issuer, nonce=nonce, now=now),
        device.proof(issuer=issuer, nonce=nonce, now=now),
    ]

    refused(rt, request_credential(client, token, "driver_licence", proofs), "invalid_proof", nonce=nonce)


# --- Nonces ----------------------------------------------------------------------------------------------


def test_an_unknown_nonce_is_an_invalid_nonce(client, rt, token, forge):
    refused(
        rt,
        request_credential(client, token, "driver_licence", [forge(payload={"nonce": "made-up"})]),
        "invalid_nonce",
    )


def test_a_nonce_is_single_use(client, rt, token, forge):
    assert request_credential(client, token, "driver_licence", [forge()]).status_code == 200

    response = request_credential(client, token, "driver_licence", [forge()])

    assert response.status_code == 400
    assert response.json["error"] == "invalid_nonce"
    assert count(rt, IssuedCredential) == 1


def test_an_expired_nonce_is_an_invalid_nonce(client, rt, clock, offer, issuer):
    nonce = new_nonce(client)
    clock.advance(minutes=6)
    token = redeem(client, offer).json["access_token"]
    proof = DeviceKey().proof(issuer=issuer, nonce=nonce, now=int(clock.now().timestamp()))

    refused(rt, request_credential(client, token, "driver_licence", [proof]), "invalid_nonce", nonce=nonce)


def test_one_bad_nonce_spoils_the_batch_and_spends_no_other(client, rt, token, issuer, nonce, now):
    proofs = [
        DeviceKey().proof(issuer=issuer, nonce=nonce, now=now),
        DeviceKey().proof(issuer=issuer, nonce="made-up", now=now),
    ]

    refused(rt, request_credential(client, token, "driver_licence", proofs), "invalid_nonce", nonce=nonce)


def test_a_proofs_time_claims_are_judged_by_the_apps_clock(client, rt, token, forge, now):
    """An exp still ahead on the app's clock passes, whatever the machine's clock says (one clock)."""
    response = request_credential(client, token, "driver_licence", [forge(payload={"exp": now + 60})])

    assert response.status_code == 200, response.json
